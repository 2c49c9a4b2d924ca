import { test } from 'node:test';
import assert from 'node:assert/strict';
import { core, type MixtureSpec } from '../../src/numeric/core.js';
import { referenceCore as ref } from '../../src/numeric/reference.js';
import { wasmSpecial } from '../../src/numeric/wasm.js';
import { erf, erfc, logNormMass } from '../../src/numeric/special.js';
import { mulberry32, normal, randomArray, relErrEach } from './helpers.js';

/** The core's log densities to the reference: the log-sum-exp's terms are exponentiated in single precision. */
const LOG_PDF_TOL = 1e-6;

const wasm = core();

test('erf and erfc agree with high-precision values in both implementations', () => {
  // values from a 60-digit Taylor-series evaluation (erf) and known erfc tail values
  const cases: [number, number, number][] = [
    [0.1, 0.1124629160182848922032750717439683832217, 0.8875370839817151077967249282560316167783],
    [0.3, 0.3286267594591274276389140478667565511699, 0.6713732405408725723610859521332434488301],
    [1, 0.8427007929497148693412206350826092592961, 0.1572992070502851306587793649173907407039],
    [2.5, 0.9995930479825550410604357842600250872797, 4.069520174449589395642157399749127203e-4],
    [5, 0.9999999999984625402055719651498116565146, 1.537459794428034850188343485383378890118e-12],
    [10, 1, 2.088487583762544757000786294957788611561e-45],
    [27, 1, 5.2370464393526e-319],
  ];
  for (const [x, ef, ec] of cases) {
    for (const [name, e, c] of [
      ['ts', erf, erfc],
      ['wasm', wasmSpecial.erf, wasmSpecial.erfc],
    ] as const) {
      assert.ok(Math.abs(e(x) - ef) <= 1e-15 * Math.abs(ef), `${name} erf(${x})`);
      assert.ok(Math.abs(e(-x) + ef) <= 1e-15 * Math.abs(ef), `${name} erf(-${x})`);
      if (x < 26) assert.ok(Math.abs(c(x) - ec) <= 1e-15 * ec, `${name} erfc(${x}) = ${c(x)}`);
      assert.ok(Math.abs(c(-x) - (2 - ec)) <= 1e-15, `${name} erfc(-${x})`);
    }
  }
});

test('log normal mass is accurate in the far tails and matches between implementations', () => {
  // log Phi(-30) = log(erfc(30 / sqrt 2) / 2) = -454.3212439563431 (C library erfc, no underflow at this point)
  assert.ok(Math.abs(logNormMass(-Infinity, -30) - -454.3212439563431) < 1e-9);
  assert.ok(Math.abs(wasmSpecial.logNormMass(30, Infinity) - -454.3212439563431) < 1e-9);
  assert.equal(logNormMass(-Infinity, Infinity), 0);
  assert.equal(logNormMass(1, 1), -Infinity);
  const rnd = mulberry32(7);
  for (let i = 0; i < 2000; i++) {
    const a = (rnd() - 0.5) * 80,
      b = a + rnd() * rnd() * 10;
    const t = logNormMass(a, b),
      w = wasmSpecial.logNormMass(a, b);
    assert.ok(Math.abs(t - w) <= 1e-12 * Math.max(1, Math.abs(t)), `(${a}, ${b}): ${t} vs ${w}`);
    assert.ok(Number.isFinite(t) || b === a, `(${a}, ${b}) finite`);
  }
  // narrow interval: mass ~ width * density
  const mid = 0.7,
    w = 1e-6;
  const approx = Math.log((w * Math.exp((-mid * mid) / 2)) / Math.sqrt(2 * Math.PI));
  assert.ok(Math.abs(logNormMass(mid - w / 2, mid + w / 2) - approx) < 1e-8);
});

test('the vectorised exp used by log-sum-exp is accurate to a few ulps', () => {
  const rnd = mulberry32(8);
  const x = randomArray(rnd, 1001, -745, 0);
  x[0] = 0;
  x[1] = -708;
  x[2] = -1e-300;
  x[3] = -Infinity;
  const e = wasmSpecial.exp(x);
  for (let i = 0; i < x.length; i++) {
    if (x[i]! < -708) {
      assert.ok(e[i]! <= 3.1e-308, `exp(${x[i]})`);
      continue;
    }
    const t = Math.exp(x[i]!);
    assert.ok(Math.abs(e[i]! - t) <= 1e-15 * t, `exp(${x[i]}) = ${e[i]} vs ${t}`);
  }
});

/** `shared`: every component but the last has the first one's sigmas (as in multivariate TPE, the last being the prior). */
function randomMixture(
  seed: number,
  K: number,
  d: number,
  opts: { q?: boolean; inf?: boolean; cats?: number[]; shared?: number } = {},
): MixtureSpec {
  const rnd = mulberry32(seed);
  const w = randomArray(rnd, K, 0.1, 1);
  const ws = w.reduce((a, b) => a + b, 0);
  for (let k = 0; k < K; k++) w[k]! /= ws;
  const low = new Float64Array(d).fill(-2),
    high = new Float64Array(d).fill(3);
  if (opts.inf && d > 0) {
    low[0] = -Infinity;
    high[d - 1] = Infinity;
  }
  const spec: MixtureSpec = {
    weights: w,
    mus: randomArray(rnd, K * d, -2.5, 3.5),
    sigmas: randomArray(rnd, K * d, 0.05, 2),
    low,
    high,
  };
  if (opts.shared) {
    const sig = spec.sigmas as Float64Array;
    for (let j = 0; j < d; j++) sig[j] = opts.shared * (1 + j / d);
    for (let k = 1; k < K - 1; k++) sig.copyWithin(k * d, 0, d);
  }
  if (opts.q) spec.q = Array.from({ length: d }, (_, j) => (j % 2 === 0 ? 0.25 : 0));
  if (opts.cats) {
    const S = opts.cats.reduce((a, b) => a + b, 0);
    const probs = new Float64Array(K * S);
    for (let k = 0; k < K; k++) {
      let off = 0;
      for (const size of opts.cats) {
        let s = 0;
        for (let c = 0; c < size; c++) s += probs[k * S + off + c] = 0.05 + rnd();
        for (let c = 0; c < size; c++) probs[k * S + off + c]! /= s;
        off += size;
      }
    }
    spec.categorical = { sizes: opts.cats, probs };
  }
  return spec;
}

test('mixture log-densities match the reference (continuous, quantised, infinite bounds, categorical)', () => {
  const configs = [
    { K: 1, d: 1 },
    { K: 7, d: 3 },
    { K: 64, d: 10 },
    { K: 101, d: 2, q: true },
    { K: 33, d: 4, inf: true },
    { K: 20, d: 3, q: true, inf: true, cats: [3, 5] },
    { K: 9, d: 0, cats: [4] },
    // shared sigmas, wide and narrow (narrow: most components out of reach of a point, so their normalisers are skipped)
    { K: 200, d: 7, shared: 0.3 },
    { K: 301, d: 2, shared: 0.02, q: true },
    { K: 500, d: 5, shared: 0.01, cats: [3] },
  ];
  configs.forEach((cfg, idx) => {
    const spec = randomMixture(10 + idx, cfg.K, cfg.d, cfg);
    const rnd = mulberry32(100 + idx);
    const m = 57;
    const x = randomArray(rnd, m * cfg.d, -2.2, 3.2); // some points fall outside [-2, 3]
    const categories = cfg.cats
      ? Int32Array.from({ length: m * cfg.cats.length }, (_, i) => Math.floor(rnd() * cfg.cats![i % cfg.cats!.length]!))
      : undefined;
    const pts = categories ? { x, categories } : { x };
    const w = wasm.parzenLogPdf(spec, pts);
    const r = ref.parzenLogPdf(spec, pts);
    assert.equal(w.length, m);
    for (let i = 0; i < m; i++) {
      if (r[i] === -Infinity) assert.equal(w[i], -Infinity, `config ${idx} point ${i}`);
    }
    assert.ok(relErrEach(w, r, 1) < LOG_PDF_TOL, `config ${idx}: ${relErrEach(w, r, 1)}`);
    if (cfg.d > 0) assert.ok(r.some((v) => v === -Infinity) && r.some(Number.isFinite), `config ${idx} exercises both`);
  });
});

test("integer dims: a point's log-density is the reference's and does not depend on the other points of its batch", () => {
  // as TPE has them: the means at integer dims are observed integers, the sigmas shared but for the prior's, and
  // the candidates share few cells (their terms are computed once per distinct cell and (mean, sigma), per block of
  // points: 64 of them, fewer for a mixture as large as the second)
  for (const [K, m] of [
    [400, 150],
    [20000, 60],
  ]) {
    const d = 3;
    const rnd = mulberry32(K);
    const spec = randomMixture(K, K, d, { shared: 0.4, cats: [3] });
    const mus = spec.mus as Float64Array;
    for (let k = 0; k < K; k++) for (const j of [0, 2]) mus[k * d + j] = Math.floor(rnd() * 6) - 2;
    spec.q = [1, 0, 1];
    spec.low = [-2.5, -2, -2.5];
    spec.high = [3.5, 3, 3.5];
    const x = randomArray(rnd, m * d, -2, 3);
    for (let i = 0; i < m; i++) for (const j of [0, 2]) x[i * d + j] = Math.floor(rnd() * 8) - 3; // -3: outside
    const categories = Int32Array.from({ length: m }, () => Math.floor(rnd() * 3));
    const batch = wasm.parzenLogPdf(spec, { x, categories });
    const r = ref.parzenLogPdf(spec, { x, categories });
    assert.ok(relErrEach(batch, r, 1) < LOG_PDF_TOL, `K = ${K}: ${relErrEach(batch, r, 1)}`);
    assert.ok(r.some((v) => v === -Infinity) && r.some(Number.isFinite), `K = ${K} exercises both`);
    for (let i = 0; i < m; i++) {
      const alone = wasm.parzenLogPdf(spec, { x: x.slice(i * d, (i + 1) * d), categories: categories.slice(i, i + 1) });
      assert.ok(Object.is(alone[0], batch[i]), `K = ${K}, point ${i}: ${alone[0]} alone, ${batch[i]} in the batch`);
    }
  }
});

test('mixtures whose components mostly share their sigmas, with exceptions anywhere, match the reference, one-shot and prepared', () => {
  const configs = [
    { K: 64, d: 10 },
    { K: 101, d: 2, q: true },
    { K: 20, d: 3, q: true, inf: true, cats: [3, 5] },
    { K: 9, d: 0, cats: [4] },
    { K: 200, d: 7, shared: 0.3 },
    { K: 301, d: 2, shared: 0.02, q: true },
    { K: 500, d: 5, shared: 0.01, cats: [3] },
    { K: 977, d: 2, shared: 0.05 },
    { K: 240, d: 3, shared: 0.2 },
  ];
  configs.forEach((cfg, idx) => {
    const spec = randomMixture(40 + idx, cfg.K, cfg.d, cfg);
    if (cfg.shared) {
      // components with sigmas of their own besides the last (the prior's place in TPE), and a duplicate component
      const sig = spec.sigmas as Float64Array,
        mus = spec.mus as Float64Array;
      for (const k of [0, 17, cfg.K >> 1]) for (let j = 0; j < cfg.d; j++) sig[k * cfg.d + j] = 0.4 + 0.1 * j;
      mus.copyWithin(5 * cfg.d, 4 * cfg.d, 5 * cfg.d);
    }
    const rnd = mulberry32(200 + idx);
    const m = 43;
    const x = randomArray(rnd, m * cfg.d, -2.2, 3.2);
    const categories = cfg.cats
      ? Int32Array.from({ length: m * cfg.cats.length }, (_, i) => Math.floor(rnd() * cfg.cats![i % cfg.cats!.length]!))
      : undefined;
    const pts = categories ? { x, categories } : { x };
    const r = ref.parzenLogPdf(spec, pts);
    const w = wasm.parzenLogPdf(spec, pts);
    assert.ok(relErrEach(w, r, 1) < LOG_PDF_TOL, `config ${idx}: ${relErrEach(w, r, 1)}`);
    const resident = wasm.parzenMixture(spec);
    assert.ok(relErrEach(resident.logPdf(pts), r, 1) < LOG_PDF_TOL, `config ${idx}, prepared`);
    resident.dispose();
  });
});

/**
 * A bad-group mixture as TPE builds it late in a run: most components gathered where the candidates are, the rest
 * spread over the box (some near its edges), a shared small bandwidth, weights ramping up, and a wide prior last.
 * m candidates: most near the gathering, `outliers` far from it.
 */
function gatheredMixture(seed: number, d: number, outliers: number, m: number) {
  const rnd = mulberry32(seed);
  const K = 800,
    near = 600,
    sigma = 0.012;
  const mus = new Float64Array(K * d),
    sigmas = new Float64Array(K * d).fill(sigma),
    weights = new Float64Array(K);
  for (let k = 0; k < K - 1; k++) {
    for (let j = 0; j < d; j++) mus[k * d + j] = k < near ? 0.5 + 0.04 * normal(rnd) : 0.001 + 0.998 * rnd();
    weights[k] = 1 / K + (k / K) * (1 - 1 / K);
  }
  for (let j = 0; j < d; j++) {
    mus[(K - 1) * d + j] = 0.5;
    sigmas[(K - 1) * d + j] = 1;
  }
  weights[K - 1] = 1;
  // shuffle the gathered and the spread components together (TPE's are in trial order)
  for (let k = K - 2; k > 0; k--) {
    const o = Math.floor(rnd() * (k + 1));
    for (let j = 0; j < d; j++) [mus[k * d + j], mus[o * d + j]] = [mus[o * d + j]!, mus[k * d + j]!];
  }
  const x = new Float64Array(m * d);
  for (let p = 0; p < m; p++) {
    for (let j = 0; j < d; j++) x[p * d + j] = p < m - outliers ? 0.5 + 0.03 * normal(rnd) : (p + j) % 2 === 0 ? 0.03 : 0.97;
  }
  const spec = { weights, mus, sigmas, low: new Float64Array(d), high: new Float64Array(d).fill(1) };
  return { spec, x };
}

test('where most components are out of reach of the candidates (TPE late in a run) the densities match the reference', () => {
  for (const [d, outliers, m] of [
    [2, 0, 24],
    [2, 2, 24],
    [3, 1, 24],
    [5, 2, 24],
    [2, 3, 80],
  ] as const) {
    const { spec, x } = gatheredMixture(d * 10 + outliers, d, outliers, m);
    const r = ref.parzenLogPdf(spec, { x });
    const resident = wasm.parzenMixture(spec);
    // one-shot and prepared (resident)
    const evaluate = [() => wasm.parzenLogPdf(spec, { x }), () => resident.logPdf({ x })];
    // the case is one where leaving out what is in reach would show: at each point, components from e^-30 to e^-3
    // of its largest term hold more than 1e-5 of its density
    let tail = 0;
    for (let p = 0; p < m - outliers; p++) {
      const terms = Array.from({ length: spec.weights.length }, (_, k) => {
        let q = 0;
        for (let j = 0; j < d; j++) q += ((x[p * d + j]! - spec.mus[k * d + j]!) / spec.sigmas[k * d + j]!) ** 2 / 2;
        return Math.log(spec.weights[k]!) - q;
      });
      const top = Math.max(...terms);
      const mid = terms.filter((t) => t < top - 3 && t > top - 30).reduce((a, t) => a + Math.exp(t - top), 0);
      const total = terms.reduce((a, t) => a + Math.exp(t - top), 0);
      if (mid / total > 1e-5) tail++;
    }
    assert.ok(tail > (m - outliers) / 2, `d ${d}: the components in reach matter (${tail} points)`);
    for (const [e, f] of evaluate.entries()) {
      const w = f();
      for (let p = 0; p < m; p++)
        assert.ok(
          Math.abs(w[p]! - r[p]!) <= LOG_PDF_TOL * Math.max(1, Math.abs(r[p]!)),
          `d ${d}, ${outliers} outliers, evaluator ${e}, point ${p}: ${w[p]} vs ${r[p]}`,
        );
    }
    resident.dispose();
  }
});

test('components whose means lie outside the box are scored exactly', () => {
  for (const out of [3, 20, 30]) {
    const K = 12,
      d = 2,
      sigma = 0.05;
    const mus = new Float64Array(K * d);
    for (let k = 0; k < K; k++) {
      mus[k * d] = k < 6 ? 0.5 + 0.02 * k : -out * sigma - 0.01 * k;
      mus[k * d + 1] = 0.5;
    }
    const spec = {
      weights: new Float64Array(K).fill(1),
      mus,
      sigmas: new Float64Array(K * d).fill(sigma),
      low: new Float64Array(d),
      high: new Float64Array(d).fill(1),
    };
    const x = Float64Array.of(0, 0.5, 0.001, 0.5, 0.002, 0.5, 0.003, 0.5, 0.004, 0.5, 0, 0.49);
    const r = ref.parzenLogPdf(spec, { x }),
      w = wasm.parzenLogPdf(spec, { x });
    for (let i = 0; i < r.length; i++)
      assert.ok(Math.abs(w[i]! - r[i]!) <= LOG_PDF_TOL * Math.max(1, Math.abs(r[i]!)), `${out} sigmas out, point ${i}: ${w[i]} vs ${r[i]}`);
  }
});

test("a tile's first pair of dims, scored before the loop over pairs, gives bit for bit the loop's sums", () => {
  // A mixture at d = 2 (its one pair scored before the loop) against the same mixture with dims that add exactly
  // nothing (integer dims whose normaliser and every point's cell hold all of the mass, log 1 = 0): two in front, so
  // that its dims are scored in the loop, and one behind. Sigmas from 1e-6 to 1e6 times the box, zero weights, means
  // and points outside the box, points at a mean, batches that are not whole tiles.
  const cases = [
    [1, 1],
    [2, 3],
    [3, 5],
    [8, 64],
    [9, 67],
    [17, 10],
    [1001, 70],
  ];
  let finite = 0;
  let outside = 0;
  for (const [K, m] of cases) {
    const rnd = mulberry32(900 + K);
    const mus = randomArray(rnd, 2 * K, -4, 5);
    const spec: MixtureSpec = {
      weights: Float64Array.from({ length: K }, () => (rnd() < 0.1 ? 0 : rnd())),
      mus,
      sigmas: Float64Array.from({ length: 2 * K }, () => 5 * 10 ** (12 * rnd() - 6)),
      low: [-2, -2],
      high: [3, 3],
    };
    const x = randomArray(rnd, 2 * m, -2.5, 3.5);
    for (let i = 0; i < m; i += 3) x.set(mus.subarray(2 * (i % K), 2 * (i % K) + 2), 2 * i);
    const two = wasm.parzenLogPdf(spec, { x });
    for (const at of [2, 0]) {
      // the two dims at at, at + 1 of three or four; the others null
      const D = at === 2 ? 4 : 3;
      const lift = (a: ArrayLike<number>, n: number, fill: number) =>
        Float64Array.from({ length: D * n }, (_, i) => {
          const j = (i % D) - at;
          return j === 0 || j === 1 ? a[2 * Math.floor(i / D) + j]! : fill;
        });
      const wide = (v: number, fill: number) => Array.from({ length: D }, (_, j) => (j === at || j === at + 1 ? v : fill));
      const padded: MixtureSpec = {
        weights: spec.weights,
        mus: lift(mus, K, 0),
        sigmas: lift(spec.sigmas, K, 1),
        low: wide(-2, -1000),
        high: wide(3, 1000),
        q: wide(0, 1),
      };
      const got = wasm.parzenLogPdf(padded, { x: lift(x, m, 0), lower: lift(x, m, -1000), upper: lift(x, m, 1000) });
      for (let i = 0; i < m; i++) {
        assert.ok(Object.is(two[i], got[i]), `K = ${K}, point ${i}: ${two[i]} at d = 2, ${got[i]} at d = ${D}`);
        if (Number.isFinite(got[i])) finite++;
        else outside++;
      }
    }
  }
  assert.ok(finite > 200 && outside > 20, `${finite} finite, ${outside} -inf`);
});

test('double precision stays exact when the box lies far from 0 in bandwidths', () => {
  for (const offset of [1e6, 1e8]) {
    const K = 10,
      d = 3;
    const rnd = mulberry32(7);
    const spec = {
      weights: new Float64Array(K).fill(1 / K),
      mus: Float64Array.from({ length: K * d }, () => offset + 40 + 20 * rnd()),
      sigmas: new Float64Array(K * d).fill(0.5),
      low: new Float64Array(d).fill(offset),
      high: new Float64Array(d).fill(offset + 100),
    };
    const x = Float64Array.from({ length: 8 * d }, () => offset + 45 + 10 * rnd());
    assert.ok(relErrEach(wasm.parzenLogPdf(spec, { x }), ref.parzenLogPdf(spec, { x }), 1) < LOG_PDF_TOL, `offset ${offset}`);
  }
});

test('mixture log-densities match the reference when weights span hundreds of orders of magnitude', () => {
  // At x the best raw score is component 0's, whose weight is 1e-310: component 1's full score lies e^713 above
  // its full score, beyond what exp can hold, so the core must find the maximum before summing.
  const spec: MixtureSpec = {
    weights: Float64Array.of(1e-310, 1, 1e-310, 0.5),
    mus: Float64Array.of(0, 0, 0.1, 0.1, 1, 1, -1, 2),
    sigmas: Float64Array.of(1, 1, 1, 1, 0.5, 0.5, 2, 2),
    low: Float64Array.of(-2, -2),
    high: Float64Array.of(3, 3),
  };
  const x = Float64Array.of(0, 0, 1, 1, 0.05, 0.05);
  const w = wasm.parzenLogPdf(spec, { x });
  const r = ref.parzenLogPdf(spec, { x });
  assert.ok(r.every(Number.isFinite));
  assert.ok(relErrEach(w, r, 1) < LOG_PDF_TOL, `${relErrEach(w, r, 1)}`);
});

test('a prepared mixture can be evaluated repeatedly and disposed', () => {
  const spec = randomMixture(20, 50, 5);
  const mix = wasm.parzenMixture(spec);
  const x = randomArray(mulberry32(21), 5 * 30, -2, 3);
  const a = mix.logPdf({ x }),
    b = mix.logPdf({ x });
  assert.deepEqual(a, b);
  assert.deepEqual(a, wasm.parzenLogPdf(spec, { x }));
  mix.dispose();
  assert.throws(() => mix.logPdf({ x }), /disposed/);
});

test('a truncated-normal mixture integrates to 1 over its box', () => {
  // 1-D, finite box, components near and beyond the edges: composite Simpson on [low, high]
  const spec: MixtureSpec = { weights: [0.2, 0.3, 0.5], mus: [-1.8, 0.5, 3.5], sigmas: [0.3, 1.2, 0.8], low: [-2], high: [3] };
  const N = 20000;
  const h = 5 / N;
  const x = Float64Array.from({ length: N + 1 }, (_, i) => -2 + i * h);
  const lp = wasm.parzenLogPdf(spec, { x });
  let s = 0;
  for (let i = 0; i <= N; i++) s += (i === 0 || i === N ? 1 : i % 2 ? 4 : 2) * Math.exp(lp[i]!);
  assert.ok(Math.abs((s * h) / 3 - 1) < 1e-9, `integral ${(s * h) / 3}`);
  // 2-D product form over [-1, 2] x [0, 1]
  const spec2: MixtureSpec = { weights: [0.6, 0.4], mus: [0, 0.5, 1.5, 0.9], sigmas: [0.5, 0.2, 1, 0.4], low: [-1, 0], high: [2, 1] };
  const M = 400;
  const hx = 3 / M,
    hy = 1 / M;
  const pts = new Float64Array((M + 1) * (M + 1) * 2);
  for (let i = 0; i <= M; i++)
    for (let j = 0; j <= M; j++) {
      pts[(i * (M + 1) + j) * 2] = -1 + i * hx;
      pts[(i * (M + 1) + j) * 2 + 1] = j * hy;
    }
  const lp2 = wasm.parzenLogPdf(spec2, { x: pts });
  const wt = (i: number) => (i === 0 || i === M ? 1 : i % 2 ? 4 : 2);
  let s2 = 0;
  for (let i = 0; i <= M; i++) for (let j = 0; j <= M; j++) s2 += wt(i) * wt(j) * Math.exp(lp2[i * (M + 1) + j]!);
  assert.ok(Math.abs((s2 * hx * hy) / 9 - 1) < 1e-8, `2-D integral ${(s2 * hx * hy) / 9}`);
});

test('quantised masses sum to 1 over the grid', () => {
  // grid 0, 0.5, ..., 10 in [0, 10]; the end cells are half-width because they are clipped to the bounds
  const spec: MixtureSpec = { weights: [0.5, 0.25, 0.25], mus: [1, 5, 9.9], sigmas: [2, 0.1, 3], low: [0], high: [10], q: [0.5] };
  const x = Float64Array.from({ length: 21 }, (_, i) => i * 0.5);
  for (const c of [wasm, ref]) {
    const lp = c.parzenLogPdf(spec, { x });
    const total = lp.reduce((s, v) => s + Math.exp(v), 0);
    assert.ok(Math.abs(total - 1) < 1e-12, `${c.name}: ${total}`);
  }
  // explicit interval edges (as for q-log parameters) give the same as x +- q/2
  const lower = x.map((v) => v - 0.25),
    upper = x.map((v) => v + 0.25);
  assert.deepEqual(wasm.parzenLogPdf(spec, { x, lower, upper }), wasm.parzenLogPdf(spec, { x }));
});

test('categorical mixture log-probabilities sum to 1 over the categories', () => {
  const weights = [0.5, 0.3, 0.2];
  const probs = [0.1, 0.2, 0.3, 0.4, 0.25, 0.25, 0.25, 0.25, 0.7, 0.1, 0.1, 0.1];
  const x = Int32Array.from([0, 1, 2, 3]);
  for (const c of [wasm, ref]) {
    const lp = c.categoricalLogPmf(weights, probs, 4, x);
    assert.ok(Math.abs(lp.reduce((s, v) => s + Math.exp(v), 0) - 1) < 1e-14, c.name);
    assert.ok(Math.abs(lp[0]! - Math.log(0.5 * 0.1 + 0.3 * 0.25 + 0.2 * 0.7)) < 1e-15);
    assert.deepEqual(Array.from(c.categoricalLogPmf(weights, probs, 4, Int32Array.from([4, -1]))), [-Infinity, -Infinity]);
  }
});

test('log-sum-exp stays finite when every component density underflows', () => {
  const spec: MixtureSpec = { weights: [0.5, 0.5], mus: [0, 0.1], sigmas: [0.01, 0.01], low: [-Infinity], high: [Infinity] };
  const x = new Float64Array([100]);
  const w = wasm.parzenLogPdf(spec, { x }),
    r = ref.parzenLogPdf(spec, { x });
  assert.ok(Number.isFinite(w[0]!) && w[0]! < -4e7);
  assert.ok(Math.abs(w[0]! - r[0]!) <= 1e-12 * Math.abs(r[0]!));
});

test('invalid mixtures are rejected naming the field', () => {
  const base: MixtureSpec = { weights: [1], mus: [0], sigmas: [1], low: [0], high: [1] };
  assert.throws(() => wasm.parzenMixture({ ...base, sigmas: [0] }), /spec\.sigmas\[0\]/);
  assert.throws(() => wasm.parzenMixture({ ...base, weights: [-1] }), /spec\.weights\[0\]/);
  assert.throws(() => wasm.parzenMixture({ ...base, low: [1] }), /spec\.low\[0\] must be < spec\.high\[0\]/);
  assert.throws(() => wasm.parzenMixture({ ...base, mus: [NaN] }), /spec\.mus\[0\]/);
});

test('evaluations stay right across a growth of the core memory (its views are made again)', () => {
  const rnd = mulberry32(31);
  const mix = (K: number): MixtureSpec => ({
    weights: randomArray(rnd, K, 0.1, 1),
    mus: randomArray(rnd, 2 * K, -1, 1),
    sigmas: new Float64Array(2 * K).fill(0.3),
    low: [-2, -2],
    high: [2, 2],
  });
  const pts = { x: randomArray(rnd, 2 * 8, -1.5, 1.5) };
  const small = mix(40);
  const before = wasm.parzenLogPdf(small, pts);
  // large enough that its copies cannot fit in the memory the core had
  const pagesBefore = wasmSpecial.memoryBytes();
  const big = mix(400_000);
  const bigOut = wasm.parzenLogPdf(big, { x: pts.x.slice(0, 2) });
  assert.ok(wasmSpecial.memoryBytes() > pagesBefore, 'the core memory grew');
  assert.ok(Math.abs(bigOut[0] - ref.parzenLogPdf(big, { x: pts.x.slice(0, 2) })[0]) < LOG_PDF_TOL * Math.max(1, Math.abs(bigOut[0])));
  const after = wasm.parzenLogPdf(small, pts);
  const expected = ref.parzenLogPdf(small, pts);
  for (let i = 0; i < 8; i++) {
    assert.equal(after[i], before[i]);
    assert.ok(Math.abs(after[i] - expected[i]) < LOG_PDF_TOL * Math.max(1, Math.abs(expected[i])), `point ${i}`);
  }
});
