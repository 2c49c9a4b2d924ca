import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpaceError } from '../../src/errors.js';
import { hp } from '../../src/space/hp.js';
import { parseSpaceJson, spaceToJson } from '../../src/space/json.js';
import { space, spaceEval } from '../../src/space/space.js';

const throwsSpace = (f: () => unknown, message: RegExp) =>
  assert.throws(f, (e: unknown) => e instanceof SpaceError && message.test(e.message));

describe('hp validation', () => {
  it('names the label and the reason for bad bounds', () => {
    throwsSpace(() => hp.uniform('lr', 5, 1), /^hp\.uniform\("lr"\): low \(5\) must be < high \(1\)$/);
    throwsSpace(() => hp.quniform('q', 0, 1, 0), /hp\.quniform\("q"\): q \(0\) must be > 0/);
    throwsSpace(() => hp.normal('n', 0, -1), /hp\.normal\("n"\): sigma \(-1\) must be > 0/);
    throwsSpace(() => hp.randint('r', 0), /hp\.randint\("r"\): upper \(0\) must be >= 1/);
    throwsSpace(() => hp.randint('r', 1.5), /hp\.randint\("r"\): upper \(1\.5\) must be an integer/);
    throwsSpace(() => hp.uniformint('u', 3, 3), /low \(3\) must be < high \(3\)/);
    throwsSpace(() => hp.uniform('x', NaN, 1), /low must be a finite number \(got null\)|low must be a finite number/);
  });

  it('rejects empty labels and empty or malformed choices', () => {
    throwsSpace(() => hp.uniform('', 0, 1), /label must be a non-empty string/);
    throwsSpace(() => hp.choice('c', []), /hp\.choice\("c"\): options must be a non-empty array/);
    throwsSpace(
      () =>
        hp.pchoice('p', [
          [0.5, 'a'],
          [0.4, 'b'],
        ]),
      /probabilities must sum to 1 \(got 0\.9/,
    );
    throwsSpace(
      () =>
        hp.pchoice('p', [
          [-0.5, 'a'],
          [1.5, 'b'],
        ]),
      /probability of option 0 \(-0\.5\) must be >= 0/,
    );
  });

  it('rejects duplicate labels, naming both places', () => {
    throwsSpace(
      () => space({ a: hp.uniform('x', 0, 1), b: hp.choice('c', [{ x: hp.uniform('x', 0, 2) }]) }),
      /\$\.b\[0\]\.x: label "x" is already used at \$\.a/,
    );
  });

  it('rejects functions and class instances inside a space', () => {
    throwsSpace(() => space({ f: () => 1 }), /\$\.f: .*not a function/);
    throwsSpace(() => space({ d: new Date() }), /\$\.d: a space may hold plain objects only \(got a Date\)/);
  });
});

describe('JSON spaces', () => {
  it('parses every distribution with labels defaulting to keys', () => {
    const s = parseSpaceJson({
      x: { uniform: [-5, 5] },
      lr: { loguniform: [-9, 0] },
      n: { randint: [2, 6] },
      opt: { choice: [{ name: 'sgd', momentum: { uniform: [0, 1] } }, 'adam'] },
      act: {
        pchoice: [
          [0.7, 'relu'],
          [0.3, 'tanh'],
        ],
      },
    });
    assert.deepEqual(
      s.dims.map((d) => d.label),
      ['x', 'lr', 'n', 'opt', 'momentum', 'act'],
    );
    assert.equal(s.dim('momentum').parent?.dim.label, 'opt');
  });

  it('names the JSON path in errors', () => {
    throwsSpace(
      () => parseSpaceJson({ a: { b: { uniform: [5, 1] } } }, 'space.json'),
      /^space\.json \$\.a\.b \(uniform\): low \(5\) must be < high \(1\)$/,
    );
    throwsSpace(() => parseSpaceJson({ a: { uniform: 3 } }, 's'), /\$\.a \(uniform\): arguments must be an array/);
    throwsSpace(() => parseSpaceJson({ a: { uniform: [0, 1], loguniform: [0, 1] } }, 's'), /one distribution per object/);
    throwsSpace(() => parseSpaceJson({ a: { uniform: [0, 1], bogus: 1 } }, 's'), /unexpected key "bogus" beside "uniform"/);
    throwsSpace(
      () => parseSpaceJson({ o: { choice: [{ lr: { uniform: [0, 1] } }, { lr: { uniform: [0, 2] } }] } }, 's'),
      /^s \$\.o\[1\]\.lr: label "lr" is already used at \$\.o\[0\]\.lr/,
    );
    throwsSpace(
      () => parseSpaceJson({ o: { choice: [{ uniform: [0, 1] }, 'none'] } }, 's'),
      /^s \$\.o\.choice\[0\] \(uniform\): needs a "label"/,
    );
    assert.equal(parseSpaceJson({ l: [{ uniform: [0, 1] }] }).dims[0].label, 'l[0]');
  });

  it('round-trips through spaceToJson', () => {
    const tree = {
      x: hp.quniform('x', 0, 10, 0.5),
      model: hp.choice('model', [
        { kind: 'a', w: hp.uniformint('w', 1, 4) },
        { kind: 'b', lr: hp.loguniform('lr_b', -3, 0) },
      ]),
      p: hp.pchoice('p', [
        [0.25, 1],
        [0.75, 2],
      ]),
      layers: [hp.uniform('l0', 0, 1), 3],
    };
    const s = space(tree);
    const json = spaceToJson(s);
    const back = parseSpaceJson(JSON.parse(JSON.stringify(json)));
    assert.deepEqual(spaceToJson(back), json);
    assert.deepEqual(
      back.dims.map((d) => [d.label, d.fn, d.parent?.dim.label ?? null]),
      s.dims.map((d) => [d.label, d.fn, d.parent?.dim.label ?? null]),
    );
  });
});

describe('values, not indices', () => {
  it('records constant options themselves and structured options by index; spaceEval takes indices', () => {
    const tree = { act: hp.choice('act', ['relu', 'tanh']), model: hp.choice('model', [{ k: 1 }, { k: 2, c: hp.uniform('c', 0, 1) }]) };
    const s = space(tree);
    assert.equal(s.dim('act').optionValue(1), 'tanh');
    assert.equal(s.dim('model').optionValue(1), 1);
    assert.deepEqual(s.toObject({ act: 'tanh', model: 1, c: 0.5 }), { act: 'tanh', model: { k: 2, c: 0.5 } });
    assert.deepEqual(spaceEval(tree, { act: 1, model: 0 }), { act: 'tanh', model: { k: 1 } });
  });

  it('hands a bare number to the objective of a one-leaf space', () => {
    assert.equal(space(hp.uniform('x', 0, 1)).toObject({ x: 0.25 }), 0.25);
  });
});

describe('spaces from another copy of the package', () => {
  it('compiles hp.* nodes and spaces made by a second instance of the modules (a second install, tsx)', async () => {
    // a query string makes Node load the modules again: other classes, as another copy of the package would have
    const other = (await import(
      `${new URL('../../src/space/space.js', import.meta.url).href}?copy`
    )) as typeof import('../../src/space/space.js');
    const otherHp = (
      (await import(`${new URL('../../src/space/hp.js', import.meta.url).href}?copy`)) as typeof import('../../src/space/hp.js')
    ).hp;
    const tree = {
      lr: otherHp.loguniform('lr', -5, 0),
      opt: otherHp.choice('opt', [{ n: 'sgd', m: otherHp.uniform('m', 0, 1) }, { n: 'adam' }]),
    };
    assert.notEqual(other.SearchSpace, (await import('../../src/space/space.js')).SearchSpace, 'a second instance indeed');
    const mine = space(tree);
    assert.deepEqual(
      mine.dims.map((d) => d.label),
      ['lr', 'opt', 'm'],
    );
    const foreign = space(other.space(tree) as never);
    assert.deepEqual(spaceToJson(foreign), spaceToJson(mine));
  });
});
