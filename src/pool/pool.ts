import type { SeedSource } from '../rng.js';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { OptionsError } from '../errors.js';
import { fail } from '../trial/objective.js';
import { show } from '../space/hp.js';
import type { AskedTrial } from '../trial/asked.js';
import type { TrialResult } from '../trial/trial.js';
import type { FromWorker, ToWorker } from './channel.js';
import type { CancelReason, Evaluation, Evaluator, OnResult, TrialMessageHandler } from './evaluator.js';

export interface PoolOptions {
  /** Absolute path of the objective module. */
  module: string;
  /** Its export to call. Default 'default'. */
  exportName?: string;
  /** Worker threads; each runs one trial at a time. */
  workers: number;
  /**
   * After a running trial is cancelled its signal is aborted in the worker; a worker whose trial has not returned
   * this many ms later is terminated (and replaced). Default 100.
   */
  killAfterMs?: number;
  /**
   * Heap cap of each worker, MB (V8's old generation, piscina's `resourceLimits.maxOldGenerationSizeMb`): a trial
   * that exhausts it fails with reason 'oom' and its worker is replaced. Default: Node's own limit.
   */
  maxMemoryMb?: number;
}

/** What each worker gets (`workerData`). */
export interface PoolWorkerData {
  readonly module: string;
  readonly exportName: string;
}

/** A piscina task: one trial, with the worker's end of its channel (channel.ts); or the load probe. */
export type PoolTask =
  | {
      readonly trial: number;
      /** The seed of the trial's study, from which the trial's seed derives (a pool can serve one study, then another). */
      readonly studySeed: SeedSource;
      readonly config: unknown;
      readonly port: MessagePort;
    }
  | { readonly probe: true };

/** The answer to the load probe. */
export interface ProbeAnswer {
  readonly loadError: string | undefined;
}

const WORKER = fileURLToPath(new URL('./worker.js', import.meta.url));

/**
 * Runs a module objective in `workers` piscina worker threads, one trial per piscina task and at most one task per
 * worker (free() counts the workers without one), so piscina's queue only holds a trial while its worker is being
 * replaced.
 *
 * - A trial's start time comes from its worker (over its channel), so its timeout never counts a replacement
 *   worker's start-up.
 * - Cancelling a running trial (timeout, stop) aborts its signal in the worker; if the trial has not returned
 *   `killAfterMs` later, its piscina task is aborted, which terminates the worker (piscina starts another).
 * - A worker that dies (process.exit, out of memory, a native crash) fails its trial alone ('crashed', or 'oom'
 *   when it reached `maxMemoryMb`); piscina replaces it.
 * - Workers keep running their event loop between trials (atomics disabled): what a finished trial left behind
 *   (timers, rejections) is attributed to it, never to the next trial (see worker.ts).
 */
export class PoolEvaluator implements Evaluator {
  onFree: () => void = () => {};
  onMessage: TrialMessageHandler | undefined = undefined;
  /** The seed of the study whose trials are being started, from which each trial's seed derives (`trialSeed`). */
  studySeed: SeedSource = 0;
  /** @internal Trials with a piscina task not yet settled (cancelled ones too, until their worker is free). */
  inflight = 0;
  private closed = false;
  private readonly tasks = new Set<PoolCall>();

  private constructor(
    /** @internal */
    readonly piscina: Piscina,
    readonly options: PoolOptions,
  ) {}

  /**
   * Starts the workers and resolves once they have loaded the module; rejects with an OptionsError if it cannot be
   * loaded or lacks the export.
   */
  static async open(options: PoolOptions): Promise<PoolEvaluator> {
    if (!Number.isInteger(options.workers) || options.workers < 1) {
      throw new OptionsError(`options.concurrency must be a positive integer (got ${show(options.workers)})`);
    }
    const { maxMemoryMb } = options;
    if (maxMemoryMb !== undefined && !(Number.isInteger(maxMemoryMb) && maxMemoryMb >= 16)) {
      throw new OptionsError(`options.maxMemoryMb must be an integer >= 16 (got ${show(maxMemoryMb)})`);
    }
    const piscina = new Piscina({
      filename: WORKER,
      minThreads: options.workers,
      maxThreads: options.workers,
      idleTimeout: Infinity,
      // Workers wait for tasks in their event loop rather than in Atomics.wait, so timers left by a trial run.
      atomics: 'disabled',
      recordTiming: false,
      workerData: { module: options.module, exportName: options.exportName ?? 'default' } satisfies PoolWorkerData,
      ...(maxMemoryMb !== undefined ? { resourceLimits: { maxOldGenerationSizeMb: maxMemoryMb } } : {}),
    });
    // Errors of idle workers (none expected: worker.ts catches everything) would otherwise be fatal here.
    piscina.on('error', (e: Error) => process.stderr.write(`parzen pool: ${e.message}\n`));
    const ev = new PoolEvaluator(piscina, options);
    let answer: ProbeAnswer;
    try {
      // One probe per worker (piscina gives each to an idle worker): every worker has loaded the module when open resolves.
      const probes = Array.from({ length: options.workers }, () => piscina.run({ probe: true } satisfies PoolTask) as Promise<ProbeAnswer>);
      answer = (await Promise.all(probes)).find((a) => a.loadError !== undefined) ?? { loadError: undefined };
    } catch (e) {
      await piscina.destroy();
      throw new OptionsError(`objective module ${options.module}: a worker died while loading it (${(e as Error).message})`);
    }
    if (answer.loadError !== undefined) {
      await piscina.destroy();
      throw new OptionsError(answer.loadError);
    }
    return ev;
  }

  free(): number {
    return this.closed ? 0 : Math.max(0, this.options.workers - this.inflight);
  }

  start(trial: AskedTrial, done: OnResult): Evaluation {
    const call = new PoolCall(this, trial, done);
    if (this.closed) queueMicrotask(() => call.finish(fail('interrupted', 'the pool was closed')));
    else {
      this.tasks.add(call);
      this.inflight++;
      call.post();
    }
    return call;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.tasks) c.finish(fail('interrupted', 'the pool was closed'));
    await this.piscina.destroy();
  }

  /** @internal (PoolCall) The piscina task of `call` has settled: its worker is free. */
  released(call: PoolCall): void {
    this.tasks.delete(call);
    this.inflight--;
    if (!this.closed) this.onFree();
  }
}

/** One trial handed to the pool: its piscina task, its channel, its outcome. */
class PoolCall implements Evaluation {
  private startedAt: number | undefined = undefined;
  private settled = false;
  private cancelled = false;
  private port: MessagePort | null = null;
  private readonly kill = new AbortController();
  private killTimer: NodeJS.Timeout | undefined = undefined;

  constructor(
    private readonly pool: PoolEvaluator,
    readonly trial: AskedTrial,
    private readonly done: OnResult,
  ) {}

  post(): void {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    port1.on('message', (m: FromWorker) => this.receive(m));
    port1.unref(); // the worker keeps the process alive while the trial runs, not this port
    const task: PoolTask = { trial: this.trial.number, studySeed: this.pool.studySeed, config: this.trial.config, port: port2 };
    this.pool.piscina.run(task, { transferList: [port2], signal: this.kill.signal }).then(
      (r) => this.ended(r as TrialResult),
      (e: Error & { code?: string }) => this.ended(failureOf(e, this.pool.options.maxMemoryMb)),
    );
  }

  cancel(reason: CancelReason): void {
    if (this.settled || this.cancelled) return;
    this.cancelled = true;
    this.send({ abort: reason });
    this.killTimer = setTimeout(() => this.kill.abort(), this.pool.options.killAfterMs ?? 100);
  }

  started(): number | undefined {
    return this.startedAt;
  }

  /** A trial handed to piscina is not taken back: at most one waits there, for a replacement worker. */
  withdraw(): boolean {
    return false;
  }

  /** @internal Gives the trial's outcome, once; never after it was cancelled. */
  finish(r: TrialResult): void {
    if (this.settled) return;
    this.settled = true;
    if (!this.cancelled) this.done(this.trial, r);
  }

  private ended(r: TrialResult): void {
    clearTimeout(this.killTimer);
    this.port?.close();
    this.port = null;
    this.pool.released(this);
    this.finish(r);
  }

  private receive(m: FromWorker): void {
    if ('started' in m) {
      this.startedAt = m.started;
      return;
    }
    const handler = this.pool.onMessage;
    const id = m.request;
    if (!handler) return this.send({ response: id, error: `no handler for messages of trial ${this.trial.number} on the main thread` });
    let answer: unknown;
    try {
      answer = handler(this.trial.number, m.body);
    } catch (e) {
      return this.send({ response: id, error: errorText(e) });
    }
    Promise.resolve(answer).then(
      (value) => this.send({ response: id, value }),
      (e) => this.send({ response: id, error: errorText(e) }),
    );
  }

  private send(m: ToWorker): void {
    try {
      this.port?.postMessage(m);
    } catch (e) {
      // an answer that cannot be cloned is an error for the request
      if ('response' in m && !('error' in m)) this.port?.postMessage({ response: m.response, error: errorText(e) } satisfies ToWorker);
      else throw e;
    }
  }
}

/** The failure of a trial whose piscina task was rejected: its worker died (or was terminated). */
function failureOf(e: Error & { code?: string }, maxMemoryMb: number | undefined): TrialResult {
  if (e.code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return fail(
      'oom',
      `the objective's worker ran out of memory${maxMemoryMb !== undefined ? ` (maxMemoryMb ${maxMemoryMb})` : ''}: ${e.message}`,
    );
  }
  if (e.name === 'AbortError') return fail('interrupted', 'the trial was cut off');
  return fail('crashed', `the objective's worker died: ${e.message}`);
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
