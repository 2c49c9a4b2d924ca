import type { Command } from 'commander';
import { OptionsError } from '../errors.js';
import { createSampler, samplerNames } from '../samplers/registry.js';
import { openStorage } from '../storage/open.js';
import { createStudy } from '../study/study.js';
import type { TrialRecord } from '../study/trial.js';
import { jsonObject, nonNegativeInt, positiveInt } from './args.js';
import { loadObjective, loadSpaceFile } from './load.js';
import { ProgressBar } from './progress.js';

interface RunFlags {
  export: string;
  space?: string;
  algo: string;
  algoOptions?: Record<string, unknown>;
  maxEvals: number;
  seed: number;
  direction: 'minimize' | 'maximize';
  storage: string;
  study?: string;
  concurrency: number;
  trialTimeout?: number;
  json?: boolean;
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('optimize the function exported by an objective module')
    .argument('<objective-module>', 'an ES module (.mjs/.js) whose default export (or --export NAME) takes the params and returns a number')
    .option('--export <name>', 'the export to optimize', 'default')
    .option('--space <file.json>', "a JSON search space (default: the module's `space` export)")
    .option('--algo <name>', `search algorithm: ${samplerNames().join(', ')}`, 'random')
    .option('--algo-options <json>', 'options of the algorithm as a JSON object, e.g. \'{"points": 10}\'', jsonObject)
    .option('--max-evals <n>', 'total number of trials of the study', positiveInt, 100)
    .option('--seed <s>', 'seed of every random choice', nonNegativeInt, 0)
    .option('--direction <dir>', 'minimize or maximize', 'minimize')
    .option('--storage <url>', 'where the study lives: memory', 'memory')
    .option('--study <name>', 'study name; an existing study of this name is continued')
    .option('--concurrency <k>', 'objective calls in flight at once', positiveInt, 1)
    .option('--trial-timeout <ms>', 'fail a trial that runs longer than this', positiveInt)
    .option('--json', 'print one JSON document (best trial and all trials) instead of a summary')
    .addHelpText('after', '\nExample:\n  parzen run examples/quadratic.mjs --algo random --max-evals 1000 --seed 1')
    .action(async (modulePath: string, flags: RunFlags) => {
      if (!samplerNames().includes(flags.algo)) {
        throw new OptionsError(`--algo ${JSON.stringify(flags.algo)} is not one of ${samplerNames().join(', ')}`);
      }
      if (flags.direction !== 'minimize' && flags.direction !== 'maximize') {
        throw new OptionsError(`--direction must be minimize or maximize (got ${JSON.stringify(flags.direction)})`);
      }
      const { objective, space: moduleSpace } = await loadObjective(modulePath, flags.export);
      const space = flags.space ? loadSpaceFile(flags.space) : moduleSpace;
      if (!space) throw new OptionsError(`${modulePath} exports no \`space\`; give one with --space FILE.json`);
      const storage = await openStorage(flags.storage);
      try {
        const study = await createStudy({
          space,
          direction: flags.direction,
          seed: flags.seed,
          sampler: createSampler(flags.algo, flags.algoOptions),
          storage,
          name: flags.study,
          resume: flags.study !== undefined,
        });
        const bar = new ProgressBar(flags.maxEvals, !flags.json);
        await study.optimize(objective, {
          nTrials: flags.maxEvals,
          concurrency: flags.concurrency,
          trialTimeoutMs: flags.trialTimeout,
          onProgress: (p) => bar.update(p.done, p),
        });
        bar.stop();
        const trials = await study.trials();
        const best = await study.recommend();
        if (flags.json) {
          const out = {
            study: study.name,
            algo: flags.algo,
            seed: study.seed,
            direction: study.direction,
            best: best && trialJson(best, study.space.toObject(best.params)),
            trials: trials.map((t) => trialJson(t)),
          };
          process.stdout.write(`${JSON.stringify(out)}\n`);
        } else {
          const failed = trials.filter((t) => t.state === 'fail').length;
          console.log(`study ${study.name}: ${trials.length} trials (${failed} failed), ${flags.algo}, seed ${study.seed}`);
          if (best) {
            console.log(`best value ${best.value} at trial ${best.number}`);
            console.log(`params ${JSON.stringify(best.params)}`);
          } else console.log('no trial completed');
        }
      } finally {
        await storage.close();
      }
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
