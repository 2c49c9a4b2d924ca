import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { OptionsError } from '../errors.js';
import { fail } from '../trial/objective.js';
import type { AskedTrial } from '../trial/asked.js';
import type { TrialResult } from '../trial/trial.js';
import type { CancelReason, Evaluation, Evaluator, OnResult } from './evaluator.js';
import { type AbortMessage, type LoadedMessage, type OutboxMessage, type PoolTask, type PoolWorkerData, type ResultMessage, collectDelay, slotBytes, slotViews, WAKE } from './protocol.js';

export interface PoolOptions {
  /** Absolute path of the objective module. */
  module: string;
  /** Its export to call. Default 'default'. */
  exportName?: string;
  /** Worker threads; each runs one trial at a time. */
  workers: number;
  /**
   * Tasks a worker holds at once: one running and `depth − 1` queued behind it, so that it starts its next trial
   * the moment one settles instead of idling for a round trip through the main thread, and the main thread collects
   * results and refills the queues about every (depth − 1) / 2 trials (see collectDelay). Default 4; 1 posts a task
   * only to an idle worker.
   */
  depth?: number;
  /**
   * After a running trial is cancelled its signal is aborted in the worker; a worker whose task has not returned
   * this many ms later is terminated (and replaced). Default 100.
   */
  killAfterMs?: number;
}

const WORKER = new URL('./worker.js', import.meta.url);
const MAX_SEQ = 0x7fffffff;

/** A trial handed to the pool, from `start` until its outcome is known; the runner's handle on it. */
class Task implements Evaluation {
  /** The worker it is posted to; null while it waits in the backlog, and once it is done. */
  worker: PoolWorker | null = null;
  slot = -1;
  /** Unique per posting (a task moved to another worker is posted anew). */
  seq = 0;
  startedAt: number | undefined = undefined;
  settled = false;
  cancelled: CancelReason | null = null;
  killTimer: NodeJS.Timeout | undefined = undefined;

  constructor(
    private readonly pool: PoolEvaluator,
    readonly trial: AskedTrial,
    readonly done: OnResult,
  ) {}

  cancel(reason: CancelReason): void {
    this.pool.cancel(this, reason);
  }

  started(): number | undefined {
    return this.pool.started(this);
  }

  withdraw(): boolean {
    return this.pool.withdraw(this);
  }
}

/** One worker thread and the tasks posted to it, by slot. */
class PoolWorker {
  readonly starts: Float64Array;
  readonly values: Float64Array;
  readonly durations: Float64Array;
  readonly states: Int32Array;
  readonly finished: Int32Array;
  readonly tasks: (Task | null)[];
  held = 0;
  /** Tasks posted in this turn, sent as one message at its end (see PoolEvaluator.post). */
  readonly outgoing: PoolTask[] = [];
  loaded = false;
  exited = false;
  /** Its running task, cut off: the worker gets no more tasks until that task returns or the worker is terminated. */
  doomed: Task | null = null;
  error: string | null = null;

  constructor(
    readonly thread: Worker,
    /** Tasks and aborts go here. */
    readonly inbox: MessagePort,
    /** Results come back here (the 'loaded' message on the thread's parentPort). */
    readonly outbox: MessagePort,
    slots: SharedArrayBuffer,
    depth: number,
  ) {
    ({ starts: this.starts, values: this.values, durations: this.durations, states: this.states, finished: this.finished } = slotViews(slots, depth));
    this.tasks = new Array<Task | null>(depth).fill(null);
  }
}

/**
 * Runs a module objective in `workers` worker threads (node:worker_threads), one trial per worker at a time, with
 * the worker's next trial already posted to it (`depth`), so a worker goes from one trial to the next without
 * waiting for the main thread. (piscina posts a task only to a free worker, which costs a round trip per trial:
 * about a quarter of the throughput of 1 ms objectives on 2 cores.)
 *
 * - Which task a worker is running is decided in shared memory (see `PoolWorkerData`): a queued task can be
 *   withdrawn atomically, so when a worker dies (process.exit, out of memory, a native crash) only the running
 *   trial fails ('crashed') and the queued one is posted to another worker; `started()` gives the time the running
 *   one began, from which its timeout counts.
 * - A worker that becomes idle while another still has a queued task takes that task over.
 * - Tasks go to a worker only once it has loaded the module, so a trial's timeout never includes a replacement
 *   worker's start-up.
 * - Cancelling a running trial (timeout, stop) aborts its signal in the worker, then terminates the worker if the
 *   task has not returned `killAfterMs` later; a replacement is started at once.
 * - Workers run their event loop between trials; what a finished trial left behind (timers, rejections) is
 *   attributed to it, never to the next trial (see worker.ts).
 */
export class PoolEvaluator implements Evaluator {
  onFree: () => void = () => {};
  /** The seed of the study whose trials are being started, from which each trial's seed derives (`trialSeed`). */
  studySeed = 0;
  private readonly workers: PoolWorker[] = [];
  /** Tasks waiting for a worker with room: moved off a worker that died, or started beyond `free()`. */
  private readonly backlog: Task[] = [];
  private readonly depth: number;
  private readonly killAfterMs: number;
  private seq = 0;
  private closed = false;
  /** Set when a replacement worker could not load the module: no more workers are started. */
  private broken: string | null = null;
  private startup: { resolve: () => void; reject: (e: Error) => void } | null = null;
  /** Armed while a worker holds a task queued behind its running one (see collectDelay). */
  private collectTimer: NodeJS.Timeout | undefined = undefined;
  /** A moving average of how long tasks answered in shared memory ran (ms); null until one is. */
  private taskMs: number | null = null;

  private constructor(private readonly options: PoolOptions) {
    this.depth = options.depth ?? 4;
    this.killAfterMs = options.killAfterMs ?? 100;
  }

  /** Starts the workers and resolves once every one has loaded the module; rejects if the module cannot be loaded. */
  static async open(options: PoolOptions): Promise<PoolEvaluator> {
    if (!Number.isInteger(options.workers) || options.workers < 1) {
      throw new OptionsError(`options.concurrency must be a positive integer (got ${options.workers})`);
    }
    if (options.depth !== undefined && !(Number.isInteger(options.depth) && options.depth >= 1)) {
      throw new OptionsError(`options.depth must be a positive integer (got ${options.depth})`);
    }
    const ev = new PoolEvaluator(options);
    try {
      await new Promise<void>((resolve, reject) => {
        ev.startup = { resolve, reject };
        for (let i = 0; i < options.workers; i++) ev.spawn();
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
    if (this.closed) return 0;
    if (this.dead()) return Number.MAX_SAFE_INTEGER; // every start fails at once
    let n = -this.backlog.length;
    for (const w of this.workers) if (w.loaded && !w.doomed) n += this.depth - w.held;
    return Math.max(0, n);
  }

  start(trial: AskedTrial, done: OnResult): Evaluation {
    const task = new Task(this, trial, done);
    if (this.dead()) {
      const r = this.deadResult();
      queueMicrotask(() => this.finish(task, r)); // never from within start
    } else {
      this.backlog.push(task);
      this.dispatch();
    }
    return task;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.armCollect();
    await Promise.all(this.workers.map((w) => w.thread.terminate()));
    for (const t of this.backlog.splice(0)) this.finish(t, fail('interrupted', 'the pool was closed'));
  }

  /** No worker is left and none will be started: a replacement could not load the module. */
  private dead(): boolean {
    return this.broken !== null && this.workers.length === 0;
  }

  private deadResult(): TrialResult {
    return fail('crashed', `no worker can load the objective any more: ${this.broken}`);
  }

  private spawn(): void {
    const slots = new SharedArrayBuffer(slotBytes(this.depth));
    const tasks = new MessageChannel();
    const results = new MessageChannel();
    const workerData: PoolWorkerData = {
      module: this.options.module,
      exportName: this.options.exportName ?? 'default',
      depth: this.depth,
      slots,
      tasks: tasks.port2,
      results: results.port2,
    };
    const thread = new Worker(WORKER, { workerData, transferList: [tasks.port2, results.port2] });
    const w = new PoolWorker(thread, tasks.port1, results.port1, slots, this.depth);
    w.thread.on('message', (m: LoadedMessage) => this.onLoaded(w, m));
    w.outbox.on('message', (m: OutboxMessage) => {
      if (m !== WAKE) this.onResult(w, m);
      this.collect();
    });
    w.outbox.unref(); // the thread keeps the process alive while it runs
    // Without a listener, an 'error' event would be fatal for this process; the 'exit' that follows handles it.
    w.thread.on('error', (e: Error) => (w.error ??= e.message));
    w.thread.on('exit', (code: number) => this.onExit(w, code));
    this.workers.push(w);
  }

  private onLoaded(w: PoolWorker, m: LoadedMessage): void {
    if (m.error !== undefined) {
      if (this.startup) this.startup.reject(new OptionsError(m.error));
      else {
        this.broken ??= m.error;
        process.stderr.write(`parzen pool: a replacement worker could not load the objective: ${m.error}\n`);
      }
      void w.thread.terminate();
      return;
    }
    w.loaded = true;
    if (this.startup && this.workers.every((x) => x.loaded)) this.startup.resolve();
    this.collect();
  }

  /** A result that came as a message. */
  private onResult(w: PoolWorker, m: ResultMessage): void {
    const task = w.tasks[m.slot];
    if (!task || task.seq !== m.seq) return;
    this.complete(task, m.result);
  }

  private complete(task: Task, r: TrialResult): void {
    const w = task.worker as PoolWorker;
    task.startedAt ??= w.starts[task.slot];
    this.release(task);
    this.finish(task, r);
  }

  /**
   * Takes in the results every worker has answered in shared memory, then fills the room there is: from the backlog,
   * then from the runner, then by moving queued tasks to idle workers.
   */
  private collect(): void {
    for (const w of this.workers) this.harvest(w);
    this.dispatch();
    this.onFree();
    for (const w of this.workers) if (w.held === 0 && w.loaded && !w.doomed) this.takeOver(w);
    this.armCollect();
  }

  /** Sets a timer to collect if some worker holds a task queued behind its running one (see collectDelay). */
  private armCollect(): void {
    if (this.closed) return void clearTimeout(this.collectTimer);
    if (this.collectTimer !== undefined) return;
    // paced by the shortest queue among the workers that have one (a worker with none wakes this thread itself)
    let queued = Infinity;
    for (const w of this.workers) if (w.held > 1) queued = Math.min(queued, w.held - 1);
    if (queued === Infinity) return;
    this.collectTimer = setTimeout(() => {
      this.collectTimer = undefined;
      this.collect();
    }, collectDelay(this.taskMs, queued)).unref();
  }

  /**
   * Completes every task `w` has answered, in messages not yet dispatched as well as in shared memory: before
   * deciding that a task is still running (to cut it off, or kill its worker), the main thread may have been busy.
   */
  private drain(w: PoolWorker): void {
    for (let m; (m = receiveMessageOnPort(w.outbox)) !== undefined; ) if (m.message !== WAKE) this.onResult(w, m.message as ResultMessage);
    this.harvest(w);
  }

  /** Completes the tasks `w` has answered in shared memory, in the order they were posted. */
  private harvest(w: PoolWorker): void {
    let done: Task[] | null = null;
    for (const t of w.tasks) if (t && Atomics.load(w.finished, t.slot) === t.seq) (done ??= []).push(t);
    if (!done) return;
    done.sort((a, b) => a.seq - b.seq);
    for (const t of done) {
      const ms = w.durations[t.slot];
      this.taskMs = this.taskMs === null ? ms : 0.9 * this.taskMs + 0.1 * ms;
      this.complete(t, { state: 'complete', value: w.values[t.slot] });
    }
  }

  private onExit(w: PoolWorker, code: number): void {
    w.exited = true;
    w.loaded = false;
    // Results the worker gave before it ended count (a parentPort is drained before 'exit'; this port is not).
    this.drain(w);
    w.inbox.close();
    w.outbox.close();
    const i = this.workers.indexOf(w);
    if (i >= 0) this.workers.splice(i, 1);
    if (this.startup) {
      // open() closes the pool.
      this.startup.reject(new OptionsError(`objective module ${this.options.module}: a worker died while loading it`));
      return;
    }
    const reason = w.error ?? `worker exited with code: ${code}`;
    const requeue: Task[] = [];
    for (const t of w.tasks) {
      if (!t) continue;
      // The thread is gone: a task it had not started (the swap still succeeds) goes to another worker.
      const queued = Atomics.compareExchange(w.states, t.slot, t.seq, 0) === t.seq;
      if (!queued) t.startedAt ??= w.starts[t.slot];
      this.release(t);
      if (this.closed) this.finish(t, fail('interrupted', 'the pool was closed'));
      else if (t.cancelled) this.finish(t, fail(t.cancelled, `cut off (${t.cancelled})`));
      else if (queued) requeue.push(t);
      else this.finish(t, fail('crashed', `the objective's worker died: ${reason}`));
    }
    if (this.closed) return;
    this.backlog.unshift(...requeue.sort((a, b) => a.seq - b.seq));
    if (this.broken === null) this.spawn();
    else if (this.dead()) for (const t of this.backlog.splice(0)) this.finish(t, this.deadResult());
    this.collect();
  }

  /** Posts backlog tasks to the least busy workers with room. */
  private dispatch(): void {
    while (this.backlog.length) {
      let best: PoolWorker | null = null;
      for (const w of this.workers) {
        if (w.loaded && !w.doomed && w.held < this.depth && (best === null || w.held < best.held)) best = w;
      }
      if (!best) return;
      this.post(this.backlog.shift() as Task, best);
    }
  }

  /** Moves the first queued, not yet started task of another worker to the idle worker `idle`. */
  private takeOver(idle: PoolWorker): void {
    let pick: Task | null = null;
    for (const w of this.workers) {
      if (w === idle) continue;
      for (const t of w.tasks) if (t && !t.cancelled && Atomics.load(w.states, t.slot) === t.seq && (!pick || t.seq < pick.seq)) pick = t;
    }
    if (pick && this.withdraw(pick)) this.post(pick, idle);
  }

  private post(task: Task, w: PoolWorker): void {
    const slot = w.tasks.indexOf(null);
    this.seq = this.seq >= MAX_SEQ ? 1 : this.seq + 1;
    task.seq = this.seq;
    task.slot = slot;
    task.worker = w;
    w.tasks[slot] = task;
    w.held++;
    // the slot's last answer may carry this seq (seq wraps around): cleared before the task is published
    Atomics.store(w.finished, slot, 0);
    Atomics.store(w.states, slot, task.seq);
    // Sent with the other tasks posted to this worker in this turn: one message (and one wake-up of the worker's
    // port) however many trials a collection hands out.
    const message: PoolTask = { seq: task.seq, slot, trial: task.trial.number, studySeed: this.studySeed, config: task.trial.config };
    if (w.outgoing.push(message) === 1) queueMicrotask(() => this.send(w));
    if (w.held > 1) this.armCollect();
  }

  private send(w: PoolWorker): void {
    const tasks = w.outgoing.splice(0);
    if (!w.exited && tasks.length) w.inbox.postMessage(tasks.length === 1 ? tasks[0] : tasks);
  }

  /** Frees the task's slot on its worker. */
  private release(task: Task): void {
    const w = task.worker;
    if (!w) return;
    w.tasks[task.slot] = null;
    w.held--;
    if (w.doomed === task) w.doomed = null;
    task.worker = null;
  }

  private finish(task: Task, r: TrialResult): void {
    if (task.settled) return;
    task.settled = true;
    clearTimeout(task.killTimer);
    task.done(task.trial, r);
  }

  /** @internal (Task.started) */
  started(task: Task): number | undefined {
    const w = task.worker;
    if (task.startedAt === undefined && w && Atomics.load(w.states, task.slot) === -task.seq) task.startedAt = w.starts[task.slot];
    return task.startedAt;
  }

  /** @internal (Task.withdraw) */
  withdraw(task: Task): boolean {
    if (task.settled) return false;
    const w = task.worker;
    if (!w) {
      const i = this.backlog.indexOf(task);
      if (i < 0) return false;
      this.backlog.splice(i, 1);
      return true;
    }
    if (Atomics.compareExchange(w.states, task.slot, task.seq, 0) !== task.seq) return false;
    this.release(task);
    return true;
  }

  /** @internal (Task.cancel) */
  cancel(task: Task, reason: CancelReason): void {
    // A task that has answered, even if its answer is not taken in yet, has its outcome: that one counts.
    if (task.worker) {
      this.drain(task.worker);
      if (task.settled) return this.collect();
    }
    if (task.settled || task.cancelled) return;
    task.cancelled = reason;
    if (this.withdraw(task)) {
      this.finish(task, fail(reason, `cut off (${reason}) before it started`));
      this.dispatch();
      return;
    }
    const w = task.worker;
    if (!w) return;
    w.doomed = task;
    w.inbox.postMessage({ abort: task.seq, reason } satisfies AbortMessage);
    task.killTimer = setTimeout(() => {
      this.drain(w); // it may have returned while this thread was busy
      this.collect();
      if (task.worker === w) void w.thread.terminate();
    }, this.killAfterMs);
  }
}
