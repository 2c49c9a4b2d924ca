import type { TrialGroups } from '../pruners/pruner.js';
import type { SamplerSession } from '../samplers/sampler.js';
import type { Params } from '../space/space.js';
import type { TrialRecord } from '../trial/trial.js';

/** One group's view of the study: its trials in number order, kept as one array between asks while it only grows. */
export interface GroupView {
  /** `${grouping key}/${group}`. */
  readonly name: string;
  /** The group's number (its random streams derive from it). */
  readonly group: number;
  readonly trials: TrialRecord[];
  /** Every entry before this index was finished when the view was last built (History.settled). */
  settled: number;
  /** The sampler's session for this group, opened by the caller on first use. */
  session?: SamplerSession;
}

/** Asks the sampler for `n` points seeing one group's view. */
export type GroupSuggest = (view: GroupView, n: number) => Promise<Params[]> | Params[];

/**
 * Asks for the next trials when the pruner splits trials into groups that compete only among themselves (Hyperband's
 * brackets): each point is suggested from the trials of the group its trial will be in, as Optuna's TPE does under
 * Hyperband (`_filter_study`), so that trials cut at an aggressive bracket's first rung do not count against a region
 * in the model of a bracket that lets trials run longer. Unlike Optuna, every group also sees the complete trials of
 * the others: a complete trial ran to its last step, so its value means the same in every bracket (a pruned one
 * stopped for a reason of its own bracket). On `parzen bench pruning` (Hyperband + TPE, 90 seeds, median regret at
 * 3000 / 1050 steps): one history for all brackets 0.0131 / 0.0209, each bracket its own trials only (Optuna's)
 * 0.0135 / 0.0220, its own and every complete trial 0.0110 / 0.0198.
 *
 * The group of a point is that of the trial number it is expected to get: the study's next number, after the points
 * waiting in its queue (`queuedCount`). A claim made meanwhile by another process shifts the numbers: the point is
 * then still a point of the space, suggested from another group's trials.
 */
export class GroupedHistory {
  private generation: string | null = null;
  private readonly views = new Map<number, GroupView>();

  /**
   * The points for trials next, next + 1, …, next + n − 1, in that order: one sampler call per group, given that
   * group's trials.
   */
  async suggest(groups: TrialGroups, trials: readonly TrialRecord[], next: number, n: number, ask: GroupSuggest): Promise<Params[]> {
    if (groups.key !== this.generation) {
      this.generation = groups.key;
      this.views.clear();
    }
    const wanted = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      const g = groups.groupOf(next + i);
      const at = wanted.get(g);
      if (at) at.push(i);
      else wanted.set(g, [i]);
    }
    const out = new Array<Params | undefined>(n);
    let short = false;
    for (const [g, slots] of [...wanted].sort(([a], [b]) => a - b)) {
      const points = await ask(this.view(g, groups, trials), slots.length);
      if (points.length < slots.length) short = true;
      points.forEach((p, j) => (out[slots[j]] = p));
    }
    // A sampler that ran short (an exhausted grid) leaves holes: the points found keep their order.
    return short ? out.filter((p): p is Params => p !== undefined) : (out as Params[]);
  }

  /** Group g's trials, rebuilt in place (the sampler's caches are keyed by the array) unless a finished entry moved. */
  private view(g: number, groups: TrialGroups, trials: readonly TrialRecord[]): GroupView {
    let view = this.views.get(g);
    const members: TrialRecord[] = [];
    for (const t of trials) if (t !== undefined && (t.state === 'complete' || groups.groupOf(t.number) === g)) members.push(t);
    if (view) {
      let same = members.length >= view.settled;
      for (let i = 0; same && i < view.settled; i++) same = members[i] === view.trials[i];
      if (!same) view = undefined;
    }
    if (!view) {
      view = { name: `${groups.key}/${g}`, group: g, trials: [], settled: 0 };
      this.views.set(g, view);
    }
    const { trials: kept } = view;
    kept.length = Math.min(kept.length, members.length);
    for (let i = view.settled; i < members.length; i++) {
      if (i < kept.length) kept[i] = members[i];
      else kept.push(members[i]);
    }
    let s = view.settled;
    while (s < kept.length && kept[s].state !== 'running') s++;
    view.settled = s;
    return view;
  }
}
