import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpaceError } from '../../src/errors.js';
import { fmin, hp, parseSpaceJson, spaceEval, createStudy, tpe } from '../../src/index.js';
import { nearestName } from '../../src/did-you-mean.js';

describe('a misspelt distribution in a JSON space', () => {
  it('is an error naming the JSON path and the nearest known name', () => {
    const cases: [unknown, RegExp][] = [
      [{ x: { unifrom: [-5, 5] } }, /space \$\.x\.unifrom: unknown distribution "unifrom"; did you mean "uniform"\?/],
      [
        { opt: { choice: [{ name: 'sgd', lr: { logunifrom: [-9, 0] } }, 'adam'] } },
        /\$\.opt\.choice\[0\]\.lr\.logunifrom: .*did you mean "loguniform"/,
      ],
      [{ n: { randit: [10] } }, /\$\.n\.randit: .*did you mean "randint"/],
      [{ c: { choise: ['a', 'b'] } }, /\$\.c\.choise: .*did you mean "choice"/],
    ];
    for (const [json, message] of cases) {
      assert.throws(
        () => parseSpaceJson(json),
        (e: unknown) => e instanceof SpaceError && message.test(e.message),
        JSON.stringify(json),
      );
    }
  });

  it('still takes constant objects whose keys are far from any distribution, and { const } for the rest', () => {
    const s = parseSpaceJson({ x: { uniform: [0, 1] }, layers: { sizes: [64, 32] }, c: { const: { choices: [1, 2] } } });
    assert.deepEqual(s.toObject({ x: 0.5 }), { x: 0.5, layers: { sizes: [64, 32] }, c: { choices: [1, 2] } });
  });

  it('finds the nearest name case-, underscore- and swap-insensitively, and nothing when far', () => {
    assert.equal(nearestName('max_evals', ['maxEvals', 'seed']), 'maxEvals');
    assert.equal(nearestName('unifrom', ['uniform', 'normal']), 'uniform');
    assert.equal(nearestName('trials', ['maxEvals', 'seed']), null);
  });
});

describe('spaceEval on what fmin and bestTrial.params return', () => {
  const tree = {
    act: hp.choice('act', ['relu', 'tanh', 'gelu']),
    width: hp.choice('width', [16, 32, 64]),
    model: hp.choice('model', [{ kind: 'linear' }, { kind: 'mlp', dropout: hp.uniform('dropout', 0, 0.5) }]),
    lr: hp.loguniform('lr', -9, 0),
  };

  it("fills the tree from fmin's result, constant options included", async () => {
    const best = await fmin({
      fn: (c) => c.lr + (c.act === 'tanh' ? 0 : 1) + c.width / 100,
      space: tree,
      algo: tpe.suggest,
      maxEvals: 25,
      seed: 3,
    });
    const config = spaceEval(tree, best) as Record<string, unknown>;
    assert.ok(['relu', 'tanh', 'gelu'].includes(config.act as string));
    assert.ok([16, 32, 64].includes(config.width as number));
    assert.equal(config.lr, best.lr);
    const model = config.model as { kind: string; dropout?: number };
    assert.ok(model.kind === 'linear' || (model.kind === 'mlp' && typeof model.dropout === 'number'));
  });

  it('gives exactly the config the objective received for study.bestTrial.params', async () => {
    const seen = new Map<number, unknown>();
    const study = await createStudy({ space: tree, seed: 5 });
    await study.optimize((c, ctx) => (seen.set(ctx.trial, structuredClone(c)), c.lr * c.width), { nTrials: 20 });
    const best = study.bestTrial;
    assert.ok(best);
    assert.deepEqual(spaceEval(tree, best.params), seen.get(best.number));
  });

  it("still takes hyperopt's indices, and names the label of a value that is neither", () => {
    assert.deepEqual(spaceEval(tree, { act: 1, width: 2, model: 0, lr: 0.01 }), {
      act: 'tanh',
      width: 64,
      model: { kind: 'linear' },
      lr: 0.01,
    });
    // a numeric option is taken as itself (what fmin records), not as an index
    assert.equal((spaceEval(tree, { act: 'gelu', width: 32, model: 0, lr: 0.01 }) as { width: number }).width, 32);
    assert.throws(
      () => spaceEval(tree, { act: 'swish', width: 16, model: 0, lr: 0.01 }),
      /spaceEval: "act" must be one of its options or an option index in \[0, 2\] \(got "swish"\)/,
    );
  });
});
