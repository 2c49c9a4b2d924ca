import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/rng.js';
import { Ehvi, nonDominatedBoxes, OBJECTIVE_TIE, referencePoint, resolvedFront } from '../../src/samplers/gp/ehvi.js';
import { hypervolume } from '../../src/samplers/moo/hypervolume.js';

/** Hypervolume improvement of y over `front` from the boxes: Σ Π (u − max(y, l))₊. */
function boxImprovement(front: number[][], ref: number[], y: number[]): number {
  const b = nonDominatedBoxes(front, ref);
  let total = 0;
  for (let j = 0; j < b.count; j++) {
    let v = 1;
    for (let k = 0; k < b.m; k++) v *= Math.max(0, b.upper[j * b.m + k] - Math.max(y[k], b.lower[j * b.m + k]));
    total += v;
  }
  return total;
}

function randomFront(rng: Rng, n: number, m: number): number[][] {
  return Array.from({ length: n }, () => Array.from({ length: m }, () => rng.uniform()));
}

/** Monte-Carlo EHVI: the mean hypervolume improvement over `samples` draws of independent normals, and its standard error. */
function monteCarlo(
  front: number[][],
  ref: number[],
  mean: number[],
  sd: number[],
  samples: number,
  rng: Rng,
): { mean: number; se: number } {
  const base = hypervolume(front, ref);
  let s = 0;
  let ss = 0;
  for (let i = 0; i < samples; i++) {
    const y = mean.map((mu, k) => mu + sd[k] * rng.normal());
    const hvi = hypervolume([...front, y], ref) - base;
    s += hvi;
    ss += hvi * hvi;
  }
  const mu = s / samples;
  return { mean: mu, se: Math.sqrt(Math.max(ss / samples - mu * mu, 0) / samples) };
}

describe('non-dominated boxes', () => {
  it('give the exact hypervolume improvement of any point, in 2, 3 and 4 objectives', () => {
    const rng = new Rng(7);
    for (const m of [2, 3, 4]) {
      for (let rep = 0; rep < 5; rep++) {
        const front = randomFront(rng, m === 4 ? 8 : 15, m);
        const ref = new Array<number>(m).fill(1.1);
        const base = hypervolume(front, ref);
        for (let t = 0; t < 20; t++) {
          const y = Array.from({ length: m }, () => rng.uniform() * 1.2 - 0.05);
          const exact = hypervolume([...front, y], ref) - base;
          assert.ok(Math.abs(boxImprovement(front, ref, y) - exact) < 1e-12, `m=${m}: ${boxImprovement(front, ref, y)} vs ${exact}`);
        }
      }
    }
  });

  it('cover the whole box below the reference point when the front is empty or outside it', () => {
    const b = nonDominatedBoxes([[2, 0.5]], [1, 1]);
    assert.equal(b.count, 1);
    assert.deepEqual([...b.upper], [1, 1]);
    assert.deepEqual([...b.lower], [-Infinity, -Infinity]);
  });

  it('take k + 1 boxes for a front of k points in two objectives', () => {
    const front = [
      [0.1, 0.9],
      [0.3, 0.5],
      [0.6, 0.2],
      [0.7, 0.6], // dominated
    ];
    assert.equal(nonDominatedBoxes(front, [1, 1]).count, 4);
  });
});

describe('log EHVI', () => {
  const front = [
    [0.1, 0.9],
    [0.3, 0.5],
    [0.6, 0.2],
    [0.9, 0.05],
  ];
  const ref = [1.1, 1.1];

  it('matches a brute-force Monte-Carlo estimate on a hand-made 2-D front', () => {
    const ehvi = Ehvi.of(front, ref);
    const rng = new Rng(11);
    const cases: [number[], number[]][] = [
      [
        [0.4, 0.4],
        [0.2, 0.3],
      ],
      [
        [0.5, 0.6],
        [0.05, 0.1],
      ],
      [
        [0.0, 0.0],
        [0.5, 0.5],
      ],
      [
        [1.0, 1.0],
        [0.3, 0.2],
      ],
    ];
    for (const [mean, sd] of cases) {
      const closed = Math.exp(
        ehvi.log(
          mean,
          sd.map((s) => s * s),
        ),
      );
      const mc = monteCarlo(front, ref, mean, sd, 40000, rng);
      assert.ok(Math.abs(closed - mc.mean) < 4 * mc.se + 1e-9, `mean ${mean}: closed form ${closed}, Monte Carlo ${mc.mean} ± ${mc.se}`);
    }
  });

  it('matches a Monte-Carlo estimate in three objectives', () => {
    const rng = new Rng(3);
    const f3 = randomFront(rng, 12, 3);
    const r3 = [1.1, 1.1, 1.1];
    const ehvi = Ehvi.of(f3, r3);
    const mean = [0.3, 0.4, 0.35];
    const sd = [0.2, 0.15, 0.25];
    const closed = Math.exp(
      ehvi.log(
        mean,
        sd.map((s) => s * s),
      ),
    );
    const mc = monteCarlo(f3, r3, mean, sd, 20000, rng);
    assert.ok(Math.abs(closed - mc.mean) < 4 * mc.se, `closed form ${closed}, Monte Carlo ${mc.mean} ± ${mc.se}`);
  });

  it('equals the plain improvement when the variance vanishes', () => {
    const ehvi = Ehvi.of(front, ref);
    const y = [0.2, 0.3];
    const hvi = hypervolume([...front, y], ref) - hypervolume(front, ref);
    assert.ok(Math.abs(Math.exp(ehvi.log(y, [1e-16, 1e-16])) - hvi) < 1e-6);
  });

  it('stays finite and ordered where the improvement is tiny (no -Infinity, no NaN)', () => {
    const ehvi = Ehvi.of(front, ref);
    let previous = Infinity;
    // ever further behind the front with small variance: naive EHVI underflows to 0 long before the end
    for (const shift of [0, 0.01, 0.1, 0.5, 1, 2, 5, 20]) {
      const v = ehvi.log([0.6 + shift, 0.5 + shift], [1e-4, 1e-4]);
      assert.ok(Number.isFinite(v), `shift ${shift}: ${v}`);
      assert.ok(v < previous, `shift ${shift}: ${v} not below ${previous}`);
      previous = v;
    }
    assert.ok(previous < -1e4, 'far behind the front the log EHVI is very negative');
    // exactly on a front point with a tiny variance: a tiny but positive improvement
    for (const variance of [1e-8, 1e-14, 1e-20, 0]) {
      const v = ehvi.log([0.3, 0.5], [variance, variance]);
      assert.ok(Number.isFinite(v), `variance ${variance}: ${v}`);
    }
    const dMean = new Float64Array(2);
    const dVar = new Float64Array(2);
    const v = ehvi.log([30, 30], [1e-6, 1e-6], dMean, dVar);
    assert.ok(Number.isFinite(v) && [...dMean, ...dVar].every(Number.isFinite), `${v} ${dMean} ${dVar}`);
    assert.ok(dMean[0] < 0 && dMean[1] < 0, 'a lower mean is better');
  });

  it('has derivatives that agree with finite differences', () => {
    const rng = new Rng(5);
    const f3 = randomFront(rng, 10, 3);
    for (const [pts, r] of [
      [front, ref],
      [f3, [1.1, 1.1, 1.1]],
    ] as [number[][], number[]][]) {
      const ehvi = Ehvi.of(pts, r);
      const m = r.length;
      for (let t = 0; t < 10; t++) {
        const mean = Array.from({ length: m }, () => rng.uniform() * 1.4 - 0.2);
        const variance = Array.from({ length: m }, () => 0.001 + 0.1 * rng.uniform());
        const dMean = new Float64Array(m);
        const dVar = new Float64Array(m);
        ehvi.log(mean, variance, dMean, dVar);
        for (let k = 0; k < m; k++) {
          const h = 1e-6;
          const up = [...mean];
          const dn = [...mean];
          up[k] += h;
          dn[k] -= h;
          const fdMean = (ehvi.log(up, variance) - ehvi.log(dn, variance)) / (2 * h);
          const vu = [...variance];
          const vd = [...variance];
          vu[k] += h * variance[k];
          vd[k] -= h * variance[k];
          const fdVar = (ehvi.log(mean, vu) - ehvi.log(mean, vd)) / (2 * h * variance[k]);
          assert.ok(Math.abs(fdMean - dMean[k]) < 1e-4 * Math.max(1, Math.abs(fdMean)), `dMean ${k}: ${dMean[k]} vs ${fdMean}`);
          assert.ok(Math.abs(fdVar - dVar[k]) < 1e-4 * Math.max(1, Math.abs(fdVar)), `dVar ${k}: ${dVar[k]} vs ${fdVar}`);
        }
      }
    }
  });
});

describe('reference point', () => {
  it('pushes the worst value of each objective 10% outwards, as Optuna', () => {
    const ref = referencePoint(
      [
        [1, -2],
        [2, -3],
      ],
      2,
    );
    assert.ok(ref[0] > 2.2 && ref[0] < 2.2 + 1e-12);
    assert.ok(ref[1] > -1.8 && ref[1] < -1.8 + 1e-12);
  });
});

describe('resolvedFront', () => {
  it('drops points kept on the front only by floating-point noise (DTLZ2 with x0 = 1)', () => {
    // (1+g)·cos(π/2)·… is ~1e-17, not 0: the two corners differ in the 17th digit and neither dominates the other
    const points = [
      [6e-17 * 2.8, 1e-17 * 2.8, 2.8],
      [3e-17 * 2.4, 5e-17 * 2.4, 2.4],
      [0.5, 0.5, 0.7],
    ];
    assert.deepEqual(resolvedFront(points), [1, 2]);
    assert.deepEqual(resolvedFront(points, 0), [0, 1, 2]); // without the tolerance both corners stay
  });

  it('keeps the first of points equal up to the tolerance and every point better by more than it', () => {
    assert.deepEqual(
      resolvedFront([
        [1, 2],
        [1, 2 + 1e-12],
        [1, 2],
        [2, 1],
        [2 - 1e-6, 1.5],
      ]),
      [0, 3, 4],
    );
  });

  it('changes the hypervolume by O(tolerance) on noisy random fronts (3 objectives)', () => {
    const rng = new Rng(11);
    for (let r = 0; r < 40; r++) {
      const base = randomFront(rng, 12, 3);
      // copies of some points, perturbed below the tolerance: duplicates to the eye, not to dominance
      const points = [...base, ...base.slice(0, 6).map((p) => p.map((v) => v + (rng.uniform() - 0.5) * 1e-12))];
      const kept = resolvedFront(points);
      const ref = [1.1, 1.1, 1.1];
      const all = hypervolume(points, ref);
      const some = hypervolume(
        kept.map((i) => points[i]),
        ref,
      );
      assert.ok(Math.abs(all - some) < 1e-9, `${all} vs ${some}`);
      // no kept point is covered by another kept one up to the tolerance
      for (const i of kept) {
        for (const j of kept) {
          if (i !== j) assert.ok(!points[j].every((v, k) => v <= points[i][k] + OBJECTIVE_TIE), `${j} covers ${i}`);
        }
      }
    }
  });
});
