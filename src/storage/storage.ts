import type { Params } from '../space/space.js';
import type { Direction, TrialRecord, TrialResult, TrialState } from '../trial/trial.js';

/** What a study is, as stored: enough to resume it in another process. */
export interface StudySpec {
  readonly name: string;
  /** The (first) objective's direction. */
  readonly direction: Direction;
  /** Every objective's direction, for a multi-objective study (2 or more); absent/null: one objective. */
  readonly directions?: readonly Direction[] | null;
  /** The space in its JSON form (`spaceToJson`). */
  readonly space: unknown;
  readonly sampler: { readonly name: string; readonly options: Readonly<Record<string, unknown>> };
  readonly seed: number;
  /** The random generator every stream of the study draws from (`rng.ts`; default tychei); a study resumes with its own. */
  readonly rng?: string;
  /**
   * The pruner every process of the study decides with; a study resumes with its own. On creation, absent or null
   * is stored as `{ name: 'none', options: {} }`; read back, null means made before pruners were stored.
   */
  readonly pruner?: PrunerSpec | null;
}

/** A pruner as stored with a study: its registry name (`createPruner`) and JSON options. */
export interface PrunerSpec {
  readonly name: string;
  readonly options: Readonly<Record<string, unknown>>;
}

/** A change of a study's pruner, asked for explicitly (`switchPruner` / `--switch-pruner`), kept with the study. */
export interface PrunerSwitch {
  /** null: the study was made before pruners were stored (schema version 10). */
  readonly from: PrunerSpec | null;
  readonly to: PrunerSpec;
  /** The study's number of trials when it switched. */
  readonly atTrial: number;
  /** Epoch milliseconds. */
  readonly at: number;
}

/** A sampler as stored with a study: its registry name and JSON options. */
export interface SamplerSpec {
  readonly name: string;
  readonly options: Readonly<Record<string, unknown>>;
}

/** A change of a study's sampler, asked for explicitly (`switchSampler` / `--switch-algo`), kept with the study. */
export interface SamplerSwitch {
  readonly from: SamplerSpec;
  readonly to: SamplerSpec;
  /** The study's number of trials when it switched: trials from this number on were suggested by `to`. */
  readonly atTrial: number;
  /** Epoch milliseconds. */
  readonly at: number;
}

export interface StudyRecord extends StudySpec {
  readonly rng: string;
  /** The explicit sampler switches of the study, oldest first (none: it ran with `sampler` throughout). */
  readonly samplerSwitches?: readonly SamplerSwitch[];
  /** The pruner switches of the study, oldest first (a first recording of an older study's pruner among them). */
  readonly prunerSwitches?: readonly PrunerSwitch[];
  readonly id: number;
  /** Epoch milliseconds. */
  readonly createdAt: number;
}

export interface StudySummary extends StudyRecord {
  readonly counts: Readonly<Record<TrialState, number>>;
  /** Best complete value in the study's direction, or null. */
  readonly best: number | null;
}

export interface ClaimOptions {
  /** Who claims (host:pid), recorded on the trials. */
  readonly owner: string;
  /**
   * At most this many trials in the study that count against the budget (all but those failed as
   * interrupted or stale); the claim is cut short, atomically, to respect it.
   */
  readonly budget?: number;
  /**
   * The trials' lease (ms): the claimant promises to `heartbeat` each at least this often; a trial whose lease runs
   * out (no beat for `leaseMs`) may be failed as stale by any process. Omitted: no lease, the trial is never stale.
   */
  readonly leaseMs?: number;
  /**
   * Idempotency key: a claim repeated with the key of one that committed returns that claim's trials instead of
   * claiming more (networked backends retry a claim whose outcome a lost connection left unknown). Default: a fresh key.
   */
  readonly key?: string;
  /** false: claim exactly `params`, leaving the queue alone (a trial added by hand). Default true. */
  readonly queue?: boolean;
}

/**
 * Where studies and trials live. Kept deliberately small; every backend passes the same conformance suite.
 * All methods are async because the networked backends are.
 */
export interface Storage {
  /** Creates a study; throws a StudyError if the name is taken. */
  createStudy(spec: StudySpec): Promise<StudyRecord>;
  getStudy(name: string): Promise<StudyRecord | null>;
  listStudies(): Promise<StudySummary[]>;
  /** Sets the study's sampler to `to`, recording the switch (from the current one, at its current trial count). */
  switchSampler(studyId: number, to: SamplerSpec): Promise<StudyRecord>;
  /** Sets the study's pruner to `to`, recording the switch (from the current one, at its current trial count). */
  switchPruner(studyId: number, to: PrunerSpec): Promise<StudyRecord>;
  /**
   * Atomically numbers and records new running trials (gap-free numbers); may return fewer than asked, to respect the
   * budget. Points waiting in the study's queue (`enqueue`) take the first places, oldest first, and leave the queue
   * in the same transaction; `params` fill the rest.
   */
  claimTrials(studyId: number, params: readonly Params[], options: ClaimOptions): Promise<TrialRecord[]>;
  /** Finishes a running trial (compare-and-set); throws a TrialStateError if it is not running. */
  finishTrial(trialId: number, result: TrialResult): Promise<TrialRecord>;
  /**
   * Records `value` (NaN allowed) at `step` of a running trial (a step already reported keeps its first value) and
   * returns the trial with its intermediate values; throws a TrialStateError if the trial is not running. Reports are
   * numbered (`seq`) in the order they are written, one writer at a time per study, so a reader that sees a report
   * sees every report numbered before it.
   */
  report(trialId: number, step: number, value: number): Promise<TrialRecord>;
  /** Trials with number >= `sinceNumber` (default 0), in number order, with their intermediate values. */
  trials(studyId: number, sinceNumber?: number): Promise<TrialRecord[]>;
  /** Marks these running trials as alive now: each one's lease (if it has one) is extended to now + its own `leaseMs`. */
  heartbeat(trialIds: readonly number[]): Promise<void>;
  /** Fails (reason 'stale') the study's running trials whose own lease has expired; returns them. */
  failStale(studyId: number): Promise<TrialRecord[]>;
  /** Fails (reason 'stale') the running trials whose last heartbeat is older than `staleAfterMs`; returns them. */
  failStale(studyId: number, staleAfterMs: number): Promise<TrialRecord[]>;
  /** Appends points to the study's queue, to be claimed before any sampler's (throws a StudyError if there is no such study). */
  enqueue(studyId: number, params: readonly Params[]): Promise<void>;
  /** Points waiting in the study's queue, oldest first. */
  queued(studyId: number): Promise<Params[]>;
  /** Deletes a study with its trials and queue; false when there is no study of that name. */
  deleteStudy(name: string): Promise<boolean>;
  /** Renames a study; throws a StudyError when `from` does not exist or `to` is taken. */
  renameStudy(from: string, to: string): Promise<StudyRecord>;
  close(): Promise<void>;
}

/** Counts toward a budget: everything except trials lost to an interruption or a dead process. */
export function countsAgainstBudget(t: { state: TrialState; failReason: string | null }): boolean {
  return !(t.state === 'fail' && (t.failReason === 'interrupted' || t.failReason === 'stale'));
}
