import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { dominates } from '../src/samplers/moo/pareto.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(root, 'dist/src/cli/main.js');
const MODULE = join(root, 'test/fixtures/moo-constraints.mjs');
const cwd = mkdtempSync(join(tmpdir(), 'parzen-cli-moo-'));
after(() => rmSync(cwd, { recursive: true, force: true }));

function parzen(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { cwd, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

interface Row {
  number: number;
  values: number[];
  constraints?: number[];
  params: { x: number; y: number };
}

describe('parzen run on several objectives', () => {
  it('takes --directions, runs TPE on them and prints the feasible Pareto front', async () => {
    // one objective maximized: the module's second value negated by the direction, the front is the same trials' set
    const maximize = join(cwd, 'max.mjs');
    writeFileSync(
      maximize,
      `import f from ${JSON.stringify(MODULE)};\nexport { space } from ${JSON.stringify(MODULE)};\n` +
        `export default (c) => { const r = f(c); return { ...r, values: [r.values[0], -r.values[1]] }; };\n`,
    );
    const r = await parzen('run', maximize, '--directions', 'minimize,maximize', '--max-evals', '40', '--json', '--storage', 'memory');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { algo: string; directions: string[]; front: Row[]; trials: Row[]; best?: unknown };
    assert.equal(out.algo, 'tpe');
    assert.deepEqual(out.directions, ['minimize', 'maximize']);
    assert.equal(out.best, undefined);
    const feasible = out.trials.filter((t) => t.params.x <= 0.5);
    assert.ok(feasible.length > 0 && feasible.length < out.trials.length);
    const min = (t: Row) => [t.values[0], -t.values[1]];
    const brute = feasible.filter((t) => !feasible.some((o) => dominates(min(o), min(t))));
    assert.deepEqual(
      out.front.map((t) => t.number),
      brute.map((t) => t.number),
    );
  });

  it("takes the module's directions export and prints the front as a table", async () => {
    const r = await parzen('run', MODULE, '--max-evals', '25', '--storage', 'memory', '--algo', 'nsga2');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Pareto front of \d+ trials? \(minimize, minimize\):/);
    assert.match(r.stdout, /value 0 \(min\)\s+value 1 \(min\)/);
  });

  it('parzen trials shows a column per objective, the front first with --sort value, and no single best', async () => {
    const db = ['--storage', `sqlite:${join(cwd, 'moo.db')}`];
    assert.equal((await parzen('run', MODULE, '--study', 'm', '--max-evals', '20', '--algo', 'nsga2', ...db)).code, 0);
    const best = JSON.parse((await parzen('best', '--study', 'm', '--json', ...db)).stdout) as { front: Row[] };
    const table = (await parzen('trials', '--study', 'm', '--sort', 'value', '--limit', String(best.front.length), ...db)).stdout;
    assert.match(table.split('\n')[0], /value 0 \(min\)\s+value 1 \(min\)/);
    assert.doesNotMatch(table, /^best:/m);
    const shown = table
      .split('\n')
      .slice(2, 2 + best.front.length)
      .map((l) => Number(l.trim().split(/\s+/)[0]));
    assert.deepEqual(
      shown,
      best.front.map((t) => t.number),
    );
    assert.match(table, new RegExp(`Pareto front: trials? ${best.front.map((t) => t.number).join(', ')} `));
    const csv = (await parzen('trials', '--study', 'm', '--csv', '--columns', 'number,value', ...db)).stdout;
    assert.equal(csv.split('\r\n')[0], 'number,values.0,values.1');
  });

  it('refuses bad directions and single-objective algorithms by name', async () => {
    let r = await parzen('run', MODULE, '--directions', 'minimize,up', '--storage', 'memory');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /--directions: "up" is not minimize or maximize/);
    r = await parzen('run', MODULE, '--directions', 'minimize', '--storage', 'memory');
    assert.match(r.stderr, /--directions needs at least two/);
    r = await parzen('run', MODULE, '--algo', 'cmaes', '--storage', 'memory');
    assert.match(r.stderr, /sampler cmaes optimizes one objective/);
  });
});
