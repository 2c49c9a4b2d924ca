import type { Objective, ObjectiveContext } from '../trial/objective.js';
import { checkReport, reportRequest, resultFromError, resultFromReturn } from '../trial/objective.js';
import type { AskedTrial } from '../trial/asked.js';
import type { TrialResult } from '../trial/trial.js';

/** Why the runner cuts a trial off: it ran past its timeout, or the run was stopped. */
export type CancelReason = 'timeout' | 'interrupted';

/** One objective call under way. */
export interface Evaluation {
  /**
   * Aborts the call's signal; its outcome is then never given. Its slot is free once the call has stopped (in a
   * worker: at once if the objective honours its signal, else when the worker is terminated shortly after).
   */
  cancel(reason: CancelReason): void;
  /**
   * When the call began executing (Date.now() ms), or undefined while it is still queued behind another call on
   * its worker (a trial's timeout counts from its start).
   */
  started(): number | undefined;
  /** If the call has not started, makes sure it never does (its result is then never used) and returns true. */
  withdraw(): boolean;
}

/**
 * Receives a call's outcome: called once per started trial, never from within `start`, and never with a rejection
 * (failures are results). Ignored by the runner once it has cancelled the call. One function for every trial
 * (rather than a promise and a closure each) keeps the optimize loop's per-trial allocations down.
 */
export type OnResult = (trial: AskedTrial, result: TrialResult) => void;

/**
 * Answers a message an objective sent from its worker thread over its trial's channel (`channel.request(body)`, see
 * pool/channel.ts); what it returns, or resolves to, is the worker's answer.
 */
export type TrialMessageHandler = (trial: number, body: unknown) => unknown;

/** Where trials run: in this thread (a function) or in worker threads (a module). */
export interface Evaluator {
  /** How many more calls can start now. */
  free(): number;
  /** Set by the runner: called whenever `free()` may have grown (a call settled, a worker came up). */
  onFree: () => void;
  start(trial: AskedTrial, done: OnResult): Evaluation;
  /** Optional: answers the requests of trials running in worker threads (see TrialMessageHandler). */
  onMessage?: TrialMessageHandler;
  /** Releases threads; calls still running are abandoned. */
  close(): Promise<void>;
}

/**
 * Runs an in-process objective on the main thread, with up to `concurrency` calls (promises) in flight.
 * A cancelled call's signal is aborted and its slot freed at once; the call itself cannot be killed.
 */
export class InProcessEvaluator implements Evaluator {
  /** @internal */
  active = 0;
  onFree: () => void = () => {};
  /** Answers the objectives' requests (their reports: see `reportRequest`), as the pool's channel does for workers. */
  onMessage: TrialMessageHandler | undefined = undefined;

  constructor(
    /** @internal */
    readonly objective: Objective,
    private readonly concurrency: number,
  ) {}

  free(): number {
    return this.concurrency - this.active;
  }

  start(trial: AskedTrial, done: OnResult): Evaluation {
    this.active++;
    const call = new InProcessCall(this, trial, done);
    // The objective runs in a microtask, as it would behind an await: never inside the runner's own call stack.
    queueMicrotask(() => call.run());
    return call;
  }

  async close(): Promise<void> {}
}

/** One in-process call: its own context (the objective's second argument), its slot, its outcome. */
class InProcessCall implements Evaluation {
  /** Made only if the objective reads its signal or the call is cancelled (creating one per trial is not free). */
  abort: AbortController | null = null;
  private released = false;
  private settled = false;
  private readonly startedAt = Date.now();
  /** The trial's reports, written one after another; its result is handed over after the last. */
  reports: Promise<unknown> | null = null;
  /** The decision of the last report answered. */
  prune = false;

  constructor(
    private readonly evaluator: InProcessEvaluator,
    readonly trial: AskedTrial,
    private readonly done: OnResult,
  ) {}

  run(): void {
    let out: unknown;
    try {
      out = this.evaluator.objective(this.trial.config, contextOf(this));
    } catch (e) {
      return this.finish(resultFromError(e));
    }
    // A plain value settles at once; a thenable is awaited (a promise that rejects is the objective throwing).
    if (!isThenable(out)) return this.finish(resultFromReturn(out));
    Promise.resolve(out).then(
      (v) => this.finish(resultFromReturn(v)),
      (e) => this.finish(resultFromError(e)),
    );
  }

  cancel(reason: CancelReason): void {
    this.abort ??= new AbortController();
    if (!this.abort.signal.aborted) this.abort.abort(new Error(reason === 'timeout' ? 'trial timed out' : 'run stopped'));
    this.release();
  }

  started(): number {
    return this.startedAt;
  }

  withdraw(): boolean {
    return false;
  }

  /** Queues a report behind the trial's earlier ones; resolves to the pruner's decision. */
  report(step: number, value: number): Promise<boolean> {
    checkReport(step, value);
    const answer = (this.reports ?? Promise.resolve()).then(async () => {
      const handler = this.evaluator.onMessage;
      return handler ? (await handler(this.trial.number, reportRequest(step, value))) === true : false;
    });
    // (a report that failed makes the objective's await throw; the trial's result still waits only until it settled)
    this.reports = answer.then(
      (prune) => (this.prune = prune),
      () => {},
    );
    return answer;
  }

  private finish(r: TrialResult): void {
    if (this.settled) return;
    this.settled = true;
    if (this.reports) {
      void this.reports.then(() => this.handOver(r));
      return;
    }
    this.handOver(r);
  }

  private handOver(r: TrialResult): void {
    this.release();
    this.done(this.trial, r);
  }

  private release(): void {
    if (this.released) return;
    this.released = true;
    this.evaluator.active--;
    this.evaluator.onFree();
  }
}

/** What an in-process objective gets beside its config: its seed and its signal are made on first read. */
function contextOf(call: InProcessCall): ObjectiveContext {
  return {
    trial: call.trial.number,
    get seed(): number {
      return call.trial.seed;
    },
    get signal(): AbortSignal {
      return (call.abort ??= new AbortController()).signal;
    },
    report: (step, value) => call.report(step, value),
    shouldPrune: () => call.prune,
  };
}

/** Whether an objective returned something to await. */
export function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { then?: unknown }).then === 'function';
}
