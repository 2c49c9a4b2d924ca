import { hp } from '../space/hp.js';

/** A standard test function of ../shared/BENCHMARKS.md: box, optimum, and the objective over params x0..x{d-1} (+ cat). */
export interface BenchFunction {
  readonly name: string;
  /** Dimension (continuous parameters). */
  readonly dim: number;
  /** The known minimum f*. */
  readonly optimum: number;
  /** The search space: x0..x{d-1} uniform on the box (plus `cat` for mixed). */
  space(): Record<string, unknown>;
  evaluate(p: Readonly<Record<string, unknown>>): number;
}

interface Definition {
  fixedDim?: number;
  defaultDim?: number;
  box: (d: number, i: number) => readonly [number, number];
  optimum: (d: number) => number;
  f: (x: number[]) => number;
  cat?: boolean;
}

const HARTMANN3 = {
  alpha: [1, 1.2, 3, 3.2],
  A: [
    [3, 10, 30],
    [0.1, 10, 35],
    [3, 10, 30],
    [0.1, 10, 35],
  ],
  P: [
    [3689, 1170, 2673],
    [4699, 4387, 7470],
    [1091, 8732, 5547],
    [381, 5743, 8828],
  ].map((r) => r.map((v) => v * 1e-4)),
};
const HARTMANN6 = {
  alpha: [1, 1.2, 3, 3.2],
  A: [
    [10, 3, 17, 3.5, 1.7, 8],
    [0.05, 10, 17, 0.1, 8, 14],
    [3, 3.5, 1.7, 10, 17, 8],
    [17, 8, 0.05, 10, 0.1, 14],
  ],
  P: [
    [1312, 1696, 5569, 124, 8283, 5886],
    [2329, 4135, 8307, 3736, 1004, 9991],
    [2348, 1451, 3522, 2883, 3047, 6650],
    [4047, 8828, 8732, 5743, 1091, 381],
  ].map((r) => r.map((v) => v * 1e-4)),
};

function hartmann(c: { alpha: number[]; A: number[][]; P: number[][] }, x: number[]): number {
  let s = 0;
  for (let i = 0; i < 4; i++) {
    let inner = 0;
    for (let j = 0; j < x.length; j++) inner += c.A[i][j] * (x[j] - c.P[i][j]) ** 2;
    s += c.alpha[i] * Math.exp(-inner);
  }
  return -s;
}

const MIXED: Record<string, { off: number; c: [number, number] }> = {
  red: { off: 0.5, c: [1, -0.5] },
  green: { off: 0, c: [-2, 1.5] },
  blue: { off: 1, c: [3, 3] },
};

const DEFINITIONS: Record<string, Definition> = {
  quad1d: { fixedDim: 1, box: () => [-5, 5], optimum: () => 0.75, f: ([x]) => x * x - x + 1 },
  branin: {
    fixedDim: 2,
    box: (_, i) => (i === 0 ? [-5, 10] : [0, 15]),
    optimum: () => 0.39788735772973816,
    f: ([x0, x1]) => {
      const b = 5.1 / (4 * Math.PI ** 2);
      const c = 5 / Math.PI;
      const t = 1 / (8 * Math.PI);
      return (x1 - b * x0 * x0 + c * x0 - 6) ** 2 + 10 * (1 - t) * Math.cos(x0) + 10;
    },
  },
  hartmann3: { fixedDim: 3, box: () => [0, 1], optimum: () => -3.862779787332663, f: (x) => hartmann(HARTMANN3, x) },
  hartmann6: { fixedDim: 6, box: () => [0, 1], optimum: () => -3.3223680114155147, f: (x) => hartmann(HARTMANN6, x) },
  mixed: { fixedDim: 2, box: () => [-5, 5], optimum: () => 0, f: () => NaN, cat: true },
  rosenbrock: {
    defaultDim: 10,
    box: () => [-5, 10],
    optimum: () => 0,
    f: (x) => {
      let s = 0;
      for (let i = 0; i < x.length - 1; i++) s += 100 * (x[i + 1] - x[i] * x[i]) ** 2 + (x[i] - 1) ** 2;
      return s;
    },
  },
  ackley: {
    defaultDim: 10,
    box: () => [-32.768, 32.768],
    optimum: () => 0,
    f: (x) => {
      const d = x.length;
      let sq = 0;
      let cs = 0;
      for (const v of x) {
        sq += v * v;
        cs += Math.cos(2 * Math.PI * v);
      }
      return -20 * Math.exp(-0.2 * Math.sqrt(sq / d)) - Math.exp(cs / d) + 20 + Math.E;
    },
  },
  levy: {
    defaultDim: 10,
    box: () => [-10, 10],
    optimum: () => 0,
    f: (x) => {
      const w = x.map((v) => 1 + (v - 1) / 4);
      const d = w.length;
      let s = Math.sin(Math.PI * w[0]) ** 2;
      for (let i = 0; i < d - 1; i++) s += (w[i] - 1) ** 2 * (1 + 10 * Math.sin(Math.PI * w[i] + 1) ** 2);
      s += (w[d - 1] - 1) ** 2 * (1 + Math.sin(2 * Math.PI * w[d - 1]) ** 2);
      return s;
    },
  },
  styblinski_tang: {
    defaultDim: 20,
    box: () => [-5, 5],
    optimum: (d) => -39.16616570377142 * d,
    f: (x) => 0.5 * x.reduce((s, v) => s + v ** 4 - 16 * v * v + 5 * v, 0),
  },
  rastrigin: {
    defaultDim: 10,
    box: () => [-5.12, 5.12],
    optimum: () => 0,
    f: (x) => 10 * x.length + x.reduce((s, v) => s + v * v - 10 * Math.cos(2 * Math.PI * v), 0),
  },
  sphere: { defaultDim: 10, box: () => [-5.12, 5.12], optimum: () => 0, f: (x) => x.reduce((s, v) => s + v * v, 0) },
};

export const FUNCTION_NAMES = Object.keys(DEFINITIONS);

/** The benchmark function `name` at dimension `dim` (ignored by fixed-dimension functions; rosenbrock needs d >= 2). */
export function benchFunction(name: string, dim?: number): BenchFunction {
  const def = DEFINITIONS[name];
  if (!def) throw new Error(`unknown function ${JSON.stringify(name)}; known: ${FUNCTION_NAMES.join(', ')}`);
  if (def.fixedDim !== undefined && dim !== undefined && dim !== def.fixedDim) {
    throw new Error(`${name} has a fixed dimension of ${def.fixedDim} (got --dim ${dim})`);
  }
  const d = def.fixedDim ?? dim ?? def.defaultDim ?? NaN;
  if (!Number.isInteger(d) || d < (name === 'rosenbrock' ? 2 : 1))
    throw new Error(`${name}: dimension must be an integer >= ${name === 'rosenbrock' ? 2 : 1} (got ${d})`);
  return {
    name,
    dim: d,
    optimum: def.optimum(d),
    space() {
      const s: Record<string, unknown> = {};
      for (let i = 0; i < d; i++) {
        const [lo, hi] = def.box(d, i);
        s[`x${i}`] = hp.uniform(`x${i}`, lo, hi);
      }
      if (def.cat) s.cat = hp.choice('cat', ['red', 'green', 'blue']);
      return s;
    },
    evaluate(p) {
      const x = Array.from({ length: d }, (_, i) => p[`x${i}`] as number);
      if (def.cat) {
        const m = MIXED[p.cat as string];
        return m.off + (x[0] - m.c[0]) ** 2 + 0.5 * (x[1] - m.c[1]) ** 2;
      }
      return def.f(x);
    },
  };
}
