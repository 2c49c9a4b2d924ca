import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OptionsError } from '../../src/errors.js';
import { Rng } from '../../src/rng.js';
import { random } from '../../src/samplers/random.js';
import { gp } from '../../src/samplers/gp/index.js';
import { trustSuccesses } from '../../src/samplers/gp/joint.js';
import { hypervolume } from '../../src/samplers/moo/hypervolume.js';
import { hp } from '../../src/space/hp.js';
import { createStudy } from '../../src/study/study.js';
import type { Sampler } from '../../src/samplers/sampler.js';
import { isFeasible, type TrialRecord } from '../../src/trial/trial.js';

/** ZDT1 on three variables: a convex front f2 = 1 − √f1 at x1 = x2 = 0. */
function zdt1(x: number[]): [number, number] {
  const g = 1 + (9 / (x.length - 1)) * x.slice(1).reduce((s, v) => s + v, 0);
  return [x[0], g * (1 - Math.sqrt(x[0] / g))];
}

const space3 = { x0: hp.uniform('x0', 0, 1), x1: hp.uniform('x1', 0, 1), x2: hp.uniform('x2', 0, 1) };

async function zdtHypervolume(sampler: Sampler, seed: number, trials: number): Promise<number> {
  const study = await createStudy({ space: space3, directions: ['minimize', 'minimize'], sampler, seed });
  await study.optimize((c: { x0: number; x1: number; x2: number }) => zdt1([c.x0, c.x1, c.x2]), { nTrials: trials });
  return hypervolume(
    study.bestTrials.map((t) => t.values as number[]),
    [11, 11],
  );
}

describe('gp on several objectives', () => {
  it('beats random search on hypervolume (ZDT1, 3 variables, 24 trials) in at least 6 of 8 seeds', async () => {
    let wins = 0;
    const log: string[] = [];
    for (let seed = 0; seed < 8; seed++) {
      const g = await zdtHypervolume(gp({ nStartupTrials: 8 }), seed, 24);
      const r = await zdtHypervolume(random.suggest, seed, 24);
      if (g > r) wins++;
      log.push(`${g.toFixed(3)} vs ${r.toFixed(3)}`);
    }
    assert.ok(wins >= 6, `gp won ${wins} of 8: ${log.join('; ')}`);
  });

  it('suggests distinct points for a batch beside running trials', async () => {
    const study = await createStudy({ space: space3, directions: ['minimize', 'minimize'], sampler: gp({ nStartupTrials: 6 }), seed: 3 });
    await study.optimize((c: { x0: number; x1: number; x2: number }) => zdt1([c.x0, c.x1, c.x2]), { nTrials: 8 });
    const running = await study.ask(2);
    const batch = await study.ask(4);
    const keys = new Set([...running, ...batch].map((t) => JSON.stringify(t.params)));
    assert.equal(keys.size, 6);
  });

  it('refuses what it cannot do on several objectives, naming the option', async () => {
    for (const [options, field] of [
      [{ acquisition: 'ucb' }, 'options.acquisition'],
      [{ noise: 0.1 }, 'options.noise'],
    ] as const) {
      const study = await createStudy({ space: space3, directions: ['minimize', 'minimize'], sampler: gp(options) });
      await assert.rejects(study.ask(), (e: unknown) => e instanceof OptionsError && e.message.includes(field));
    }
  });
});

/** Complete trials with these values (one objective: `value`; several: `values`), numbered in order. */
function records(values: readonly (readonly number[])[]): TrialRecord[] {
  return values.map(
    (v, number) => ({ number, state: 'complete', params: {}, value: v[0], values: v.length > 1 ? v : null }) as unknown as TrialRecord,
  );
}

describe('gp trust region on several objectives', () => {
  it('counts a trial a success only when it raises the hypervolume by more than 1e-3 of it', () => {
    const ref = [2, 2, 2];
    const observed = [
      [1, 1, 1], // the first feasible trial: hypervolume 0 → 1
      [1.5, 1.5, 1.5], // dominated
      [0, 1.9, 1.9], // on the front, adds 0.01 of the volume 1: success
      [0.5, 1.999, 1.0], // on the front, adds ≈ 4.5e-4 < 1e-3 of 1.01: failure
      [1e-17, 1.9, 1.9], // equal to the third up to floating-point noise: failure
      [0.5, 0.5, 0.5], // dominates the first: success
    ];
    const trials = records(observed);
    const got = trustSuccesses(
      trials,
      trials.map(() => true),
      observed,
      ref,
      ['minimize', 'minimize', 'minimize'],
      0,
    );
    assert.deepEqual(got, [true, false, true, false, false, true]);
    // infeasible trials are never successes and do not enter the front
    const feasible = [true, true, true, true, true, false];
    assert.deepEqual(trustSuccesses(trials, feasible, observed, ref, ['minimize', 'minimize', 'minimize'], 0).at(-1), false);
  });

  it('agrees with recomputing the hypervolume of the front after every trial (random 3- and 4-objective data)', () => {
    for (const m of [3, 4]) {
      const rng = new Rng(m);
      const observed = Array.from({ length: 60 }, () => {
        const v = Array.from({ length: m }, () => rng.uniform());
        const norm = Math.hypot(...v);
        return v.map((x) => x / norm + 0.2 * rng.uniform()); // near a sphere: large fronts
      });
      const trials = records(observed);
      const ref = new Array<number>(m).fill(1.2);
      const expected: boolean[] = [];
      const kept: number[][] = [];
      let volume = 0;
      for (const y of observed) {
        const after = hypervolume([...kept, y], ref);
        expected.push(after > volume * (1 + 1e-3));
        kept.push(y);
        volume = hypervolume(kept, ref);
      }
      const got = trustSuccesses(
        trials,
        trials.map(() => true),
        observed,
        ref,
        new Array(m).fill('minimize'),
        0,
      );
      assert.deepEqual(got, expected);
      assert.ok(got.filter(Boolean).length >= 5, `${got.filter(Boolean).length} successes`);
    }
  });

  it('keeps the one-objective rule (better than the best by 1e-3 of it)', () => {
    const trials = records([[3], [2], [1.9995], [1], [1.5]]);
    const got = trustSuccesses(
      trials,
      trials.map(() => true),
      [],
      [],
      ['minimize'],
      1,
    );
    assert.deepEqual(got, [true, false, true, false]);
  });
});

describe('gp under constraints', () => {
  const space2 = { x: hp.uniform('x', 0, 1), y: hp.uniform('y', 0, 1) };

  it('stays mostly feasible after the first feasible trial where the best values are infeasible (4 seeds)', async () => {
    // a deep minimum at (0.85, 0.85) inside an infeasible disc of radius 0.25; the feasible optimum near (0.3, 0.3)
    const f = (c: { x: number; y: number }) =>
      -2 * Math.exp(-((c.x - 0.85) ** 2 + (c.y - 0.85) ** 2) / 0.02) - Math.exp(-((c.x - 0.3) ** 2 + (c.y - 0.3) ** 2) / 0.05);
    let good = 0;
    const log: string[] = [];
    for (let seed = 0; seed < 4; seed++) {
      const study = await createStudy({
        space: space2,
        sampler: gp({ nStartupTrials: 6 }),
        seed,
        constraints: (c: { x: number; y: number }) => [0.25 ** 2 - (c.x - 0.85) ** 2 - (c.y - 0.85) ** 2],
      });
      await study.optimize(f, { nTrials: 30 });
      const trials = await study.trials();
      const first = trials.findIndex((t) => t.state === 'complete' && isFeasible(t));
      const after = trials.slice(first + 1).filter((t) => t.state === 'complete');
      const share = after.filter((t) => isFeasible(t)).length / after.length;
      const best = study.bestTrial;
      assert.ok(best && isFeasible(best), 'the best trial is feasible');
      const recommended = await study.recommend({ noisy: true });
      assert.ok(recommended && isFeasible(recommended), 'the recommended trial is feasible');
      log.push(`best ${(best.value as number).toFixed(4)}, feasible share ${share.toFixed(2)}`);
      if ((best.value as number) < -0.95 && share >= 0.6) good++;
    }
    assert.ok(good >= 3, log.join('; '));
  });

  it('finds a small feasible region by its probability of feasibility before any trial is feasible', async () => {
    // feasible: a disc of radius 0.12 around (0.25, 0.7), 4.5% of the square; objective x + y
    let found = 0;
    const log: string[] = [];
    for (let seed = 0; seed < 4; seed++) {
      const study = await createStudy({
        space: space2,
        sampler: gp({ nStartupTrials: 5 }),
        seed,
        constraints: (c: { x: number; y: number }) => [(c.x - 0.25) ** 2 + (c.y - 0.7) ** 2 - 0.12 ** 2],
      });
      await study.optimize((c: { x: number; y: number }) => c.x + c.y, { nTrials: 25 });
      const trials = await study.trials();
      const first = trials.findIndex((t) => t.state === 'complete' && isFeasible(t));
      log.push(`first feasible: trial ${first}`);
      // random search needs 22 trials on average (1 / 0.045)
      if (first >= 0 && first < 15) found++;
    }
    assert.ok(found >= 3, log.join('; '));
  });

  it('keeps only feasible trials on the front of a constrained multi-objective study', async () => {
    const study = await createStudy({
      space: space3,
      directions: ['minimize', 'minimize'],
      sampler: gp({ nStartupTrials: 6 }),
      seed: 1,
      constraints: (_c: unknown, v: number | readonly number[]) => [0.3 - (v as number[])[0]], // f1 ≥ 0.3
    });
    await study.optimize((c: { x0: number; x1: number; x2: number }) => zdt1([c.x0, c.x1, c.x2]), { nTrials: 20 });
    const trials = await study.trials();
    assert.ok(study.bestTrials.length > 0 && study.bestTrials.every((t) => isFeasible(t)));
    const late = trials.slice(10).filter((t) => isFeasible(t)).length;
    assert.ok(late >= 6, `${late} of the last 10 trials feasible`);
  });

  it('refuses trials whose constraints differ in number, naming the constraints', async () => {
    const study = await createStudy({ space: space2, sampler: gp({ nStartupTrials: 3 }), seed: 0 });
    for (let i = 0; i < 3; i++) {
      const [t] = await study.ask();
      await study.tell(t.number, { value: i, constraints: i === 0 ? [1] : [1, -1] });
    }
    await assert.rejects(study.ask(), (e: unknown) => e instanceof OptionsError && /constraints/.test(e.message));
  });
});
