import type { Command } from 'commander';
import { FUNCTION_NAMES } from '../bench/functions.js';
import { registerPoolBench } from '../bench/pool.js';
import { runQuality } from '../bench/quality.js';
import { runSpeed } from '../bench/speed.js';
import { REFERENCE_SUITE, runSuite } from '../bench/suite.js';
import { registerServeBench } from '../bench/serve.js';
import { registerStorageBench } from '../bench/storage.js';
import { broadSuite } from './bench-broad.js';
import { OptionsError } from '../errors.js';
import { samplerNames } from '../samplers/registry.js';
import { samplerFromFlags } from './algo-flags.js';
import { examples, intList, jsonObject, nonNegativeNumber, positiveInt, positiveNumber, repeatsSpec } from './args.js';
import { ProgressBar } from './progress.js';
import { formatTable } from './table.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { CURVE_FAMILIES, type CurveFamily } from '../bench/learning-curves.js';
import { PRUNERS, type PruningRow, runPruningBench } from '../bench/pruning.js';
import { benchPlotHtml, qualityPlotData, speedPlotData } from '../report/bench-plot.js';
import { registerMooBench } from './bench-moo.js';

/** `--algo a,b,c` of the commands that compare algorithms: each name checked. */
function algoList(value: string): string[] {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (names.length === 0) throw new OptionsError('--algo must name at least one algorithm');
  for (const a of names) checkAlgo(a);
  return names;
}

function writePlot(file: string, html: string, quiet: boolean): void {
  writeFileSync(file, html);
  if (!quiet) console.log(`plot written to ${file} (${(Buffer.byteLength(html) / 1024).toFixed(0)} KiB)`);
}

function checkAlgo(algo: string): void {
  if (!samplerNames().includes(algo)) throw new OptionsError(`--algo ${JSON.stringify(algo)} is not one of ${samplerNames().join(', ')}`);
}
function checkFunc(func: string): void {
  if (!FUNCTION_NAMES.includes(func)) throw new OptionsError(`--func ${JSON.stringify(func)} is not one of ${FUNCTION_NAMES.join(', ')}`);
}

export function registerBench(program: Command): void {
  const bench = program
    .command('bench')
    .description('benchmark the samplers on the standard test functions')
    .addHelpText(
      'after',
      examples(
        'parzen bench quality --algo tpe,random --func branin --seeds 5 --plot branin.html',
        'parzen bench speed --algo tpe',
        'parzen bench quality --help                # the flags of one benchmark',
      ),
    );
  registerStorageBench(bench);
  registerPoolBench(bench);
  registerServeBench(bench);
  registerMooBench(bench);

  bench
    .command('quality')
    .description('final regret of one or more algorithms on a test function over several seeds')
    .requiredOption('--algo <names>', `algorithm, or a comma-separated list to compare: ${samplerNames().join(', ')}`)
    .option('--algo-options <json>', 'options of the algorithm as a JSON object', jsonObject)
    .requiredOption('--func <name>', `test function: ${FUNCTION_NAMES.join(', ')}`)
    .option('--dim <d>', 'dimension, for the functions that take one', positiveInt)
    .option('--trials <n>', 'trials per seed', positiveInt, 100)
    .option('--seeds <k>', 'number of seeds (0..k-1)', positiveInt, 10)
    .option('--noise <sd>', 'add Gaussian noise of this standard deviation to every evaluation', nonNegativeNumber, 0)
    .option('--plot <file>', 'also write an HTML plot: best-so-far regret per trial, one line per algorithm, quartile bands')
    .option('--json', 'print JSON (several algorithms: { reports: [...] })')
    .action(
      async (o: {
        algo: string;
        algoOptions?: Record<string, unknown>;
        func: string;
        dim?: number;
        trials: number;
        seeds: number;
        noise: number;
        plot?: string;
        json?: boolean;
      }) => {
        const algos = algoList(o.algo);
        for (const algo of algos) samplerFromFlags(algo, o.algoOptions);
        checkFunc(o.func);
        const reports = [];
        for (const algo of algos) {
          const bar = new ProgressBar(o.seeds, !o.json, algos.length > 1 ? `seeds (${algo})` : 'seeds');
          const report = await runQuality({ ...o, algo, onSeed: (d) => bar.update(d) });
          bar.stop();
          reports.push(report);
          if (o.json) continue;
          console.log(
            `${report.algo} on ${report.func} (d=${report.dim}), ${report.trials} trials, ${report.seeds} seeds${report.noise ? `, noise ${report.noise}` : ''}`,
          );
          console.log(formatTable([['seed', 'best', 'regret'], ...report.perSeed.map((s) => [s.seed, s.best, s.regret])]));
          const r = report.finalRegret;
          console.log(`final regret: median ${r.median.toPrecision(4)}  (q25 ${r.q25.toPrecision(4)}, q75 ${r.q75.toPrecision(4)})`);
        }
        if (o.plot) writePlot(o.plot, benchPlotHtml(qualityPlotData(reports)), !!o.json);
        if (o.json) process.stdout.write(`${JSON.stringify(reports.length === 1 ? reports[0] : { reports })}\n`);
      },
    );

  bench
    .command('pruning')
    .description('learning curves with known final values: median final regret and steps spent per pruner, beside Optuna 3.1')
    .option('--seeds <k>', 'number of seeds (0..k-1)', positiveInt, 10)
    .option('--budget <steps>', 'steps (one unit each) every run may spend; pruners also run at 35% of it', positiveInt, 3000)
    .option('--pruners <list>', `comma-separated subset of: ${Object.keys(PRUNERS).join(', ')}`, Object.keys(PRUNERS).join(','))
    .option('--algo <name>', 'the sampler', 'tpe')
    .option(
      '--curves <family>',
      `learning curves: ${CURVE_FAMILIES.join(' (the default) or ')} (the control: curves that never cross)`,
      'crossing',
    )
    .option(
      '--optuna <file.json>',
      "Optuna's rows from a fresh `/usr/bin/python3 bench/pruning_optuna.py` run (default: the committed ones)",
    )
    .option('--json', 'print JSON: { rows: [{ library, pruner, sampler, budget, steps, trials, regret: { median, q25, q75 } }] }')
    .action(
      async (o: { seeds: number; budget: number; pruners: string; algo: string; curves: string; optuna?: string; json?: boolean }) => {
        checkAlgo(o.algo);
        if (!CURVE_FAMILIES.includes(o.curves as CurveFamily))
          throw new OptionsError(`--curves: ${JSON.stringify(o.curves)} is not one of ${CURVE_FAMILIES.join(', ')}`);
        const pruners = o.pruners.split(',').map((p) => p.trim());
        for (const p of pruners)
          if (!(p in PRUNERS)) throw new OptionsError(`--pruners: ${JSON.stringify(p)} is not one of ${Object.keys(PRUNERS).join(', ')}`);
        const optuna = o.optuna ? (JSON.parse(readFileSync(o.optuna, 'utf8')) as { budget: number; rows: PruningRow[] }) : undefined;
        let bar: ProgressBar | null = null;
        const report = await runPruningBench({
          seeds: o.seeds,
          budget: o.budget,
          pruners,
          sampler: o.algo,
          curves: o.curves as CurveFamily,
          optuna,
          onRun: (done, total) => (bar ??= new ProgressBar(total, !o.json, 'runs')).update(done),
        });
        (bar as ProgressBar | null)?.stop();
        if (o.json) return void process.stdout.write(`${JSON.stringify(report)}\n`);
        const ms = report.reportMs;
        console.log(
          `an awaited report costs ${ms.inProcess.none.toFixed(3)} ms in this thread (${ms.inProcess.median.toFixed(3)} with the median pruner), ${ms.worker.none.toFixed(3)} ms in a worker (${ms.worker.median.toFixed(3)})`,
        );
        console.log(
          `${report.curves} learning curves of ${report.steps} steps, ${report.seeds} seeds, budget ${report.budget} steps; final regret (known final value − ${report.optimum.toFixed(4)})`,
        );
        console.log(
          formatTable([
            ['library', 'pruner', 'sampler', 'budget', 'steps', 'trials', 'regret median', 'q25', 'q75'],
            ...report.rows.map((r) => [
              r.library,
              r.pruner,
              r.sampler,
              r.budget,
              r.steps,
              r.trials,
              r.regret.median.toPrecision(3),
              r.regret.q25.toPrecision(3),
              r.regret.q75.toPrecision(3),
            ]),
          ]),
        );
      },
    );

  bench
    .command('suite')
    .description("median final regret on a suite of problems, beside Optuna 3.1.0's")
    .requiredOption(
      '--algo <name>',
      `algorithm: ${samplerNames().join(', ')}; with --suite broad a comma-separated list (the first is tested against Optuna's TPE, the best of all against Optuna's best)`,
    )
    .option(
      '--algo-options <json>',
      'options of the algorithm as a JSON object (of every listed algorithm, with --suite broad)',
      jsonObject,
    )
    .option('--suite <name>', 'reference (the six problems of functions.ts) or broad (28 problems, docs/benchmarks.md)', 'reference')
    .option('--half <half>', 'broad suite: tuning, checking or all', 'all')
    .option('--cache <dir>', 'broad suite: keep each (algorithm, options, problem) result in this directory and reuse it')
    .option('--seeds <k>', 'number of seeds (0..k-1)', positiveInt, 10)
    .option('--only <list>', "comma-separated subset of the suite's problems")
    .option(
      '--budget-scale <k>',
      "broad suite: every problem's budget times k (Optuna's reference, run at the suite's budgets, is then left out)",
      positiveNumber,
      1,
    )
    .option(
      '--repeats <TOPxN>',
      'broad suite, noisy problems: after the budget, evaluate the top TOP configurations N more times (study.enqueueRepeats) and report the recommendation after them too',
      repeatsSpec,
    )
    .option('--json', 'print JSON')
    .action(
      async (o: {
        algo: string;
        algoOptions?: Record<string, unknown>;
        suite: string;
        half: string;
        cache?: string;
        seeds: number;
        only?: string;
        budgetScale: number;
        repeats?: { top: number; repeats: number };
        json?: boolean;
      }) => {
        if (o.suite === 'broad') return broadSuite(o);
        if (o.suite !== 'reference') throw new OptionsError(`--suite ${JSON.stringify(o.suite)} is not one of reference, broad`);
        if (o.budgetScale !== 1) throw new OptionsError('--budget-scale works with --suite broad');
        if (o.repeats) throw new OptionsError('--repeats works with --suite broad');
        checkAlgo(o.algo);
        samplerFromFlags(o.algo, o.algoOptions);
        const only = o.only?.split(',');
        for (const f of only ?? [])
          if (!REFERENCE_SUITE.some((p) => p.func === f)) throw new OptionsError(`--only: ${JSON.stringify(f)} is not in the suite`);
        const bar = new ProgressBar(only?.length ?? REFERENCE_SUITE.length, !o.json, 'problems');
        const report = await runSuite({ ...o, only, onProblem: (d) => bar.update(d) });
        bar.stop();
        if (o.json) return void process.stdout.write(`${JSON.stringify(report)}\n`);
        console.log(`${report.algo} ${JSON.stringify(report.algoOptions)}: median final regret over ${report.seeds} seeds`);
        console.log(
          formatTable([
            ['problem', 'trials', 'parzen', 'optuna tpe', 'optuna tpe mv', 'optuna cmaes', 'optuna random'],
            ...report.rows.map((r) => [
              `${r.func}${r.dim > 2 && r.func !== 'hartmann6' ? ` ${r.dim}` : ''}`,
              r.trials,
              r.finalRegret.median,
              r.optuna.tpe,
              r.optuna.tpeMultivariate,
              r.optuna.cmaes,
              r.optuna.random,
            ]),
          ]),
        );
      },
    );

  bench
    .command('speed')
    .description('time of one ask against the number of trials and the dimension, for one or more algorithms')
    .requiredOption('--algo <names>', `algorithm, or a comma-separated list to compare: ${samplerNames().join(', ')}`)
    .option('--algo-options <json>', 'options of the algorithm as a JSON object', jsonObject)
    .option('--dims <list>', 'comma-separated dimensions', intList, [2, 10, 50])
    .option('--trials <n>', 'trials per dimension', positiveInt, 1000)
    .option('--func <name>', 'test function', 'sphere')
    .option('--plot <file>', 'also write an HTML plot: time per ask against n and against the dimension, one line per algorithm')
    .option('--json', 'print JSON (several algorithms: { reports: [...] })')
    .action(
      async (o: {
        algo: string;
        algoOptions?: Record<string, unknown>;
        dims: number[];
        trials: number;
        func: string;
        plot?: string;
        json?: boolean;
      }) => {
        const algos = algoList(o.algo);
        for (const algo of algos) samplerFromFlags(algo, o.algoOptions);
        checkFunc(o.func);
        const reports = [];
        for (const algo of algos) {
          const bar = new ProgressBar(o.dims.length, !o.json, algos.length > 1 ? `dims (${algo})` : 'dims');
          const report = await runSpeed({ ...o, algo, onDim: (d) => bar.update(d) });
          bar.stop();
          reports.push(report);
          if (o.json) continue;
          console.log(`${report.algo} on ${report.func}: ms per ask (median around trial n)`);
          console.log(
            formatTable([
              ['dim', 'trials', 'n=100', 'n=500', 'n=1000', 'total s'],
              ...report.rows.map((r) => [r.dim, r.trials, r.askMs.at100, r.askMs.at500, r.askMs.at1000, r.totalS]),
            ]),
          );
        }
        if (o.plot) writePlot(o.plot, benchPlotHtml(speedPlotData(reports)), !!o.json);
        if (o.json) process.stdout.write(`${JSON.stringify(reports.length === 1 ? reports[0] : { reports })}\n`);
      },
    );
}
