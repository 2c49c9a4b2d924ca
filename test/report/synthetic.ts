import { Rng } from '../../src/rng.js';
import { hp } from '../../src/space/hp.js';
import { space as compile } from '../../src/space/space.js';
import type { TrialRecord } from '../../src/trial/trial.js';
import { studyRecord, trial } from './fixtures.js';

/** A mixed, conditional space of six parameters. */
export const SYNTHETIC_TREE = {
  x: hp.uniform('x', -5, 5),
  lr: hp.loguniform('lr', Math.log(1e-5), 0),
  layers: hp.uniformint('layers', 1, 8),
  opt: hp.choice('opt', [
    { name: 'sgd', momentum: hp.uniform('momentum', 0, 1) },
    { name: 'adam', beta: hp.uniform('beta', 0.8, 0.999) },
  ]),
  act: hp.choice('act', ['relu', 'tanh', 'gelu']),
};

/**
 * `n` trials of a synthetic study run by 2 processes of 4 workers: values from a known function with noise, 3% failed,
 * 5% pruned, learning curves on every complete and pruned trial, start and end times packed per worker.
 */
export function syntheticStudy(n: number, seed = 0): { study: ReturnType<typeof studyRecord>; trials: TrialRecord[] } {
  const s = compile(SYNTHETIC_TREE);
  const rng = Rng.derive(seed, 'synthetic-report');
  const freeAt = Array.from({ length: 8 }, () => 1_700_000_000_000);
  const trials = Array.from({ length: n }, (_, i) => {
    const p = s.sample(rng);
    const w = i % 8;
    const start = freeAt[w] + rng.int(50);
    const r = rng.uniform();
    const state = r < 0.03 ? 'fail' : r < 0.08 ? 'pruned' : 'complete';
    const loss =
      ((p.x as number) - 1) ** 2 / 10 + Math.abs(Math.log10(p.lr as number) + 3) / 2 + (p.opt === 1 ? 0.1 : 0.3) + 0.05 * rng.normal();
    const steps = state === 'fail' ? 0 : state === 'pruned' ? 3 : 10;
    const intermediate = Array.from({ length: steps }, (_, k) => ({ step: k + 1, value: loss + 2 / (k + 1) }));
    const end = start + 200 + rng.int(800) * (steps > 0 ? steps / 10 : 0.2);
    freeAt[w] = end;
    return trial(i, p, state === 'complete' ? loss : null, {
      state,
      owner: w < 4 ? 'node-a:101' : 'node-b:202',
      startedAt: start,
      finishedAt: end,
      intermediate,
    });
  });
  return { study: studyRecord(SYNTHETIC_TREE, `synthetic-${n}`), trials };
}
