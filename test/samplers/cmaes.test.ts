import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OptionsError } from '../../src/errors.js';
import { Rng } from '../../src/rng.js';
import { cmaes } from '../../src/samplers/cmaes.js';
import { core } from '../../src/numeric/core.js';
import { constants, State } from '../../src/samplers/cmaes/strategy.js';
import { kendallTau, LqModel } from '../../src/samplers/cmaes/surrogate.js';
import { random } from '../../src/samplers/random.js';
import { hp } from '../../src/space/hp.js';
import { createStudy } from '../../src/study/study.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { samplerConformance } from '../conformance/sampler.js';
import { signTestP } from '../support/stats.js';

samplerConformance('cmaes', () => cmaes());
samplerConformance('cmaes (separable)', () => cmaes({ separable: true }));

const box = (d: number) => Object.fromEntries(Array.from({ length: d }, (_, i) => [`x${i}`, hp.uniform(`x${i}`, -5, 5)]));
const sphere = (p: Record<string, number>) => Object.values(p).reduce((s, v) => s + (v - 1) ** 2, 0);

describe('cmaes', () => {
  it('the numeric core decomposes a symmetric matrix: A V = V diag(values), V orthonormal', () => {
    const n = 7;
    const rng = new Rng(1);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = rng.normal();
    const { values, vectors: v } = core().symmetricEigen(a, n);
    for (let k = 1; k < n; k++) assert.ok(values[k] >= values[k - 1]);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < n; k++) {
        let av = 0;
        for (let j = 0; j < n; j++) av += a[i * n + j] * v[j * n + k];
        assert.ok(Math.abs(av - values[k] * v[i * n + k]) < 1e-10);
        let dot = 0;
        for (let j = 0; j < n; j++) dot += v[j * n + i] * v[j * n + k];
        assert.ok(Math.abs(dot - (i === k ? 1 : 0)) < 1e-10);
      }
    }
  });

  it('the strategy alone solves a 10-D ill-conditioned ellipsoid to 1e-8 within 8000 evaluations', () => {
    const n = 10;
    const lambda = 4 + Math.floor(3 * Math.log(n));
    let st = State.initial(constants(n, lambda, false, new Uint8Array(n), []), new Float64Array(n).fill(1), 0.5);
    const f = (x: Float64Array) => x.reduce((s, v, i) => s + 1e4 ** (i / (n - 1)) * v * v, 0);
    const rng = new Rng(3);
    let best = Infinity;
    for (let evals = 0; evals < 8000 && best > 1e-8; evals += lambda) {
      const pop = Array.from({ length: lambda }, () => {
        const y = st.step(Float64Array.from({ length: n }, () => rng.normal()));
        return { y, v: f(st.mean.map((m, j) => m + st.sigma * y[j])) };
      }).sort((a, b) => a.v - b.v);
      best = Math.min(best, pop[0].v);
      st = st.update(
        pop.map((p) => p.y),
        pop.map((p) => p.v),
      );
    }
    assert.ok(best <= 1e-8, `best ${best}`);
  });

  it('beats random search on a shifted 6-D sphere (150 trials, sign test over 20 seeds, p < 0.01)', async () => {
    let wins = 0;
    for (let seed = 0; seed < 20; seed++) {
      const run = async (sampler: ReturnType<typeof cmaes> | ReturnType<typeof random>) => {
        const study = await createStudy({ space: box(6), sampler, seed });
        return (await study.optimize(sphere, { nTrials: 150 }))!.value as number;
      };
      if ((await run(cmaes())) < (await run(random()))) wins++;
    }
    assert.ok(signTestP(wins, 20) < 0.01, `cmaes won ${wins}/20`);
  });

  it('a resumed study (new sampler, same trials) continues the same search', async () => {
    const storage = new MemoryStorage();
    const a = await createStudy({ space: box(4), sampler: cmaes(), seed: 9, storage, name: 'a' });
    await a.optimize(sphere, { nTrials: 37 });
    const b = await createStudy({ space: box(4), sampler: cmaes(), seed: 9, storage: new MemoryStorage(), name: 'b' });
    await b.optimize(sphere, { nTrials: 37 });
    // Continue `a` with a fresh sampler object, `b` with its own (cached) one: the next trials agree.
    const resumed = await createStudy({ space: box(4), sampler: cmaes(), seed: 9, storage, name: 'a', resume: true });
    await resumed.optimize(sphere, { nTrials: 60 });
    await b.optimize(sphere, { nTrials: 60 });
    assert.deepEqual(
      (await resumed.trials()).map((t) => t.params),
      (await b.trials()).map((t) => t.params),
    );
  });

  it('keeps converging with 4 trials in flight, told out of order, and a third of them failing', async () => {
    const study = await createStudy({ space: box(3), sampler: cmaes(), seed: 4 });
    const rng = new Rng(8);
    const inflight = await study.ask(4);
    while (inflight.length > 0) {
      // Finish a random one of the running trials, then refill to 4 running.
      const [t] = inflight.splice(rng.int(inflight.length), 1);
      if (t.number % 3 === 0) await study.tell(t.number, { state: 'fail', reason: 'threw', message: 'boom' });
      else await study.tell(t.number, sphere(t.params as Record<string, number>));
      if (t.number < 236) inflight.push(...(await study.ask(1)));
    }
    const best = study.bestTrial!.value as number;
    assert.ok(best < 0.05, `best ${best}`);
  });

  it('finds an integer optimum and keeps exploring integers (margin) instead of collapsing onto one point', async () => {
    const space = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`k${i}`, hp.uniformint(`k${i}`, 0, 20)]));
    const bests: number[] = [];
    for (let seed = 0; seed < 10; seed++) {
      const study = await createStudy({ space, sampler: cmaes(), seed });
      await study.optimize((p: any) => Object.values(p as Record<string, number>).reduce((s, v, i) => s + (v - 3 - 3 * i) ** 2, 0), {
        nTrials: 200,
      });
      bests.push(study.bestTrial!.value as number);
      const last = (await study.trials()).slice(-50);
      assert.ok(new Set(last.map((t) => study.space.key(t.params))).size >= 10, 'the last 50 trials hold at least 10 distinct points');
    }
    assert.ok(bests.filter((b) => b === 0).length >= 7, `bests ${bests} (the optimum in at least 7 of 10 seeds)`);
  });

  it('the lq surrogate reproduces a full quadratic (to 1e-3, 20 random designs) once the archive supports it (0.75 N ≥ 1.1 df)', () => {
    const n = 3;
    const f = (x: ArrayLike<number>) => 3 + x[0] - 2 * x[2] + 4 * x[0] ** 2 + x[1] ** 2 + 0.5 * x[2] ** 2 + 1.5 * x[0] * x[1] - x[1] * x[2];
    let points: { x: Float64Array; f: number }[] = [];
    for (let seed = 0; seed < 20; seed++) {
      const rng = new Rng(seed);
      points = Array.from({ length: 20 }, () => {
        const x = Float64Array.from({ length: n }, () => rng.uniform());
        return { x, f: f(x) };
      });
      const model = LqModel.fit(points, n, true, new Float64Array(n).fill(0.5), 0.2)!;
      assert.equal(model.kind, 'full');
      // (the weighted least squares solve leaves errors of 1e-6 to 3e-4 over values of about 5, extrapolating)
      for (let t = 0; t < 10; t++) {
        const x = Float64Array.from({ length: n }, () => 2 * rng.uniform() - 0.5);
        assert.ok(Math.abs(model.predict(x) - f(x)) < 1e-3, `seed ${seed}: model ${model.predict(x)} vs f ${f(x)}`);
      }
    }
    assert.equal(LqModel.fit(points.slice(0, 8), n, true, new Float64Array(n), 1)!.kind, 'linear');
    assert.equal(kendallTau([1, 2, 3, 4], [10, 20, 30, 40]), 1);
    assert.equal(kendallTau([1, 2, 3, 4], [4, 3, 2, 1]), -1);
  });

  it('the surrogate (lq-CMA-ES) needs at most half the trials of plain CMA-ES to reach 1e-6 on a rotated 4-D ellipsoid (in at least 7 of 8 seeds)', async () => {
    const space = box(4);
    // f = Σ 10^(i/1) (R (x − 1))_i², R a fixed rotation (a Hadamard matrix / 2), optimum 0 at x = 1.
    const H = [
      [1, 1, 1, 1],
      [1, -1, 1, -1],
      [1, 1, -1, -1],
      [1, -1, -1, 1],
    ];
    const f = (p: Record<string, number>) => {
      const d = [0, 1, 2, 3].map((i) => p[`x${i}`] - 1);
      return H.reduce((s, row, i) => s + 10 ** i * (row.reduce((t, h, j) => t + h * d[j], 0) / 2) ** 2, 0);
    };
    const trialsTo = async (surrogate: boolean, seed: number) => {
      const study = await createStudy({ space, sampler: cmaes({ surrogate }), seed });
      for (let t = 1; t <= 1500; t++) {
        const [trial] = await study.ask(1);
        const v = f(trial.params as Record<string, number>);
        await study.tell(trial.number, v);
        if (v < 1e-6) return t;
      }
      return Infinity;
    };
    const runs: string[] = [];
    let halved = 0;
    for (let seed = 0; seed < 8; seed++) {
      const lq = await trialsTo(true, seed);
      const plain = await trialsTo(false, seed);
      runs.push(`${lq}/${plain}`);
      if (lq <= plain / 2) halved++;
    }
    assert.ok(halved >= 7, `lq/plain trials per seed: ${runs.join(' ')}`);
  });

  it('rejects bad options naming the field', () => {
    assert.throws(
      () => cmaes({ sigma0: 0 }),
      (e: Error) => e instanceof OptionsError && e.message === 'cmaes: options.sigma0 must be > 0 and ≤ 1 (got 0)',
    );
    assert.throws(() => cmaes({ popsize: 1 }), /options\.popsize/);
    assert.throws(() => cmaes({ separable: 'yes' as never }), /options\.separable/);
    assert.throws(() => cmaes({ restart: 'bipop' as never }), /options\.restart/);
    assert.throws(() => cmaes({ pBest: 2 }), /options\.pBest/);
    assert.throws(() => cmaes({ surrogate: 'yes' as never }), /options\.surrogate/);
    assert.throws(() => cmaes({ sigma: 0.1 } as never), /options\.sigma\b/);
  });
});
