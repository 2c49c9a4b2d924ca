import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OptionsError } from '../src/errors.js';
import { grid } from '../src/samplers/grid.js';
import { hp } from '../src/space/hp.js';
import { space } from '../src/space/space.js';
import { createStudy } from '../src/study/study.js';
import { samplerStudyState } from './conformance/sampler.js';

describe('grid search', () => {
  it('counts a conditional grid per branch', () => {
    const tree = {
      c: hp.choice('c', [{ a: hp.randint('a', 3) }, { b: hp.quniform('b', 0, 1, 0.25), d: hp.choice('d', ['x', 'y']) }, 'none']),
      e: hp.uniformint('e', 1, 2),
    };
    // (3 + 5·2 + 1) · 2
    assert.equal(grid.size(tree), 28);
  });

  it('enumerates exactly size() distinct valid points, then the study ends', async () => {
    const tree = {
      c: hp.choice('c', [{ a: hp.randint('a', 3) }, { b: hp.quniform('b', 0, 1, 0.25) }]),
      x: hp.uniform('x', 0, 1),
      l: hp.loguniform('l', 0, Math.log(100)),
    };
    const options = { points: { x: 3, l: 3 } };
    const size = grid.size(tree, options);
    assert.equal(size, (3 + 5) * 3 * 3);
    const s = space(tree);
    const study = await createStudy({ space: s, sampler: grid(options), seed: 1 });
    await study.optimize(() => 0, { nTrials: size + 10 });
    const trials = await study.trials();
    assert.equal(trials.length, size);
    assert.equal(new Set(trials.map((t) => s.key(t.params))).size, size);
    assert.deepEqual(
      [...new Set(trials.map((t) => t.params.l))].sort((a, b) => (a as number) - (b as number)),
      [1, 10, 100],
    );
  });

  it('is lexicographic or seeded-shuffled', async () => {
    const tree = { a: hp.randint('a', 4), b: hp.choice('b', ['p', 'q']) };
    const order = async (o: Parameters<typeof grid>[0], seed: number) => {
      const study = await createStudy({ space: tree, sampler: grid(o), seed });
      await study.optimize(() => 0, { nTrials: 8 });
      return (await study.trials()).map((t) => `${t.params.a}${t.params.b}`);
    };
    assert.deepEqual(await order({ order: 'lexicographic' }, 1), ['0p', '0q', '1p', '1q', '2p', '2q', '3p', '3q']);
    const shuffled = await order({}, 1);
    assert.deepEqual(await order({}, 1), shuffled);
    assert.notDeepEqual(await order({}, 2), shuffled);
    assert.deepEqual([...shuffled].sort(), ['0p', '0q', '1p', '1q', '2p', '2q', '3p', '3q']);
  });

  it('explains what a continuous or normal dimension needs', () => {
    assert.throws(
      () => grid.size({ x: hp.uniform('x', 0, 1) }),
      (e: unknown) => e instanceof OptionsError && /hp\.uniform\("x"\) is continuous; give options\.points/.test(e.message),
    );
    assert.throws(() => grid.size({ n: hp.normal('n', 0, 1) }), /hp\.normal\("n"\) is a normal distribution and cannot be gridded/);
    assert.equal(grid.size({ n: hp.normal('n', 0, 1) }, { values: { n: [-1, 0, 1] } }), 3);
    assert.throws(() => grid({ points: 0 }), /grid: options\.points must be a positive integer/);
    assert.throws(
      () => grid({ pionts: 3 } as never),
      (e: unknown) => e instanceof OptionsError && /^grid: unknown option "pionts"; did you mean points\?$/.test(e.message),
    );
    assert.throws(() => grid({ bogus: 1 } as never), /grid: unknown option "bogus"; known: points, values, order/);
    assert.throws(() => grid.size({ i: hp.randint('i', 5) }, { values: { i: [7] } }), /options\.values\.i\[0\]: 7 is outside \[0, 4\]/);
  });

  it('hands out distinct points to a batch beside running trials', async () => {
    const tree = { a: hp.randint('a', 10) };
    const study = await createStudy({ space: tree, sampler: grid(), seed: 3 });
    const first = await study.ask(4);
    const second = await study.ask(4);
    const third = await study.ask(4);
    assert.equal(third.length, 2);
    assert.equal(new Set([...first, ...second, ...third].map((t) => t.params.a)).size, 10);
  });
});

samplerStudyState('grid', () => grid({ points: 5 }), { trials: 30, fixture: 'small' });
