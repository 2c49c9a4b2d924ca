import { Worker } from 'node:worker_threads';
import type { Generator, SeedSource } from '../rng.js';
import { CmaEsSampler } from '../samplers/cmaes.js';
import { EvolutionSampler } from '../samplers/evolution.js';
import { GpSampler } from '../samplers/gp/sampler.js';
import { TpeSampler } from '../samplers/tpe/tpe.js';
import type { Sampler } from '../samplers/sampler.js';
import type { Params } from '../space/space.js';
import type { Direction, TrialRecord } from '../trial/trial.js';

/** What the sampler thread starts with. */
export interface SamplerThreadData {
  readonly sampler: string;
  readonly options: Readonly<Record<string, unknown>>;
  /** The study's space as JSON (spaceToJson). */
  readonly space: unknown;
  readonly direction: Direction;
  readonly seed: number;
  readonly generator?: Generator;
}

/** The arguments of Rng.derive that make an ask's stream. */
export type AskStream = readonly [SeedSource, ...(string | number)[]];

/** main → thread: suggest `n` points for the history as changed by `changes` (index, record) and cut to `length`. */
export interface AskMessage {
  readonly id: number;
  readonly changes: readonly (readonly [number, TrialRecord])[];
  readonly length: number;
  readonly settled: number;
  readonly n: number;
  readonly rng: AskStream;
  /** The pruner's group of trials the history is (GroupedHistory), each with a mirror and session of its own. */
  readonly group?: string;
}

export type AnswerMessage =
  { readonly id: number; readonly points: Params[] } | { readonly id: number; readonly error: string } | { readonly ready: true };

/** The built-in model-based samplers, which the thread rebuilds from their name and options. */
const MOVABLE = [TpeSampler, GpSampler, CmaEsSampler, EvolutionSampler] as const;

/**
 * Whether `sampler` can be asked in a thread of its own: one of the built-in model-based samplers (rebuilt there from
 * its name and options), not altered (no own `suggest` or `session`). Random and grid search cost too little to move.
 */
export function movable(sampler: Sampler): boolean {
  return (
    MOVABLE.some((c) => Object.getPrototypeOf(sampler) === c.prototype) &&
    !Object.hasOwn(sampler, 'suggest') &&
    !Object.hasOwn(sampler, 'session')
  );
}

/**
 * A study's sampler in a worker thread of its own, so that a slow ask (a GP's fit, a TPE at thousands of trials)
 * never blocks the main thread: results keep being taken in, freed workers get their next trial, progress and
 * heartbeats go on. The thread keeps a mirror of the history; each ask sends only the records that changed since
 * the previous one (by identity: finished records never change). Same inputs, same code: the same points as asking
 * on the main thread, which is where asks go until the thread has loaded (`ready`).
 */
export class SamplerThread {
  private readonly worker: Worker;
  /** The records each mirror holds (key '': the whole history; else a pruner's group). */
  private readonly mirrors = new Map<string, TrialRecord[]>();
  private next = 0;
  private readonly waiting = new Map<number, { resolve: (p: Params[]) => void; reject: (e: Error) => void }>();
  private failure: Error | null = null;
  /** The thread has loaded the sampler and takes asks. */
  ready = false;
  /** Resolves when `ready`. */
  readonly loaded: Promise<void>;
  private onLoaded: () => void = () => {};

  constructor(data: SamplerThreadData) {
    this.loaded = new Promise((resolve) => (this.onLoaded = resolve));
    this.worker = new Worker(new URL('./sampler-worker.js', import.meta.url), { workerData: data });
    this.worker.on('message', (m: AnswerMessage) => {
      if ('ready' in m) {
        this.ready = true;
        if (this.waiting.size === 0) this.worker.unref();
        return this.onLoaded();
      }
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (this.waiting.size === 0) this.worker.unref();
      if ('error' in m) w.reject(new Error(`sampler ${data.sampler}: ${m.error}`));
      else w.resolve(m.points);
    });
    const fail = (e: Error) => {
      this.failure ??= e;
      for (const w of this.waiting.values()) w.reject(e);
      this.waiting.clear();
    };
    this.worker.on('error', (e) => fail(new Error(`sampler thread: ${e.message}`)));
    this.worker.on('exit', (code) => fail(new Error(`sampler thread exited with code ${code}`)));
  }

  suggest(trials: readonly TrialRecord[], settled: number, n: number, rng: AskStream, group?: string): Promise<Params[]> {
    if (this.failure) return Promise.reject(this.failure);
    const changes: [number, TrialRecord][] = [];
    let sent = this.mirrors.get(group ?? '');
    if (!sent) this.mirrors.set(group ?? '', (sent = []));
    if (sent.length > trials.length) sent.length = trials.length;
    for (let i = 0; i < trials.length; i++) {
      if (sent[i] === trials[i]) continue;
      changes.push([i, trials[i]]);
      if (i < sent.length) sent[i] = trials[i];
      else sent.push(trials[i]);
    }
    const id = ++this.next;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.ref(); // an ask under way keeps the process alive, as a sampler on the main thread would
      this.worker.postMessage({ id, changes, length: trials.length, settled, n, rng, ...(group ? { group } : {}) } satisfies AskMessage);
    });
  }

  async close(): Promise<void> {
    this.worker.removeAllListeners('exit');
    const exited = this.worker.terminate();
    // A thread cut off in the middle of an ask (a stop abandons it) may not report its exit before the event loop runs
    // dry, which would end the process with the caller still waiting (seen: exit code 0, nothing printed): it is left
    // to stop on its own, unreferenced.
    if (this.waiting.size === 0) await exited;
    else {
      this.worker.unref();
      exited.catch(() => {});
    }
  }
}
