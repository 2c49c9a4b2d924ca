import { performance } from 'node:perf_hooks';
import { OptionsError } from '../errors.js';
import { hypervolume } from '../samplers/moo/hypervolume.js';
import { paretoFront } from '../samplers/moo/pareto.js';
import { createSampler } from '../samplers/registry.js';
import { median, quantile } from '../stats.js';
import { createStudy } from '../study/study.js';
import type { Direction } from '../trial/trial.js';
import { MOO_PROBLEMS, type MooProblem } from './moo-problems.js';
import { OPTUNA_MOO } from './optuna-moo.js';

/** One row of `parzen bench moo --json`: a library's sampler on a problem, the hypervolume over the seeds. */
export interface MooRow {
  library: 'parzen' | 'optuna';
  sampler: string;
  problem: string;
  trials: number;
  hypervolume: { median: number; q25: number; q75: number };
  /** Each seed's final hypervolume (seeds 0..k-1). */
  perSeed?: number[];
  /** parzen: median milliseconds of one `study.ask()` over every ask of the runs. */
  askMs?: number;
}

export interface MooReport {
  seeds: number;
  /** Per problem: its dimension, objectives, reference point and budget. */
  problems: { name: string; dim: number; objectives: number; ref: readonly number[]; trials: number; constrained: boolean }[];
  /** NSGA-II's ask at a population of 50 (ZDT1, 30-D): median milliseconds per `study.ask()` (target < 1 ms). */
  nsga2AskMs: number | null;
  rows: MooRow[];
}

export interface MooBenchOptions {
  seeds: number;
  /** parzen samplers (registry names) to run; each must work on several objectives. */
  samplers: readonly string[];
  /** Subset of the problems' names (default: all). */
  problems?: readonly string[];
  /** Trials per run instead of each problem's own budget. */
  trials?: number;
  /** Optuna's rows to merge (bench/moo_optuna.py's output); default: the committed ones where problem and trials match. */
  optuna?: { seeds: number; rows: readonly MooRow[] } | null;
  onRun?: (done: number, total: number) => void;
}

/**
 * One run: `sampler` on `problem` for `trials` trials asked one at a time (seed `seed`), the hypervolume of its feasible
 * Pareto front against the problem's reference point at the end, and how long each ask took.
 */
export async function mooRun(
  problem: MooProblem,
  sampler: string,
  seed: number,
  trials: number,
): Promise<{ hypervolume: number; askMs: number[] }> {
  const directions: Direction[] = Array.from({ length: problem.objectives }, () => 'minimize');
  const constraints = problem.constraints;
  const study = await createStudy({
    space: problem.space(),
    directions,
    sampler: createSampler(sampler, {}),
    seed,
    ...(constraints ? { constraints: (_c: unknown, values: number | readonly number[]) => constraints(values as number[]) } : {}),
  });
  const askMs: number[] = [];
  for (let i = 0; i < trials; i++) {
    const start = performance.now();
    const [t] = await study.ask();
    askMs.push(performance.now() - start);
    await study.tell(t.number, problem.evaluate(t.config));
  }
  const front = paretoFront(directions, await study.trials());
  return {
    hypervolume: hypervolume(
      front.map((t) => t.values as number[]),
      problem.ref,
    ),
    askMs,
  };
}

export async function runMooBench(o: MooBenchOptions): Promise<MooReport> {
  const problems = o.problems ? o.problems.map(problemNamed) : MOO_PROBLEMS;
  for (const s of o.samplers) {
    if (createSampler(s, {}).multiObjective !== true) throw new OptionsError(`--samplers: ${s} optimizes one objective`);
  }
  const rows: MooRow[] = [];
  const total = problems.length * o.samplers.length * o.seeds;
  let done = 0;
  let nsga2AskMs: number | null = null;
  for (const problem of problems) {
    const trials = o.trials ?? problem.budget;
    for (const sampler of o.samplers) {
      const hvs: number[] = [];
      const asks: number[] = [];
      for (let seed = 0; seed < o.seeds; seed++) {
        const r = await mooRun(problem, sampler, seed, trials);
        hvs.push(r.hypervolume);
        asks.push(...r.askMs);
        o.onRun?.(++done, total);
      }
      rows.push({
        library: 'parzen',
        sampler,
        problem: problem.name,
        trials,
        hypervolume: summary(hvs),
        perSeed: hvs,
        askMs: median(asks),
      });
    }
  }
  if (o.samplers.includes('nsga2')) nsga2AskMs = await nsga2Ask();
  const optuna = o.optuna === undefined ? OPTUNA_MOO : o.optuna;
  if (optuna) {
    for (const p of problems) {
      const trials = o.trials ?? p.budget;
      rows.push(...optuna.rows.filter((r) => r.problem === p.name && r.trials === trials));
    }
  }
  return {
    seeds: o.seeds,
    problems: problems.map((p) => ({
      name: p.name,
      dim: p.dim,
      objectives: p.objectives,
      ref: p.ref,
      trials: o.trials ?? p.budget,
      constrained: !!p.constraints,
    })),
    nsga2AskMs,
    rows,
  };
}

/** NSGA-II's ask at its default population of 50 on ZDT1 (30-D): the median over 500 asks after the first generation. */
async function nsga2Ask(): Promise<number> {
  const problem = problemNamed('zdt1');
  const r = await mooRun(problem, 'nsga2', 0, 550);
  return median(r.askMs.slice(50));
}

function problemNamed(name: string): MooProblem {
  const p = MOO_PROBLEMS.find((q) => q.name === name);
  if (!p) throw new OptionsError(`--problems: ${JSON.stringify(name)} is not one of ${MOO_PROBLEMS.map((q) => q.name).join(', ')}`);
  return p;
}

function summary(values: readonly number[]): MooRow['hypervolume'] {
  return { median: median(values), q25: quantile(values, 0.25), q75: quantile(values, 0.75) };
}
