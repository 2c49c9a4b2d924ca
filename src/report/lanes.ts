import type { TrialRecord } from '../trial/trial.js';

export interface Lanes {
  /** Lane names, `owner #slot` (slot from 1), sorted by owner then slot. */
  readonly names: string[];
  /** For each trial (same order as given), the index of its lane in `names`. */
  readonly laneOf: number[];
}

/**
 * Reconstructs the worker slots of a study for its timeline. A record knows its process (`owner`, host:pid) but not
 * which of the process's worker threads ran it, so each owner's trials are packed greedily, in start order, into the
 * first slot free at their start: with a pool that keeps its workers busy this recovers one lane per worker, and the
 * number of lanes an owner needs is its peak concurrency. A running trial occupies its slot until `now`.
 */
export function assignLanes(trials: readonly TrialRecord[], now: number): Lanes {
  const byOwner = new Map<string, number[]>();
  trials.forEach((t, i) => {
    const list = byOwner.get(t.owner);
    if (list) list.push(i);
    else byOwner.set(t.owner, [i]);
  });
  const slotOf = new Array<number>(trials.length).fill(0);
  const slotsPerOwner = new Map<string, number>();
  for (const [owner, idx] of byOwner) {
    idx.sort((a, b) => trials[a].startedAt - trials[b].startedAt || trials[a].number - trials[b].number);
    const freeAt: number[] = [];
    for (const i of idx) {
      const t = trials[i];
      let slot = freeAt.findIndex((f) => f <= t.startedAt);
      if (slot < 0) slot = freeAt.push(0) - 1;
      freeAt[slot] = t.finishedAt ?? now;
      slotOf[i] = slot;
    }
    slotsPerOwner.set(owner, freeAt.length);
  }
  const owners = [...byOwner.keys()].sort();
  const names: string[] = [];
  const base = new Map<string, number>();
  for (const o of owners) {
    base.set(o, names.length);
    for (let s = 0; s < (slotsPerOwner.get(o) ?? 0); s++) names.push(`${o} #${s + 1}`);
  }
  return { names, laneOf: trials.map((t, i) => (base.get(t.owner) as number) + slotOf[i]) };
}
