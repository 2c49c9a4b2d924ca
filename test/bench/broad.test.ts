import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { aggregate } from '../../src/bench/broad/aggregate.js';
import { bbob } from '../../src/bench/broad/bbob.js';
import { mannWhitneyGreater } from '../../src/bench/broad/mann-whitney.js';
import { BROAD_SUITE, broadProblem } from '../../src/bench/broad/problems.js';
import { runBroadSuite } from '../../src/bench/broad/suite.js';
import { Rng } from '../../src/rng.js';
import { space } from '../../src/space/space.js';

describe('broad suite', () => {
  it('has at least 24 problems with unique names and sources, budgets 50..300, split into two halves of equal size', () => {
    assert.ok(BROAD_SUITE.length >= 24);
    assert.equal(new Set(BROAD_SUITE.map((p) => p.name)).size, BROAD_SUITE.length);
    for (const p of BROAD_SUITE) {
      assert.ok(p.source.length > 10, p.name);
      assert.ok(p.budget >= 50 && p.budget <= 300, p.name);
    }
    const tuning = BROAD_SUITE.filter((p) => p.half === 'tuning').length;
    assert.equal(tuning * 2, BROAD_SUITE.length);
    for (const family of ['bbob', 'noisy', 'mixed', 'conditional']) {
      for (const half of ['tuning', 'checking'])
        assert.ok(
          BROAD_SUITE.some((p) => p.family === family && p.half === half),
          `${family} ${half}`,
        );
    }
    const dims = BROAD_SUITE.filter((p) => p.family === 'bbob').map((p) => p.dim);
    assert.ok(Math.min(...dims) === 2 && Math.max(...dims) === 20);
  });

  it('BBOB problems are 0 at x_opt and above it at 300 random points of the box', () => {
    for (const p of BROAD_SUITE.filter((q) => q.instance)) {
      const inst = p.instance!;
      assert.ok(Math.abs(bbob(inst, inst.xopt)) < 1e-12, `${p.name} at x_opt: ${bbob(inst, inst.xopt)}`);
      const s = space(p.space());
      const rng = new Rng(`broad-test/${p.name}`);
      for (let i = 0; i < 300; i++) {
        const v = p.evaluate(s.sample(rng));
        assert.ok(v > p.optimum, `${p.name}: ${v}`);
      }
    }
  });

  it('mixed and conditional problems reach their optimum at the stated point (in the optimal branch) and stay above it elsewhere', () => {
    const optima: Record<string, Record<string, unknown>> = {
      'mixed-small-5': { x: 1.2, c: 2, q: 6.5, k: 7, color: 'blue' },
      'mixed-ml-8': { lr: 10 ** -2.5, momentum: 0.9, units: 192, dropout: 0.1, wd: 1e-5, layers: 3, optimizer: 'adam', activation: 'gelu' },
      'mixed-wide-12': { a: 0, b: -3, cat1: 'd', c1: 0.3, c2: -0.5, l1: 50, l2: 1e-4, qz: 3, nz: 1, ln: 3, n: 16, cat2: 'y' },
      'cond-branches': { model: 2, C: 10 ** 1.5, gamma: 1e-2 },
      'cond-nested': { optimizer: 1, adam_lr: 1e-3, beta1: 0.9, schedule: 1, warmup: 5 },
      'cond-layers': { layers: 1, l2_u1: 128, l2_u2: 64, l2_drop: 0.2 },
    };
    for (const [name, params] of Object.entries(optima)) {
      const p = broadProblem(name);
      const s = space(p.space());
      s.validate(params as never);
      assert.ok(Math.abs(p.evaluate(params as never) - p.optimum) < 1e-12, name);
      if (p.optimalBranch) assert.ok(p.optimalBranch(params as never), name);
      const rng = new Rng(`broad-test/${name}`);
      for (let i = 0; i < 300; i++) assert.ok(p.evaluate(s.sample(rng)) > p.optimum, name);
    }
  });

  it('runs an algorithm over a subset and tallies it against the Optuna reference', async () => {
    const report = await runBroadSuite({
      algos: [{ algo: 'random', options: {} }],
      seeds: 2,
      only: ['f7-step-ellipsoid-2d', 'cond-branches'],
    });
    assert.equal(report.rows.length, 2);
    for (const r of report.rows) assert.equal(r.seedRegrets.random.length, 2);
    assert.ok('cond-branches' in report.tallies.optimalBranch);
    assert.ok(
      report.rows.every((r) => r.optuna.tpe),
      'compared with Optuna at the suite budget',
    );
  });

  it('scales every budget with budgetScale, and leaves out Optuna (run at the suite budgets)', async () => {
    const report = await runBroadSuite({
      algos: [{ algo: 'random', options: {} }],
      seeds: 1,
      only: ['f7-step-ellipsoid-2d'],
      budgetScale: 0.5,
    });
    assert.equal(report.rows[0].budget, 25);
    assert.deepEqual(report.rows[0].optuna, {});
    assert.equal(report.tallies.bestVsBestOptuna.problems, 0);
  });
});

describe('mannWhitneyGreater', () => {
  it('gives scipy asymptotic p-values: fully separated samples of 10, identical samples', () => {
    const b = Array.from({ length: 10 }, (_, i) => i);
    const a = b.map((v) => v + 100);
    // U = 100, mean 50, sd √(100·21/12): z = 49.5 / 13.2288 = 3.7418, p = 9.13e-5
    assert.ok(Math.abs(mannWhitneyGreater(a, b) - 9.13e-5) < 2e-6);
    assert.ok(mannWhitneyGreater(b, a) > 0.999);
    const p = mannWhitneyGreater(b, b);
    assert.ok(p > 0.5 && p < 0.6, `${p}`);
  });
});

describe('aggregate', () => {
  it('ranks candidates by median per problem and averages the normalised ranks', () => {
    const agg = aggregate({
      a: { p1: [1, 1, 1], p2: [5, 5, 5] },
      b: { p1: [2, 2, 2], p2: [3, 3, 3] },
      c: { p1: [3, 3, 3], p2: [4, 4, 4] },
    });
    assert.equal(agg.a.meanNormalisedRank, 0.5);
    assert.equal(agg.b.meanNormalisedRank, 0.25);
    assert.equal(agg.c.meanNormalisedRank, 0.75);
  });
});
