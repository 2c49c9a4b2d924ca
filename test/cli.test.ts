import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(root, 'dist/src/cli/main.js');
const quadratic = join(root, 'examples/quadratic.mjs');
const cwd = mkdtempSync(join(tmpdir(), 'parzen-cli-'));
after(() => rmSync(cwd, { recursive: true, force: true }));

/** Runs the CLI in a scratch directory (its default SQLite file lands there). */
function parzen(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { cwd, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('parzen run', () => {
  it('minimizes the quadratic example to within 0.02 of x = 0.5 and prints one JSON document', async () => {
    const r = await parzen('run', quadratic, '--max-evals', '1000', '--seed', '1', '--json', '--study', 'quad');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.ok(Math.abs(out.best.params.x - 0.5) < 0.02, `x = ${out.best.params.x}`);
    assert.equal(out.best.config, out.best.params.x, 'a one-leaf space hands the bare number to the objective');
    assert.equal(out.trials.length, 1000);
  });

  it('gives the same trials for the same seed in another process', async () => {
    const a = JSON.parse((await parzen('run', quadratic, '--max-evals', '30', '--seed', '7', '--json', '--storage', 'memory')).stdout);
    const b = JSON.parse((await parzen('run', quadratic, '--max-evals', '30', '--seed', '7', '--json', '--storage', 'memory')).stdout);
    assert.deepEqual(
      b.trials.map((t: { params: unknown }) => t.params),
      a.trials.map((t: { params: unknown }) => t.params),
    );
  });

  it('runs a TypeScript objective that exports an hp.* space, as an ES module and as CommonJS', async () => {
    // tsx loads the objective, and the parzen-hpo it imports, apart from the CLI's own copy: their hp.* nodes count
    for (const type of ['module', null]) {
      const dir = join(cwd, `ts-${type ?? 'cjs'}`);
      mkdirSync(join(dir, 'node_modules'), { recursive: true });
      symlinkSync(root, join(dir, 'node_modules/parzen-hpo'), 'dir');
      if (type) writeFileSync(join(dir, 'package.json'), JSON.stringify({ type }));
      writeFileSync(
        join(dir, 'obj.ts'),
        "import { hp } from 'parzen-hpo';\nexport const space = { x: hp.uniform('x', -5, 5) };\nexport default (c: { x: number }): number => c.x * c.x;\n",
      );
      for (const concurrency of ['1', '2']) {
        const r = await parzen(
          'run',
          join(dir, 'obj.ts'),
          '--storage',
          'memory',
          '--max-evals',
          '4',
          '--concurrency',
          concurrency,
          '--json',
        );
        assert.equal(r.code, 0, `${type ?? 'commonjs'}, concurrency ${concurrency}: ${r.stderr}`);
        const trials = JSON.parse(r.stdout).trials as { params: { x: number }; value: number }[];
        assert.ok(trials.length === 4 && trials.every((t) => t.value === t.params.x ** 2));
      }
    }
  });

  it('reads a JSON space and names its JSON path in errors', async () => {
    const space = join(cwd, 'space.json');
    writeFileSync(space, JSON.stringify({ x: { uniform: [5, 1] } }));
    const r = await parzen('run', quadratic, '--space', space, '--storage', 'memory');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /space\.json \$\.x \(uniform\): low \(5\) must be < high \(1\)/);
  });

  it('rejects bad flags with exit code 2 and one line, no stack trace', async () => {
    for (const args of [
      ['run', quadratic, '--max-evals', 'abc'],
      ['run', quadratic, '--bogus'],
      ['run', quadratic, '--algo', 'nope', '--storage', 'memory'],
      ['run', join(cwd, 'missing.mjs'), '--storage', 'memory'],
      ['bench', 'quality', '--algo', 'random', '--func', 'nope'],
    ]) {
      const r = await parzen(...args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    }
  });

  it('rejects unknown --algo-options keys of every sampler, with the closest known one', async () => {
    const grid = await parzen('run', quadratic, '--algo', 'grid', '--algo-options', '{"pionts":3}', '--storage', 'memory');
    assert.equal(grid.code, 2, grid.stderr);
    assert.match(grid.stderr, /grid: unknown option "pionts"; did you mean points\?/);
    const random = await parzen('run', quadratic, '--algo', 'random', '--algo-options', '{"bogus":1}', '--storage', 'memory');
    assert.equal(random.code, 2, random.stderr);
    assert.match(random.stderr, /random: unknown option "bogus"; it takes no options/);
    const bench = await parzen('bench', 'quality', '--algo', 'tpe', '--algo-options', '{"gama":0.2}', '--func', 'sphere');
    assert.equal(bench.code, 2, bench.stderr);
    assert.match(bench.stderr, /^parzen: --algo-options: tpe: unknown option "gama"; did you mean gamma\?/);
  });

  it('names the flag whose options are wrong, not the API option alone', async () => {
    const grid = await parzen('run', quadratic, '--algo', 'grid', '--storage', 'memory');
    assert.equal(grid.code, 2, grid.stderr);
    assert.match(grid.stderr, /^parzen: --algo-options: grid: hp\.uniform\("x"\) is continuous; give options\.points/);
    const threshold = await parzen('run', quadratic, '--pruner', 'threshold', '--storage', 'memory');
    assert.equal(threshold.code, 2, threshold.stderr);
    assert.match(threshold.stderr, /^parzen: --pruner-options: options\.lower or options\.upper is required by the threshold pruner/);
    const created = await parzen('create-study', '--study', 'g', '--module', quadratic, '--algo', 'grid', '--storage', 'memory');
    assert.equal(created.code, 2, created.stderr);
    assert.match(created.stderr, /^parzen: --algo-options: grid: hp\.uniform\("x"\) is continuous/);
  });

  it('lists every pruner, patient included, and suggests the one a misspelt --pruner meant', async () => {
    const help = await parzen('run', '--help');
    assert.match(help.stdout.replace(/\s+/g, ' '), /median, percentile, asha, hyperband, threshold, patient, none/);
    const typo = await parzen('run', quadratic, '--pruner', 'medain', '--storage', 'memory');
    assert.equal(typo.code, 2, typo.stderr);
    assert.match(typo.stderr, /^parzen: --pruner "medain" is not one of median, .*patient.* \(did you mean median\?\)/);
    const patient = await parzen(
      'run',
      quadratic,
      '--pruner',
      'patient',
      '--pruner-options',
      '{"patience":2}',
      '--max-evals',
      '3',
      '--storage',
      'memory',
    );
    assert.equal(patient.code, 0, patient.stderr);
  });

  it('has useful help for every command', async () => {
    const top = await parzen('--help');
    assert.equal(top.code, 0);
    for (const c of ['run', 'bench', 'studies', 'trials', 'best', 'export']) assert.match(top.stdout, new RegExp(`\\b${c}\\b`));
    const run = await parzen('run', '--help');
    assert.match(run.stdout, /--max-evals/);
    assert.match(run.stdout, /--concurrency/);
  });

  it('shows examples for every command, each using only flags the command has', async () => {
    const commands = [...(await parzen('--help')).stdout.matchAll(/^ {2}([a-z][a-z-]*) /gm)].map((m) => m[1]).filter((c) => c !== 'help');
    assert.ok(commands.length >= 15, commands.join(' '));
    for (const command of commands) {
      const help = (await parzen(command, '--help')).stdout;
      const [options, after] = help.split(/\nExamples?\b[^\n]*:\n/);
      assert.ok(after, `parzen ${command} --help shows no examples`);
      const own = after.split('\n').filter((l) => l.includes(`parzen ${command} `) && !l.includes('--help'));
      assert.ok(own.length > 0, `parzen ${command}: no example of the command itself`);
      for (const line of own) {
        const words = line.slice(line.indexOf(`parzen ${command} `) + `parzen ${command} `.length).split(/[|;&#]/)[0];
        // `parzen bench quality …`: the flags are the subcommand's
        const sub = /^([a-z][a-z-]*)\b/.exec(words)?.[1];
        const known = sub && new RegExp(`^ {2}${sub} `, 'm').test(options) ? (await parzen(command, sub, '--help')).stdout : options;
        for (const flag of words.match(/--[a-z-]+/g) ?? [])
          assert.ok(known.includes(flag), `parzen ${command}: example uses ${flag}, which it has not`);
      }
    }
  });
});

describe('parzen bench', () => {
  it('quality prints the documented JSON', async () => {
    const r = await parzen('bench', 'quality', '--algo', 'random', '--func', 'branin', '--trials', '20', '--seeds', '3', '--json');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.algo, 'random');
    assert.equal(out.func, 'branin');
    assert.equal(out.perSeed.length, 3);
    assert.equal(out.perSeed[0].curve.length, 20);
    assert.ok(out.finalRegret.q25 <= out.finalRegret.median && out.finalRegret.median <= out.finalRegret.q75);
    for (const s of out.perSeed) assert.ok(Math.abs(s.regret - (s.best - out.optimum)) < 1e-12 && s.regret >= 0);
  });

  it('speed prints ask times per dimension', async () => {
    const r = await parzen('bench', 'speed', '--algo', 'random', '--dims', '2,5', '--trials', '120', '--json');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(
      out.rows.map((row: { dim: number }) => row.dim),
      [2, 5],
    );
    assert.ok(out.rows.every((row: { askMs: { at100: number; at500: unknown } }) => row.askMs.at100 > 0 && row.askMs.at500 === null));
  });

  it('pruning runs on the control curves with --curves parallel (no Optuna rows there) and names a bad family', async () => {
    const args = ['bench', 'pruning', '--seeds', '2', '--budget', '3000', '--pruners', 'none', '--algo', 'tpe', '--json'];
    const out = JSON.parse((await parzen(...args, '--curves', 'parallel')).stdout);
    assert.equal(out.curves, 'parallel');
    assert.deepEqual(
      out.rows.map((r: { library: string }) => r.library),
      ['parzen'],
    );
    assert.ok(out.optimum > 0.1 && out.optimum < 0.101);
    const crossing = JSON.parse((await parzen(...args)).stdout);
    assert.equal(crossing.curves, 'crossing');
    assert.ok(crossing.rows.some((r: { library: string }) => r.library === 'optuna'));
    const bad = await parzen(...args, '--curves', 'flat');
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /--curves: "flat" is not one of crossing, parallel/);
  });
});
describe('parzen report --json', () => {
  it("prints the report's best trial and the parameters' importances beside the file it wrote", async () => {
    const space = join(cwd, 'two.json');
    writeFileSync(space, JSON.stringify({ x: { uniform: [-1, 1] }, y: { uniform: [-1, 1] } }));
    const objective = join(cwd, 'two.mjs');
    // only x matters: its importance must dominate
    writeFileSync(objective, 'export default ({ x }) => (x - 0.3) ** 2;\n');
    const run = await parzen(
      'run',
      objective,
      '--space',
      space,
      '--algo',
      'random',
      '--max-evals',
      '60',
      '--seed',
      '3',
      '--study',
      'imp',
      '--json',
    );
    assert.equal(run.code, 0, run.stderr);
    const r = await parzen('report', '--study', 'imp', '--out', join(cwd, 'imp.html'), '--json');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { trials: number; best: { number: number }; importance: { label: string; importance: number }[] };
    assert.equal(out.trials, 60);
    assert.equal(out.best.number, JSON.parse(run.stdout).best.number);
    assert.deepEqual(out.importance.map((p) => p.label).sort(), ['x', 'y']);
    assert.equal(out.importance[0].label, 'x');
    assert.ok(out.importance[0].importance > 0.7, JSON.stringify(out.importance));
  });
});
