import { countsAgainstBudget } from '../storage/storage.js';
import type { TrialRecord } from '../trial/trial.js';

/** Exit code of a run that ended with its budget unmet because other processes still hold running trials. */
export const EXIT_HELD = 3;

/** Trials still running under other claimants' leases, and when the last lease runs out (null: some have no lease). */
export interface Held {
  readonly count: number;
  readonly until: number | null;
  /** Finished trials that count against the budget. */
  readonly finished: number;
}

export function heldByOthers(trials: readonly TrialRecord[], me: string): Held {
  let count = 0;
  let until: number | null = 0;
  let finished = 0;
  for (const t of trials) {
    if (t.state !== 'running') {
      if (countsAgainstBudget(t)) finished++;
      continue;
    }
    if (t.owner === me) continue;
    count++;
    until = until === null || t.leaseUntil === null ? null : Math.max(until, t.leaseUntil);
  }
  return { count, until: count === 0 ? null : until, finished };
}

/** One line saying what holds the budget: "3 trials are still running under other processes' leases (until 14:03:10 UTC)". */
export function heldLine(h: Held): string {
  const when =
    h.until === null ? 'some without a lease, until they are told' : `until ${new Date(h.until).toISOString().slice(11, 19)} UTC`;
  return `${h.count} trial${h.count === 1 ? ' is' : 's are'} still running under other processes' leases (${when})`;
}

/**
 * The trials held by others once they had a heartbeat's time to finish (a third of their lease, at most 15 s): processes
 * sharing a study end at about the same time, and the last trials of the others are then about to be told.
 */
export async function heldAfterBeat(
  read: () => Promise<readonly TrialRecord[]>,
  me: string,
  signal: AbortSignal,
  onWait?: (held: Held, ms: number) => void,
): Promise<Held> {
  let trials = await read();
  let held = heldByOthers(trials, me);
  const beat = Math.max(
    0,
    ...trials.filter((t) => t.state === 'running' && t.owner !== me && t.leaseMs !== null).map((t) => (t.leaseMs as number) / 3),
  );
  const wait = Math.min(15_000, 1.5 * beat);
  if (held.count > 0 && wait > 0) onWait?.(held, wait);
  const deadline = Date.now() + wait;
  while (held.count > 0 && Date.now() < deadline && !signal.aborted) {
    await new Promise((r) => setTimeout(r, 200));
    trials = await read();
    held = heldByOthers(trials, me);
  }
  return held;
}
