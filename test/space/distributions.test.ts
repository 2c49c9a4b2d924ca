import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/rng.js';
import { hp } from '../../src/space/hp.js';
import { space } from '../../src/space/space.js';
import { normalCdf } from '../../src/stats.js';
import { chiSquare, chiSquareCritical, ksCritical, ksStatistic } from '../support/stats.js';

const N = 4000;
function draws(tree: unknown, label: string, seed = 1): number[] {
  const s = space(tree);
  const rng = new Rng(seed);
  return Array.from({ length: N }, () => s.sample(rng)[label] as number);
}

describe('each distribution samples from its prior', () => {
  it('uniform passes Kolmogorov–Smirnov against U(-2, 3)', () => {
    const x = draws(hp.uniform('u', -2, 3), 'u');
    assert.ok(x.every((v) => v >= -2 && v <= 3));
    assert.ok(ksStatistic(x, (v) => (v + 2) / 5) < ksCritical(N));
  });

  it('loguniform passes KS in log space and spans its bounds', () => {
    const x = draws(hp.loguniform('l', Math.log(1e-4), Math.log(1)), 'l');
    const lo = Math.log(1e-4);
    assert.ok(ksStatistic(x.map(Math.log), (v) => (v - lo) / -lo) < ksCritical(N));
  });

  it('normal and lognormal pass KS against their CDFs', () => {
    assert.ok(ksStatistic(draws(hp.normal('n', 1, 2), 'n'), (v) => normalCdf((v - 1) / 2)) < ksCritical(N));
    assert.ok(ksStatistic(draws(hp.lognormal('n', 0.5, 0.3), 'n').map(Math.log), (v) => normalCdf((v - 0.5) / 0.3)) < ksCritical(N));
  });

  it('a KS test this strict does reject a wrong distribution', () => {
    const x = draws(hp.uniform('u', 0, 1), 'u');
    assert.ok(ksStatistic(x, (v) => v ** 1.2) > ksCritical(N));
  });

  it('quantised draws are multiples of q, and integers are integers', () => {
    for (const v of draws(hp.quniform('q', 0, 10, 0.1), 'q')) assert.ok(Math.abs(v * 10 - Math.round(v * 10)) < 1e-9, `${v}`);
    for (const v of draws(hp.qloguniform('q', 0, 5, 3), 'q')) assert.equal(v % 3, 0);
    for (const v of draws(hp.qnormal('q', 0, 10, 2), 'q')) assert.equal(Math.abs(v % 2), 0);
    const ints = draws(hp.randint('r', 2, 7), 'r');
    assert.ok(ints.every((v) => Number.isInteger(v) && v >= 2 && v < 7));
  });

  it('randint and uniformint are uniform over their integers (chi-square)', () => {
    const r = draws(hp.randint('r', 5), 'r');
    assert.ok(
      chiSquare(
        [0, 1, 2, 3, 4].map((k) => r.filter((v) => v === k).length),
        [0.2, 0.2, 0.2, 0.2, 0.2],
      ) < chiSquareCritical(4),
    );
    const u = draws(hp.uniformint('u', -1, 1), 'u');
    assert.ok(
      chiSquare(
        [-1, 0, 1].map((k) => u.filter((v) => v === k).length),
        [1 / 3, 1 / 3, 1 / 3],
      ) < chiSquareCritical(2),
    );
  });

  it('choice and pchoice follow their probabilities (chi-square)', () => {
    const s = space({
      c: hp.choice('c', ['a', 'b', 'c']),
      p: hp.pchoice('p', [
        [0.1, 'x'],
        [0.6, 'y'],
        [0.3, 'z'],
      ]),
    });
    const rng = new Rng(9);
    const samples = Array.from({ length: N }, () => s.sample(rng));
    const count = (k: string, vals: string[]) => vals.map((v) => samples.filter((p) => p[k] === v).length);
    assert.ok(chiSquare(count('c', ['a', 'b', 'c']), [1 / 3, 1 / 3, 1 / 3]) < chiSquareCritical(2));
    assert.ok(chiSquare(count('p', ['x', 'y', 'z']), [0.1, 0.6, 0.3]) < chiSquareCritical(2));
  });

  it('never gives parameters of branches not taken', () => {
    const s = space({ m: hp.choice('m', [{ a: hp.uniform('a', 0, 1) }, { b: hp.choice('b', [{ c: hp.uniform('c', 0, 1) }, 'none']) }]) });
    const rng = new Rng(2);
    const seen = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const p = s.sample(rng);
      seen.add(Object.keys(p).sort().join(','));
      s.validate(p);
    }
    assert.deepEqual([...seen].sort(), ['a,m', 'b,c,m', 'b,m']);
  });
});

describe('unit-cube encoding', () => {
  const tree = {
    u: hp.uniform('u', -2, 3),
    q: hp.quniform('q', 0, 10, 0.5),
    l: hp.loguniform('l', -5, 2),
    n: hp.normal('n', 1, 2),
    ln: hp.qlognormal('ln', 0, 1, 0.01),
    i: hp.uniformint('i', -3, 3),
    c: hp.choice('c', ['a', { k: hp.uniform('k', 0, 1) }]),
  };
  it('decode(encode(p)) gives p back, NaN for inactive params', () => {
    const s = space(tree);
    const rng = new Rng(4);
    for (let t = 0; t < 300; t++) {
      const p = s.sample(rng);
      const x = s.encode(p);
      assert.equal(Number.isNaN(x[s.dim('k').index]), p.c !== 1);
      for (let j = 0; j < x.length; j++) if (!Number.isNaN(x[j])) assert.ok(x[j] >= 0 && x[j] <= 1);
      const back = s.decode(x) as Record<string, number>;
      for (const [k, v] of Object.entries(p)) {
        if (typeof v === 'number' && !Number.isInteger(v))
          assert.ok(Math.abs(back[k] - v) <= 1e-9 * Math.max(1, Math.abs(v)), `${k}: ${back[k]} vs ${v}`);
        else assert.equal(back[k], v, k);
      }
      assert.deepEqual(Object.keys(back).sort(), Object.keys(p).sort());
    }
  });

  it('decodes any point of the cube to valid params', () => {
    const s = space(tree);
    const rng = new Rng(5);
    for (let t = 0; t < 300; t++) s.validate(s.decode(Array.from({ length: s.dims.length }, () => rng.uniform())));
    s.validate(s.decode(new Array(s.dims.length).fill(0)));
    s.validate(s.decode(new Array(s.dims.length).fill(1)));
  });
});
