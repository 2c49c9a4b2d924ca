import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { benchFunction } from '../../src/bench/functions.js';
import { OptionsError } from '../../src/errors.js';
import { Rng } from '../../src/rng.js';
import { evolution } from '../../src/samplers/evolution.js';
import { random } from '../../src/samplers/random.js';
import type { Sampler } from '../../src/samplers/sampler.js';
import { hp } from '../../src/space/hp.js';
import { space as compile } from '../../src/space/space.js';
import { createStudy } from '../../src/study/study.js';
import { samplerConformance } from '../conformance/sampler.js';
import { architectureObjective, architectureSpace } from '../fixtures/architecture-space.js';
import { normalCdf } from '../../src/stats.js';
import { signTestP } from '../support/stats.js';

samplerConformance('evolution', () => evolution({ populationSize: 10 }));

async function bestOf(space: unknown, objective: (c: any) => number, sampler: Sampler, seed: number, trials: number): Promise<number> {
  const study = await createStudy({ space, sampler, seed });
  const best = await study.optimize(objective, { nTrials: trials });
  return best!.value as number;
}

/**
 * Final best values of evolution and random over `seeds` seeds: seeds where evolution wins (one-sided sign test p)
 * and the one-sided Mann–Whitney p (normal approximation, no ties among continuous values).
 */
async function compare(space: () => unknown, objective: (c: any) => number, trials: number, seeds: number) {
  const e: number[] = [];
  const r: number[] = [];
  for (let s = 0; s < seeds; s++) {
    e.push(await bestOf(space(), objective, evolution(), s, trials));
    r.push(await bestOf(space(), objective, random(), s, trials));
  }
  const wins = e.filter((v, i) => v < r[i]).length;
  let u = 0;
  for (const a of e) for (const b of r) u += a < b ? 1 : a === b ? 0.5 : 0;
  const n = seeds;
  const z = (u - (n * n) / 2) / Math.sqrt((n * n * (2 * n + 1)) / 12);
  return { wins, p: signTestP(wins, seeds), pU: 1 - normalCdf(z) };
}

describe('evolution', () => {
  // (not on `mixed`: there about half the seeds settle in a worse category, which a random search of 100 points
  // often beats, so 20 seeds decide nothing either way)
  it('beats random search on hartmann6 (100 trials, Mann–Whitney over 20 seeds, p < 0.05)', async () => {
    const f = benchFunction('hartmann6');
    const { wins, pU } = await compare(
      () => f.space(),
      (c) => f.evaluate(c),
      100,
      20,
    );
    assert.ok(pU < 0.05, `evolution won ${wins}/20 seeds (Mann–Whitney p = ${pU.toFixed(3)})`);
  });

  it('beats random search on a nested architecture space (150 trials, sign test over 20 seeds, p < 0.05)', async () => {
    const { wins, p } = await compare(architectureSpace, architectureObjective, 150, 20);
    assert.ok(p < 0.05, `evolution won ${wins}/20 seeds (p = ${p.toFixed(3)})`);
  });

  it('mutates at least one parameter and keeps the child valid, opening new branches from the prior', () => {
    const space = compile(architectureSpace());
    const sampler = evolution();
    const rng = new Rng(1);
    let depthChanged = 0;
    for (let i = 0; i < 300; i++) {
      const parent = space.sample(rng);
      const child = sampler.mutate(space, parent, rng);
      space.validate(child);
      assert.notEqual(space.key(child), space.key(parent));
      if (child.depth !== parent.depth) depthChanged++;
    }
    assert.ok(depthChanged > 0, 'the depth choice mutates sometimes');
  });

  it('moves an integer by at least one step', () => {
    const space = compile({ k: hp.uniformint('k', 0, 1000) });
    const sampler = evolution({ mutationSd: 1e-6 });
    const rng = new Rng(2);
    for (let i = 0; i < 50; i++) {
      const parent = { k: rng.int(1001) };
      const child = sampler.mutate(space, parent, rng);
      space.validate(child);
      assert.equal(Math.abs((child.k as number) - parent.k), 1);
    }
  });

  it('rejects bad options naming the field', () => {
    assert.throws(
      () => evolution({ populationSize: 1 }),
      (e: Error) => e instanceof OptionsError && /options\.populationSize/.test(e.message),
    );
    assert.throws(() => evolution({ populationSize: 10, sampleSize: 11 }), /options\.sampleSize/);
    assert.throws(() => evolution({ mutationSd: 0 }), /options\.mutationSd/);
    assert.throws(() => evolution({ bogus: 1 } as never), /options\.bogus/);
  });
});
