import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { openStorage } from '../../src/storage/open.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = join(root, 'dist/src/cli/main.js');
const OBJECTIVE = join(root, 'test/fixtures/storage-sleep.mjs');
const dir = mkdtempSync(join(tmpdir(), 'parzen-held-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const exec = promisify(execFile);
const parzen = (args: string[]) =>
  exec(process.execPath, [CLI, ...args], { cwd: dir, env: { ...process.env, SLEEP_MS: '0' } }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );

describe('a resumed run whose budget others still hold', () => {
  it('says how many trials are held and until when and exits 3; with --wait it waits for the leases and completes the budget', async () => {
    const url = `sqlite:${join(dir, 'held.db')}`;
    const args = ['run', OBJECTIVE, '--storage', url, '--study', 'h', '--max-evals'];
    assert.equal((await parzen([...args, '6'])).code, 0);
    // another process holding 4 trials: it beats (extends their 2.5 s leases) while we look, then dies
    const storage = await openStorage(url);
    const study = await storage.getStudy('h');
    const ghost = await storage.claimTrials(
      study!.id,
      [0, 1, 2, 3].map((i) => ({ x: i / 10, y: 1, kind: 'a' })),
      { owner: 'ghost:1', leaseMs: 2500 },
    );
    const beat = setInterval(() => void storage.heartbeat(ghost.map((t) => t.id)), 300);
    try {
      const held = await parzen([...args, '10']);
      assert.equal(held.code, 3, held.stderr);
      assert.match(
        held.stdout,
        /budget not met: 6 of 10 trials finished; 4 trials are still running under other processes' leases \(until \d\d:\d\d:\d\d UTC\); run again after that, or with --wait/,
      );

      const json = await parzen([...args, '10', '--json']);
      assert.equal(json.code, 3);
      const { held: h } = JSON.parse(json.stdout) as { held: { count: number; until: number } };
      assert.equal(h.count, 4);
      assert.ok(h.until > Date.now() - 5000 && h.until < Date.now() + 5000);
    } finally {
      clearInterval(beat);
      await storage.close();
    }

    const waited = await parzen([...args, '10', '--wait']);
    assert.equal(waited.code, 0, waited.stderr);
    assert.match(waited.stderr, /waiting: 4 trials are still running/);
    const s2 = await openStorage(url);
    const trials = await s2.trials(study!.id);
    await s2.close();
    assert.equal(trials.filter((t) => t.state === 'complete').length, 10);
    assert.deepEqual(
      trials.filter((t) => t.owner === 'ghost:1').map((t) => t.failReason),
      ['stale', 'stale', 'stale', 'stale'],
    );
    assert.equal(trials.filter((t) => t.state === 'running').length, 0);
  });
});
