import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pruningRun, runPruningBench } from '../../src/bench/pruning.js';
import { STEPS } from '../../src/bench/learning-curves.js';

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
