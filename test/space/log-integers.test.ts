import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpaceError } from '../../src/errors.js';
import { Rng } from '../../src/rng.js';
import { grid } from '../../src/samplers/grid.js';
import { tpe } from '../../src/samplers/tpe/tpe.js';
import { hp } from '../../src/space/hp.js';
import { parseSpaceJson, spaceToJson } from '../../src/space/json.js';
import { space } from '../../src/space/space.js';
import { createStudy } from '../../src/study/study.js';
import { chiSquare, chiSquareCritical } from '../support/stats.js';

/** P(k) of loguniformint(low, high): the log-width of k's cell [k − ½, k + ½] over the whole range's. */
const cellProb = (k: number, low: number, high: number) => Math.log((k + 0.5) / (k - 0.5)) / Math.log((high + 0.5) / (low - 0.5));

describe('loguniformint', () => {
  it('draws integers low..high with log-uniform cells, the end values whole cells (chi-square)', () => {
    const s = space(hp.loguniformint('n', 1, 20));
    const rng = new Rng(3);
    const counts = new Array<number>(20).fill(0);
    for (let i = 0; i < 8000; i++) {
      const v = s.sample(rng).n as number;
      assert.ok(Number.isInteger(v) && v >= 1 && v <= 20, `${v}`);
      counts[v - 1]++;
    }
    const probs = counts.map((_, i) => cellProb(i + 1, 1, 20));
    assert.ok(chiSquare(counts, probs) < chiSquareCritical(19));
    // qloguniform(0, log 20, 1) gives 1 half the cell: here 1 has P = log 3 / log 41 ≈ 0.296
    assert.ok(Math.abs(counts[0] / 8000 - cellProb(1, 1, 20)) < 0.02);
  });

  it('maps every integer to its cell centre and back', () => {
    const s = space({ n: hp.loguniformint('n', 2, 300) });
    const d = s.dim('n');
    let prev = -1;
    for (let k = 2; k <= 300; k++) {
      const u = d.toUnit(k);
      assert.ok(u > prev && u >= 0 && u <= 1);
      prev = u;
      assert.equal(d.fromUnit(u), k);
    }
    assert.equal(d.fromUnit(0), 2);
    assert.equal(d.fromUnit(1), 300);
  });

  it('rejects bounds below 1 or out of order, and survives JSON', () => {
    assert.throws(
      () => hp.loguniformint('n', 0, 10),
      (e: Error) => e instanceof SpaceError && /low \(0\) must be >= 1/.test(e.message),
    );
    assert.throws(() => hp.loguniformint('n', 5, 5), /low \(5\) must be < high \(5\)/);
    assert.throws(() => hp.loguniformint('n', 1.5, 5), /low \(1.5\) must be an integer/);
    const json = spaceToJson(space({ n: hp.loguniformint('n', 1, 1000) }));
    assert.deepEqual(spaceToJson(parseSpaceJson(json)), json);
    assert.equal(parseSpaceJson(json).dim('n').dist.kind, 'int');
  });

  it('grids geometrically', async () => {
    const study = await createStudy({ space: { n: hp.loguniformint('n', 1, 1000) }, sampler: grid({ points: 4 }) });
    const asked = await study.ask(4);
    assert.deepEqual(
      asked.map((t) => t.params.n).sort((a, b) => (a as number) - (b as number)),
      [1, 10, 100, 1000],
    );
  });

  it('TPE models it in log space: finds n within 10% of 300 in 1..100000 in at least 8 of 10 seeds (random search: about 5)', async () => {
    let near = 0;
    for (let seed = 0; seed < 10; seed++) {
      const study = await createStudy({ space: { n: hp.loguniformint('n', 1, 100000) }, sampler: tpe(), seed });
      await study.optimize((c: { n: number }) => (Math.log(c.n) - Math.log(300)) ** 2, { nTrials: 40 });
      const n = study.bestTrial?.params.n as number;
      if (n > 300 / 1.1 && n < 300 * 1.1) near++;
    }
    assert.ok(near >= 8, `${near} of 10`);
  });
});
