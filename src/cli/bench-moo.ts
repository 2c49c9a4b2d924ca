import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { type MooRow, runMooBench } from '../bench/moo.js';
import { MOO_PROBLEMS } from '../bench/moo-problems.js';
import { OptionsError } from '../errors.js';
import { createSampler, samplerNames } from '../samplers/registry.js';
import { positiveInt } from './args.js';
import { ProgressBar } from './progress.js';
import { formatTable } from './table.js';

/**
 * The registered samplers that work on several objectives, but grid (it enumerates, it does not search), motpe
 * (what tpe runs on several objectives) and gp (a run of 200 trials takes minutes: ask for it with --samplers).
 */
function mooSamplers(): string[] {
  return samplerNames().filter((n) => !['grid', 'motpe', 'gp'].includes(n) && createSampler(n, {}).multiObjective === true);
}

/** `parzen bench moo`: hypervolume on ZDT1–3, DTLZ2, C2-DTLZ2 and nas-digits per sampler, beside Optuna 3.1's. */
export function registerMooBench(bench: Command): void {
  bench
    .command('moo')
    .description(
      'multi-objective: final hypervolume on ZDT1-3 (30-D), DTLZ2 and C2-DTLZ2 (3 objectives) and nas-digits (a tabular architecture search) per sampler, beside Optuna 3.1',
    )
    .option('--seeds <k>', 'number of seeds (0..k-1)', positiveInt, 10)
    .option('--samplers <list>', `comma-separated samplers (default: ${mooSamplers().join(',')}; gp is slower: name it)`)
    .option('--problems <list>', `comma-separated subset of: ${MOO_PROBLEMS.map((p) => p.name).join(', ')}`)
    .option('--trials <n>', "trials per run (default: each problem's budget)", positiveInt)
    .option('--optuna <file.json>', "Optuna's rows from a fresh `/usr/bin/python3 bench/moo_optuna.py` run (default: the committed ones)")
    .option(
      '--json',
      'print JSON: { seeds, problems, nsga2AskMs, rows: [{ library, sampler, problem, trials, hypervolume: { median, q25, q75 } }] }',
    )
    .action(async (o: { seeds: number; samplers?: string; problems?: string; trials?: number; optuna?: string; json?: boolean }) => {
      const samplers = o.samplers ? splitList(o.samplers) : mooSamplers();
      for (const s of samplers)
        if (!samplerNames().includes(s))
          throw new OptionsError(`--samplers: ${JSON.stringify(s)} is not one of ${samplerNames().join(', ')}`);
      const optuna = o.optuna ? (JSON.parse(readFileSync(o.optuna, 'utf8')) as { seeds: number; rows: MooRow[] }) : undefined;
      let bar: ProgressBar | null = null;
      const report = await runMooBench({
        seeds: o.seeds,
        samplers,
        problems: o.problems ? splitList(o.problems) : undefined,
        trials: o.trials,
        optuna,
        onRun: (done, total) => (bar ??= new ProgressBar(total, !o.json, 'runs')).update(done),
      });
      (bar as ProgressBar | null)?.stop();
      if (o.json) {
        const rows = report.rows.map(({ library, sampler, problem, trials, hypervolume, askMs }) => ({
          library,
          sampler,
          problem,
          trials,
          hypervolume,
          ...(askMs !== undefined ? { askMs } : {}),
        }));
        return void process.stdout.write(`${JSON.stringify({ ...report, rows })}\n`);
      }
      console.log(
        `final hypervolume over ${report.seeds} seeds (feasible trials; reference points: ${report.problems.map((p) => `${p.name} [${p.ref.join(', ')}]`).join(', ')})`,
      );
      if (report.nsga2AskMs !== null) console.log(`nsga2 ask at population 50 (ZDT1, 30-D): median ${report.nsga2AskMs.toFixed(3)} ms`);
      console.log(
        formatTable([
          ['problem', 'library', 'sampler', 'trials', 'hv median', 'q25', 'q75', 'ask ms'],
          ...report.rows.map((r) => [
            r.problem,
            r.library,
            r.sampler,
            r.trials,
            r.hypervolume.median.toPrecision(6),
            r.hypervolume.q25.toPrecision(6),
            r.hypervolume.q75.toPrecision(6),
            r.askMs === undefined ? '' : r.askMs.toFixed(3),
          ]),
        ]),
      );
    });
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
