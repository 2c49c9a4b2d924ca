import type { Command } from 'commander';
import { fileURLToPath } from 'node:url';
import { intList, nonNegativeInt, positiveInt } from '../cli/args.js';
import { ProgressBar } from '../cli/progress.js';
import { formatTable } from '../cli/table.js';
import { random } from '../samplers/random.js';
import { hp } from '../space/hp.js';
import { MemoryStorage } from '../storage/memory.js';
import { createStudy } from '../study/study.js';
import { workerPool } from '../pool/worker-pool.js';
import { runPoolFloor } from './pool-floor.js';

export interface PoolBenchOptions {
  workers: number;
  /** Busy-wait per trial, ms; one row each. */
  taskMs: number[];
  trials: number;
  /** Passed to optimize (trials asked ahead of the free workers). Default 128 × workers. */
  prefetch?: number;
  /** Passed to optimize. Default true. */
  reproducible?: boolean;
  seed?: number;
  /**
   * Trials of an untimed run before the first row (same workers, prefetch and first task size), so that the rows
   * time the loop compiled, as in a long study, rather than its first second under the JIT. Default `trials`; 0: none.
   */
  warmup?: number;
  /** Also measure the machine's floor (see runPoolFloor) for each row, right after the pool. */
  floor?: boolean;
  onRow?: (done: number) => void;
}

export interface PoolBenchRow {
  workers: number;
  taskMs: number;
  trials: number;
  prefetch: number;
  trialsPerSec: number;
  /** trialsPerSec / (workers × 1000 / taskMs): the share of the pool's capacity spent in the objective. */
  efficiency: number;
  /** With `floor`: the same measure for bare worker threads whose main thread only posts the next task. */
  floorEfficiency?: number;
}

export interface PoolBenchReport {
  /** Trials of the untimed warm-up run. */
  warmup: number;
  rows: PoolBenchRow[];
}

const OBJECTIVE = fileURLToPath(new URL('./busy-objective.js', import.meta.url));

/**
 * Throughput of the optimize loop with a worker pool: random sampler, in-memory storage, a busy-wait objective
 * in worker threads, one WorkerPool for all runs. Timed from the first claim to the last recorded result (pool
 * start-up excluded).
 */
export async function runPoolBench(o: PoolBenchOptions): Promise<PoolBenchReport> {
  const rows: PoolBenchRow[] = [];
  const prefetch = o.prefetch ?? 128 * o.workers;
  // One pool for the warm-up and every row, as a service running study after study would keep it.
  const pool = await workerPool({ module: OBJECTIVE }, { concurrency: o.workers, depth: 1 + Math.ceil(prefetch / o.workers) });
  try {
    const run = async (taskMs: number, nTrials: number) => {
      const study = await createStudy({
        space: { x: hp.uniform('x', 0, 1), ms: taskMs },
        sampler: random(),
        storage: new MemoryStorage(),
        seed: o.seed ?? 0,
      });
      await study.optimize(pool, { nTrials, prefetch, reproducible: o.reproducible ?? true });
      return study.trials();
    };
    const warmup = o.warmup ?? o.trials;
    if (warmup > 0 && o.taskMs.length > 0) await run(o.taskMs[0], warmup);
    for (const [i, taskMs] of o.taskMs.entries()) {
      const trials = await run(taskMs, o.trials);
      const start = Math.min(...trials.map((t) => t.startedAt));
      const end = Math.max(...trials.map((t) => t.finishedAt ?? 0));
      const trialsPerSec = trials.length / ((end - start) / 1000);
      rows.push({
        workers: o.workers,
        taskMs,
        trials: trials.length,
        prefetch,
        trialsPerSec: Math.round(trialsPerSec * 10) / 10,
        efficiency: Math.round((trialsPerSec / ((o.workers * 1000) / taskMs)) * 1000) / 1000,
        ...(o.floor ? { floorEfficiency: Math.round((await runPoolFloor(o.workers, taskMs, o.trials)) * 1000) / 1000 } : {}),
      });
      o.onRow?.(i + 1);
    }
    return { warmup, rows };
  } finally {
    await pool.close();
  }
}

/** `parzen bench pool`: throughput and efficiency of the worker pool. */
export function registerPoolBench(bench: Command): void {
  bench
    .command('pool')
    .description('trials per second through the worker pool (random sampler, in-memory storage, busy-wait objective)')
    .option('--workers <k>', 'worker threads', positiveInt, 2)
    .option('--task-ms <list>', 'comma-separated busy-wait per trial, ms', intList, [1, 10])
    .option('--trials <n>', 'trials per row', positiveInt, 2000)
    .option('--prefetch <n>', 'trials asked ahead of free workers (see optimize options); default 128 × workers', nonNegativeInt)
    .option('--warmup <n>', 'trials of an untimed run before the rows (the JIT compiles the loop); default: --trials', nonNegativeInt)
    .option('--floor', "also measure, beside each row, bare worker threads whose main thread only posts the next task: what this machine allows")
    .option('--json', 'print JSON: { warmup, rows: [{ workers, taskMs, trials, prefetch, trialsPerSec, efficiency, floorEfficiency? }] }')
    .action(async (o: { workers: number; taskMs: number[]; trials: number; prefetch?: number; warmup?: number; floor?: boolean; json?: boolean }) => {
      const bar = new ProgressBar(o.taskMs.length, !o.json, 'rows');
      const report = await runPoolBench({ ...o, onRow: (d) => bar.update(d) });
      bar.stop();
      if (o.json) return void process.stdout.write(`${JSON.stringify(report)}\n`);
      console.log(`worker pool, ${o.workers} workers, prefetch ${report.rows[0]?.prefetch}, after ${report.warmup} untimed trials: efficiency = trials/s / (workers × 1000 / taskMs)`);
      console.log(formatTable([
        ['workers', 'task ms', 'trials', 'trials/s', 'efficiency', ...(o.floor ? ['floor'] : [])],
        ...report.rows.map((r) => [r.workers, r.taskMs, r.trials, r.trialsPerSec, r.efficiency, ...(o.floor ? [r.floorEfficiency ?? ''] : [])]),
      ]));
    });
}
