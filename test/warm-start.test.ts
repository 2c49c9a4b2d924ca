import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpaceError } from '../src/errors.js';
import { createSampler, samplerNames } from '../src/samplers/registry.js';
import { hp } from '../src/space/hp.js';
import { createStudy } from '../src/study/study.js';
import { fmin } from '../src/study/fmin.js';

const nested = {
  lr: hp.loguniform('lr', Math.log(1e-4), 0),
  opt: hp.choice('opt', [{ name: 'sgd', momentum: hp.uniform('momentum', 0, 1) }, { name: 'adam' }]),
  act: hp.choice('act', ['relu', 'tanh']),
};

describe('warm starts', () => {
  it('evaluates enqueued points first, given as params or as configs, in order', async () => {
    const study = await createStudy({ space: nested, sampler: createSampler('tpe'), seed: 1 });
    await study.enqueue({ lr: 0.01, opt: 1, act: 'tanh' });
    await study.enqueue({ lr: 0.001, opt: { name: 'sgd', momentum: 0.9 }, act: 'relu' });
    const asked = await study.ask(3);
    assert.deepEqual(asked[0].params, { lr: 0.01, opt: 1, act: 'tanh' });
    assert.deepEqual(asked[1].params, { lr: 0.001, opt: 0, momentum: 0.9, act: 'relu' });
    assert.deepEqual(asked[1].config, { lr: 0.001, opt: { name: 'sgd', momentum: 0.9 }, act: 'relu' });
    assert.equal(asked.length, 3, 'the sampler fills the rest');
    assert.deepEqual(await study.storage.queued(study.record.id), []);
  });

  it('refuses a point that is neither params nor a config of the space, naming the label', async () => {
    const study = await createStudy({ space: nested });
    await assert.rejects(
      study.enqueue({ lr: 5, opt: 1, act: 'tanh' }),
      (e: Error) => e instanceof SpaceError && /params\.lr/.test(e.message),
    );
    await assert.rejects(study.enqueue({ lr: 0.01, opt: { name: 'rmsprop' }, act: 'relu' } as never), SpaceError);
    await assert.rejects(study.addTrial({ params: { lr: 0.01, opt: 1, act: 'tanh' }, value: NaN }), /value must be a finite number/);
    assert.equal((await study.trials()).length, 0, 'nothing recorded');
  });

  it('records results obtained elsewhere as complete trials that count as the best', async () => {
    const study = await createStudy({ space: hp.uniform('x', -5, 5), seed: 2 });
    const added = await study.addTrial({ config: 0.5, value: 0.75, attrs: { source: 'paper' } });
    assert.equal(added.state, 'complete');
    assert.deepEqual(added.params, { x: 0.5 });
    assert.deepEqual(added.attrs, { source: 'paper' });
    await study.optimize((x) => x ** 2 - x + 1, { nTrials: 5 });
    assert.equal(study.bestTrial?.number, 0);
    assert.equal(study.bestTrial?.config, 0.5);
  });

  it("fmin evaluates pointsToEvaluate first, as hyperopt's points_to_evaluate", async () => {
    const seen: number[] = [];
    const best = await fmin({
      fn: (x) => {
        seen.push(x);
        return (x - 0.5) ** 2;
      },
      space: hp.uniform('x', -5, 5),
      algo: createSampler('tpe'),
      maxEvals: 10,
      pointsToEvaluate: [{ x: 0.5 }, 2],
    });
    assert.deepEqual(seen.slice(0, 2), [0.5, 2]);
    assert.deepEqual(best, { x: 0.5 });
  });

  // Every sampler sees added and enqueued trials like its own: 40 results of f(x) = (x − 3.7)² planted by hand,
  // then the model-based samplers' next suggestions land near 3.7, where a sampler that ignored them (random search
  // over [−5, 5]) has a median distance of about 3.5.
  // (grid skips hand-added points by design; nsga2 breeds generations by trial number, for several objectives)
  for (const name of samplerNames().filter((n) => n !== 'grid' && n !== 'nsga2')) {
    it(`${name} sees trials added by hand and enqueued points`, async () => {
      const wins: boolean[] = [];
      for (let seed = 0; seed < 6; seed++) {
        const study = await createStudy({ space: hp.uniform('x', -5, 5), sampler: createSampler(name), seed });
        for (let i = 0; i < 40; i++) {
          const x = -5 + (10 * (i + 0.5)) / 40;
          await study.addTrial({ params: { x }, value: (x - 3.7) ** 2 });
        }
        await study.enqueue({ x: -4 });
        await study.optimize((x) => (x - 3.7) ** 2, { nTrials: 55 });
        const trials = await study.trials();
        assert.deepEqual(trials[40].params, { x: -4 }, 'the enqueued point comes first');
        const dist = trials
          .slice(41)
          .map((t) => Math.abs((t.params.x as number) - 3.7))
          .sort((a, b) => a - b);
        wins.push(dist[Math.floor(dist.length / 2)] < 1.5);
      }
      const won = wins.filter(Boolean).length;
      if (name === 'random') assert.ok(won <= 3, `random search cannot use them (${won} of 6 near)`);
      else assert.ok(won >= 5, `${name}: median distance < 1.5 in ${won} of 6 seeds`);
    });
  }

  it('grid skips points added by hand', async () => {
    const study = await createStudy({
      space: { a: hp.choice('a', [1, 2, 3]), b: hp.choice('b', ['u', 'v']) },
      sampler: createSampler('grid'),
    });
    await study.addTrial({ params: { a: 2, b: 'v' }, value: 0 });
    await study.optimize(() => 1, { nTrials: 100 });
    const keys = (await study.trials()).map((t) => `${t.params.a}${t.params.b}`);
    assert.equal(keys.length, 6);
    assert.equal(new Set(keys).size, 6);
  });
});
