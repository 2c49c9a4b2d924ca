import type { Command } from 'commander';
import { resolve } from 'node:path';
import { OptionsError } from '../errors.js';
import { createSampler, samplerNames } from '../samplers/registry.js';
import { DEFAULT_STORAGE_URL, openStorage, redact } from '../storage/open.js';
import { createStudy } from '../study/study.js';
import type { TrialRecord } from '../trial/trial.js';
import { countsAgainstBudget } from '../storage/storage.js';
import { checkName, jsonObject, nonNegativeInt, positiveInt } from './args.js';
import { loadObjective, loadSpaceFile } from './load.js';
import { ProgressBar } from './progress.js';

interface RunFlags {
  export: string;
  space?: string;
  algo?: string;
  algoOptions?: Record<string, unknown>;
  maxEvals: number;
  seed?: number;
  direction?: 'minimize' | 'maximize';
  storage: string;
  study?: string;
  concurrency: number;
  trialTimeout?: number;
  grace: number;
  prefetch: number;
  heartbeat?: number;
  maxMemoryMb?: number;
  json?: boolean;
}

/** hyperopt's README example and Optuna both default to TPE. */
export const DEFAULT_ALGO = 'tpe';

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('optimize the function exported by an objective module')
    .argument('<objective-module>', 'an ES module (.mjs/.js) whose default export (or --export NAME) takes the params and returns a number')
    .option('--export <name>', 'the export to optimize', 'default')
    .option('--space <file.json>', "a JSON search space (default: the module's `space` export)")
    .option('--algo <name>', `search algorithm: ${samplerNames().join(', ')} (default: the study's own when continuing one, else tpe)`)
    .option('--algo-options <json>', 'options of the algorithm as a JSON object, e.g. \'{"points": 10}\'', jsonObject)
    .option('--max-evals <n>', "total number of trials of the study (a continued study's finished trials count)", positiveInt, 100)
    .option('--seed <s>', 'seed of every random choice (default 0; a continued study keeps its own)', nonNegativeInt)
    .option('--direction <dir>', 'minimize or maximize (default minimize; a continued study keeps its own)')
    .option(
      '--storage <url>',
      'where the study lives: sqlite:FILE, postgres://user@host:port/db (shared by processes on several machines) or memory',
      DEFAULT_STORAGE_URL,
    )
    .option('--study <name>', 'study name; a study of this name in the storage is continued (its trials count against --max-evals)')
    .option('--concurrency <k>', 'trials evaluated at once, each in its own worker thread', positiveInt, 1)
    .option('--prefetch <n>', 'trials asked ahead of free workers (for objectives that are cheap next to an ask)', nonNegativeInt, 0)
    .option('--trial-timeout <ms>', 'fail a trial that runs longer than this (its worker is replaced)', positiveInt)
    .option('--grace <ms>', 'on Ctrl-C/SIGTERM, how long running trials may take to finish before they are cut off', nonNegativeInt, 10_000)
    .option('--heartbeat <ms>', "how often this process's running trials beat; each carries a lease of 3 beats, past which any process fails it as stale (it is redone)", positiveInt, 10_000)
    .option('--max-memory-mb <mb>', "heap cap of each worker thread; a trial that exhausts it fails as 'oom' and its worker is replaced", positiveInt)
    .option('--json', 'print one JSON document (best trial and all trials) instead of a summary')
    .addHelpText(
      'after',
      '\nExamples:\n  parzen run examples/quadratic.mjs --algo random --max-evals 1000 --seed 1\n' +
        '  parzen run examples/quadratic.mjs --study quad --max-evals 200     # continues study "quad" in ./parzen.db\n' +
        '  parzen run examples/quadratic.mjs --study quad --storage postgres://me@db:5432/hpo   # one of several workers',
    )
    .action(async (modulePath: string, flags: RunFlags) => {
      if (flags.algo !== undefined) checkName('--algo', flags.algo, samplerNames());
      if (flags.direction !== undefined && flags.direction !== 'minimize' && flags.direction !== 'maximize') {
        throw new OptionsError(`--direction must be minimize or maximize (got ${JSON.stringify(flags.direction)})`);
      }
      const { space: moduleSpace } = await loadObjective(modulePath, flags.export);
      const space = flags.space ? loadSpaceFile(flags.space) : moduleSpace;
      if (!space) throw new OptionsError(`${modulePath} exports no \`space\`; give one with --space FILE.json`);
      const storage = await openStorage(flags.storage);
      // First Ctrl-C: stop asking, record running trials as interrupted (they don't use up the budget); second: quit.
      const stop = new AbortController();
      const onSigint = () => {
        if (stop.signal.aborted) process.exit(130);
        process.stderr.write(`\nparzen: stopping; running trials have ${flags.grace} ms to finish (Ctrl-C again to quit now)\n`);
        stop.abort();
      };
      process.on('SIGINT', onSigint);
      process.on('SIGTERM', onSigint);
      try {
        const existing = flags.study !== undefined ? await storage.getStudy(flags.study) : null;
        // Continuing a study without --algo: its stored algorithm and options, so the search goes on as it began.
        const algo = flags.algo ?? existing?.sampler.name ?? DEFAULT_ALGO;
        const algoOptions = flags.algoOptions ?? (flags.algo === undefined ? existing?.sampler.options : undefined);
        if (!samplerNames().includes(algo)) {
          throw new OptionsError(`study ${JSON.stringify(flags.study)} was run with algorithm ${JSON.stringify(algo)}, unknown here; pick one with --algo`);
        }
        if (existing && flags.seed !== undefined && flags.seed !== existing.seed && !flags.json) {
          process.stderr.write(`parzen: study ${existing.name} keeps its seed ${existing.seed} (--seed ${flags.seed} ignored)\n`);
        }
        const study = await createStudy({
          space,
          direction: flags.direction,
          seed: flags.seed,
          sampler: createSampler(algo, { ...algoOptions }),
          storage,
          name: flags.study,
          resume: flags.study !== undefined,
        });
        const before = study.cached.filter((t) => t && countsAgainstBudget(t)).length;
        if (existing && !flags.json) {
          if (before >= flags.maxEvals) {
            console.log(
              `study ${study.name} already has ${before} trials, and --max-evals ${flags.maxEvals} is the study's total, ` +
                `not a number to add: nothing to run. To run N more, pass --max-evals ${before} + N.`,
            );
          } else console.log(`continuing study ${study.name}: ${before} of ${flags.maxEvals} trials already done or running, ${algo}`);
        }
        const bar = new ProgressBar(flags.maxEvals, !flags.json, 'trials', Math.min(before, flags.maxEvals));
        // Always in worker threads: a trial that hangs or kills its thread fails alone.
        await study.optimize({ module: resolve(modulePath), export: flags.export }, {
          nTrials: flags.maxEvals,
          concurrency: flags.concurrency,
          trialTimeoutMs: flags.trialTimeout,
          heartbeatMs: flags.heartbeat,
          signal: stop.signal,
          graceMs: flags.grace,
          prefetch: flags.prefetch,
          maxMemoryMb: flags.maxMemoryMb,
          onProgress: (p) => bar.update(p.done, p),
        });
        bar.stop();
        const trials = await study.trials();
        const best = await study.recommend();
        if (flags.json) {
          const out = {
            study: study.name,
            algo,
            storage: redact(flags.storage),
            seed: study.seed,
            direction: study.direction,
            best: best && trialJson(best, best.config),
            trials: trials.map((t) => trialJson(t)),
          };
          process.stdout.write(`${JSON.stringify(out)}\n`);
        } else {
          const failed = trials.filter((t) => t.state === 'fail').length;
          console.log(`study ${study.name}: ${trials.length} trials (${failed} failed), ${algo}, seed ${study.seed}`);
          if (best) {
            console.log(`best value ${best.value} at trial ${best.number}`);
            console.log(`params ${JSON.stringify(best.params)}`);
            console.log(`config ${JSON.stringify(best.config)}`);
          } else console.log('no trial completed');
          if (stop.signal.aborted) console.log('stopped early; run the same command again to continue');
          if (flags.storage !== 'memory') console.log(`stored in ${redact(flags.storage)}; continue with --study ${quoteArg(study.name)}`);
        }
      } finally {
        process.off('SIGINT', onSigint);
        process.off('SIGTERM', onSigint);
        await storage.close();
      }
      if (stop.signal.aborted) process.exit(130);
    });
}

/** A trial as the CLI prints it in JSON. */
export function trialJson(t: TrialRecord, config?: unknown): Record<string, unknown> {
  return {
    number: t.number,
    state: t.state,
    value: t.value,
    params: t.params,
    ...(config !== undefined ? { config } : {}),
    ...(t.failReason ? { failReason: t.failReason, failMessage: t.failMessage } : {}),
    ...(Object.keys(t.attrs).length ? { attrs: t.attrs } : {}),
    startedAt: t.startedAt,
    finishedAt: t.finishedAt,
  };
}

/** A study name as it can be pasted into a shell. */
function quoteArg(s: string): string {
  return /^[\w.:@/-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
