import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OptionsError } from '../../src/errors.js';
import { hypervolume } from '../../src/samplers/moo/hypervolume.js';
import { nsga2 } from '../../src/samplers/moo/nsga2.js';
import { random } from '../../src/samplers/random.js';
import { createSampler } from '../../src/samplers/registry.js';
import type { Sampler } from '../../src/samplers/sampler.js';
import { hp } from '../../src/space/hp.js';
import { createStudy } from '../../src/study/study.js';
import { samplerConformance } from '../conformance/sampler.js';

samplerConformance('nsga2 (population 8)', () => nsga2({ populationSize: 8 }));

const D = 6;
const space = Object.fromEntries(Array.from({ length: D }, (_, i) => [`x${i}`, hp.uniform(`x${i}`, 0, 1)]));
/** ZDT1 in D dimensions: front f2 = 1 − √f1 at x1.. = 0. */
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
  await study.optimize((c) => zdt1(c), { nTrials: 200, concurrency: 4 });
  const front = study.bestTrials;
  return {
    hv: hypervolume(
      front.map((t) => t.values as number[]),
      [1.1, 11],
    ),
    infeasibleOnFront: front.some((t) => (t.config as Record<string, number>).x0 < 0.3),
  };
}

describe('NSGA-II', () => {
  it('is registered as nsga2 and validates its options by name', () => {
    assert.equal(createSampler('nsga2', { populationSize: 10 }).name, 'nsga2');
    assert.throws(
      () => nsga2({ populationSize: 1 }),
      (e: Error) => e instanceof OptionsError && /options.populationSize/.test(e.message),
    );
    assert.throws(() => nsga2({ crossoverProb: 2 }), /options.crossoverProb/);
    assert.throws(() => nsga2({ popSize: 3 } as never), /options.popSize/);
  });

  it('reaches a larger hypervolume than random search on ZDT1 (6-D, 200 trials) in at least 8 of 10 seeds', async () => {
    let wins = 0;
    for (let seed = 0; seed < 10; seed++) {
      const a = await finalHv(nsga2({ populationSize: 20 }), seed);
      const b = await finalHv(random(), seed);
      if (a.hv > b.hv) wins++;
    }
    assert.ok(wins >= 8, `nsga2 won ${wins} of 10`);
  });

  it('with constraints keeps infeasible trials off the front and still beats random search', async () => {
    let wins = 0;
    for (let seed = 0; seed < 6; seed++) {
      const a = await finalHv(nsga2({ populationSize: 20 }), seed, true);
      const b = await finalHv(random(), seed, true);
      assert.ok(!a.infeasibleOnFront && !b.infeasibleOnFront);
      if (a.hv > b.hv) wins++;
    }
    assert.ok(wins >= 5, `nsga2 won ${wins} of 6`);
  });
});
