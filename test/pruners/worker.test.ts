import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HyperbandPruner } from '../../src/pruners/hyperband.js';
import { MedianPruner, PercentilePruner } from '../../src/pruners/percentile.js';
import { PatientPruner } from '../../src/pruners/patient.js';
import type { Pruner } from '../../src/pruners/pruner.js';
import { SuccessiveHalvingPruner } from '../../src/pruners/successive-halving.js';
import { ThresholdPruner } from '../../src/pruners/threshold.js';
import { hp } from '../../src/space/hp.js';
import { createStudy } from '../../src/study/study.js';
import { fixture } from '../pool/fixtures.js';

const pruners: [string, Pruner][] = [
  ['median', new MedianPruner({ nStartupTrials: 3 })],
  ['percentile', new PercentilePruner({ percentile: 25, nStartupTrials: 3 })],
  ['asha', new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 3 })],
  ['hyperband', new HyperbandPruner({ minResource: 1, maxResource: 20, reductionFactor: 3 })],
  ['threshold', new ThresholdPruner({ upper: 1.5 })],
];

describe('pruning objectives in worker threads', () => {
  for (const [name, pruner] of pruners) {
    it(`a worker-thread objective reporting every epoch is pruned by ${name}, its last step and value stored`, async () => {
      const study = await createStudy({ space: hp.uniform('x', 0, 1), seed: 9 });
      const best = await study.optimize({ module: fixture('pruning-epochs.mjs') }, { nTrials: 24, concurrency: 2, pruner });
      const trials = await study.trials();
      const pruned = trials.filter((t) => t.state === 'pruned');
      assert.ok(pruned.length >= 3, `${pruned.length} pruned`);
      assert.equal(trials.filter((t) => t.state === 'fail').length, 0);
      // (a pruner may also stop a trial at its last report, 19, when the trials it compares with are ahead there)
      assert.ok(
        pruned.some((t) => (t.intermediate?.at(-1)?.step ?? 19) < 19),
        'no trial was stopped before its last step',
      );
      for (const t of pruned) {
        const last = t.intermediate?.at(-1);
        assert.ok(last && last.step <= 19, `trial ${t.number} stopped at ${last?.step}`);
        assert.deepEqual(
          t.intermediate?.map((e) => e.step),
          Array.from({ length: last.step + 1 }, (_, i) => i),
        );
        assert.equal(t.value, last.value);
        assert.equal(last.value, (t.params.x as number) + 1 / (1 + last.step));
      }
      for (const t of trials.filter((t) => t.state === 'complete')) assert.equal(t.intermediate?.length, 20);
      assert.equal(best?.state, 'complete');
    });
  }

  it('a worker-thread objective whose values rise again is pruned by patient after its patience', async () => {
    const study = await createStudy({ space: hp.uniform('x', 0, 1), seed: 9 });
    await study.optimize(
      { module: fixture('pruning-epochs.mjs'), export: 'overfit' },
      { nTrials: 12, concurrency: 2, pruner: new PatientPruner(null, { patience: 2 }) },
    );
    const trials = await study.trials();
    assert.ok(trials.some((t) => t.state === 'pruned') && trials.some((t) => t.state === 'complete'));
    for (const t of trials) {
      // the minimum is at epoch 2 or 3: two steps later without a better value, the trial stops
      const iv = t.intermediate ?? [];
      const lastAt = iv.at(-1)?.step ?? -1;
      if ((t.params.x as number) > 0.5) {
        assert.equal(t.state, 'pruned');
        assert.ok(lastAt >= 4 && lastAt <= 5, `stopped at ${lastAt}`);
        assert.ok(Math.min(...iv.slice(0, -3).map((e) => e.value)) < Math.min(...iv.slice(-3).map((e) => e.value)));
      } else assert.equal(t.state, 'complete');
    }
  });

  it('shouldPrune() gives the answer of the reports answered so far, without awaiting them', async () => {
    const study = await createStudy({ space: hp.uniform('x', 0, 1), seed: 9 });
    await study.optimize(
      { module: fixture('pruning-epochs.mjs'), export: 'polling' },
      { nTrials: 10, concurrency: 2, pruner: new ThresholdPruner({ upper: 1 }) },
    );
    const trials = await study.trials();
    // x·(1 + epoch/10) passes 1 at epoch ⌊10/x⌋ − 9 (by epoch 19 for x > 0.345) and stays above: trials stop a few steps after
    for (const t of trials) {
      const x = t.params.x as number;
      const cross = Math.max(0, Math.floor(10 / x) - 9);
      if (x > 0.56) {
        assert.equal(t.state, 'pruned', `x = ${x}`);
        const last = t.intermediate?.at(-1)?.step as number;
        assert.ok(last >= cross && last <= cross + 4, `x = ${x}: crossed at ${cross}, stopped at ${last}`);
      }
      if (x < 0.34) assert.equal(t.state, 'complete');
    }
    assert.ok(trials.some((t) => t.state === 'pruned'));
  });
});
