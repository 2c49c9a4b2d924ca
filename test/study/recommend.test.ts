import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BROAD_SUITE } from '../../src/bench/broad/problems.js';
import { runProblem } from '../../src/bench/broad/run.js';
import { OptionsError } from '../../src/errors.js';
import { median } from '../../src/stats.js';
import { Rng } from '../../src/rng.js';
import { tpe } from '../../src/samplers/tpe/tpe.js';
import { hp } from '../../src/space/hp.js';
import { createStudy } from '../../src/study/study.js';

const sphere = (c: { x: number; y: number }) => (c.x - 0.3) ** 2 + (c.y + 0.2) ** 2;

async function noisyStudy(seed: number, noisy: boolean | 'auto') {
  const study = await createStudy({ space: { x: hp.uniform('x', -1, 1), y: hp.uniform('y', -1, 1) }, sampler: tpe(), seed, noisy });
  const rng = Rng.derive(seed, 'test-noise');
  await study.optimize((c: { x: number; y: number }) => sphere(c) + 0.15 * rng.normal(), { nTrials: 60 });
  return study;
}

describe('study.recommend under noise, for a sampler without its own recommendation (TPE)', () => {
  it('declared noisy: the GP posterior mean picks a trial whose true value beats the luckiest observation overall (10 seeds)', async () => {
    let rec = 0;
    let obs = 0;
    let noWorse = 0;
    for (let seed = 0; seed < 10; seed++) {
      const study = await noisyStudy(seed, true);
      const r = sphere((await study.recommend())!.config);
      const o = sphere(study.bestTrial!.config);
      rec += r;
      obs += o;
      if (r <= o) noWorse++;
    }
    assert.ok(rec < 0.7 * obs, `true values: recommended ${rec / 10}, best observed ${obs / 10}`);
    assert.ok(noWorse >= 7, `${noWorse} of 10`);
  });

  it("declared noisy, CMA-ES: the recommendation's true regret is within 1.5x of the best point evaluated (median of 30 seeds)", async () => {
    // CMA-ES crowds its late generations near the optimum, where points differ by less than the noise (sd 1): the best
    // observation is a lucky draw (its median ratio here is 2.7), the posterior mean's pick about 1.25. Ten seeds are
    // too few for this ratio: its median moved between 1.2 and 2.0 with the noise stream alone.
    const p = BROAD_SUITE.find((q) => q.name === 'noisy-f1-sphere-6d')!;
    const runs = await runProblem(p, 'cmaes', {}, 30);
    const ratios = runs.regret.map((r, i) => r / runs.bestEvaluatedRegret[i]);
    assert.ok(median(ratios) <= 1.5, `recommended / best evaluated true regret: ${ratios.map((r) => r.toFixed(2)).join(', ')}`);
  });

  it('noisy false gives the best observation; a deterministic objective keeps it with the default (auto)', async () => {
    const study = await noisyStudy(1, false);
    assert.equal((await study.recommend())!.number, study.bestTrial!.number);
    const det = await createStudy({ space: { x: hp.uniform('x', -1, 1), y: hp.uniform('y', -1, 1) }, sampler: tpe(), seed: 2 });
    await det.optimize(sphere, { nTrials: 40 });
    assert.equal((await det.recommend())!.number, det.bestTrial!.number);
    assert.notEqual((await study.recommend({ noisy: true }))!.number, undefined);
  });

  it('rejects a bad noisy option, naming the field', async () => {
    await assert.rejects(
      createStudy({ space: { x: hp.uniform('x', 0, 1) }, noisy: 'yes' as never }),
      (e: Error) => e instanceof OptionsError && /options.noisy must be true, false or "auto"/.test(e.message),
    );
    const s = await createStudy({ space: { x: hp.uniform('x', 0, 1) } });
    await assert.rejects(s.recommend({ noisy: 1 as never }), /recommend: options.noisy/);
    await assert.rejects(
      s.recommend({ foo: 1 } as never),
      (e: Error) => e instanceof OptionsError && /^recommend: unknown option "foo"; known: noisy$/.test(e.message),
    );
    await assert.rejects(s.recommend({ nosiy: true } as never), /recommend: unknown option "nosiy"; did you mean noisy\?/);
  });
});
