import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OptionsError } from '../../src/errors.js';
import { workerPool } from '../../src/pool/worker-pool.js';
import { hp } from '../../src/space/hp.js';
import { createStudy, trialSeed } from '../../src/study/study.js';
import { fixture } from './fixtures.js';

const OBJECTIVE = { module: fixture('pool-delay.mjs'), export: 'seeded' };

describe('a WorkerPool kept across optimize runs', () => {
  it('serves one study, then another, on the same threads, each trial with its own study seed', async () => {
    const pool = await workerPool(OBJECTIVE, { concurrency: 2 });
    try {
      const threads = new Set<unknown>();
      for (const seed of [5, 6]) {
        const study = await createStudy({ space: { x: hp.uniform('x', 0, 1) }, seed });
        await study.optimize(pool, { nTrials: 12, prefetch: 4 });
        const trials = await study.trials();
        assert.equal(trials.length, 12);
        for (const t of trials) {
          assert.equal(t.state, 'complete');
          assert.equal(t.attrs.seed, trialSeed(seed, t.number), `study ${seed} trial ${t.number}`);
          threads.add(t.attrs.threadId);
        }
      }
      assert.equal(threads.size, 2, 'the two workers served both studies');
    } finally {
      await pool.close();
    }
  });

  it('refuses a second run or closing while one is going, a different concurrency, and a closed pool', async () => {
    const pool = await workerPool(OBJECTIVE, { concurrency: 1 });
    const study = await createStudy({ space: { x: hp.uniform('x', 0, 1) } });
    const first = study.optimize(pool, { nTrials: 3 });
    await assert.rejects(
      study.optimize(pool, { nTrials: 6 }),
      (e) => e instanceof OptionsError && /in use by another optimize run/.test(e.message),
    );
    await assert.rejects(pool.close(), /in use by an optimize run: abort the run/);
    await first;
    await assert.rejects(
      study.optimize(pool, { nTrials: 4, concurrency: 2 }),
      /options.concurrency \(2\) differs from the worker pool's 1 workers/,
    );
    await pool.close();
    await assert.rejects(study.optimize(pool, { nTrials: 4 }), /the worker pool is closed/);
    assert.equal((await study.trials()).length, 3, 'nothing was claimed by the refused runs');
  });
});
