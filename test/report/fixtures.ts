import { Rng } from '../../src/rng.js';
import type { Params } from '../../src/space/space.js';
import { spaceToJson } from '../../src/space/json.js';
import { space as compile } from '../../src/space/space.js';
import type { StudyRecord } from '../../src/storage/storage.js';
import type { TrialRecord, TrialState } from '../../src/trial/trial.js';

/** A stored study record for `tree` (no storage needed). */
export function studyRecord(tree: unknown, name = 'known', direction: 'minimize' | 'maximize' = 'minimize'): StudyRecord {
  return {
    id: 1,
    name,
    direction,
    space: spaceToJson(compile(tree)),
    sampler: { name: 'random', options: {} },
    seed: 0,
    rng: 'tychei',
    createdAt: 1_700_000_000_000,
  };
}

/** A finished trial record with the given params and value (state complete unless told otherwise). */
export function trial(
  number: number,
  params: Params,
  value: number | null,
  extra: Partial<TrialRecord> & { intermediate?: { step: number; value: number }[] } = {},
): TrialRecord {
  const state: TrialState = extra.state ?? (value === null ? 'fail' : 'complete');
  return {
    id: number + 1,
    studyId: 1,
    number,
    state,
    params,
    value: state === 'complete' ? value : null,
    failReason: state === 'fail' ? 'threw' : null,
    failMessage: state === 'fail' ? 'boom' : null,
    attrs: {},
    startedAt: 1_700_000_000_000 + number * 1000,
    finishedAt: 1_700_000_000_000 + number * 1000 + 900,
    heartbeatAt: 0,
    owner: 'host:1',
    leaseMs: null,
    leaseUntil: null,
    ...extra,
  };
}

/** `n` trials drawn from the prior of `tree` with `f` as objective, seeded. */
export function randomTrials(tree: unknown, f: (p: Params) => number, n: number, seed: number): TrialRecord[] {
  const s = compile(tree);
  const rng = Rng.derive(seed, 'report-test');
  return Array.from({ length: n }, (_, i) => {
    const p = s.sample(rng);
    return trial(i, p, f(p));
  });
}
