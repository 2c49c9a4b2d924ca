import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pruningRun, runPruningBench } from '../../src/bench/pruning.js';
import { CURVE_FAMILIES, type CurveFamily, curveAt, finalOptimum, finalValue, STEPS } from '../../src/bench/learning-curves.js';
import { median } from '../../src/stats.js';

describe('parzen bench pruning', () => {
  it('spends exactly its step budget, never more, whatever the pruner (the last trial is cut off at the budget)', async () => {
    for (const pruner of ['none', 'asha', 'hyperband']) {
      for (const budget of [1050, 1234]) {
        const r = await pruningRun(pruner, 'random', 1, budget);
        assert.equal(r.steps, budget, `${pruner} at ${budget}`);
        assert.ok(r.regret >= 0);
      }
    }
    assert.equal((await pruningRun('none', 'random', 1, 20 * STEPS)).trials, 20);
  });

  it('runs each pruner at the budget and at 35% of it, no pruning at the budget only', async () => {
    const report = await runPruningBench({ seeds: 2, budget: 400, pruners: ['none', 'hyperband'], sampler: 'random', optuna: null });
    assert.deepEqual(
      report.rows.map((r) => [r.library, r.pruner, r.budget, r.steps]),
      [
        ['parzen', 'none', 400, 400],
        ['parzen', 'hyperband', 400, 400],
        ['parzen', 'hyperband', 140, 140],
      ],
    );
  });
});

describe('the learning-curve families', () => {
  const configs = Array.from({ length: 200 }, (_, i) => ({
    lr: 10 ** (-4 + (4 * ((i * 37) % 200)) / 199),
    width: 16 + ((i * 53) % 497),
    dropout: ((i * 71) % 100) / 200,
    opt:
      i % 2
        ? ({ kind: 'sgd', momentum: ((i * 13) % 99) / 100 } as const)
        : ({ kind: 'adam', beta1: 0.8 + ((i * 17) % 100) / 500 } as const),
  }));
  /** Pairs of configurations that step 3 orders otherwise than the last step (noiseless). */
  const reversed = (family: CurveFamily) => {
    let n = 0;
    for (const a of configs)
      for (const b of configs) if (curveAt(a, 3, family) < curveAt(b, 3, family) && finalValue(a, family) > finalValue(b, family)) n++;
    return n;
  };

  it('crossing curves reorder configurations after step 3; parallel ones never do', () => {
    assert.ok(reversed('crossing') > 1000, `${reversed('crossing')} pairs reversed`);
    assert.equal(reversed('parallel'), 0);
    for (const family of CURVE_FAMILIES)
      assert.ok(
        configs.every((c) => finalValue(c, family) >= finalOptimum(family) - 1e-12),
        family,
      );
  });

  // Issue 19's target (ASHA or Hyperband with TPE at 35% of the steps within 10% of TPE's regret without pruning) is met
  // where early steps rank configurations as the last does, and missed on the crossing curves (docs/pruning.md).
  it('ASHA with TPE at 35% of the steps matches TPE without pruning on parallel curves only', async () => {
    const regret = async (pruner: string, budget: number, curves: CurveFamily) => {
      const r = [];
      for (let seed = 0; seed < 20; seed++) r.push((await pruningRun(pruner, 'tpe', seed, budget, curves)).regret);
      return median(r);
    };
    const ratio = async (curves: CurveFamily) => (await regret('asha', 1050, curves)) / (await regret('none', 3000, curves));
    const parallel = await ratio('parallel');
    const crossing = await ratio('crossing');
    assert.ok(parallel <= 1.1, `parallel: ASHA at 35% / no pruning = ${parallel}`);
    assert.ok(crossing > 2, `crossing: ASHA at 35% / no pruning = ${crossing}`);
  });
});
