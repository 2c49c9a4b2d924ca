import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hp } from '../../src/space/hp.js';
import { createStudy, trialSeed } from '../../src/study/study.js';
import { fixture } from './fixtures.js';

describe('objective context in workers', () => {
  it('passes the trial number, the per-trial seed and a signal', async () => {
    const study = await createStudy({ space: { x: hp.uniform('x', 0, 1) }, seed: 4 });
    await study.optimize({ module: fixture('pool-delay.mjs'), export: 'context' }, { nTrials: 5, concurrency: 2 });
    // context() returns an object without value/loss: it fails as 'nan', but its description carries the context.
    for (const t of await study.trials()) {
      assert.equal(t.failReason, 'nan');
      assert.ok(
        (t.failMessage as string).includes(`"trial":${t.number},"seed":${trialSeed(4, t.number)},"hasSignal":true`),
        t.failMessage as string,
      );
    }
  });

  it('aborts the signal on timeout; an objective that stops in time keeps its worker', async () => {
    const study = await createStudy({ space: { x: hp.uniform('x', 0, 1) } });
    await study.optimize({ module: fixture('pool-delay.mjs'), export: 'thread' }, { nTrials: 3, concurrency: 1, trialTimeoutMs: 100 });
    const t = await study.trials();
    assert.equal(t[1].failReason, 'timeout');
    assert.equal(t[0].state, 'complete');
    assert.equal(t[2].state, 'complete');
    assert.equal(t[0].attrs.threadId, t[2].attrs.threadId, 'the worker was not replaced');
  });

  it('loads a TypeScript objective module through tsx', async () => {
    const study = await createStudy({ space: { x: hp.uniform('x', 0, 1) }, seed: 1 });
    const best = await study.optimize({ module: fixture('pool-objective.ts') }, { nTrials: 10, concurrency: 1 });
    const t = await study.trials();
    assert.ok(t.every((r) => r.state === 'complete' && Math.abs((r.value as number) - ((r.params.x as number) - 0.5) ** 2) < 1e-12));
    assert.ok(best);
  });
});
