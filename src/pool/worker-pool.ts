import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { OptionsError } from '../errors.js';
import { checkKeys } from '../options.js';
import { checkObjectiveModule, isObjectiveModule, type ObjectiveModule } from '../trial/objective.js';
import { PoolEvaluator } from './pool.js';

export interface WorkerPoolOptions {
  /** Worker threads. Default: the number of cores. */
  concurrency?: number;
  /**
   * Heap cap of each worker thread, MB (V8's old generation): a trial that exhausts it fails with reason 'oom', its
   * worker is replaced and the study goes on. Default: Node's own limit.
   */
  maxMemoryMb?: number;
}

/**
 * The worker threads of one objective module, kept from one `optimize` run to the next: a service that runs study
 * after study on the same objective loads the module (and lets the JIT compile it) once, not once per study. Pass it
 * to `optimize` in place of the objective, one run at a time; `close()` it when done.
 */
export class WorkerPool {
  /** @internal The run using the pool, if any. */
  inUse = false;
  private closing: Promise<void> | null = null;

  private constructor(
    /** @internal */
    readonly evaluator: PoolEvaluator,
    readonly objective: ObjectiveModule,
    readonly concurrency: number,
    readonly maxMemoryMb: number | undefined,
  ) {}

  /** @internal (workerPool) */
  static async open(objective: ObjectiveModule, options: WorkerPoolOptions): Promise<WorkerPool> {
    if (!isObjectiveModule(objective)) throw new OptionsError('objective must be { module: path, export?: name }');
    checkObjectiveModule(objective);
    const concurrency = options.concurrency ?? availableParallelism();
    const evaluator = await PoolEvaluator.open({
      module: resolve(objective.module),
      exportName: objective.export ?? 'default',
      workers: concurrency,
      maxMemoryMb: options.maxMemoryMb,
    });
    return new WorkerPool(evaluator, objective, concurrency, options.maxMemoryMb);
  }

  get closed(): boolean {
    return this.closing !== null;
  }

  /** Ends the worker threads. Refused while an `optimize` run uses the pool: stop the run first (its `signal`). */
  close(): Promise<void> {
    if (this.inUse && this.closing === null) {
      return Promise.reject(
        new OptionsError('the worker pool is in use by an optimize run: abort the run (options.signal) before closing the pool'),
      );
    }
    return (this.closing ??= this.evaluator.close());
  }
}

/** Starts the worker threads of an objective module, to be used by several `optimize` runs (see WorkerPool). */
export async function workerPool(objective: ObjectiveModule, options: WorkerPoolOptions = {}): Promise<WorkerPool> {
  checkKeys(
    options,
    { concurrency: true, maxMemoryMb: true } satisfies { readonly [K in keyof Required<WorkerPoolOptions>]: true },
    'workerPool',
  );
  return WorkerPool.open(objective, options);
}
