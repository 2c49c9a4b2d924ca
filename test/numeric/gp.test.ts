import { test } from 'node:test';
import assert from 'node:assert/strict';
import { core, type GpHyper } from '../../src/numeric/core.js';
import { referenceCore as ref } from '../../src/numeric/reference.js';
import { mulberry32, normal, randomArray, relErr } from './helpers.js';

const wasm = core();

function problem(seed: number, n: number, d: number, cat = false) {
  const rnd = mulberry32(seed);
  const x = randomArray(rnd, n * d, 0, 1);
  const categorical = new Array<boolean>(d).fill(false);
  if (cat) {
    categorical[d - 1] = true;
    for (let i = 0; i < n; i++) x[i * d + d - 1] = Math.floor(rnd() * 3);
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += Math.sin(3 * x[i * d + j]! + j);
    y[i] = s + 0.1 * normal(rnd);
  }
  const lengthscales = Array.from({ length: d }, () => 0.3 + rnd());
  return { rnd, x, y, lengthscales, categorical };
}

const KINDS = ['matern52', 'rbf'] as const;

test('kernel matrices match the reference for both kernels, with and without categorical dimensions', () => {
  for (const kind of KINDS) {
    for (const cat of [false, true]) {
      const { x, lengthscales, categorical } = problem(1, 37, 4, cat);
      const h: GpHyper = { kind, lengthscales, signalVariance: 1.7, noiseVariance: 0.01, categorical };
      for (const noise of [false, true]) {
        const kw = wasm.kernelMatrix(h, x, 37, noise);
        assert.ok(relErr(kw, ref.kernelMatrix(h, x, 37, noise)) < 1e-12, `${kind} cat=${cat}`);
      }
    }
  }
});

test('Matern-5/2 and RBF kernel values follow the documented formulas', () => {
  // two points at distance 0.6 with lengthscale 2 -> r = 0.3; categorical dim differs -> + 1/l^2 = 1/4
  const x = new Float64Array([0, 1, 0.6, 2]);
  const base = { lengthscales: [2, 2], signalVariance: 1.5, noiseVariance: 0, categorical: [false, true] };
  const r2 = 0.09 + 0.25;
  const r = Math.sqrt(r2);
  const m52 = wasm.kernelMatrix({ kind: 'matern52', ...base }, x, 2);
  assert.ok(Math.abs(m52[1]! - 1.5 * (1 + Math.sqrt(5) * r + (5 / 3) * r2) * Math.exp(-Math.sqrt(5) * r)) < 1e-15);
  const rbf = wasm.kernelMatrix({ kind: 'rbf', ...base }, x, 2);
  assert.ok(Math.abs(rbf[1]! - 1.5 * Math.exp(-r2 / 2)) < 1e-15);
  assert.equal(rbf[0], 1.5);
});

test('log marginal likelihood and gradient match the reference', () => {
  for (const kind of KINDS) {
    for (const [n, cat] of [
      [1, false],
      [20, false],
      [67, true],
      [130, false],
    ] as const) {
      const { x, y, lengthscales, categorical } = problem(2 + n, n, 3, cat);
      const h: GpHyper = { kind, lengthscales, signalVariance: 0.8, noiseVariance: 0.05, categorical };
      const w = wasm.gpLogMarginalLikelihood(h, x, y, n);
      const r = ref.gpLogMarginalLikelihood(h, x, y, n);
      assert.ok(Math.abs(w.lml - r.lml) <= 1e-10 * Math.max(1, Math.abs(r.lml)), `${kind} n=${n} lml`);
      assert.ok(relErr(w.grad, r.grad) < 1e-10, `${kind} n=${n} grad ${relErr(w.grad, r.grad)}`);
    }
  }
});

test('log marginal likelihood gradient matches central finite differences in log hyperparameters', () => {
  for (const kind of KINDS) {
    const n = 25,
      d = 3;
    const { x, y, lengthscales, categorical } = problem(3, n, d, true);
    const theta = [...lengthscales.map(Math.log), Math.log(0.9), Math.log(0.03)];
    const f = (t: number[]) =>
      wasm.gpLogMarginalLikelihood(
        {
          kind,
          lengthscales: t.slice(0, d).map(Math.exp),
          signalVariance: Math.exp(t[d]!),
          noiseVariance: Math.exp(t[d + 1]!),
          categorical,
        },
        x,
        y,
        n,
      );
    const { grad } = f(theta);
    const h = 1e-5;
    for (let j = 0; j < d + 2; j++) {
      const tp = theta.slice(),
        tm = theta.slice();
      tp[j]! += h;
      tm[j]! -= h;
      const fd = (f(tp).lml - f(tm).lml) / (2 * h);
      assert.ok(Math.abs(fd - grad[j]!) < 1e-6 * Math.max(1, Math.abs(fd)), `${kind} j=${j}: fd ${fd} vs ${grad[j]}`);
    }
  }
});

test('posterior of a two-point RBF GP matches the closed form', () => {
  // X = {0, 1}, y = (1, 2), s2 = 1, l = 1, no noise, query 0.5.
  // rho = k(0,1) = e^{-1/2}, k* = (e^{-1/8}, e^{-1/8}), K^-1 = [[1,-rho],[-rho,1]] / (1 - rho^2)
  // alpha = ((1 - 2 rho), (2 - rho)) / (1 - rho^2)
  // mean = e^{-1/8} (3 - 3 rho) / (1 - rho^2) = 3 e^{-1/8} / (1 + rho)
  // var  = 1 - k*^T K^-1 k* = 1 - 2 e^{-1/4} (1 - rho) / (1 - rho^2) = 1 - 2 e^{-1/4} / (1 + rho)
  const rho = Math.exp(-0.5);
  const h: GpHyper = { kind: 'rbf', lengthscales: [1], signalVariance: 1, noiseVariance: 0 };
  for (const c of [wasm, ref]) {
    const model = c.gpFit(h, new Float64Array([0, 1]), new Float64Array([1, 2]), 2);
    const p = model.predict(new Float64Array([0.5, 0]), 2);
    assert.ok(Math.abs(p.mean[0]! - (3 * Math.exp(-1 / 8)) / (1 + rho)) < 1e-14);
    assert.ok(Math.abs(p.variance[0]! - (1 - (2 * Math.exp(-1 / 4)) / (1 + rho))) < 1e-14);
    // at a training point without noise the posterior interpolates with zero variance
    assert.ok(Math.abs(p.mean[1]! - 1) < 1e-12);
    assert.ok(p.variance[1]! < 1e-12);
    assert.ok(relErr(model.alpha, [(1 - 2 * rho) / (1 - rho * rho), (2 - rho) / (1 - rho * rho)]) < 1e-13);
    model.dispose();
  }
});

test('posterior mean, variance and gradients match the reference for batches larger than one chunk', () => {
  for (const kind of KINDS) {
    const n = 90,
      d = 4,
      m = 300;
    const { x, y, lengthscales, categorical, rnd } = problem(4, n, d, true);
    const h: GpHyper = { kind, lengthscales, signalVariance: 1.3, noiseVariance: 0.02, categorical };
    const z = randomArray(rnd, m * d, -0.2, 1.2);
    for (let i = 0; i < m; i++) z[i * d + d - 1] = Math.floor(rnd() * 3);
    const mw = wasm.gpFit(h, x, y, n),
      mr = ref.gpFit(h, x, y, n);
    const pw = mw.predict(z, m, { grad: true }),
      pr = mr.predict(z, m, { grad: true });
    assert.ok(relErr(pw.mean, pr.mean) < 1e-10, 'mean');
    assert.ok(relErr(pw.variance, pr.variance) < 1e-10, 'variance');
    assert.ok(relErr(pw.meanGrad!, pr.meanGrad!) < 1e-10, 'meanGrad');
    assert.ok(relErr(pw.varianceGrad!, pr.varianceGrad!) < 1e-10, 'varianceGrad');
    const plain = mw.predict(z, m);
    assert.deepEqual(plain.mean, pw.mean);
    assert.equal(plain.meanGrad, undefined);
    mw.dispose();
  }
});

test('posterior gradients match central finite differences', () => {
  for (const kind of KINDS) {
    const n = 30,
      d = 3;
    const { x, y, lengthscales, rnd } = problem(5, n, d);
    const model = wasm.gpFit({ kind, lengthscales, signalVariance: 1, noiseVariance: 0.01 }, x, y, n);
    const z = randomArray(rnd, d, 0.1, 0.9);
    const p = model.predict(z, 1, { grad: true });
    const h = 1e-6;
    for (let j = 0; j < d; j++) {
      const zp = z.slice(),
        zm = z.slice();
      zp[j]! += h;
      zm[j]! -= h;
      const a = model.predict(zp, 1),
        b = model.predict(zm, 1);
      const fm = (a.mean[0]! - b.mean[0]!) / (2 * h);
      const fv = (a.variance[0]! - b.variance[0]!) / (2 * h);
      assert.ok(Math.abs(fm - p.meanGrad![j]!) < 1e-6 * Math.max(1, Math.abs(fm)), `${kind} mean j=${j}`);
      assert.ok(Math.abs(fv - p.varianceGrad![j]!) < 1e-6 * Math.max(1, Math.abs(fv)), `${kind} var j=${j}`);
    }
    model.dispose();
  }
});

test('a disposed model refuses to predict', () => {
  const model = wasm.gpFit(
    { kind: 'rbf', lengthscales: [1], signalVariance: 1, noiseVariance: 0.1 },
    new Float64Array([0, 1]),
    new Float64Array([0, 1]),
    2,
  );
  model.dispose();
  model.dispose();
  assert.throws(() => model.predict(new Float64Array([0.5]), 1), /disposed/);
});

test('fitting with duplicate points and zero noise succeeds with jitter', () => {
  const x = new Float64Array([0.1, 0.1, 0.5]);
  const y = new Float64Array([1, 1, 0]);
  const h: GpHyper = { kind: 'matern52', lengthscales: [0.3], signalVariance: 1, noiseVariance: 0 };
  const model = wasm.gpFit(h, x, y, 3);
  assert.ok(model.jitter > 0);
  const lml = wasm.gpLogMarginalLikelihood(h, x, y, 3);
  assert.ok(lml.jitter > 0 && Number.isFinite(lml.lml));
  model.dispose();
});

test('invalid hyperparameters are rejected naming the field', () => {
  const x = new Float64Array([0, 1]);
  assert.throws(() => wasm.gpFit({ kind: 'rbf', lengthscales: [0], signalVariance: 1, noiseVariance: 0 }, x, x, 2), /lengthscales\[0\]/);
  assert.throws(() => wasm.gpFit({ kind: 'rbf', lengthscales: [1], signalVariance: -1, noiseVariance: 0 }, x, x, 2), /signalVariance/);
});

test('non-finite training data is rejected naming the field, not reported as NOT_SPD', () => {
  const h: GpHyper = { kind: 'rbf', lengthscales: [1], signalVariance: 1, noiseVariance: 0.1 };
  assert.throws(() => wasm.gpLogMarginalLikelihood(h, new Float64Array([0, 1]), new Float64Array([0, NaN]), 2), /y\[1\] must be finite/);
  assert.throws(() => wasm.gpFit(h, new Float64Array([Infinity, 1]), new Float64Array([0, 1]), 2), /x\[0\] must be finite/);
});
