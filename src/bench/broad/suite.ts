import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { median, quantile } from '../../stats.js';
import { mannWhitneyGreater } from './mann-whitney.js';
import reference from './optuna-reference.json' with { type: 'json' };
import { BROAD_SUITE, type BroadProblem, type Half } from './problems.js';
import { type ProblemRuns, runProblem } from './run.js';
import type { RepeatOptions } from '../../study/repeats.js';

export const OPTUNA_SAMPLERS = ['tpe', 'tpe-mv', 'cmaes', 'random'] as const;
export type OptunaSampler = (typeof OPTUNA_SAMPLERS)[number];

interface OptunaRuns {
  /** The seeds run (0..9 when complete). */
  seeds?: number[];
  regret: number[];
  bestEvaluatedRegret?: number[];
  repeatedRegret?: number[];
  optimalBranch?: boolean[];
}
/** Optuna 3.1's per-seed results (bench/optuna/broad_optuna.py), by problem and sampler. */
export const OPTUNA_REFERENCE = reference as unknown as {
  optuna: string;
  problems: Record<string, Partial<Record<OptunaSampler, OptunaRuns>>>;
};

export interface Summary {
  /** Number of seeds. */
  n: number;
  median: number;
  q25: number;
  q75: number;
  /** Conditional problems: fraction of seeds whose recommendation lies in the optimal branch. */
  optimalBranch?: number;
  /** Noisy problems: median over seeds of (regret of the recommendation) / (regret of the best point evaluated). */
  recommendedOverBest?: number;
  /** The same after the repeats (`runBroadSuite`'s `repeats`). */
  afterRepeatsOverBest?: number;
}

function summarize(r: OptunaRuns): Summary {
  const s: Summary = { n: r.regret.length, median: median(r.regret), q25: quantile(r.regret, 0.25), q75: quantile(r.regret, 0.75) };
  if (r.optimalBranch) s.optimalBranch = r.optimalBranch.filter(Boolean).length / r.optimalBranch.length;
  if (r.bestEvaluatedRegret) {
    const b = r.bestEvaluatedRegret;
    const overBest = (regret: number[]) => median(regret.map((v, i) => (b[i] > 0 ? v / b[i] : v > 0 ? Infinity : 1)));
    s.recommendedOverBest = overBest(r.regret);
    if (r.repeatedRegret) s.afterRepeatsOverBest = overBest(r.repeatedRegret);
  }
  return s;
}

export interface AlgoSpec {
  algo: string;
  options: Record<string, unknown>;
}
const specKey = (s: AlgoSpec) => (Object.keys(s.options).length ? `${s.algo} ${JSON.stringify(s.options)}` : s.algo);

export interface BroadRow {
  problem: string;
  half: Half;
  family: string;
  dim: number;
  budget: number;
  noise: number;
  /** Per algorithm of ours (keyed `algo` or `algo {options}`). */
  ours: Record<string, Summary>;
  /** Per algorithm of ours: the final regret of each seed. */
  seedRegrets: Record<string, number[]>;
  optuna: Partial<Record<OptunaSampler, Summary>>;
  /** The first algorithm against Optuna's (univariate, default) TPE. */
  vsOptunaTpe: { pWorse: number; worse: boolean; lower: boolean } | null;
  /** Best of ours (lowest median) against the best Optuna sampler. */
  best: { ours: string; optuna: string; beats: boolean } | null;
}

export interface BroadReport {
  suite: 'broad';
  half: Half | 'all';
  seeds: number;
  algos: string[];
  optuna: string;
  /** The repeats evaluated on the noisy problems after their budget, if any. */
  repeats?: Required<RepeatOptions>;
  rows: BroadRow[];
  tallies: {
    /** The first algorithm vs Optuna's TPE: problems where it is worse (one-sided Mann–Whitney, p < 0.05) and lower. */
    firstVsOptunaTpe: { problems: number; worse: string[]; lower: number; lowerFraction: number; targetMet: boolean };
    /** Best of the listed algorithms vs the best Optuna sampler (target: ≥ 90%). */
    bestVsBestOptuna: { problems: number; beats: number; fraction: number; lost: string[] };
    /** Per conditional problem: fraction of seeds ending in the optimal branch, for each algorithm and Optuna sampler. */
    optimalBranch: Record<string, Record<string, number>>;
    /** Per noisy problem: median over seeds of recommended / best-evaluated regret (target ≤ 1.5). */
    noisyRecommendation: Record<string, Record<string, number>>;
    /** The same after the repeats, for each algorithm of ours (empty without repeats). */
    noisyRecommendationAfterRepeats: Record<string, Record<string, number>>;
  };
}

function cachePath(
  dir: string,
  spec: AlgoSpec,
  problem: string,
  seeds: number,
  noisy: boolean | 'auto',
  scale: number,
  repeats?: Required<RepeatOptions>,
): string {
  const h = createHash('sha1').update(JSON.stringify(spec.options)).digest('hex').slice(0, 8);
  // (r2: recommend noise-aware; results of other versions are not reused)
  const variant = `${scale === 1 ? '' : `-x${scale}`}${noisy === false ? '-best' : ''}${repeats ? `-r${repeats.top}x${repeats.repeats}` : ''}`;
  return join(dir, `r2-${spec.algo}-${h}-${problem}-s${seeds}${variant}.json`);
}

/** Runs (or reads from `cache`) each algorithm on each selected problem, and compares with Optuna's reference. */
export async function runBroadSuite(o: {
  algos: AlgoSpec[];
  half?: Half | 'all';
  seeds: number;
  only?: string[];
  cache?: string;
  /** What the noiseless problems' studies are told (StudyOptions.noisy); the noisy problems declare their noise. */
  noiselessAs?: false | 'auto';
  /**
   * Every problem's budget times this (default 1), e.g. to see whether a sampler that ends in a worse branch is stuck
   * there for good. Optuna's reference was run at the suite's budgets, so it is left out of the comparison unless 1.
   */
  budgetScale?: number;
  /** Noisy problems: after the budget, the top configurations evaluated again and recommended from (a second ratio). */
  repeats?: Required<RepeatOptions>;
  onRun?: (done: number, total: number, runs: ProblemRuns) => void;
}): Promise<BroadReport> {
  const half = o.half ?? 'all';
  const scale = o.budgetScale ?? 1;
  const problems = BROAD_SUITE.filter((p) => (half === 'all' || p.half === half) && (!o.only || o.only.includes(p.name))).map((p) =>
    scale === 1 ? p : { ...p, budget: Math.max(1, Math.round(p.budget * scale)) },
  );
  if (o.cache) mkdirSync(o.cache, { recursive: true });
  const runs = new Map<string, ProblemRuns>();
  let done = 0;
  for (const p of problems) {
    for (const spec of o.algos) {
      const noisy = p.noise > 0 ? true : (o.noiselessAs ?? 'auto');
      const repeats = p.noise > 0 ? o.repeats : undefined;
      const file = o.cache ? cachePath(o.cache, spec, p.name, o.seeds, noisy, scale, repeats) : null;
      let r: ProblemRuns | null = null;
      if (file) {
        try {
          r = JSON.parse(readFileSync(file, 'utf8')) as ProblemRuns;
        } catch {
          r = null;
        }
      }
      if (!r) {
        r = await runProblem(p, spec.algo, spec.options, o.seeds, noisy, repeats);
        if (file) {
          writeFileSync(`${file}.tmp`, JSON.stringify(r));
          renameSync(`${file}.tmp`, file);
        }
      }
      runs.set(`${specKey(spec)}|${p.name}`, r);
      o.onRun?.(++done, problems.length * o.algos.length, r);
    }
  }
  const report = compare(problems, o.algos, runs, o.seeds, half, scale === 1);
  return o.repeats ? { ...report, repeats: o.repeats } : report;
}

function compare(
  problems: BroadProblem[],
  algos: AlgoSpec[],
  runs: Map<string, ProblemRuns>,
  seeds: number,
  half: Half | 'all',
  withOptuna: boolean,
): BroadReport {
  const rows: BroadRow[] = problems.map((p) => {
    const ours: Record<string, Summary> = {};
    const seedRegrets: Record<string, number[]> = {};
    for (const spec of algos) {
      const r = runs.get(`${specKey(spec)}|${p.name}`) as ProblemRuns;
      ours[specKey(spec)] = summarize(r);
      seedRegrets[specKey(spec)] = r.regret;
    }
    const ref = (withOptuna && OPTUNA_REFERENCE.problems[p.name]) || {};
    const optuna: Partial<Record<OptunaSampler, Summary>> = {};
    for (const s of OPTUNA_SAMPLERS) if (ref[s]) optuna[s] = summarize(ref[s]);
    const first = runs.get(`${specKey(algos[0])}|${p.name}`) as ProblemRuns;
    let vsOptunaTpe: BroadRow['vsOptunaTpe'] = null;
    if (ref.tpe) {
      const pWorse = mannWhitneyGreater(first.regret, ref.tpe.regret);
      vsOptunaTpe = { pWorse, worse: pWorse < 0.05, lower: median(first.regret) < median(ref.tpe.regret) };
    }
    let best: BroadRow['best'] = null;
    const optunaBest = Object.entries(optuna).sort((a, b) => a[1].median - b[1].median)[0];
    if (optunaBest) {
      const oursBest = Object.entries(ours).sort((a, b) => a[1].median - b[1].median)[0];
      best = { ours: oursBest[0], optuna: optunaBest[0], beats: oursBest[1].median < optunaBest[1].median };
    }
    return {
      problem: p.name,
      half: p.half,
      family: p.family,
      dim: p.dim,
      budget: p.budget,
      noise: p.noise,
      ours,
      seedRegrets,
      optuna,
      vsOptunaTpe,
      best,
    };
  });
  const compared = rows.filter((r) => r.vsOptunaTpe);
  const lower = compared.filter((r) => r.vsOptunaTpe?.lower).length;
  const worse = compared.filter((r) => r.vsOptunaTpe?.worse).map((r) => r.problem);
  const withBest = rows.filter((r) => r.best);
  const beats = withBest.filter((r) => r.best?.beats).length;
  const optimalBranch: Record<string, Record<string, number>> = {};
  const noisyRecommendation: Record<string, Record<string, number>> = {};
  const noisyRecommendationAfterRepeats: Record<string, Record<string, number>> = {};
  for (const r of rows) {
    const all = { ...r.ours, ...Object.fromEntries(Object.entries(r.optuna).map(([k, v]) => [`optuna ${k}`, v])) };
    if (r.family === 'conditional')
      optimalBranch[r.problem] = Object.fromEntries(Object.entries(all).map(([k, v]) => [k, v.optimalBranch ?? NaN]));
    if (r.noise > 0) {
      noisyRecommendation[r.problem] = Object.fromEntries(Object.entries(all).map(([k, v]) => [k, v.recommendedOverBest ?? NaN]));
      const repeated = Object.entries(r.ours).filter(([, v]) => v.afterRepeatsOverBest !== undefined);
      if (repeated.length)
        noisyRecommendationAfterRepeats[r.problem] = Object.fromEntries(repeated.map(([k, v]) => [k, v.afterRepeatsOverBest!]));
    }
  }
  return {
    suite: 'broad',
    half,
    seeds,
    algos: algos.map(specKey),
    optuna: OPTUNA_REFERENCE.optuna,
    rows,
    tallies: {
      firstVsOptunaTpe: {
        problems: compared.length,
        worse,
        lower,
        lowerFraction: compared.length ? lower / compared.length : NaN,
        targetMet: worse.length === 0 && lower * 3 >= 2 * compared.length,
      },
      bestVsBestOptuna: {
        problems: withBest.length,
        beats,
        fraction: withBest.length ? beats / withBest.length : NaN,
        lost: withBest.filter((r) => !r.best?.beats).map((r) => r.problem),
      },
      optimalBranch,
      noisyRecommendation,
      noisyRecommendationAfterRepeats,
    },
  };
}
