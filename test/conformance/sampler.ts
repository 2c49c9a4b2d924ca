import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/rng.js';
import type { Sampler } from '../../src/samplers/sampler.js';
import { hp } from '../../src/space/hp.js';
import { space as compile } from '../../src/space/space.js';
import { createStudy } from '../../src/study/study.js';

/** A space with every kind of leaf, a conditional branch and a nested choice. */
export function everyKindSpace() {
  return {
    u: hp.uniform('u', -2, 3),
    qu: hp.quniform('qu', 0, 10, 0.5),
    lu: hp.loguniform('lu', Math.log(1e-4), Math.log(1)),
    qlu: hp.qloguniform('qlu', Math.log(1), Math.log(1000), 5),
    n: hp.normal('n', 1, 2),
    qn: hp.qnormal('qn', 0, 5, 2),
    ln: hp.lognormal('ln', 0, 1),
    ri: hp.randint('ri', 3, 9),
    ui: hp.uniformint('ui', -3, 3),
    c: hp.choice('c', ['a', 'b', 'c']),
    model: hp.choice('model', [
      { kind: 'svm', C: hp.loguniform('svm_C', -3, 3), kernel: hp.choice('svm_kernel', ['rbf', 'linear']) },
      { kind: 'mlp', layers: hp.choice('mlp_layers', [
        [hp.uniformint('w1_only', 8, 64)],
        [hp.uniformint('w1', 8, 64), hp.uniformint('w2', 8, 64)],
      ]), lr: hp.qloguniform('mlp_lr', -7, 0, 1e-4) },
      { kind: 'none' },
    ]),
  };
}

/** A smooth objective over `everyKindSpace` configs, so model-based samplers have something to model. */
function everyKindObjective(c: any): number {
  let y = (c.u - 1) ** 2 + Math.abs(c.qu - 3) + Math.log(c.lu) ** 2 / 10 + c.n ** 2 / 10 + (c.c === 'b' ? 0 : 1);
  if (c.model.kind === 'svm') y += Math.log(c.model.C) ** 2;
  if (c.model.kind === 'mlp') y += c.model.layers.reduce((s: number, w: number) => s + Math.abs(w - 32) / 32, 0);
  return y;
}

export interface ConformanceOptions {
  /** Trials to run so the sampler leaves its startup phase. Default 40. */
  trials?: number;
}

/**
 * The conformance suite every sampler passes: bounds, q, log, int, categorical and conditional values
 * respected (each suggestion validated against the space), seed reproducibility, batches without duplicates
 * seeing running trials, failed trials tolerated.
 */
export function samplerConformance(name: string, make: () => Sampler, o: ConformanceOptions = {}): void {
  const trials = o.trials ?? 40;
  describe(`${name} sampler conformance`, () => {
    it('suggests only values the space can hold, with inactive branches absent', async () => {
      const space = compile(everyKindSpace());
      const study = await createStudy({ space, sampler: make(), seed: 3 });
      await study.optimize(everyKindObjective, { nTrials: trials });
      const all = await study.trials();
      assert.equal(all.length, trials);
      for (const t of all) {
        assert.equal(t.state, 'complete', `trial ${t.number}: ${t.failMessage}`);
        space.validate(t.params); // throws on any out-of-bounds, non-integer, non-option or inactive value
        const p = t.params as Record<string, number>;
        assert.ok(Number.isInteger(p.ri) && Number.isInteger(p.ui), 'integers are integers');
        assert.ok(Math.abs(p.qu / 0.5 - Math.round(p.qu / 0.5)) < 1e-9, `qu=${p.qu} is a multiple of 0.5`);
        assert.ok(Math.abs(p.qlu / 5 - Math.round(p.qlu / 5)) < 1e-9, `qlu=${p.qlu} is a multiple of 5`);
        assert.ok(Math.abs(p.qn / 2 - Math.round(p.qn / 2)) < 1e-9, `qn=${p.qn} is a multiple of 2`);
        assert.ok(p.lu >= 1e-4 * (1 - 1e-12) && p.lu <= 1 + 1e-12, `lu=${p.lu} within its log bounds`);
        assert.ok(p.ln > 0, 'lognormal is positive');
      }
      const branches = new Set(all.map((t) => t.params.model));
      assert.ok(branches.size >= 2, 'more than one branch explored');
    });

    it('gives the same trials for the same seed and different ones for another seed', async () => {
      const run = async (seed: number) => {
        const study = await createStudy({ space: everyKindSpace(), sampler: make(), seed });
        await study.optimize(everyKindObjective, { nTrials: Math.min(trials, 30) });
        return (await study.trials()).map((t) => t.params);
      };
      const a = await run(11);
      assert.deepEqual(await run(11), a);
      assert.notDeepEqual(await run(12), a);
    });

    it('returns a batch of 8 distinct points that also differ from 8 running trials', async () => {
      const space = compile({ x: hp.uniform('x', 0, 1), y: hp.quniform('y', 0, 20, 1), c: hp.choice('c', [1, 2, 3]) });
      const study = await createStudy({ space, sampler: make(), seed: 5 });
      await study.optimize((p: any) => (p.x - 0.3) ** 2 + (p.y - 7) ** 2 / 100 + p.c, { nTrials: trials });
      const running = await study.ask(8);
      const batch = await study.ask(8);
      assert.equal(batch.length, 8);
      const keys = new Set([...running, ...batch].map((t) => space.key(t.params)));
      assert.equal(keys.size, 16, 'no duplicates among 8 running and 8 new');
    });

    it('keeps suggesting when some trials fail', async () => {
      const study = await createStudy({ space: { x: hp.uniform('x', -1, 1) }, sampler: make(), seed: 7 });
      await study.optimize((p: any, ctx) => {
        if (ctx.trial % 3 === 0) throw new Error('boom');
        return ctx.trial % 3 === 1 ? NaN : p.x ** 2;
      }, { nTrials: trials });
      const all = await study.trials();
      assert.equal(all.length, trials);
      const expectedFails = all.filter((t) => t.number % 3 !== 2).length;
      assert.equal(all.filter((t) => t.state === 'fail').length, expectedFails);
      assert.ok(all.every((t) => t.state === 'fail' || t.number % 3 === 2));
    });

    it('suggests from a history what a fresh sampler suggests from it (state kept between calls is a cache)', async () => {
      const kept = make();
      const study = await createStudy({ space: everyKindSpace(), sampler: kept, seed: 11 });
      await study.optimize((c: any, ctx) => {
        if (ctx.trial % 7 === 3) throw new Error('boom');
        return everyKindObjective(c);
      }, { nTrials: trials });
      // three trials asked (the sampler sees the first two running), then the first finished: it completes after
      // the sampler saw it running, and the running second ends the settled prefix
      const running = await study.ask(2);
      await study.ask(1);
      await study.tell(running[0]!.number, 1.5);
      await study.refresh();
      const history = study.history();
      assert.equal(history.settled, running[1]!.number);
      const draw = (s: Sampler) => s.suggest(history, 3, Rng.derive(5, 'conformance'));
      assert.deepEqual(await draw(kept), await draw(make()));
    });
  });
}
