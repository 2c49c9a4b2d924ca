import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { hp } from '../../src/space/hp.js';
import { createStudy } from '../../src/study/study.js';
import { fixture } from './fixtures.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

describe('the per-worker memory cap', () => {
  it("fails a trial that exhausts its worker's heap with reason oom, replaces the worker and goes on", async () => {
    const study = await createStudy({ space: { hog: hp.choice('hog', [false, true]) }, seed: 3 });
    await study.optimize({ module: fixture('pool-memory.mjs') }, { nTrials: 12, concurrency: 2, maxMemoryMb: 48 });
    const trials = await study.trials();
    assert.equal(trials.length, 12);
    const hogs = trials.filter((t) => t.params.hog === true);
    assert.ok(hogs.length >= 2 && hogs.length <= 10, `the seed draws both kinds (${hogs.length} hogs)`);
    for (const t of trials) {
      if (t.params.hog) {
        assert.equal(t.failReason, 'oom', `trial ${t.number}: ${t.failMessage}`);
        assert.match(t.failMessage as string, /ran out of memory \(maxMemoryMb 48\)/);
      } else assert.deepEqual([t.state, t.value], ['complete', t.number]);
    }
  });

  it('is set from the CLI with --max-memory-mb', () => {
    const out = spawnSync(
      process.execPath,
      [
        MAIN,
        'run',
        fixture('pool-memory.mjs'),
        '--storage',
        'memory',
        '--json',
        '--max-evals',
        '6',
        '--seed',
        '3',
        '--concurrency',
        '2',
        '--max-memory-mb',
        '48',
      ],
      { encoding: 'utf8' },
    );
    assert.equal(out.status, 0, out.stderr);
    const doc = JSON.parse(out.stdout) as { trials: { state: string; params: { hog: boolean }; failReason?: string }[] };
    assert.equal(doc.trials.length, 6);
    for (const t of doc.trials) assert.equal(t.failReason, t.params.hog ? 'oom' : undefined);
    assert.ok(
      doc.trials.some((t) => t.params.hog),
      'the seed draws a hog',
    );
  });

  it('--max-memory-mb below 16 is a usage error naming the flag (exit 2)', () => {
    const out = spawnSync(process.execPath, [MAIN, 'run', fixture('pool-memory.mjs'), '--storage', 'memory', '--max-memory-mb', '1'], {
      encoding: 'utf8',
    });
    assert.equal(out.status, 2, out.stderr);
    assert.match(out.stderr, /'--max-memory-mb <mb>' argument '1' is invalid\. must be an integer >= 16/);
    assert.doesNotMatch(out.stderr, /options\.maxMemoryMb/);
  });
});
