import { BROAD_SUITE, type Half } from '../bench/broad/problems.js';
import { type BroadReport, OPTUNA_SAMPLERS, runBroadSuite, type Summary } from '../bench/broad/suite.js';
import { OptionsError } from '../errors.js';
import { samplerNames } from '../samplers/registry.js';
import { samplerFromFlags } from './algo-flags.js';
import { ProgressBar } from './progress.js';
import { formatTable } from './table.js';

/** median [q25, q75], and the number of seeds when it is not the run's. */
const fmt = (s: Summary | undefined, seeds: number) =>
  s ? `${s.median.toPrecision(3)} [${s.q25.toPrecision(2)}, ${s.q75.toPrecision(2)}]${s.n === seeds ? '' : ` (${s.n})`}` : '-';

/** `parzen bench suite --suite broad`: per problem our median and quartiles beside Optuna's, then the tallies. */
export async function broadSuite(o: {
  algo: string;
  algoOptions?: Record<string, unknown>;
  half: string;
  cache?: string;
  seeds: number;
  only?: string;
  budgetScale?: number;
  repeats?: { top: number; repeats: number };
  json?: boolean;
}): Promise<void> {
  const algos = o.algo.split(',').map((a) => a.trim());
  for (const a of algos) {
    if (!samplerNames().includes(a)) throw new OptionsError(`--algo ${JSON.stringify(a)} is not one of ${samplerNames().join(', ')}`);
    samplerFromFlags(a, o.algoOptions);
  }
  if (!['tuning', 'checking', 'all'].includes(o.half))
    throw new OptionsError(`--half ${JSON.stringify(o.half)} is not one of tuning, checking, all`);
  const only = o.only?.split(',');
  for (const f of only ?? [])
    if (!BROAD_SUITE.some((p) => p.name === f)) throw new OptionsError(`--only: ${JSON.stringify(f)} is not in the broad suite`);
  const tty = process.stderr.isTTY && !o.json;
  let bar: ProgressBar | null = null;
  const report = await runBroadSuite({
    algos: algos.map((algo) => ({ algo, options: o.algoOptions ?? {} })),
    half: o.half as Half | 'all',
    seeds: o.seeds,
    only,
    cache: o.cache,
    budgetScale: o.budgetScale,
    repeats: o.repeats,
    onRun: (done, total, r) => {
      if (tty) (bar ??= new ProgressBar(total, true, 'runs')).update(done);
      else if (!o.json) process.stderr.write(`[${done}/${total}] ${r.algo} on ${r.problem}: ${r.seconds.toFixed(1)} s\n`);
    },
  });
  (bar as ProgressBar | null)?.stop();
  if (o.json) return void process.stdout.write(`${JSON.stringify(report)}\n`);
  printBroad(report);
}

export function printBroad(report: BroadReport): void {
  console.log(
    `broad suite (${report.half}), median final regret [q25, q75] over ${report.seeds} seeds (other counts in parentheses); Optuna ${report.optuna}`,
  );
  console.log(
    formatTable([
      ['problem', 'half', 'budget', ...report.algos, ...OPTUNA_SAMPLERS.map((s) => `optuna ${s}`), 'p worse'],
      ...report.rows.map((r) => [
        r.problem,
        r.half,
        r.budget,
        ...report.algos.map((a) => fmt(r.ours[a], report.seeds)),
        ...OPTUNA_SAMPLERS.map((s) => fmt(r.optuna[s], report.seeds)),
        r.vsOptunaTpe ? r.vsOptunaTpe.pWorse.toFixed(3) : '-',
      ]),
    ]),
  );
  const t = report.tallies;
  const f = t.firstVsOptunaTpe;
  // (no Optuna columns with --budget-scale: nothing to tally against)
  if (f.problems > 0)
    console.log(
      `${report.algos[0]} vs optuna tpe: lower on ${f.lower}/${f.problems}, worse (p < 0.05) on ${f.worse.length}${f.worse.length ? ` (${f.worse.join(', ')})` : ''}: target ${f.targetMet ? 'met' : 'not met'}`,
    );
  const b = t.bestVsBestOptuna;
  if (b.problems > 0)
    console.log(
      `best of ours vs best of optuna: beats on ${b.beats}/${b.problems}${b.lost.length ? ` (not on ${b.lost.join(', ')})` : ''}`,
    );
  for (const [p, by] of Object.entries(t.optimalBranch))
    console.log(
      `optimal branch, ${p}: ${Object.entries(by)
        .map(([k, v]) => `${k} ${Math.round(v * 100)}%`)
        .join(', ')}`,
    );
  const ratios = (label: string, table: Record<string, Record<string, number>>) => {
    for (const [p, by] of Object.entries(table))
      console.log(
        `${label}, ${p}: ${Object.entries(by)
          .map(([k, v]) => `${k} ${v.toFixed(2)}`)
          .join(', ')}`,
      );
  };
  ratios('recommended / best evaluated regret', t.noisyRecommendation);
  const r = report.repeats;
  if (r) ratios(`after ${r.top} × ${r.repeats} repeats, recommended / best evaluated regret`, t.noisyRecommendationAfterRepeats);
}
