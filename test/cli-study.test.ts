import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { hp } from '../src/space/hp.js';
import { createStudy } from '../src/study/study.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(root, 'dist/src/cli/main.js');
const quadratic = join(root, 'examples/quadratic.mjs');
const cwd = mkdtempSync(join(tmpdir(), 'parzen-cli-study-'));
after(() => rmSync(cwd, { recursive: true, force: true }));

function parzen(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { cwd, timeout: 120_000, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

async function ok(...args: string[]): Promise<string> {
  const r = await parzen(args);
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

describe('parzen study commands', () => {
  it('drives a study from the shell: create-study, enqueue, ask, tell, trials, rename, delete', async () => {
    const space = join(cwd, 'space.json');
    writeFileSync(space, JSON.stringify({ x: { uniform: [-5, 5] }, opt: { choice: ['adam', 'sgd'] } }));
    const db = ['--storage', `sqlite:${join(cwd, 'shell.db')}`];
    await ok('create-study', '--study', 'sh', '--space', space, ...db);
    assert.equal((await parzen(['create-study', '--study', 'sh', '--space', space, ...db])).code, 2, 'a second create is refused');
    await ok('create-study', '--study', 'sh', '--space', space, '--skip-if-exists', ...db);
    await ok('enqueue', '--study', 'sh', '--params', '{"x": 0.5, "opt": "sgd"}', ...db);
    const first = JSON.parse(await ok('ask', '--study', 'sh', ...db));
    assert.deepEqual(first.params, { x: 0.5, opt: 'sgd' }, 'the enqueued point comes first');
    await ok('tell', '--study', 'sh', '--trial', String(first.number), '--value', '0.25', ...db);
    // five more rounds of the loop; the algorithm is the study's own (tpe by default)
    for (let i = 0; i < 5; i++) {
      const t = JSON.parse(await ok('ask', '--study', 'sh', ...db));
      assert.equal(t.number, i + 1);
      assert.ok(t.config.opt === 'adam' || t.config.opt === 'sgd');
      await ok('tell', '--study', 'sh', '--trial', String(t.number), '--value', String((t.config.x - 0.5) ** 2), ...db);
    }
    const late = await parzen(['tell', '--study', 'sh', '--trial', '0', '--value', '9', ...db]);
    assert.equal(late.code, 2);
    assert.match(late.stderr, /already complete/);
    const sorted = JSON.parse(await ok('trials', '--study', 'sh', '--sort', 'value', '--limit', '2', '--json', ...db)).trials;
    assert.equal(sorted.length, 2);
    const all = JSON.parse(await ok('trials', '--study', 'sh', '--json', ...db)).trials;
    assert.equal(sorted[0].value, Math.min(...all.map((t: { value: number }) => t.value)));
    assert.ok(sorted[1].value >= sorted[0].value);
    const table = await ok('trials', '--study', 'sh', '--state', 'complete', '--columns', 'number,value,x', ...db);
    assert.match(table.split('\n')[0], /^#\s+value\s+x$/);
    assert.match(
      table,
      new RegExp(`best: trial ${sorted[0].number}, value ${sorted[0].value}, params \\{"x":[-\\d.e]+,"opt":"(adam|sgd)"\\}, config`),
    );
    for (const blank of ['', '   ']) {
      const r = await parzen(['rename', '--study', 'sh', '--to', blank, ...db]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /--to must be a non-empty string without NUL characters/);
    }
    const unnamed = await parzen(['create-study', '--study', ' ', '--space', space, ...db]);
    assert.equal(unnamed.code, 2, unnamed.stderr);
    assert.match(unnamed.stderr, /--study must be a non-empty string/);
    await ok('rename', '--study', 'sh', '--to', 'sh2', ...db);
    assert.match(await ok('delete', '--study', 'sh2', ...db), /deleted study sh2 and its 6 trials/);
    assert.deepEqual(JSON.parse(await ok('studies', '--json', ...db)).studies, []);
  });

  it('enqueue --repeats queues the most promising configurations again, and run evaluates them', async () => {
    const db = ['--storage', `sqlite:${join(cwd, 'repeats.db')}`];
    await ok('run', quadratic, '--study', 'q', '--max-evals', '6', '--seed', '1', ...db);
    const queued = JSON.parse(await ok('enqueue', '--study', 'q', '--repeats', '2x3', '--json', ...db));
    assert.equal(queued.points.length, 6);
    assert.equal(queued.queued, 6);
    const best = JSON.parse(await ok('trials', '--study', 'q', '--sort', 'value', '--limit', '2', '--json', ...db)).trials;
    assert.deepEqual(
      queued.points.slice(0, 2),
      best.map((t: { params: unknown }) => t.params),
      'the two best (too few trials for a model: by value)',
    );
    await ok('run', quadratic, '--study', 'q', '--max-evals', '12', ...db);
    const all = JSON.parse(await ok('trials', '--study', 'q', '--json', ...db)).trials;
    assert.deepEqual(
      all.slice(6).map((t: { params: unknown }) => t.params),
      queued.points,
    );
    const both = await parzen(['enqueue', '--study', 'q', '--repeats', '2x3', '--params', '{"x": 1}', ...db]);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /give one of --params and --repeats/);
    const bad = await parzen(['enqueue', '--study', 'q', '--repeats', '2x0', ...db]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /--repeats.*must be TOPxN with positive integers/);
  });

  it('continuing a study whose trials a stopped run left running: says so, waits aloud, redoes them', async () => {
    const left = async (name: string, leaseMs: number) => {
      const study = await createStudy({ name, storage: `sqlite:${join(cwd, 'left.db')}`, space: hp.uniform('x', -5, 5), seed: 2 });
      await study.ask(2, { leaseMs }); // never told: as a killed process leaves them
      await study.close();
    };
    const run = (name: string) =>
      parzen(['run', quadratic, '--study', name, '--max-evals', '2', '--storage', `sqlite:${join(cwd, 'left.db')}`]);
    // leases still running: the run waits for them aloud, then exits 3 with the budget unmet
    await left('held', 4000);
    const held = await run('held');
    assert.equal(held.code, 3, held.stderr);
    assert.match(held.stderr, /2 trials are still running under other processes' leases \(until [\d:]+ UTC\); waiting up to 2 s/);
    // leases run out: the trials are redone, and the messages say what happened
    await left('dead', 200);
    await new Promise((r) => setTimeout(r, 300));
    const r = await run('dead');
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /nothing to run/);
    assert.match(r.stdout, /2 running elsewhere or left by a stopped run \(redone if their leases run out\)/);
    assert.match(r.stdout, /4 trials \(0 failed, 2 interrupted or stale \(not counted\)\)/);
  });

  it('writes the attributes of the JSON into the CSV', async () => {
    const objective = join(cwd, 'attrs.mjs');
    writeFileSync(
      objective,
      "export const space = { x: { uniform: [0, 1] } };\nexport default (c) => ({ loss: c.x, epochs: 3, note: 'a,b' });\n",
    );
    const db = ['--storage', `sqlite:${join(cwd, 'attrs.db')}`];
    await ok('run', objective, '--study', 'a', '--max-evals', '3', ...db);
    const csv = (await ok('trials', '--study', 'a', '--csv', ...db)).trim().split('\r\n');
    const head = csv[0].split(',');
    assert.ok(head.includes('attrs.epochs') && head.includes('attrs.note'), csv[0]);
    assert.match(csv[1], /,3,"a,b"/);
  });

  it('says so plainly when --max-evals is below what a study has done', async () => {
    const db = ['--storage', `sqlite:${join(cwd, 'resume.db')}`];
    await ok('run', quadratic, '--study', 'r', '--max-evals', '12', ...db);
    const out = await ok('run', quadratic, '--study', 'r', '--max-evals', '5', ...db);
    assert.match(out, /already has 12 trials, and --max-evals 5 is the study's total, not a number to add: nothing to run/);
  });

  it('suggests the closest algorithm for a typo, and runs TPE by default', async () => {
    const typo = await parzen(['run', quadratic, '--algo', 'cmaess', '--storage', 'memory']);
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /did you mean cmaes\?/);
    const out = JSON.parse(await ok('run', quadratic, '--max-evals', '3', '--storage', 'memory', '--json'));
    assert.equal(out.algo, 'tpe');
  });

  it('writes a progress line to stderr off a terminal (done, best, rate, ETA), and none with --json', async () => {
    const r = await parzen(['run', quadratic, '--max-evals', '200', '--storage', 'memory'], { PARZEN_PROGRESS_MS: '1' });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('parzen: '));
    assert.ok(lines.length >= 2, r.stderr);
    assert.match(lines.at(-1) ?? '', /^parzen: 200\/200 trials \| best \d\.\d+ \| [\d.]+\/s \| ETA 0s$/);
    const quiet = await parzen(['run', quadratic, '--max-evals', '20', '--storage', 'memory', '--json'], { PARZEN_PROGRESS_MS: '1' });
    assert.equal(quiet.stderr, '');
  });
});
