import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { OptionsError, SpaceError } from '../../src/errors.js';
import { createSampler, samplerNames } from '../../src/samplers/registry.js';
import { hp } from '../../src/space/hp.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { createStudy } from '../../src/study/study.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = join(root, 'dist/src/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'parzen-limits-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const exec = promisify(execFile);

function wide(d: number): Record<string, unknown> {
  const s: Record<string, unknown> = {};
  for (let i = 0; i < d; i++) s[`x${i}`] = hp.uniform(`x${i}`, 0, 1);
  return s;
}

describe('spaces with nothing to search are refused', () => {
  for (const [what, space] of [
    ['{}', {}],
    ['a space of constants', { lr: 0.1, layers: [64, 64], act: 'relu' }],
    ['only single-option choices', { a: hp.choice('a', [1]), b: hp.choice('b', ['x']) }],
  ] as const) {
    it(`${what}: a SpaceError before any trial`, async () => {
      const storage = new MemoryStorage();
      await assert.rejects(createStudy({ space, storage }), (e: unknown) => e instanceof SpaceError && /nothing to search/.test(e.message));
      assert.equal((await storage.listStudies()).length, 0, 'no study created');
    });
  }

  it('a single-option choice whose branch holds a parameter is searchable', async () => {
    const study = await createStudy({ space: { a: hp.choice('a', [{ x: hp.uniform('x', 0, 1) }]) } });
    await study.optimize(() => 1, { nTrials: 3 });
    assert.equal((await study.trials()).length, 3);
  });

  it('the CLI exits 2 with the reason for a JSON space {}', async () => {
    const mod = join(dir, 'empty.mjs');
    writeFileSync(mod, 'export const space = {};\nexport default () => 1;\n');
    const r = await exec(process.execPath, [CLI, 'run', mod, '--storage', 'memory']).catch((e) => e);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^parzen: space: nothing to search/);
  });
});

describe('sampler limits are met at study creation', () => {
  it('tpe refuses more than 4096 jointly modelled numeric parameters, naming itself and the limit', async () => {
    await assert.rejects(
      createStudy({ space: wide(4097), sampler: createSampler('tpe') }),
      (e: unknown) =>
        e instanceof OptionsError &&
        /^tpe: .*4097 numeric parameters.*at most 4096/.test(e.message) &&
        /multivariate": false/.test(e.message),
    );
  });

  it('univariate tpe runs that space', async () => {
    const study = await createStudy({ space: wide(4097), sampler: createSampler('tpe', { multivariate: false, nStartupTrials: 2 }) });
    await study.optimize(() => Math.random(), { nTrials: 4 });
    assert.equal((await study.trials()).filter((t) => t.state === 'complete').length, 4);
  });

  it('gp refuses more than 256 parameters, naming itself and the limit', async () => {
    await assert.rejects(
      createStudy({ space: wide(257), sampler: createSampler('gp') }),
      (e: unknown) => e instanceof OptionsError && /^gp: the space has 257 parameters; gp models at most 256/.test(e.message),
    );
  });

  it('a study resumed with a sampler beyond its limits is refused too', async () => {
    const storage = new MemoryStorage();
    await createStudy({ space: wide(300), storage, name: 'w' });
    await assert.rejects(
      createStudy({ storage, name: 'w', resume: true, sampler: createSampler('gp'), switchSampler: true }),
      /^OptionsError: gp: /,
    );
  });

  it('every sampler states whether it has limits (checkSpace or none) and accepts a 10,000-parameter space or refuses it up front', async () => {
    for (const name of samplerNames()) {
      const sampler = createSampler(name, name === 'grid' ? { points: 2 } : {});
      let refused: unknown = null;
      try {
        sampler.checkSpace?.((await import('../../src/space/space.js')).space(wide(10_000)));
      } catch (e) {
        refused = e;
      }
      if (refused) assert.ok(refused instanceof OptionsError && refused.message.startsWith(`${name}: `), `${name}: ${String(refused)}`);
      else assert.ok(['random', 'cmaes', 'evolution', 'nsga2'].includes(name), `${name} accepted 10,000 parameters`);
    }
  });
});
