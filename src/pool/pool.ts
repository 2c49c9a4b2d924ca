import { randomUUID } from 'node:crypto';
import { BroadcastChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { OptionsError } from '../errors.js';
import { fail } from '../study/objective.js';
import type { AskedTrial } from '../study/study.js';
import type { TrialResult } from '../study/trial.js';
import type { CancelReason, Evaluation, Evaluator } from './evaluator.js';
import { type AbortMessage, isLoadedMessage, type PoolTask, type PoolResult, type PoolWorkerData } from './protocol.js';

export interface PoolOptions {
  /** Absolute path of the objective module. */
  module: string;
  /** Its export to call. Default 'default'. */
  exportName?: string;
  /** The study seed, from which each trial's seed derives (`trialSeed`). */
  studySeed: number;
  /** Worker threads; each runs one trial at a time. */
  workers: number;
  /**
   * After a trial is cancelled its signal is aborted in the worker; a worker whose task has not returned
   * this many ms later is terminated (and replaced). Default 100.
   */
  killAfterMs?: number;
  /**
   * piscina's `atomics`. 'disabled' (default): a worker runs its event loop between tasks, so what a finished
   * trial left behind (timers, I/O) runs when due; 'sync' freezes it until the next task (a few % faster hand-offs
   * in our measurements, within noise). Failure attribution is correct under both (see worker.ts).
   */
  atomics?: 'disabled' | 'sync';
}

const WORKER = new URL('./worker.js', import.meta.url).href;

/**
 * Runs a module objective in a piscina pool of `workers` threads, one trial per worker at a time.
 *
 * - A task is handed to piscina only when a worker that has loaded the module is idle, so a trial's timeout
 *   never includes a replacement worker's start-up.
 * - piscina runs with `atomics: 'disabled'` by default: workers run their event loop between tasks (timers left
 *   by a finished trial fire when due instead of inside the next task, as they do under piscina's default 'sync').
 * - The worker resolves every objective outcome as a TrialResult; a rejected task therefore means the worker
 *   died (process.exit, out of memory, a native crash): 'crashed'. piscina replaces the worker.
 * - Cancelling (timeout, stop) aborts the trial's signal in its worker through a BroadcastChannel, then
 *   terminates the worker if the task is still running `killAfterMs` later (piscina's task AbortSignal).
 */
export class PoolEvaluator implements Evaluator {
  onFree: () => void = () => {};
  private readonly pool: Piscina;
  private readonly aborts: BroadcastChannel;
  /** Thread ids of workers that have loaded the module (dead ones are not pruned: see `live`). */
  private readonly loaded = new Set<number>();
  private inPool = 0;
  private closed = false;
  private readonly killAfterMs: number;
  private startup: { resolve: () => void; reject: (e: Error) => void } | null = null;
  /** piscina unrefs idle workers: this keeps the process alive while workers load (start-up, replacements). */
  private readonly keepAlive = setInterval(() => {}, 1 << 30);

  private constructor(private readonly options: PoolOptions) {
    this.killAfterMs = options.killAfterMs ?? 100;
    const abortChannel = `parzen-pool-${randomUUID()}`;
    this.aborts = new BroadcastChannel(abortChannel);
    this.aborts.unref();
    const workerData: PoolWorkerData = { module: options.module, exportName: options.exportName ?? 'default', abortChannel };
    this.pool = new Piscina({
      filename: WORKER,
      minThreads: options.workers,
      maxThreads: options.workers,
      concurrentTasksPerWorker: 1,
      atomics: options.atomics ?? 'disabled',
      idleTimeout: Number.MAX_SAFE_INTEGER,
      workerData,
    });
    this.pool.on('message', (m: unknown) => {
      if (!isLoadedMessage(m)) return;
      if (m.error !== undefined) return this.startup?.reject(new OptionsError(m.error));
      this.loaded.add(m.__parzenLoaded);
      if (this.startup && this.live() >= options.workers) this.startup.resolve();
      this.onFree();
    });
    // (A worker that exited reports threadId -1 here, so ids cannot be pruned on this event.)
    this.pool.on('workerDestroy', () => {
      if (!this.closed) this.startup?.reject(new OptionsError(`objective module ${options.module}: a worker died while loading it`));
    });
    // A worker error with no task attached would otherwise be an unhandled 'error' event (fatal for the process).
    this.pool.on('error', (e: Error) => {
      if (!this.closed) process.stderr.write(`parzen pool: a worker failed outside any trial: ${e.message}\n`);
    });
  }

  /** Starts the workers and resolves once every one has loaded the module; rejects if the module cannot be loaded. */
  static async open(options: PoolOptions): Promise<PoolEvaluator> {
    if (!Number.isInteger(options.workers) || options.workers < 1) {
      throw new OptionsError(`options.concurrency must be a positive integer (got ${options.workers})`);
    }
    const ev = new PoolEvaluator(options);
    try {
      await new Promise<void>((resolve, reject) => {
        ev.startup = { resolve, reject };
        if (ev.live() >= options.workers) resolve();
      });
    } catch (e) {
      await ev.close();
      throw e;
    } finally {
      ev.startup = null;
    }
    return ev;
  }

  free(): number {
    return this.closed ? 0 : this.live() - this.inPool;
  }

  /** Workers alive in the pool that have loaded the module. */
  live(): number {
    let n = 0;
    for (const w of this.pool.threads) if (this.loaded.has(w.threadId)) n++;
    return n;
  }

  start(trial: AskedTrial): Evaluation {
    const task: PoolTask = { trial: trial.number, studySeed: this.options.studySeed, config: trial.config };
    const abort = new KillSwitch();
    let cancelled: CancelReason | null = null;
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    this.inPool++;
    const settle = (r: TrialResult): TrialResult => {
      settled = true;
      clearTimeout(killTimer);
      this.inPool--;
      this.onFree();
      return r;
    };
    const result = this.pool.run(task, { signal: abort as unknown as AbortSignal }).then(
      (r: PoolResult) => settle(r),
      (e: unknown) => {
        if (cancelled) return settle(fail(cancelled, `cut off (${cancelled})`));
        const message = e instanceof Error ? e.message : String(e);
        return settle(fail('crashed', `the objective's worker died: ${message}`));
      },
    );
    return {
      result,
      cancel: (reason) => {
        if (cancelled || settled) return;
        cancelled = reason;
        const msg: AbortMessage = { trial: trial.number, reason };
        this.aborts.postMessage(msg);
        killTimer = setTimeout(() => abort.abort(), this.killAfterMs);
      },
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.keepAlive);
    this.aborts.close();
    await this.pool.destroy();
  }
}

/**
 * The smallest AbortSignal piscina accepts (it reads `aborted` and adds one 'abort' listener): aborting it makes
 * piscina terminate the task's worker. Cheaper than an AbortController per task.
 */
class KillSwitch {
  aborted = false;
  reason: unknown = undefined;
  private listener: (() => void) | null = null;
  addEventListener(_type: 'abort', listener: () => void): void {
    this.listener = listener;
  }
  removeEventListener(): void {
    this.listener = null;
  }
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = new Error('trial cut off');
    this.listener?.();
  }
}
