/**
 * A trial's message channel between its objective, in a pool worker, and the main thread: one MessagePort pair per
 * trial, the worker's end sent with the piscina task (in its transfer list) and closed when the trial settles.
 *
 * - worker → main: the trial's start time (`started`), and requests. `await channel.request(body)` in the worker
 *   reaches the evaluator's `onMessage(trialNumber, body)` on the main thread and resolves with what it returns (or
 *   resolves to); it rejects if the handler throws, if there is none, or if the trial settles first. This is how
 *   objective-side calls that need the study (e.g. `ctx.report(step, value)` for pruning) are built.
 * - main → worker: the trial's cooperative abort (timeout, stop), and the answers to requests.
 *
 * Bodies and answers are structured-cloned.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { MessagePort } from 'node:worker_threads';
import type { CancelReason } from './evaluator.js';

/** worker → main on a trial's port. */
export type FromWorker = { readonly started: number } | { readonly request: number; readonly body: unknown };

/** main → worker on a trial's port. */
export type ToWorker =
  | { readonly abort: CancelReason }
  | { readonly response: number; readonly value: unknown }
  | { readonly response: number; readonly error: string };

/** The worker's end of a trial's channel. */
export class TrialChannel {
  private seq = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private closed = false;

  constructor(
    /** The trial's number in its study. */
    readonly trial: number,
    private readonly port: MessagePort,
    /** Called when the main thread aborts the trial (timeout or stop). */
    private readonly onAbort: (reason: CancelReason) => void,
  ) {
    port.on('message', (m: ToWorker) => this.receive(m));
  }

  /** Sends `body` to the main thread's handler and resolves with its answer. */
  request(body: unknown): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error(`trial ${this.trial} has finished: its channel is closed`));
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.port.postMessage({ request: id, body } satisfies FromWorker);
    });
  }

  /** @internal (worker.ts) */
  started(at: number): void {
    this.port.postMessage({ started: at } satisfies FromWorker);
  }

  /** @internal (worker.ts) Ends the channel; requests still waiting are rejected. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.port.close();
    for (const p of this.pending.values()) p.reject(new Error(`trial ${this.trial} finished before the main thread answered`));
    this.pending.clear();
  }

  private receive(m: ToWorker): void {
    if ('abort' in m) return this.onAbort(m.abort);
    const p = this.pending.get(m.response);
    if (!p) return;
    this.pending.delete(m.response);
    if ('error' in m) p.reject(new Error(m.error));
    else p.resolve(m.value);
  }
}

/** The channel of the trial whose code is running (set by the worker around each objective call). */
export const channelScope = new AsyncLocalStorage<TrialChannel>();

/** In a pool worker: the channel of the trial whose code calls this, or undefined outside any trial. */
export function currentChannel(): TrialChannel | undefined {
  return channelScope.getStore();
}
