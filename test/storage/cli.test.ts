import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { openStorage } from '../../src/storage/open.js';
import { countsAgainstBudget } from '../../src/storage/storage.js';
import type { TrialRecord } from '../../src/trial/trial.js';
import { dropSchemas, freshSchema, PG_SKIP, testPgUrl, withSchema } from './pg-env.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = join(root, 'dist/src/cli/main.js');
const OBJECTIVE = join(root, 'test/fixtures/storage-sleep.mjs');
const exec = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'parzen-cli-storage-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const parzen = (args: string[], env: Record<string, string> = {}) =>
  exec(process.execPath, [CLI, ...args], { cwd: dir, env: { ...process.env, ...env }, maxBuffer: 64 << 20, timeout: 120_000 });

async function readTrials(url: string, study: string): Promise<TrialRecord[]> {
  const s = await openStorage(url);
  try {
    const rec = await s.getStudy(study);
    return rec ? await s.trials(rec.id) : [];
  } finally {
    await s.close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const exited = (c: ChildProcess) =>
  new Promise<number | null>((r) => (c.exitCode !== null || c.signalCode !== null ? r(c.exitCode) : c.once('exit', r)));

describe('parzen run on persistent storage', () => {
  it('loses no completed trial when killed with SIGKILL, and a resumed run completes the budget', async () => {
    const url = `sqlite:${join(dir, 'crash.db')}`;
    const args = [
      'run',
      OBJECTIVE,
      '--storage',
      url,
      '--study',
      'crash',
      '--max-evals',
      '60',
      '--seed',
      '3',
      '--concurrency',
      '2',
      '--heartbeat',
      '100',
    ];
    const child = spawn(process.execPath, [CLI, ...args], { cwd: dir, env: { ...process.env, SLEEP_MS: '20' }, stdio: 'ignore' });
    let before: TrialRecord[] = [];
    for (let i = 0; i < 500; i++) {
      await sleep(20);
      before = (await readTrials(url, 'crash').catch(() => [])).filter((t) => t.state === 'complete');
      if (before.length >= 15) break;
    }
    child.kill('SIGKILL');
    await exited(child);
    assert.ok(before.length >= 15, 'the run got going before the kill');
    const atKill = await readTrials(url, 'crash');
    assert.ok(atKill.filter((t) => t.state === 'complete').length < 60, 'killed mid-run');
    await sleep(400); // > 3 heartbeats: the killed run's running trials are now stale
    const { stdout } = await parzen(args.slice(0, -2).concat(['--heartbeat', '100']), { SLEEP_MS: '1' });
    assert.match(stdout, /continuing study crash/);
    const all = await readTrials(url, 'crash');
    assert.deepEqual(
      all.map((t) => t.number),
      all.map((_, i) => i),
      'numbers stay gap-free',
    );
    for (const t of before) {
      const now = all[t.number];
      assert.equal(now.state, 'complete');
      assert.equal(now.value, t.value);
      assert.deepEqual(now.params, t.params);
      assert.equal(now.owner, t.owner);
    }
    const counted = all.filter(countsAgainstBudget);
    assert.equal(counted.length, 60, 'the full budget, not counting trials lost with the process');
    assert.ok(counted.every((t) => t.state === 'complete'));
    const lost = all.filter((t) => !countsAgainstBudget(t));
    assert.ok(
      lost.every((t) => t.failReason === 'stale' && atKill[t.number].state === 'running'),
      'only trials running at the kill are stale',
    );
    assert.equal(new Set(all.map((t) => JSON.stringify(t.params))).size, all.length, 'the resumed sampler proposes new points');
  });

  it('continues a study with its stored algorithm, direction and seed, and rejects a different space', async () => {
    const url = `sqlite:${join(dir, 'resume.db')}`;
    await parzen(
      [
        'run',
        OBJECTIVE,
        '--storage',
        url,
        '--study',
        'r',
        '--max-evals',
        '5',
        '--direction',
        'maximize',
        '--seed',
        '7',
        '--algo',
        'random',
      ],
      { SLEEP_MS: '0' },
    );
    const { stdout } = await parzen(['run', OBJECTIVE, '--storage', url, '--study', 'r', '--max-evals', '8', '--json'], { SLEEP_MS: '0' });
    const out = JSON.parse(stdout);
    assert.equal(out.algo, 'random');
    assert.equal(out.direction, 'maximize');
    assert.equal(out.seed, 7);
    assert.equal(out.trials.length, 8);
    const quad = join(root, 'examples/quadratic.mjs');
    await assert.rejects(
      parzen(['run', quad, '--storage', url, '--study', 'r', '--max-evals', '9']),
      (e: { code: number; stderr: string }) => {
        assert.equal(e.code, 2);
        assert.match(e.stderr, /different space/);
        return true;
      },
    );
  });

  it('lists studies and prints trials as a table, JSON and CSV, and the best trial', async () => {
    const url = `sqlite:${join(dir, 'inspect.db')}`;
    await parzen(['run', OBJECTIVE, '--storage', url, '--study', 'a,b "c"', '--max-evals', '6', '--seed', '1', '--algo', 'random'], {
      SLEEP_MS: '0',
    });
    const studies = JSON.parse((await parzen(['studies', '--storage', url, '--json'])).stdout);
    assert.equal(studies.studies.length, 1);
    assert.deepEqual(studies.studies[0].counts, { running: 0, complete: 6, pruned: 0, fail: 0 });
    assert.match((await parzen(['studies', '--storage', url])).stdout, /name\s+direction/);
    const json = JSON.parse((await parzen(['trials', '--storage', url, '--study', 'a,b "c"', '--json'])).stdout);
    assert.deepEqual(
      json.trials.map((t: { number: number }) => t.number),
      [0, 1, 2, 3, 4, 5],
    );
    const csv = (await parzen(['trials', '--storage', url, '--study', 'a,b "c"', '--csv'])).stdout.trim().split('\r\n');
    assert.equal(csv.length, 7);
    const head = csv[0].split(',');
    assert.deepEqual(
      head.filter((h) => h.startsWith('params.')),
      ['params.x', 'params.y', 'params.kind'],
    );
    const row = csv[1].split(',');
    assert.equal(Number(row[head.indexOf('params.x')]), json.trials[0].params.x);
    assert.equal(row[head.indexOf('params.kind')], json.trials[0].params.kind);
    const best = JSON.parse((await parzen(['best', '--storage', url, '--study', 'a,b "c"', '--json'])).stdout).best;
    assert.equal(best.value, Math.min(...json.trials.map((t: { value: number }) => t.value)));
    assert.deepEqual(best.config, best.params);
    const exported = JSON.parse((await parzen(['export', '--storage', url, '--study', 'a,b "c"'])).stdout);
    assert.equal(exported.trials.length, 6);
    assert.deepEqual(exported.sampler, { name: 'random', options: {} });
    assert.equal(
      (await parzen(['export', '--storage', url, '--study', 'a,b "c"', '--format', 'csv'])).stdout.trim().split('\r\n').length,
      7,
    );
    await assert.rejects(parzen(['trials', '--storage', url, '--study', 'nope']), (e: { code: number; stderr: string }) => {
      assert.equal(e.code, 2);
      assert.match(e.stderr, /no study "nope".*a,b "c"/);
      return true;
    });
  });
});

const pgUrl = testPgUrl();

describe('parzen run distributed over PostgreSQL', () => {
  it(
    'runs 3 processes on one study: exactly 300 trials, numbered once each, no repeated point, each seeing the others',
    { skip: pgUrl ? false : PG_SKIP },
    async () => {
      const schema = freshSchema('dist');
      const url = withSchema(pgUrl as string, schema);
      try {
        const args = [
          'run',
          OBJECTIVE,
          '--storage',
          url,
          '--study',
          'dist',
          '--max-evals',
          '300',
          '--concurrency',
          '2',
          '--seed',
          '1',
          '--json',
        ];
        const outs = await Promise.all([0, 1, 2].map(() => parzen(args, { SLEEP_MS: '10' })));
        for (const o of outs) assert.equal(JSON.parse(o.stdout).study, 'dist');
        const all = await readTrials(url, 'dist');
        assert.equal(all.length, 300);
        assert.deepEqual(
          all.map((t) => t.number),
          all.map((_, i) => i),
        );
        assert.ok(all.every((t) => t.state === 'complete'));
        assert.equal(new Set(all.map((t) => JSON.stringify(t.params))).size, 300, 'no two trials share a parameter set');
        const owners = [...new Set(all.map((t) => t.owner))];
        assert.equal(owners.length, 3, 'every process ran trials');
        // A trial numbered n was claimed when trials 0…n−1 existed: each process's later trials come after the others'.
        for (const o of owners) {
          const last = Math.max(...all.filter((t) => t.owner === o).map((t) => t.number));
          for (const other of owners.filter((x) => x !== o)) {
            assert.ok(
              all.some((t) => t.owner === other && t.number < last),
              `${o} claimed after ${other}'s trials existed`,
            );
          }
        }
        let switches = 0;
        for (let i = 1; i < all.length; i++) if (all[i].owner !== all[i - 1].owner) switches++;
        assert.ok(switches >= 10, `claims interleave (${switches} owner switches)`);
      } finally {
        await dropSchemas(pgUrl as string, [schema]);
      }
    },
  );
});
