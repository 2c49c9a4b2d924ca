import type { Command } from 'commander';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { positiveInt, nonNegativeNumber } from '../cli/args.js';
import { ProgressBar } from '../cli/progress.js';
import { formatTable } from '../cli/table.js';
import { createSampler } from '../samplers/registry.js';
import { hp } from '../space/hp.js';
import { MemoryStorage } from '../storage/memory.js';
import { createStudy } from '../study/study.js';
import { workerPool } from '../pool/worker-pool.js';
import type { BenchAnswer } from './pool-objective.js';

export type PoolBenchObjective = 'busy' | 'sleep';

/** One group of rows: raw piscina, then the full loop with each sampler, on the same objective and worker count. */
export interface PoolBenchGroup {
  objective: PoolBenchObjective;
  taskMs: number;
  workers: number;
  trials: number;
  /** Samplers of the loop rows (registry names). */
  samplers: string[];
}

export interface PoolBenchOptions {
  /** Default: DEFAULT_POOL_BENCH. */
  groups?: PoolBenchGroup[];
  /** Multiplies every group's trials (rounded up to a multiple of its workers). Default 1. */
  scale?: number;
  /**
   * Measures each group this many times, raw piscina and the loop in turn (a busy machine moves single figures a
   * lot; each loop row's ofRaw is over the raw row just before it). Default 1.
   */
  repeat?: number;
  /** The loop's prefetch (trials asked ahead of the workers), × workers. Default 1. */
  prefetchPerWorker?: number;
  seed?: number;
  onRow?: (row: PoolBenchRow) => void;
}

export interface PoolBenchRow {
  kind: 'raw-piscina' | 'loop';
  /** Which repetition (0-based; see PoolBenchOptions.repeat). */
  round: number;
  objective: PoolBenchObjective;
  taskMs: number;
  workers: number;
  /** The loop's sampler; null for raw piscina. */
  sampler: string | null;
  trials: number;
  /** trials × taskMs / (workers × wall time): the share of the workers' capacity spent on the nominal work. */
  efficiency: number;
  /** The loop's efficiency over raw piscina's of its group, measured in the same run; null for raw piscina. */
  ofRaw: number | null;
  /** Time the workers spent inside the objective (measured in the workers) / (workers × wall time). */
  busy: number;
}

/** The figures: 1 ms and 10 ms busy objectives on 2 workers; a 2 s sleeping objective on 16, with TPE and GP. */
export const DEFAULT_POOL_BENCH: readonly PoolBenchGroup[] = [
  { objective: 'busy', taskMs: 1, workers: 2, trials: 2000, samplers: ['random'] },
  { objective: 'busy', taskMs: 10, workers: 2, trials: 400, samplers: ['random'] },
  { objective: 'sleep', taskMs: 2000, workers: 16, trials: 160, samplers: ['tpe', 'gp'] },
];

const MODULE = fileURLToPath(new URL('./pool-objective.js', import.meta.url));

/**
 * Raw piscina (the objective as a piscina handler, every task submitted at once: the pool at its best, with no
 * sampler, storage or bookkeeping) and the full optimize loop (sampler, in-memory storage, the worker pool), side
 * by side. Wall time runs from the first submission (the `optimize` call) to the last result (its return); pools
 * are started and warmed up before.
 */
export async function runPoolBench(o: PoolBenchOptions = {}): Promise<PoolBenchRow[]> {
  const rows: PoolBenchRow[] = [];
  const push = (r: PoolBenchRow) => {
    rows.push(r);
    o.onRow?.(r);
  };
  for (const g of o.groups ?? DEFAULT_POOL_BENCH) {
    const trials = Math.max(g.workers, Math.ceil((g.trials * (o.scale ?? 1)) / g.workers) * g.workers);
    for (let r = 0; r < (o.repeat ?? 1); r++) {
      const raw = await runRaw(g, trials);
      push({ ...raw, round: r });
      for (const sampler of g.samplers) {
        const loop = await runLoop(g, trials, sampler, Math.round((o.prefetchPerWorker ?? 1) * g.workers), o.seed ?? 0);
        push({ ...loop, round: r, ofRaw: round(loop.efficiency / raw.efficiency) });
      }
    }
  }
  return rows;
}

async function runRaw(g: PoolBenchGroup, trials: number): Promise<PoolBenchRow> {
  const piscina = new Piscina({ filename: MODULE, name: g.objective, minThreads: g.workers, maxThreads: g.workers, idleTimeout: Infinity });
  try {
    const task = (i: number) => piscina.run({ x: i / trials, ms: g.taskMs }) as Promise<BenchAnswer>;
    await Promise.all(Array.from({ length: g.workers * 4 }, (_, i) => task(i))); // warm-up: threads up, code compiled
    const start = Date.now();
    const answers = await Promise.all(Array.from({ length: trials }, (_, i) => task(i)));
    return row('raw-piscina', g, null, trials, start, Date.now(), answers);
  } finally {
    await piscina.destroy();
  }
}

async function runLoop(g: PoolBenchGroup, trials: number, sampler: string, prefetch: number, seed: number): Promise<PoolBenchRow> {
  const pool = await workerPool({ module: MODULE, export: g.objective }, { concurrency: g.workers });
  try {
    const run = async (nTrials: number) => {
      const study = await createStudy({
        space: { x: hp.uniform('x', 0, 1), y: hp.uniform('y', 0, 1), ms: g.taskMs },
        sampler: createSampler(sampler),
        storage: new MemoryStorage(),
        seed,
      });
      const start = Date.now();
      await study.optimize(pool, { nTrials, prefetch });
      const end = Date.now();
      return { start, end, answers: (await study.trials()).map((t) => t.attrs as unknown as BenchAnswer) };
    };
    // A short untimed run first (busy objectives: the JIT compiles the loop), as in a long study.
    if (g.objective === 'busy') await run(Math.min(trials, 200));
    const { start, end, answers } = await run(trials);
    return row('loop', g, sampler, trials, start, end, answers);
  } finally {
    await pool.close();
  }
}

function row(
  kind: PoolBenchRow['kind'],
  g: PoolBenchGroup,
  sampler: string | null,
  trials: number,
  start: number,
  end: number,
  answers: readonly BenchAnswer[],
): PoolBenchRow {
  const capacity = g.workers * (end - start);
  let inside = 0;
  for (const a of answers) inside += Math.min(a.t1, end) - Math.max(a.t0, start);
  return {
    kind,
    round: 0,
    objective: g.objective,
    taskMs: g.taskMs,
    workers: g.workers,
    sampler,
    trials,
    efficiency: round((trials * g.taskMs) / capacity),
    ofRaw: null,
    busy: round(inside / capacity),
  };
}

const round = (v: number) => Math.round(v * 1000) / 1000;

/** `parzen bench pool`: raw piscina vs the full optimize loop. */
export function registerPoolBench(bench: Command): void {
  bench
    .command('pool')
    .description(
      'the optimize loop against raw piscina: busy objectives of 1 and 10 ms on 2 workers, a 2 s sleeping objective on 16 workers with TPE and GP',
    )
    .option('--scale <f>', "multiply every row's trials (e.g. 0.25 for a quick look)", nonNegativeNumber, 1)
    .option('--prefetch <k>', "the loop's prefetch, per worker", positiveInt, 1)
    .option('--repeat <k>', 'measure every group k times, raw and loop in turn (a busy machine moves single figures)', positiveInt, 1)
    .option('--json', 'print JSON: [{ kind, round, objective, taskMs, workers, sampler, trials, efficiency, ofRaw, busy }]')
    .action(async (o: { scale: number; prefetch: number; repeat: number; json?: boolean }) => {
      const total = o.repeat * DEFAULT_POOL_BENCH.reduce((n, g) => n + 1 + g.samplers.length, 0);
      const bar = new ProgressBar(total, !o.json, 'rows');
      let done = 0;
      const rows = await runPoolBench({
        scale: o.scale,
        prefetchPerWorker: o.prefetch,
        repeat: o.repeat,
        onRow: (r) => {
          bar.update(++done);
          if (!o.json && !process.stderr.isTTY)
            process.stderr.write(
              `bench pool: ${r.kind} ${r.objective} ${r.taskMs} ms × ${r.workers} ${r.sampler ?? ''} efficiency ${r.efficiency}\n`,
            );
        },
      });
      bar.stop();
      if (o.json) return void process.stdout.write(`${JSON.stringify(rows)}\n`);
      console.log(
        'efficiency = trials × taskMs / (workers × wall); busy = time inside the objective / (workers × wall); ofRaw = loop / raw piscina',
      );
      console.log(
        formatTable([
          ['kind', 'objective', 'task ms', 'workers', 'sampler', 'trials', 'efficiency', 'of raw', 'busy'],
          ...rows.map((r) => [r.kind, r.objective, r.taskMs, r.workers, r.sampler ?? '-', r.trials, r.efficiency, r.ofRaw ?? '-', r.busy]),
        ]),
      );
    });
}
