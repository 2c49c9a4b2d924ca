import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/rng.js';
import { dLogH, logEI, logH } from '../../src/samplers/gp/acquisition.js';
import { gp, GpSampler, refitPoint } from '../../src/samplers/gp/index.js';
import { Surrogate } from '../../src/samplers/gp/model.js';
import { minimizeBox } from '../../src/samplers/gp/optimize.js';
import { fitSubset } from '../../src/samplers/gp/sampler.js';
import { INITIAL_LENGTH, MAX_LENGTH, trustBox, trustLength } from '../../src/samplers/gp/trust.js';
import { warpOutputs } from '../../src/samplers/gp/warp.js';
import { hp } from '../../src/space/hp.js';
import { tpe } from '../../src/samplers/tpe/tpe.js';
import { createStudy } from '../../src/study/study.js';
import { normalCdf } from '../../src/stats.js';
import { samplerConformance } from '../conformance/sampler.js';

samplerConformance('gp', () => gp({ nStartupTrials: 8 }), { trials: 24 });

describe('gp options', () => {
  it('rejects invalid options naming the field', () => {
    assert.throws(() => gp({ nStartupTrials: 0 }), /gp: options\.nStartupTrials must be/);
    assert.throws(() => gp({ kernel: 'linear' as never }), /gp: options\.kernel must be/);
    assert.throws(() => gp({ acquisition: 'pi' as never }), /gp: options\.acquisition must be/);
    assert.throws(() => gp({ noise: -1 }), /gp: options\.noise must be/);
    assert.throws(() => gp({ beta: 0 }), /gp: options\.beta must be/);
    assert.throws(() => gp({ trustRegion: 'yes' as never }), /gp: options\.trustRegion must be/);
    assert.throws(() => gp({ branchExploration: 1.5 }), /gp: options\.branchExploration must be/);
    assert.throws(() => gp({ foo: 1 } as never), /options\.foo/);
  });

  it('exposes gp.suggest with the defaults', () => {
    assert.ok(gp.suggest instanceof GpSampler);
    assert.equal(gp.suggest.name, 'gp');
  });
});

describe('gp model', () => {
  it('matches the closed-form posterior of two points, standardisation included', () => {
    // RBF, l = 1, s2 = 1, noise s2n in standardized units; data y = 1 at x = 0 and y = 3 at x = 1.
    const s2n = 0.01;
    const hyper = { kind: 'rbf' as const, lengthscales: [1], signalVariance: 1, noiseVariance: s2n };
    const model = Surrogate.fromOutputs(hyper, Float64Array.of(0, 1), [1, 3], 1);
    const mu = 2;
    const std = Math.SQRT2; // sample standard deviation of (1, 3)
    const z = [-1 / std, 1 / std];
    const k12 = Math.exp(-0.5);
    const det = (1 + s2n) ** 2 - k12 ** 2;
    const inv = [
      [(1 + s2n) / det, -k12 / det],
      [-k12 / det, (1 + s2n) / det],
    ];
    const xs = 0.25;
    const ks = [Math.exp(-0.5 * xs ** 2), Math.exp(-0.5 * (1 - xs) ** 2)];
    const a = [inv[0][0] * z[0] + inv[0][1] * z[1], inv[1][0] * z[0] + inv[1][1] * z[1]];
    const meanZ = ks[0] * a[0] + ks[1] * a[1];
    const quad = ks[0] * (inv[0][0] * ks[0] + inv[0][1] * ks[1]) + ks[1] * (inv[1][0] * ks[0] + inv[1][1] * ks[1]);
    const p = model.predictOriginal(Float64Array.of(xs), 1);
    assert.ok(Math.abs(p.mean[0] - (mu + std * meanZ)) < 1e-9, `mean ${p.mean[0]} vs ${mu + std * meanZ}`);
    assert.ok(Math.abs(p.variance[0] - std * std * (1 - quad)) < 1e-9, `variance ${p.variance[0]} vs ${std * std * (1 - quad)}`);
    // Posterior means at the data: shrunk towards the prior mean by the noise.
    const fitted = model.fittedMeans();
    const expected0 = 1 * (inv[0][0] * z[0] + inv[0][1] * z[1]) + k12 * (inv[1][0] * z[0] + inv[1][1] * z[1]);
    assert.ok(Math.abs(fitted[0] - expected0) < 1e-9);
    model.dispose();
  });

  it('keeps the posterior mean and shrinks the variance at a fantasized point (kriging believer)', () => {
    const hyper = { kind: 'matern52' as const, lengthscales: [0.3, 0.3], signalVariance: 1, noiseVariance: 1e-6 };
    const x = Float64Array.of(0.1, 0.1, 0.9, 0.2, 0.5, 0.8);
    const model = Surrogate.fromOutputs(hyper, x, [1, 2, 0.5], 2);
    const q = Float64Array.of(0.4, 0.4);
    const before = model.predict(q, 1);
    const fant = model.withFantasies(q, 1);
    const after = fant.predict(q, 1);
    assert.ok(Math.abs(after.mean[0] - before.mean[0]) < 1e-6);
    assert.ok(after.variance[0] < 1e-4 * before.variance[0] + 1e-8);
    model.dispose();
    fant.dispose();
  });
});

describe('gp output warping and fit subset', () => {
  it('keeps the order of the outputs and compresses a heavy right tail', () => {
    const y = Float64Array.of(3, 1, 1e6, 2, 50, 1.5, 1e3, 7, 4, 2);
    for (const kind of ['log', 'rank', 'auto'] as const) {
      const w = warpOutputs(y, kind);
      for (let i = 0; i < y.length; i++) for (let j = 0; j < y.length; j++) if (y[i] < y[j]) assert.ok(w[i] < w[j], `${kind} monotone`);
      const spread = (a: Float64Array, lo: number, hi: number) => a[hi] - a[lo];
      // the tail (1e3 → 1e6) weighs less than the bulk (1 → 7) after warping
      assert.ok(spread(w, 6, 2) / spread(w, 1, 7) < spread(y, 6, 2) / spread(y, 1, 7) / 100, kind);
    }
    const symmetric = Float64Array.of(-2, -1, 0, 1, 2, 0.5, -0.5);
    assert.deepEqual(warpOutputs(symmetric, 'auto'), symmetric);
  });

  it('fits large histories on the best half and the most recent points', () => {
    const y = Array.from({ length: 20 }, (_, i) => (i * 7) % 20);
    const sub = fitSubset(y, 8);
    assert.equal(sub.length, 8);
    const best = [...y].sort((a, b) => a - b).slice(0, 4);
    for (const v of best) assert.ok(sub.some((i) => y[i] === v));
    assert.ok(sub.includes(19));
  });
});

describe('LogEI', () => {
  const naive = (z: number) => Math.log(Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI) + z * normalCdf(z));

  it('matches log(EI) computed naively where that is accurate', () => {
    for (let z = -8; z <= 6; z += 0.25) {
      const want = naive(z);
      assert.ok(Math.abs(logH(z) - want) < 1e-8 * Math.max(1, Math.abs(want)), `z=${z}: ${logH(z)} vs ${want}`);
    }
    const a = logEI(0.3, 0.04, 0.1); // z = (0.1 - 0.3) / 0.2 = -1
    assert.ok(Math.abs(a.value - (naive(-1) + Math.log(0.2))) < 1e-10);
  });

  it('stays finite and increasing where naive log(EI) underflows to -Infinity', () => {
    assert.equal(naive(-40), -Infinity);
    let prev = -Infinity;
    for (const z of [-1e12, -1e9, -1e8, -6.7e7, -1e6, -1e4, -1e3, -100, -40, -38, -20, -1.0001, -1, -0.9999]) {
      const v = logH(z);
      assert.ok(Number.isFinite(v), `logH(${z}) = ${v}`);
      assert.ok(v > prev, `logH increasing at z=${z}`);
      prev = v;
    }
    // Asymptote: log h(z) ≈ -z²/2 - log√(2π) - 2 log|z|.
    const z = -1e3;
    assert.ok(Math.abs(logH(z) - (-0.5 * z * z - 0.5 * Math.log(2 * Math.PI) - 2 * Math.log(-z))) < 1e-5);
  });

  it('has derivatives that agree with finite differences', () => {
    for (const z of [-50, -5, -1.5, -0.5, 0, 2]) {
      const h = 1e-6 * Math.max(1, Math.abs(z));
      const fd = (logH(z + h) - logH(z - h)) / (2 * h);
      assert.ok(Math.abs(dLogH(z) - fd) < 1e-5 * Math.max(1, Math.abs(fd)), `z=${z}: ${dLogH(z)} vs ${fd}`);
    }
    const [m, v, best] = [0.4, 0.09, 0.1];
    const a = logEI(m, v, best);
    const e = 1e-6;
    assert.ok(Math.abs(a.dMean - (logEI(m + e, v, best).value - logEI(m - e, v, best).value) / (2 * e)) < 1e-5);
    assert.ok(Math.abs(a.dVar - (logEI(m, v + e, best).value - logEI(m, v - e, best).value) / (2 * e)) < 1e-5);
  });
});

describe('minimizeBox', () => {
  it('finds the minimum of a bounded quadratic lying on the bounds', () => {
    const c = [2, -1, 0.3, 0.7];
    const w = [1, 10, 3, 0.5];
    const f = (x: Float64Array, g: Float64Array) => {
      let s = 0;
      for (let i = 0; i < x.length; i++) {
        s += w[i] * (x[i] - c[i]) ** 2;
        g[i] = 2 * w[i] * (x[i] - c[i]);
      }
      return s;
    };
    const r = minimizeBox(f, [0.5, 0.5, 0.5, 0.5], [0, 0, 0, 0], [1, 1, 1, 1]);
    const want = [1, 0, 0.3, 0.7];
    r.x.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-6, `x${i} = ${v}, want ${want[i]}`));
  });

  it('minimises a curved valley inside the box (Rosenbrock)', () => {
    const f = (x: Float64Array, g: Float64Array) => {
      const [a, b] = x;
      g[0] = -400 * a * (b - a * a) - 2 * (1 - a);
      g[1] = 200 * (b - a * a);
      return 100 * (b - a * a) ** 2 + (1 - a) ** 2;
    };
    const r = minimizeBox(f, [-1.2, 1], [-2, -2], [2, 2], { maxIter: 500 });
    assert.ok(Math.abs(r.x[0] - 1) < 1e-4 && Math.abs(r.x[1] - 1) < 1e-4, `x = ${r.x}`);
  });
});

describe('gp sampler', () => {
  it('uses one Latin hypercube for its startup trials: one point per stratum of each dim', async () => {
    const study = await createStudy({
      space: { a: hp.uniform('a', 0, 1), b: hp.uniform('b', 0, 1) },
      sampler: gp({ nStartupTrials: 10 }),
      seed: 1,
    });
    await study.optimize((p: any) => p.a + p.b, { nTrials: 10 });
    const trials = await study.trials();
    for (const k of ['a', 'b']) {
      const strata = new Set(trials.map((t) => Math.floor((t.params[k] as number) * 10)));
      assert.equal(strata.size, 10, `${k} covers every stratum`);
    }
  });

  it("takes a conditional space's suggestion from TPE with probability branchExploration", async () => {
    const space = {
      m: hp.choice('m', [
        { kind: 'a', x: hp.uniform('x', 0, 1) },
        { kind: 'b', y: hp.uniform('y', 0, 1), z: hp.uniform('z', 0, 1) },
      ]),
    };
    const study = await createStudy({ space, sampler: gp({ nStartupTrials: 5 }), seed: 3 });
    await study.optimize((p: any) => (p.m.kind === 'a' ? 0.3 + (p.m.x - 0.5) ** 2 : (p.m.y - 0.2) ** 2 + p.m.z), { nTrials: 12 });
    const h = study.history();
    for (let seed = 0; seed < 5; seed++) {
      // probability 1: every suggestion is TPE's, not the acquisition's maximum (probability 0)
      const explored = gp({ nStartupTrials: 5, branchExploration: 1 }).suggest(h, 1, Rng.derive(seed, 'b'));
      const acquired = gp({ nStartupTrials: 5, branchExploration: 0 }).suggest(h, 1, Rng.derive(seed, 'b'));
      assert.notDeepEqual(explored, acquired);
    }
  });

  it('suggests the same point in a fresh sampler object for the same history and seed', async () => {
    const study = await createStudy({
      space: { x: hp.uniform('x', -2, 2), c: hp.choice('c', ['a', 'b']) },
      sampler: gp({ nStartupTrials: 5 }),
      seed: 4,
    });
    await study.optimize((p: any) => (p.x - 0.5) ** 2 + (p.c === 'a' ? 0 : 1), { nTrials: 14 });
    const h = study.history();
    const warm = gp({ nStartupTrials: 5 });
    warm.suggest(h, 1, Rng.derive(4, 'x')); // fills its cache
    const a = warm.suggest(h, 2, Rng.derive(4, 'y'));
    const b = gp({ nStartupTrials: 5 }).suggest(h, 2, Rng.derive(4, 'y'));
    assert.deepEqual(a, b);
  });

  it('converges on a smooth 2-D function and picks the right categorical branch (in at least 8 of 10 seeds)', async () => {
    const space = { x: hp.uniform('x', -5, 5), y: hp.uniform('y', -5, 5), c: hp.choice('c', ['red', 'green', 'blue']) };
    const off: Record<string, number> = { red: 0.5, green: 0, blue: 1 };
    const outcomes: string[] = [];
    let good = 0;
    for (let seed = 0; seed < 10; seed++) {
      const study = await createStudy({ space, sampler: gp(), seed });
      await study.optimize((p: any) => off[p.c] + (p.x + 2) ** 2 + 0.5 * (p.y - 1.5) ** 2, { nTrials: 30 });
      const best = study.bestTrial!;
      outcomes.push(`${best.params.c} ${(best.value as number).toExponential(1)}`);
      if (best.params.c === 'green' && (best.value as number) < 0.05) good++;
    }
    assert.ok(good >= 8, `best per seed: ${outcomes.join(', ')}`);
  });

  // 21 points of 4(x − 0.3)² on a grid (each `copies` times) with noise of sd 0.2; the one at x = 0.6 (true value 0.36)
  // draws −0.7 more, which mostly makes it the best observed. The noise-fitting GP averages it with its neighbours.
  async function luckyGrid(seed: number, copies: number) {
    const f = (x: number) => 4 * (x - 0.3) ** 2;
    const noise = Rng.derive(seed, 'noise');
    let next = 0;
    const grid = { name: 'grid', options: {}, suggest: () => [{ x: Math.floor(next++ / copies) / 20 }] };
    const study = await createStudy({ space: { x: hp.uniform('x', 0, 1) }, sampler: grid, seed });
    for (let i = 0; i < 21 * copies; i++) {
      const [t] = await study.ask(1);
      const x = t.params.x as number;
      await study.tell(t.number, f(x) + 0.2 * noise.normal() - (x === 0.6 ? 0.7 : 0));
    }
    return { study, f };
  }

  for (const [how, copies, noisy] of [
    ['declared noisy', 1, true],
    ["'auto', when replicates differ", 2, 'auto'],
  ] as const) {
    it(`recommends the best posterior mean under noise rather than the luckiest observation (${how})`, async () => {
      let recommended = 0;
      let observed = 0;
      for (const seed of [1, 2, 3, 4, 5, 6]) {
        const { study, f } = await luckyGrid(seed, copies);
        const rec = gp({ nStartupTrials: 6 }).recommend(study.history(), { noisy });
        assert.ok(rec, `seed ${seed}: a recommendation (noise fitted)`);
        const r = f(rec.params.x as number);
        const o = f(study.bestTrial!.params.x as number);
        assert.ok(r <= o, `seed ${seed}: true regret ${r} of the recommendation, ${o} of the best observation`);
        recommended += r;
        observed += o;
      }
      assert.ok(recommended < 0.6 * observed, `true regret: recommended ${recommended / 6}, best observed ${observed / 6}`);
    });
  }

  it("'auto' keeps the best observation of a rugged deterministic function, whatever noise the fit finds", async () => {
    // Rastrigin and Ackley in 5-D, 40 TPE trials: a smooth GP fits their ruggedness as noise (up to 0.3 of the outputs' variance),
    // as much as real noise; with no replicate to tell, the recommendation must not trade a real best for a guess.
    const rastrigin = (x: number[]) => 10 * x.length + x.reduce((s, v) => s + v * v - 10 * Math.cos(2 * Math.PI * v), 0);
    const ackley = (x: number[]) =>
      -20 * Math.exp(-0.2 * Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length)) -
      Math.exp(x.reduce((s, v) => s + Math.cos(2 * Math.PI * v), 0) / x.length) +
      20 +
      Math.E;
    const space = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`x${i}`, hp.uniform(`x${i}`, -5, 5)]));
    const worse: string[] = [];
    for (const [name, f] of [
      ['rastrigin', rastrigin],
      ['ackley', ackley],
    ] as const) {
      for (let seed = 1; seed <= 10; seed++) {
        const study = await createStudy({ space, sampler: tpe(), seed });
        await study.optimize((c: Record<string, number>) => f(Object.values(c)), { nTrials: 40 });
        const rec = gp().recommend(study.history());
        if (rec && (rec.value as number) > (study.bestTrial!.value as number)) worse.push(`${name} seed ${seed}`);
      }
    }
    assert.deepEqual(worse, []);
  });

  it('refits every trial early and on a sparser schedule later', () => {
    assert.equal(refitPoint(17), 17);
    assert.equal(refitPoint(41), 40);
    assert.equal(refitPoint(95), 92);
    assert.equal(refitPoint(500), 496);
    for (let n = 1; n < 2000; n++) assert.ok(refitPoint(n) <= n && refitPoint(n) > n / 2);
  });
});

describe('gp trust region', () => {
  it('doubles after three improvements in a row, halves after max(4, d) failures, restarts when it collapses', () => {
    assert.equal(trustLength([5, 4], 2, 3), INITIAL_LENGTH);
    assert.equal(trustLength([5, 4, 3, 2, 1], 2, 3), 2 * INITIAL_LENGTH);
    assert.equal(trustLength([5, 4, 3, 2, 1, 0, -1, -2], 2, 3), MAX_LENGTH);
    assert.equal(trustLength([1, 2, 2, 2, 2], 1, 3), INITIAL_LENGTH / 2); // 4 failures (d = 3 < 4)
    assert.equal(trustLength([1, ...Array(9).fill(2)], 1, 10), INITIAL_LENGTH); // 9 < 10 failures
    assert.equal(trustLength([1, ...Array(10).fill(2)], 1, 10), INITIAL_LENGTH / 2);
    assert.equal(trustLength([1, ...Array(4 * 6).fill(2)], 1, 4), INITIAL_LENGTH / 2 ** 6);
    assert.equal(trustLength([1, ...Array(4 * 7).fill(2)], 1, 4), INITIAL_LENGTH); // collapsed below the minimum: restart
    // A negligible improvement (under 1e-3 relative) is a failure.
    assert.equal(trustLength([1, 0.9999, 0.9998, 0.9997, 0.9996], 1, 2), INITIAL_LENGTH / 2);
  });

  it('clips the box to the cube and leaves categorical inputs free', () => {
    const b = trustBox([0.1, 0.5, 0.9], 0.4, Uint8Array.from([0, 1, 0]));
    assert.deepEqual(
      Array.from(b.lower).map((v) => +v.toFixed(12)),
      [0, 0, 0.7],
    );
    assert.deepEqual(
      Array.from(b.upper).map((v) => +v.toFixed(12)),
      [0.3, 1, 1],
    );
  });

  it('keeps 20-D suggestions inside the box around the incumbent', async () => {
    const space = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`x${i}`, hp.uniform(`x${i}`, -5, 5)]));
    const f = (p: any) => Object.values(p as Record<string, number>).reduce((s, v) => s + 0.5 * (v ** 4 - 16 * v * v + 5 * v), 0);
    const study = await createStudy({ space, sampler: gp({ nStartupTrials: 10 }), seed: 3 });
    await study.optimize(f, { nTrials: 18 });
    const trials = [...(await study.trials())].sort((a, b) => a.number - b.number);
    for (let i = 10; i < trials.length; i++) {
      const before = trials.slice(0, i);
      const best = before.reduce((a, b) => ((b.value as number) < (a.value as number) ? b : a));
      const half =
        trustLength(
          before.map((t) => t.value as number),
          10,
          20,
        ) / 2;
      for (const k of Object.keys(space)) {
        const du = Math.abs((trials[i].params[k] as number) - (best.params[k] as number)) / 10;
        assert.ok(du <= half + 1e-9, `trial ${i}, ${k}: ${du} from the incumbent, half-side ${half}`);
      }
    }
  });
});
