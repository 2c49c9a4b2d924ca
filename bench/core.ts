// Numeric-core kernel benchmark: WASM core vs the plain-TypeScript reference, same run.
// Usage: node dist/bench/core.js [--json] [--quick] [--filter <substring>]
// Each figure is the median of several timed runs after warm-up runs; times include copying
// arguments into and results out of WASM memory.

import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { core, type GpHyper, type MixtureSpec, type NumericCore } from '../src/numeric/core.js';
import { referenceCore } from '../src/numeric/reference.js';

interface Row {
  kernel: string;
  size: string;
  /** median wall-clock time of one call, ms */
  wasmMs: number;
  tsMs: number;
  /** tsMs / wasmMs */
  ratio: number;
  /** flop count / wasmMs (Cholesky: n^3/3, solves: n^2 per right-hand side) */
  gflops?: number;
  /** median process CPU time of one WASM call, ms (less sensitive than wall time to other processes on a shared machine) */
  wasmCpuMs: number;
}

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    filter: { type: 'string' },
  },
});

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Median wall and CPU time in ms: `warm` untimed runs, then runs until `minRuns` and `budgetMs`
 * are both reached (at most maxRuns).
 */
function time(fn: () => void, budgetMs: number, minRuns = 5, warm = 2, maxRuns = 200): { wall: number; cpu: number } {
  for (let i = 0; i < warm; i++) fn();
  const ts: number[] = [];
  const cs: number[] = [];
  const start = performance.now();
  while (ts.length < maxRuns && (ts.length < minRuns || performance.now() - start < budgetMs)) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    ts.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cs.push((c.user + c.system) / 1000);
  }
  return { wall: median(ts), cpu: median(cs) };
}

function spd(n: number, seed: number): Float64Array {
  // A = B B^T / n + I via a cheap structured B, O(n^2 n) once; use the core to build it fast.
  const rnd = rng(seed);
  const x = new Float64Array(n * 5);
  for (let i = 0; i < x.length; i++) x[i] = rnd();
  return core().kernelMatrix(
    { kind: 'matern52', lengthscales: [0.5, 0.5, 0.5, 0.5, 0.5], signalVariance: 1, noiseVariance: 0.1 },
    x,
    n,
    true,
  );
}

const quick = values.quick === true;
const rows: Row[] = [];
const wasm = core();
const ts = referenceCore;

function bench(
  kernel: string,
  size: string,
  make: (c: NumericCore) => () => void,
  opts: { flops?: number; budget?: number; tsBudget?: number; tsMinRuns?: number } = {},
): void {
  if (values.filter && !`${kernel} ${size}`.includes(values.filter)) return;
  const budget = (opts.budget ?? 300) * (quick ? 0.3 : 1);
  const w = time(make(wasm), budget);
  const t = time(make(ts), (opts.tsBudget ?? budget) * (quick ? 0.3 : 1), quick ? 1 : (opts.tsMinRuns ?? 3), quick ? 0 : 1).wall;
  const row: Row = { kernel, size, wasmMs: round(w.wall), tsMs: round(t), ratio: round(t / w.wall, 2), wasmCpuMs: round(w.cpu) };
  if (opts.flops) row.gflops = round(opts.flops / (w.wall * 1e6), 2);
  rows.push(row);
  if (!values.json) process.stderr.write(`.`);
}

function round(x: number, digits = 4): number {
  const f = 10 ** digits;
  return x >= 1 ? Math.round(x * 1000) / 1000 : Math.round(x * f) / f;
}

// Cholesky
for (const n of [100, 250, 500, 1000, 2000]) {
  const a = spd(n, n);
  bench(
    'cholesky',
    `n=${n}`,
    (c) => () => {
      c.cholesky(a, n);
    },
    { flops: n ** 3 / 3, budget: n >= 1000 ? 1500 : 400, tsBudget: n >= 1000 ? 500 : 400 },
  );
}

// Triangular solves
{
  const n = 1000;
  const { L } = wasm.cholesky(spd(n, 7), n);
  const rnd = rng(8);
  const b1 = Float64Array.from({ length: n }, rnd);
  bench(
    'solveLower',
    `n=${n} rhs=1`,
    (c) => () => {
      c.solveLower(L, n, b1);
    },
    { flops: n * n },
  );
  bench(
    'solveUpper',
    `n=${n} rhs=1`,
    (c) => () => {
      c.solveUpper(L, n, b1);
    },
    { flops: n * n },
  );
  const m = 256;
  const n2 = 500;
  const L2 = wasm.cholesky(spd(n2, 9), n2).L;
  const bm = Float64Array.from({ length: n2 * m }, rnd);
  bench(
    'solveLower',
    `n=${n2} rhs=${m}`,
    (c) => () => {
      c.solveLower(L2, n2, bm, m);
    },
    { flops: n2 * n2 * m },
  );
  bench(
    'solveUpper',
    `n=${n2} rhs=${m}`,
    (c) => () => {
      c.solveUpper(L2, n2, bm, m);
    },
    { flops: n2 * n2 * m },
  );
}

// GP
{
  const n = 500,
    d = 10,
    m = 2048;
  const rnd = rng(11);
  const x = Float64Array.from({ length: n * d }, rnd);
  const y = Float64Array.from({ length: n }, (_, i) => Math.sin(6 * x[i * d]!) + x[i * d + 1]! - 0.5 * x[i * d + 2]!);
  const z = Float64Array.from({ length: m * d }, rnd);
  const hyp: GpHyper = { kind: 'matern52', lengthscales: new Array<number>(d).fill(0.6), signalVariance: 1, noiseVariance: 1e-3 };
  bench(
    'gpLml+grad',
    `n=${n} d=${d}`,
    (c) => () => {
      c.gpLogMarginalLikelihood(hyp, x, y, n);
    },
    { budget: 800, tsBudget: 500 },
  );
  bench(
    'gpFit',
    `n=${n} d=${d}`,
    (c) => () => {
      c.gpFit(hyp, x, y, n).dispose();
    },
    { budget: 500 },
  );
  const mw = wasm.gpFit(hyp, x, y, n),
    mt = ts.gpFit(hyp, x, y, n);
  bench(
    'gpPredict',
    `m=${m} n=${n} d=${d}`,
    (c) => {
      const mod = c === wasm ? mw : mt;
      return () => {
        mod.predict(z, m);
      };
    },
    { budget: 800, tsBudget: 500 },
  );
  bench(
    'gpPredict+grad',
    `m=${m} n=${n} d=${d}`,
    (c) => {
      const mod = c === wasm ? mw : mt;
      return () => {
        mod.predict(z, m, { grad: true });
      };
    },
    { budget: 800, tsBudget: 500 },
  );
  mw.dispose();
}

// Parzen (TPE): candidates x components x dims
for (const [m, K, d] of [
  [24, 1000, 10],
  [1000, 1000, 10],
] as const) {
  const rnd = rng(m + K);
  const spec: MixtureSpec = {
    weights: Float64Array.from({ length: K }, () => 1 / K),
    mus: Float64Array.from({ length: K * d }, rnd),
    sigmas: Float64Array.from({ length: K * d }, () => 0.05 + 0.3 * rnd()),
    low: new Float64Array(d).fill(0),
    high: new Float64Array(d).fill(1),
  };
  const x = Float64Array.from({ length: m * d }, rnd);
  bench('parzen', `${m}x${K}x${d}`, (c) => () => {
    c.parzenLogPdf(spec, { x });
  });
  const mixW = wasm.parzenMixture(spec),
    mixT = ts.parzenMixture(spec);
  bench('parzen prepared', `${m}x${K}x${d}`, (c) => {
    const mix = c === wasm ? mixW : mixT;
    return () => {
      mix.logPdf({ x });
    };
  });
  mixW.dispose();
}

// Symmetric eigendecomposition (the reference is cyclic Jacobi, a different algorithm)
for (const n of [50, 200]) {
  const a = spd(n, 13);
  bench(
    'symmetricEigen',
    `n=${n}`,
    (c) => () => {
      c.symmetricEigen(a, n);
    },
    { budget: 400 },
  );
}

if (values.json) {
  process.stdout.write(JSON.stringify({ rows }, null, 2) + '\n');
} else {
  process.stderr.write('\n');
  const header = ['kernel', 'size', 'wasm ms', 'ts ms', 'ts/wasm', 'GFLOP/s', 'wasm cpu ms'];
  const table = rows.map((r) => [
    r.kernel,
    r.size,
    r.wasmMs.toString(),
    r.tsMs.toString(),
    r.ratio.toFixed(2),
    r.gflops?.toFixed(2) ?? '',
    r.wasmCpuMs.toString(),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(fmt(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const t of table) console.log(fmt(t));
}
