import type { Generator, Rng } from '../rng.js';
import type { Params, SearchSpace } from '../space/space.js';
import type { Direction, TrialRecord } from '../trial/trial.js';

/** What a sampler sees: the space, the direction and every trial so far (running ones are pending). */
export interface History {
  readonly space: SearchSpace;
  readonly direction: Direction;
  /** Every objective's direction (a multi-objective study has several); absent: `[direction]`. */
  readonly directions?: readonly Direction[];
  /** The study seed, for state that must stay the same across calls (a grid's order, a CMA-ES generation). */
  readonly seed: number;
  /** The study's random generator: derive streams from the history itself (`Rng.derive(history, …)`). */
  readonly generator?: Generator;
  readonly trials: readonly TrialRecord[];
  /**
   * Optional: every trial before this index is finished, so a sampler looking for the running ones may start here
   * (the study and the optimize loop give it, which keeps that search from growing with the study).
   */
  readonly settled?: number;
}

/** The running (pending) trials of a history, found from `history.settled` on. */
export function runningTrials(history: History): TrialRecord[] {
  const out: TrialRecord[] = [];
  const { trials } = history;
  for (let i = history.settled ?? 0; i < trials.length; i++) if (trials[i].state === 'running') out.push(trials[i]);
  return out;
}

/**
 * What a sampler keeps for one study: its suggestions and recommendation for that study's history. Anything kept
 * between calls is a cache derived from that history, so a fresh session on the same history (a resumed study)
 * suggests the same points.
 */
export interface SamplerSession {
  suggest(history: History, n: number, rng: Rng): Promise<Params[]> | Params[];
  /**
   * Refuses (OptionsError naming the sampler and the limit) a space beyond what this sampler handles; called when a
   * study is created or resumed, so a limit is met before the first trial rather than at trial 11.
   */
  checkSpace?(space: SearchSpace): void;
  /**
   * The trial to recommend as the result, when it is not simply the best observation
   * (e.g. a GP with noise recommends the best posterior mean). Default: the best complete trial.
   */
  recommend?(history: History, options?: RecommendOptions): Promise<TrialRecord | null> | TrialRecord | null;
  /**
   * Up to k complete trials of distinct params, most promising first, by the model behind `recommend`; null when
   * there is no model to rank by (the study then ranks by observed value).
   */
  rank?(history: History, k: number, options?: RecommendOptions): Promise<TrialRecord[] | null> | TrialRecord[] | null;
}

/** How `recommend` treats noise. */
export interface RecommendOptions {
  /**
   * true: the objective is declared noisy (recommend by a model's posterior mean, not a lucky observation);
   * false: deterministic (the best observation); 'auto' (default): a model decides whether noise is significant.
   */
  noisy?: boolean | 'auto';
}

/**
 * A search algorithm. `suggest` returns `n` distinct points at once and must account for trials still
 * running (state 'running' in `history.trials`), so parallel workers don't all get the same point.
 * It may return fewer than `n` when the search is exhausted (grid), and an empty array when nothing is left.
 *
 * A sampler keeps no state of its own: one instance (e.g. `tpe.suggest`) serves any number of studies. A sampler
 * with caches gives each study its own through `session()`; its own `suggest` and `recommend` then start from
 * nothing at every call.
 */
export interface Sampler extends SamplerSession {
  /** The name used in the CLI, the bench and storage: random, grid, tpe, gp, cmaes, evolution. */
  readonly name: string;
  /** Options as given, JSON-serialisable, stored with the study. */
  readonly options: Readonly<Record<string, unknown>>;
  /** It works on studies with several objectives (random, grid, nsga2); the others refuse them. */
  readonly multiObjective?: boolean;
  /**
   * It sees every trial of the study even under a pruner whose trials compete in groups (Hyperband's brackets), where
   * the others see the group of the trial they suggest for (grid: so that no point is done twice).
   */
  readonly wholeHistory?: boolean;
  /** The sampler's state for one study (a study opens one session and asks through it). Default: the sampler itself. */
  session?(): SamplerSession;
}

/** The session a study asks through: the sampler's own for that study, or the sampler itself when it keeps nothing. */
export function openSession(sampler: Sampler): SamplerSession {
  return sampler.session ? sampler.session() : sampler;
}

/** The first k trials of `ordered` whose params differ (replicates count once), in that order. */
export function distinctTrials(ordered: Iterable<TrialRecord>, space: SearchSpace, k: number): TrialRecord[] {
  const out: TrialRecord[] = [];
  const seen = new Set<string>();
  for (const t of ordered) {
    if (out.length >= k) break;
    const key = space.key(t.params);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(t);
    }
  }
  return out;
}

/** Whether a trial's value may enter a model: complete, with a finite value (failed trials never do). */
export function isComplete(t: TrialRecord): boolean {
  return t.state === 'complete' && t.value !== null && Number.isFinite(t.value);
}

/** Whether a trial is ranked by TPE and GP: complete (see isComplete), or pruned (ranked after every complete trial). */
export function isRanked(t: TrialRecord): boolean {
  return t.state === 'pruned' || isComplete(t);
}

/**
 * Where a ranked trial stands, as Optuna's TPE ranks pruned trials: by `tier`, then by `value` in the study's
 * direction. Complete trials come first (tier −∞) by their value; pruned trials after them, those that reached a
 * later step first (tier −step), by their value at that step (NaN: worst); pruned trials that reported nothing after
 * them (tier 1). Complete trials that violate their constraints come last, by total violation (tier 2 + violation),
 * as Optuna 3.1's constrained TPE ranks them.
 */
export function rankKey(t: TrialRecord, direction: Direction): { tier: number; value: number } {
  if (t.state === 'complete') {
    let violation = 0;
    for (const c of t.constraints ?? []) if (c > 0) violation += c;
    return { tier: violation > 0 ? 2 + violation : -Infinity, value: t.value as number };
  }
  const iv = t.intermediate;
  if (!iv || iv.length === 0) return { tier: 1, value: 0 };
  const last = iv[iv.length - 1];
  return { tier: -last.step, value: Number.isNaN(last.value) ? (direction === 'minimize' ? Infinity : -Infinity) : last.value };
}

/** Splits a history into complete trials (see isComplete) and running (pending) ones. */
export function splitHistory(history: History): { complete: TrialRecord[]; pending: TrialRecord[] } {
  const complete: TrialRecord[] = [];
  const pending: TrialRecord[] = [];
  for (const t of history.trials) {
    if (isComplete(t)) complete.push(t);
    else if (t.state === 'running') pending.push(t);
  }
  return { complete, pending };
}
