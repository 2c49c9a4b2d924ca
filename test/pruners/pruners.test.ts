import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OptionsError, TrialPruned } from '../../src/errors.js';
import { HyperbandPruner } from '../../src/pruners/hyperband.js';
import { MedianPruner, PercentilePruner } from '../../src/pruners/percentile.js';
import { PatientPruner } from '../../src/pruners/patient.js';
import type { Pruner } from '../../src/pruners/pruner.js';
import { createPruner } from '../../src/pruners/registry.js';
import { rungDecisions, SuccessiveHalvingPruner } from '../../src/pruners/successive-halving.js';
import { ThresholdPruner } from '../../src/pruners/threshold.js';
import { hp } from '../../src/space/hp.js';
import { createStudy, type Study } from '../../src/study/study.js';

const space = { x: hp.uniform('x', 0, 1) };

/** A study with `curves.length` trials, each reporting its curve then finished complete with its last value. */
async function studyWith(curves: number[][], direction: 'minimize' | 'maximize' = 'minimize'): Promise<Study> {
  const study = await createStudy({ space, direction, seed: 3 });
  for (const c of curves) {
    const [t] = await study.ask();
    for (let s = 0; s < c.length; s++) await study.report(t.number, s, c[s]);
    await study.tell(t.number, c[c.length - 1]);
  }
  return study;
}

/** Asks a trial and reports `curve`; returns the decision after each report. */
async function decisions(study: Study, curve: number[], pruner: Pruner): Promise<boolean[]> {
  const [t] = await study.ask();
  const out: boolean[] = [];
  for (let s = 0; s < curve.length; s++) out.push(await study.report(t.number, s, curve[s], pruner));
  return out;
}

const flat = <T>(v: T, n = 5): T[] => Array.from({ length: n }, () => v);

describe('pruner options', () => {
  it('are validated with errors naming the field and the reason', () => {
    const cases: [() => unknown, RegExp][] = [
      [() => new MedianPruner({ nWarmupSteps: -1 }), /options\.nWarmupSteps must be an integer >= 0 \(got -1\)/],
      [() => new MedianPruner({ intervalSteps: 0 }), /options\.intervalSteps must be an integer >= 1/],
      [() => new MedianPruner({ percentile: 30 } as never), /options\.percentile is not an option of the median pruner/],
      [() => new PercentilePruner({}), /options\.percentile is required/],
      [() => new PercentilePruner({ percentile: 120 }), /options\.percentile must be a number in \[0, 100\] \(got 120\)/],
      [() => new PercentilePruner({ percentile: 25, nMinTrials: 0 }), /options\.nMinTrials must be an integer >= 1/],
      [() => new SuccessiveHalvingPruner({ reductionFactor: 1 }), /options\.reductionFactor must be an integer >= 2/],
      [() => new SuccessiveHalvingPruner({ minResource: 0 }), /options\.minResource must be an integer >= 1 or "auto"/],
      [
        () => new HyperbandPruner({ minResource: 4, maxResource: 2 }),
        /options\.maxResource must be an integer >= options\.minResource \(4\)/,
      ],
      [() => new ThresholdPruner({}), /options\.lower or options\.upper is required/],
      [() => new ThresholdPruner({ lower: 2, upper: 1 }), /options\.lower must be <= options\.upper/],
      [() => new PatientPruner(null, {}), /options\.patience is required/],
      [() => new PatientPruner(null, { patience: 1, minDelta: -1 }), /options\.minDelta must be a number >= 0/],
      [() => createPruner('bogus'), /pruner must be one of median, percentile, asha, hyperband, threshold, patient, none/],
      [() => createPruner('medain'), /\(got "medain"\); did you mean median\?$/],
      [
        () => new MedianPruner({ nWarmupStep: 1 } as never),
        /options\.nWarmupStep is not an option of the median pruner; did you mean nWarmupSteps\?/,
      ],
    ];
    for (const [make, message] of cases) assert.throws(make, (e: unknown) => e instanceof OptionsError && message.test(e.message));
  });
});

describe('median and percentile pruners', () => {
  it('prune a trial whose best value is worse than the median of the complete trials at its step', async () => {
    const study = await studyWith([flat(1), flat(2), flat(3), flat(4), flat(5)]);
    const pruner = new MedianPruner();
    assert.deepEqual(await decisions(study, flat(3.5), pruner), flat(true));
    assert.deepEqual(await decisions(study, flat(2.5), pruner), flat(false));
    // its best so far counts, not its latest value
    assert.deepEqual(await decisions(study, [2, 9, 9], pruner), [false, false, false]);
  });

  it('wait for the startup trials, the warm-up steps and the interval', async () => {
    const study = await studyWith([flat(1), flat(2), flat(3)]);
    assert.deepEqual(await decisions(study, flat(9), new MedianPruner()), flat(false), 'fewer than 5 complete trials');
    assert.deepEqual(await decisions(study, flat(9), new MedianPruner({ nStartupTrials: 3, nWarmupSteps: 2 })), [
      false,
      false,
      true,
      true,
      true,
    ]);
    assert.deepEqual(await decisions(study, flat(9, 6), new MedianPruner({ nStartupTrials: 3, intervalSteps: 2 })), [
      true,
      false,
      true,
      false,
      true,
      false,
    ]);
  });

  it('use the percentile in the study direction and need nMinTrials at the step', async () => {
    const up = await studyWith([flat(1), flat(2), flat(3), flat(4), flat(5)], 'maximize');
    // maximize, 25th percentile of the best: values below the 75th percentile of the values (4) are pruned
    assert.deepEqual(await decisions(up, [3.9], new PercentilePruner({ percentile: 25 })), [true]);
    assert.deepEqual(await decisions(up, [4.1], new PercentilePruner({ percentile: 25 })), [false]);
    assert.deepEqual(await decisions(up, flat(0, 7), new PercentilePruner({ percentile: 25, nMinTrials: 5 })), [
      true,
      true,
      true,
      true,
      true,
      false,
      false,
    ]);
  });
});

describe('threshold and patient pruners', () => {
  it('threshold prunes a value outside [lower, upper] or NaN', async () => {
    const study = await studyWith([]);
    const pruner = new ThresholdPruner({ lower: 0, upper: 1 });
    assert.deepEqual(await decisions(study, [0.5, 1.5, -1, NaN], pruner), [false, true, true, true]);
  });

  it('patient prunes only after `patience` steps without improvement, then asks the wrapped pruner', async () => {
    const study = await studyWith([]);
    assert.deepEqual(await decisions(study, [5, 4, 4.5, 4.2, 4.1, 3], new PatientPruner(null, { patience: 2 })), [
      false,
      false,
      false,
      false,
      true,
      false,
    ]);
    const never = new PatientPruner(new ThresholdPruner({ upper: 100 }), { patience: 1 });
    assert.deepEqual(await decisions(study, [5, 6, 7], never), [false, false, false]);
  });
});

describe('successive halving (ASHA)', () => {
  it('promotes the top 1/η of those that reached a rung before, or the best of them while fewer than η', async () => {
    const study = await studyWith([]);
    const sh = new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2 });
    // rungs at steps 1, 2, 4: step 0 is never a rung
    assert.deepEqual(await decisions(study, [9, 5, 5, 5, 5], sh), flat(false), 'the first trial is the best of each rung');
    assert.deepEqual(await decisions(study, [9, 6], sh), [false, true], 'rung 0: {5, 6}: ⌊2/2⌋ = 1 promoted, 6 is not it');
    assert.deepEqual(await decisions(study, [9, 4, 4], sh), [false, false, false], 'rung 0 {5, 6, 4}: 4 is the best; rung 1 {5, 4}');
    assert.deepEqual(
      await decisions(study, [9, 4.5, 4.5], sh),
      [false, false, true],
      'rung 0 {5, 6, 4, 4.5}: top 2; rung 1 {5, 4, 4.5}: top 1',
    );
  });

  it('decides alike from any later read of the study, and the rung decisions replay from storage', async () => {
    const study = await studyWith([]);
    const sh = new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 3 });
    const curves = [3, 1, 4, 1.5, 9, 2.6, 5, 3.5, 8, 9.7].map((v) => [10, v, v, v, v, v, v, v, v, v]);
    const live: number[] = [];
    for (const c of curves) {
      const d = await decisions(study, c, sh);
      live.push(d.indexOf(true));
    }
    const trials = await study.trials();
    // rung 0 is step 1: each trial was promoted there iff it had not been stopped at step 1
    const replay = rungDecisions(sh, 0, trials, 'minimize');
    assert.deepEqual(
      replay.map((r) => r.number),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    assert.deepEqual(
      replay.map((r) => r.promoted),
      live.map((at) => at !== 1),
    );
    // the same decisions from the full study, read after everything
    for (const r of replay) assert.equal(sh.promotes(trials[r.number], 0, 1, trials, 'minimize'), r.promoted);
  });
});

describe('hyperband', () => {
  it('assigns trials to brackets from the study seed, in proportion to the brackets budgets', () => {
    const hb = new HyperbandPruner({ minResource: 1, maxResource: 27, reductionFactor: 3 });
    assert.equal(hb.nBrackets([]), 4);
    const counts = [0, 0, 0, 0];
    for (let n = 0; n < 4000; n++) counts[hb.bracketOf(7, n, []) as number]++;
    // budgets ⌈4·3^s/(s+1)⌉ for s = 3..0: 27, 12, 6, 4 of 49
    const expected = [27, 12, 6, 4].map((b) => (4000 * b) / 49);
    counts.forEach((c, i) => assert.ok(Math.abs(c - expected[i]) < 4 * Math.sqrt(expected[i]), `bracket ${i}: ${c} vs ${expected[i]}`));
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5].map((n) => hb.bracketOf(7, n, [])),
      [0, 1, 2, 3, 4, 5].map((n) => hb.bracketOf(7, n, [])),
    );
    assert.notDeepEqual(
      Array.from({ length: 40 }, (_, n) => hb.bracketOf(7, n, [])),
      Array.from({ length: 40 }, (_, n) => hb.bracketOf(8, n, [])),
    );
  });
});

describe('pruning in optimize', () => {
  const objective = async (x: number, ctx: { report(s: number, v: number): Promise<boolean> }) => {
    let v = 0;
    for (let epoch = 0; epoch < 20; epoch++) {
      v = x + 1 / (1 + epoch);
      if (await ctx.report(epoch, v)) throw new TrialPruned();
    }
    return v;
  };
  const pruners: [string, Pruner][] = [
    ['median', new MedianPruner({ nStartupTrials: 3 })],
    ['percentile', new PercentilePruner({ percentile: 25, nStartupTrials: 3 })],
    ['asha', new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 3 })],
    ['hyperband', new HyperbandPruner({ minResource: 1, maxResource: 20, reductionFactor: 3 })],
    ['threshold', new ThresholdPruner({ upper: 1.5 })],
  ];
  for (const [name, pruner] of pruners) {
    it(`an in-process objective reporting every epoch is pruned by ${name}, its last step and value stored`, async () => {
      const study = await createStudy({ space: hp.uniform('x', 0, 1), seed: 5, pruner });
      let progress = { pruned: -1 };
      await study.optimize(objective, { nTrials: 30, onProgress: (p) => (progress = p) });
      const trials = await study.trials();
      const pruned = trials.filter((t) => t.state === 'pruned');
      assert.ok(pruned.length >= 3, `${pruned.length} pruned`);
      assert.equal(progress.pruned, pruned.length);
      for (const t of pruned) {
        const last = t.intermediate?.at(-1);
        assert.ok(last && last.step < 19);
        assert.equal(t.value, last.value);
        assert.equal(last.value, (t.params.x as number) + 1 / (1 + last.step));
      }
      for (const t of trials.filter((t) => t.state === 'complete')) assert.equal(t.intermediate?.length, 20);
    });
  }
});

describe('ask/tell with reports', () => {
  it('report answers whether to prune; tell with TrialPruned records the last step and value', async () => {
    const study = await createStudy({ space, seed: 1, pruner: new ThresholdPruner({ upper: 1 }) });
    const [t] = await study.ask();
    assert.equal(await study.report(t.number, 0, 0.5), false);
    assert.equal(await study.report(t.number, 1, 2), true);
    const done = await study.tell(t.number, new TrialPruned());
    assert.deepEqual([done.state, done.value, done.intermediate?.at(-1)?.step], ['pruned', 2, 1]);
    await assert.rejects(study.report(t.number, 2, 1), /already pruned; a report is rejected/);
    await assert.rejects(
      study.report(t.number, -1, 1),
      (e: unknown) => e instanceof OptionsError && /step must be an integer >= 0/.test(e.message),
    );
  });
});

describe('the README pruning example', () => {
  it('runs as written and prunes trials with ASHA', async () => {
    const { successiveHalving } = await import('../../src/pruners/successive-halving.js');
    const { tpe } = await import('../../src/samplers/tpe/tpe.js');
    const space = { lr: hp.loguniform('lr', Math.log(1e-4), 0), width: hp.quniform('width', 16, 256, 16) };
    const epochs = new Map<unknown, number>();
    const trainOneEpoch = (config: { lr: number; width: number }) => {
      const e = (epochs.get(config) ?? 0) + 1;
      epochs.set(config, e);
      return (Math.log10(config.lr) + 2) ** 2 + config.width / 1000 + 1 / e;
    };
    const study = await createStudy({ space, sampler: tpe(), pruner: successiveHalving({ minResource: 1, reductionFactor: 3 }) });
    await study.optimize(
      async (config: { lr: number; width: number }, ctx) => {
        let loss;
        for (let epoch = 0; epoch < 50; epoch++) if (await ctx.report(epoch, (loss = trainOneEpoch(config)))) throw new TrialPruned();
        return loss;
      },
      { nTrials: 40 },
    );
    const trials = await study.trials();
    const pruned = trials.filter((t) => t.state === 'pruned');
    assert.ok(pruned.length >= 10, `${pruned.length} of 40 pruned`);
    // each stopped at a rung: steps 1, 3, 9 or 27
    for (const t of pruned) assert.ok([1, 3, 9, 27].includes(t.intermediate?.at(-1)?.step as number));
    assert.equal(study.bestTrial?.intermediate?.length, 50);
  });
});
