import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { OptionsError } from '../../src/errors.js';
import { hypervolume } from '../../src/samplers/moo/hypervolume.js';
import { motpe } from '../../src/samplers/moo/motpe.js';
import { dominates } from '../../src/samplers/moo/pareto.js';
import { belowWeights, greedyHypervolumeSubset, nadirReference, splitByDomination, violation } from '../../src/samplers/moo/split.js';
import { random } from '../../src/samplers/random.js';
import { createSampler } from '../../src/samplers/registry.js';
import { tpe } from '../../src/samplers/tpe/tpe.js';
import type { Sampler } from '../../src/samplers/sampler.js';
import { hp } from '../../src/space/hp.js';
import { createStudy } from '../../src/study/study.js';
import { samplerConformance } from '../conformance/sampler.js';

samplerConformance('motpe', () => motpe());
samplerConformance('motpe (univariate)', () => motpe({ multivariate: false }));

// Expected values below were checked by hand and against Optuna 3.1's _split_observation_pairs and
// _calculate_weights_below_for_multi_objective on the same points.
const POINTS = [
  [1, 4],
  [2, 2],
  [4, 1],
  [3, 3],
  [5, 5],
];

describe('multi-objective TPE split', () => {
  it('takes whole non-domination ranks while they fit', () => {
    assert.deepEqual(splitByDomination(POINTS, 3, null), { below: [0, 1, 2], above: [3, 4] });
    assert.deepEqual(splitByDomination(POINTS, 4, null), { below: [0, 1, 2, 3], above: [4] });
    assert.deepEqual(splitByDomination(POINTS, 0, null), { below: [], above: [0, 1, 2, 3, 4] });
  });

  it('breaks the boundary rank by greedy hypervolume contribution', () => {
    // front {(1,4), (2,2), (4,1)}, reference (4.4, 4.4): (2,2) alone covers 5.76, the others 1.36; then (1,4) and (4,1)
    // each add 1.36 − 0 and the earlier wins the tie
    assert.deepEqual(nadirReference(POINTS.slice(0, 3)), [1.1 * 4, 1.1 * 4]);
    assert.deepEqual(nadirReference([[-2, 0]]), [-1.8, 1e-12]);
    assert.deepEqual(greedyHypervolumeSubset(POINTS.slice(0, 3), 2, [4.4, 4.4]), [1, 0]);
    assert.deepEqual(splitByDomination(POINTS, 2, null), { below: [1, 0], above: [2, 3, 4] });
  });

  it('puts feasible trials first, then the least violating', () => {
    const v = [0, 0.5, 0, 0, 2];
    // 3 feasible, 2 wanted: split among the feasible (front {0, 2, 3}: (3,3) first, then (1,4) by the earlier index)
    assert.deepEqual(splitByDomination(POINTS, 2, v), { below: [0, 3], above: [1, 2, 4] });
    // 4 wanted: every feasible trial and the least violating infeasible one
    assert.deepEqual(splitByDomination(POINTS, 4, v), { below: [0, 1, 2, 3], above: [4] });
    assert.equal(violation([-1, 0.5, 2]), 2.5);
    assert.equal(violation(null), 0);
  });

  it('weighs the good group by hypervolume contribution, infeasible trials by 1e-12', () => {
    // total 6.56 against (4.4, 4.4); without (1,4): 6.16, without (2,2): 2.56, without (4,1): 6.16
    const w = belowWeights(POINTS, [0, 1, 2], null);
    assert.ok(Math.abs(w[0] - 0.1) < 1e-9 && w[1] === 1 && Math.abs(w[2] - 0.1) < 1e-9, `${[...w]}`);
    const c = belowWeights(POINTS, [0, 1, 2, 3], [0, 0.5, 0, 0, 2]);
    assert.deepEqual(
      [...c].map((x) => +x.toFixed(12)),
      [0.8, 1e-12, 0.8, 1],
    );
    assert.deepEqual([...belowWeights(POINTS, [4], null)], [1]);
  });
});

const D = 10;
const space = Object.fromEntries(Array.from({ length: D }, (_, i) => [`x${i}`, hp.uniform(`x${i}`, 0, 1)]));
function zdt1(c: Record<string, number>): number[] {
  const x = Array.from({ length: D }, (_, i) => c[`x${i}`]);
  const g = 1 + (9 * x.slice(1).reduce((s, v) => s + v, 0)) / (D - 1);
  return [x[0], g * (1 - Math.sqrt(x[0] / g))];
}

async function finalHv(sampler: Sampler, seed: number, constrained = false): Promise<{ hv: number; infeasibleOnFront: boolean }> {
  const study = await createStudy({
    space,
    directions: ['minimize', 'minimize'],
    sampler,
    seed,
    ...(constrained ? { constraints: (c: Record<string, number>) => [0.3 - c.x0] } : {}),
  });
  await study.optimize((c) => zdt1(c), { nTrials: 100, concurrency: 2 });
  const front = study.bestTrials;
  return {
    hv: hypervolume(
      front.map((t) => t.values as number[]),
      [1.1, 11],
    ),
    infeasibleOnFront: front.some((t) => (t.config as Record<string, number>).x0 < 0.3),
  };
}

describe('multi-objective TPE', () => {
  it('is registered as motpe, works on several objectives and validates its options by name', () => {
    const s = createSampler('motpe', { gamma: 0.2 });
    assert.equal(s.name, 'motpe');
    assert.equal(s.multiObjective, true);
    assert.throws(
      () => motpe({ gamma: 2 }),
      (e: Error) => e instanceof OptionsError && /options.gamma/.test(e.message),
    );
    const says = (re: RegExp) => (e: Error) => e instanceof OptionsError && re.test(e.message);
    assert.throws(() => motpe({ gama: 0.1 } as never), says(/^motpe: unknown option "gama"; did you mean gamma\?/));
    assert.throws(() => motpe({ bogus: 1 } as never), says(/^motpe: unknown option "bogus"/));
    assert.throws(() => motpe({ preset: 'optuna', gamma: 0 }), says(/^motpe: options\.gamma/));
  });

  it('reaches a larger hypervolume than random search on ZDT1 (10-D, 100 trials) in at least 8 of 10 seeds', async () => {
    let wins = 0;
    for (let seed = 0; seed < 10; seed++) {
      const a = await finalHv(motpe(), seed);
      const b = await finalHv(random(), seed);
      if (a.hv > b.hv) wins++;
    }
    assert.ok(wins >= 8, `motpe won ${wins} of 10`);
  });

  it('with constraints keeps infeasible trials off the front and still beats random search', async () => {
    let wins = 0;
    for (let seed = 0; seed < 6; seed++) {
      const a = await finalHv(motpe(), seed, true);
      const b = await finalHv(random(), seed, true);
      assert.ok(!a.infeasibleOnFront && !b.infeasibleOnFront);
      if (a.hv > b.hv) wins++;
    }
    assert.ok(wins >= 5, `motpe won ${wins} of 6`);
  });

  it('proposes mostly feasible points once feasible trials fill its good group', async () => {
    // feasible: x0 ≥ 0.6 (40% of the box); after the startup, the good group holds feasible trials only
    const study = await createStudy({
      space,
      directions: ['minimize', 'minimize'],
      sampler: motpe(),
      seed: 2,
      constraints: (c: Record<string, number>) => [0.6 - c.x0],
    });
    await study.optimize((c) => zdt1(c), { nTrials: 80 });
    const late = (await study.trials()).slice(30);
    const feasible = late.filter((t) => (t.params.x0 as number) >= 0.6).length;
    // random search would give about 40% (20 of 50); the binomial tail of ≥ 35 at p = 0.4 is below 1e-5
    assert.ok(feasible >= 35, `${feasible} of ${late.length} feasible`);
  });
});

const dir = mkdtempSync(join(tmpdir(), 'parzen-motpe-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('multi-objective TPE resumed from SQLite', () => {
  it('continues the search a study that never stopped would make', async () => {
    const storage = `sqlite:${join(dir, 'motpe.db')}`;
    const directions = ['minimize', 'minimize'] as const;
    const first = await createStudy({ space, directions: [...directions], storage, name: 'm', seed: 4, sampler: motpe() });
    await first.optimize((c) => zdt1(c), { nTrials: 30 });
    await first.close();
    const again = await createStudy({ storage, name: 'm', resume: true });
    assert.equal(again.sampler.name, 'motpe');
    again.stream = ''; // the creator's own stream, as a process that never stopped
    await again.optimize((c) => zdt1(c as Record<string, number>), { nTrials: 45 });
    const resumed = await again.trials();
    await again.close();

    const straight = await createStudy({ space, directions: [...directions], seed: 4, sampler: motpe() });
    await straight.optimize((c) => zdt1(c), { nTrials: 45 });
    const all = await straight.trials();
    assert.deepEqual(
      resumed.map((t) => t.params),
      all.map((t) => t.params),
    );
    const front = again.bestTrials.map((t) => t.number);
    const brute = resumed.filter((t) => !resumed.some((o) => dominates(o.values as number[], t.values as number[]))).map((t) => t.number);
    assert.deepEqual(front, brute);
  });
});

describe('tpe on several objectives', () => {
  it('is multi-objective TPE: tpe() suggests what motpe() does with the same options and seed', async () => {
    const run = async (sampler: Sampler) => {
      const study = await createStudy({ space, directions: ['minimize', 'maximize'], sampler, seed: 9 });
      await study.optimize((c) => zdt1(c).map((v, i) => (i === 1 ? -v : v)), { nTrials: 40 });
      return (await study.trials()).map((t) => t.params);
    };
    assert.deepEqual(await run(tpe({ nStartupTrials: 8 })), await run(motpe({ nStartupTrials: 8 })));
  });
});
