import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hp } from '../../src/space/hp.js';
import { createStudy } from '../../src/study/study.js';
import { fixture } from './fixtures.js';

describe('errors raised outside the objective call (timers and rejections left behind by a trial)', () => {
  for (const prefetch of [0, 1]) {
    it(`blames a timer or rejection after return on no trial, and one while running on that trial (prefetch ${prefetch})`, async () => {
      // With prefetch 1 the next trial is queued on the worker and starts the moment the previous one returns.
      const study = await createStudy({ space: { x: hp.uniform('x', 0, 1) } });
      await study.optimize({ module: fixture('pool-late.mjs') }, { nTrials: 8, concurrency: 1, prefetch });
      const t = await study.trials();
      assert.deepEqual(
        t.slice(0, 4).map((r) => [r.state, r.value]),
        [
          ['complete', 0],
          ['complete', 1],
          ['complete', 2],
          ['complete', 3],
        ],
      );
      assert.equal(t[4].state, 'fail');
      assert.equal(t[4].failReason, 'threw');
      assert.match(t[4].failMessage as string, /uncaught exception: timer of trial 4/);
      assert.equal(t[5].state, 'fail');
      assert.match(t[5].failMessage as string, /unhandled rejection: unawaited rejection of trial 5/);
      assert.deepEqual(
        t.slice(6).map((r) => r.state),
        ['complete', 'complete'],
      );
    });
  }
});
