import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const index = new URL('../../src/index.js', import.meta.url).href;
const wasm = new URL('../../src/numeric/wasm.js', import.meta.url).href;

/** Runs `body` (an ES module's code, with `parzen` and `wasmLoaded` in scope) in a fresh process; returns its stdout. */
async function fresh(body: string): Promise<string> {
  const code = `import * as parzen from ${JSON.stringify(index)}; import { wasmLoaded } from ${JSON.stringify(wasm)};\n${body}`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', code], {
    cwd: fileURLToPath(new URL('.', import.meta.url)),
  });
  return stdout.trim();
}

test('importing the package and running random search never instantiate the WASM core', async () => {
  const out = await fresh(`
    const study = await parzen.createStudy({ space: { x: parzen.hp.uniform('x', -1, 1) }, sampler: parzen.random(), seed: 1 });
    await study.optimize((p) => p.x ** 2, { nTrials: 20 });
    console.log(JSON.stringify({ trials: (await study.trials()).length, loaded: wasmLoaded() }));`);
  assert.deepEqual(JSON.parse(out), { trials: 20, loaded: false });
});

test('the WASM core is instantiated on the first model-based ask', async () => {
  const out = await fresh(`
    const study = await parzen.createStudy({ space: { x: parzen.hp.uniform('x', -1, 1) }, sampler: parzen.tpe({ nStartupTrials: 3 }), seed: 1 });
    await study.optimize((p) => p.x ** 2, { nTrials: 3 });
    const before = wasmLoaded();
    await study.optimize((p) => p.x ** 2, { nTrials: 5 });
    console.log(JSON.stringify({ before, after: wasmLoaded() }));`);
  assert.deepEqual(JSON.parse(out), { before: false, after: true });
});
