/**
 * A child process of test/pruners/distributed.test.ts: joins study NAME on the PostgreSQL store URL and runs its stored ASHA
 * trials of 10 steps (two at a time, with short sleeps so the processes' reports interleave) until the study holds
 * TRIALS trials. Usage: node asha-child.js URL NAME TRIALS
 */
import { TrialPruned } from '../../src/errors.js';
import { openStorage } from '../../src/storage/open.js';
import { createStudy } from '../../src/study/study.js';
import { ASHA_SPACE, ashaValue } from './asha-study.js';

const [url, name, trials] = process.argv.slice(2);
const storage = await openStorage(url);
// (no pruner given: the study's stored one, as every process of the study uses)
const study = await createStudy({ space: ASHA_SPACE, storage, name, resume: true, seed: 4 });
if (study.pruner?.name !== 'asha') throw new Error(`resumed with pruner ${study.pruner?.name}, not the stored asha`);
await study.optimize(
  async (x: number, ctx) => {
    for (let step = 0; step < 10; step++) {
      await new Promise((r) => setTimeout(r, 1 + ((ctx.trial * 7 + step) % 4)));
      if (await ctx.report(step, ashaValue(x, step))) throw new TrialPruned();
    }
    return ashaValue(x, 9);
  },
  { nTrials: Number(trials), concurrency: 2, reproducible: false },
);
await storage.close();
