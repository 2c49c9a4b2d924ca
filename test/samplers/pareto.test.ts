import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hypervolume } from '../../src/samplers/moo/hypervolume.js';
import { crowdingDistance, dominates, nonDominatedSort, paretoFront } from '../../src/samplers/moo/pareto.js';
import type { TrialRecord } from '../../src/trial/trial.js';

function rec(number: number, values: number[] | null, extra: Partial<TrialRecord> = {}): TrialRecord {
  return {
    id: number + 1,
    studyId: 1,
    number,
    state: values ? 'complete' : 'fail',
    params: { i: number },
    value: values ? values[0] : null,
    values,
    failReason: values ? null : 'threw',
    failMessage: values ? null : 'x',
    attrs: {},
    startedAt: 0,
    finishedAt: 1,
    heartbeatAt: 0,
    owner: 'o',
    leaseMs: null,
    leaseUntil: null,
    ...extra,
  };
}

// A(1,5) B(2,3) C(3,4) D(4,1) E(2,3) F(5,5): minimizing both, C is dominated by B/E, F by every other but A… and A, B, D, E tie.
const SET = [
  [1, 5],
  [2, 3],
  [3, 4],
  [4, 1],
  [2, 3],
  [5, 5],
];

describe('Pareto dominance and sorting', () => {
  it('dominates: no worse everywhere and better somewhere; equal points do not dominate each other', () => {
    assert.ok(dominates([1, 2], [1, 3]));
    assert.ok(!dominates([1, 3], [1, 3]));
    assert.ok(!dominates([1, 4], [2, 3]));
    assert.ok(!dominates([2, 3], [1, 4]));
  });

  it('sorts a hand-checked set into its fronts', () => {
    assert.deepEqual(nonDominatedSort(SET), [[0, 1, 3, 4], [2], [5]]);
    assert.deepEqual(nonDominatedSort([]), []);
  });

  it('gives the extremes of a front infinite crowding distance and the inside ones their normalized gaps', () => {
    const pts = [
      [1, 5],
      [2, 3],
      [4, 1],
      [3, 2.5],
    ];
    const d = crowdingDistance(pts, [0, 1, 2, 3]);
    assert.equal(d[0], Infinity);
    assert.equal(d[2], Infinity);
    // (2,3): neighbours x 1 and 3 → 2/3; y 2.5 and 5 → 2.5/4. (3,2.5): x 2 and 4 → 2/3; y 1 and 3 → 2/4.
    assert.ok(Math.abs(d[1] - (2 / 3 + 2.5 / 4)) < 1e-12);
    assert.ok(Math.abs(d[3] - (2 / 3 + 2 / 4)) < 1e-12);
  });

  it("builds the front of trials: complete and feasible only, in each objective's direction", () => {
    const trials = SET.map((v, i) => rec(i, v));
    assert.deepEqual(
      paretoFront(['minimize', 'minimize'], trials).map((t) => t.number),
      [0, 1, 3, 4],
    );
    // maximizing the second, A (1, 5) beats every other point
    assert.deepEqual(
      paretoFront(['minimize', 'maximize'], trials).map((t) => t.number),
      [0],
    );
    // A and D infeasible: C (3,4) is still dominated by B, F by B: front B, E
    const constrained = trials.map((t) =>
      t.number === 0 || t.number === 3 ? { ...t, constraints: [0.1, -1] } : { ...t, constraints: [0, -1] },
    );
    assert.deepEqual(
      paretoFront(['minimize', 'minimize'], constrained).map((t) => t.number),
      [1, 4],
    );
    // failed and running trials never count
    const mixed = [rec(0, null), rec(1, [9, 9]), { ...rec(2, null), state: 'running' as const }];
    assert.deepEqual(
      paretoFront(['minimize', 'minimize'], mixed).map((t) => t.number),
      [1],
    );
  });
});

describe('hypervolume', () => {
  it('matches hand-computed areas in 2 objectives; dominated points and points beyond the reference add nothing', () => {
    assert.equal(
      hypervolume(
        [
          [1, 3],
          [2, 2],
          [3, 1],
        ],
        [4, 4],
      ),
      6,
    );
    assert.equal(
      hypervolume(
        [
          [1, 3],
          [2, 2],
          [3, 1],
          [2.5, 2.5],
          [5, 0],
          [0, 4],
        ],
        [4, 4],
      ),
      6,
    );
    assert.equal(hypervolume([[0, 0]], [2, 3]), 6);
    assert.equal(hypervolume([], [1, 1]), 0);
  });

  it('matches hand-computed volumes in 3 objectives (inclusion–exclusion)', () => {
    assert.equal(hypervolume([[0, 0, 0]], [1, 2, 3]), 6);
    // boxes 4 and 2 overlapping in a unit cube
    assert.equal(
      hypervolume(
        [
          [0, 0, 1],
          [1, 1, 0],
        ],
        [2, 2, 2],
      ),
      5,
    );
    // three boxes of 4, pairwise overlaps of 2, a common unit cube: 12 − 6 + 1
    assert.equal(
      hypervolume(
        [
          [1, 0, 0],
          [0, 1, 0],
          [0, 0, 1],
        ],
        [2, 2, 2],
      ),
      7,
    );
    assert.equal(
      hypervolume(
        [
          [1, 0, 0],
          [0, 1, 0],
          [0, 0, 1],
          [1, 1, 1],
          [1.5, 0.5, 0.5],
        ],
        [2, 2, 2],
      ),
      7,
    );
  });

  it('in 3 objectives equals the 2-objective area times the height when the third is constant, and a Monte Carlo estimate', () => {
    let s = 12345;
    const rand = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pts2 = Array.from({ length: 40 }, () => [rand(), rand()]);
    const a = hypervolume(pts2, [1.1, 1.2]);
    assert.ok(
      Math.abs(
        hypervolume(
          pts2.map((p) => [...p, 0.5]),
          [1.1, 1.2, 2],
        ) -
          a * 1.5,
      ) < 1e-12,
    );
    const pts3 = Array.from({ length: 30 }, () => [rand(), rand(), rand()]);
    const exact = hypervolume(pts3, [1, 1, 1]);
    let hits = 0;
    const n = 200_000;
    for (let k = 0; k < n; k++) {
      const x = [rand(), rand(), rand()];
      if (pts3.some((p) => p[0] <= x[0] && p[1] <= x[1] && p[2] <= x[2])) hits++;
    }
    // standard error of the estimate is ≤ 0.5 / √n ≈ 0.0011
    assert.ok(Math.abs(hits / n - exact) < 0.006, `exact ${exact}, Monte Carlo ${hits / n}`);
  });

  it('rejects a point with the wrong number of objectives', () => {
    assert.throws(() => hypervolume([[1, 2, 3]], [4, 4]), /3 objectives, ref has 2/);
  });
});
