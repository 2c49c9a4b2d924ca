import type { Command } from 'commander';
import { OptionsError, StudyError } from '../errors.js';
import { prunerNames } from '../pruners/registry.js';
import { createSampler, samplerNames } from '../samplers/registry.js';
import { parseSpaceJson } from '../space/json.js';
import { DEFAULT_STORAGE_URL, openStorage, redact } from '../storage/open.js';
import type { Storage, StudyRecord } from '../storage/storage.js';
import { createStudy, type Study } from '../study/study.js';
import { checkStudyName } from '../study/study-options.js';
import { checkSamplerSpace, prunerFromFlags, samplerFromFlags } from './algo-flags.js';
import { checkName, examples, jsonObject, nonNegativeInt, positiveInt, repeatsSpec } from './args.js';
import { loadObjective, loadSpaceFile } from './load.js';
import { DEFAULT_ALGO, trialJson } from './run.js';

const STORAGE_HELP = 'where the study lives: sqlite:FILE, postgres://user@host:port/db or memory';

/**
 * Commands that manage studies and drive them from a shell: create-study, delete, rename, enqueue, and ask / tell
 * (Optuna's CLI loop: ask prints a trial as JSON, the script trains, tell records the value).
 */
export function registerStudyCommands(program: Command): void {
  program
    .command('create-study')
    .description('create an empty study (for ask/tell loops, or to share among workers before they start)')
    .requiredOption('--study <name>', 'name of the new study')
    .option('--space <file.json>', 'a JSON search space')
    .option('--module <objective-module>', "take the space from this module's `space` export instead")
    .option('--algo <name>', `search algorithm: ${samplerNames().join(', ')}`, DEFAULT_ALGO)
    .option('--algo-options <json>', 'options of the algorithm as a JSON object', jsonObject)
    .option('--direction <dir>', 'minimize or maximize', 'minimize')
    .option('--seed <s>', 'seed of every random choice', nonNegativeInt)
    .option('--pruner <name>', `the pruner every worker of the study decides with: ${prunerNames.join(', ')}`, 'none')
    .option('--pruner-options <json>', 'options of the pruner as a JSON object', jsonObject)
    .option('--storage <url>', STORAGE_HELP, DEFAULT_STORAGE_URL)
    .option('--skip-if-exists', 'succeed without a change when the study exists')
    .option('--json', 'print the study as JSON')
    .addHelpText(
      'after',
      examples(
        'parzen create-study --study net --module train.mjs --algo tpe --seed 1     # the space from train.mjs',
        'parzen create-study --study net --space space.json --pruner median --storage postgres://me@db:5432/hpo --skip-if-exists',
      ),
    )
    .action(async (o: CreateFlags) => {
      checkStudyName('--study', o.study);
      checkName('--algo', o.algo, samplerNames());
      if (o.direction !== 'minimize' && o.direction !== 'maximize') {
        throw new OptionsError(`--direction must be minimize or maximize (got ${JSON.stringify(o.direction)})`);
      }
      const pruner = prunerFromFlags(o.pruner ?? 'none', o.prunerOptions);
      const sampler = samplerFromFlags(o.algo, o.algoOptions);
      if ((o.space === undefined) === (o.module === undefined))
        throw new OptionsError('give the space with exactly one of --space FILE.json and --module FILE');
      const space = o.space !== undefined ? loadSpaceFile(o.space) : (await loadObjective(o.module as string)).space;
      if (!space) throw new OptionsError(`${o.module} exports no \`space\``);
      await withStorage(o.storage, async (storage) => {
        const existing = await storage.getStudy(o.study);
        if (existing && o.skipIfExists)
          return void print(o.json, { study: existing.name, created: false }, `study ${existing.name} exists; left as it is`);
        if (existing)
          throw new StudyError(`study ${JSON.stringify(o.study)} already exists in ${redact(o.storage)} (--skip-if-exists accepts it)`);
        checkSamplerSpace(sampler, space);
        const study = await createStudy({
          space,
          name: o.study,
          storage,
          direction: o.direction as 'minimize' | 'maximize',
          seed: o.seed,
          sampler,
          pruner,
        });
        print(
          o.json,
          { study: study.name, created: true, algo: o.algo, direction: study.direction, seed: study.seed, pruner: study.record.pruner },
          `created study ${study.name} in ${redact(o.storage)} (${o.algo}, ${study.direction}${pruner ? `, pruner ${pruner.name}` : ''})`,
        );
      });
    });

  program
    .command('delete')
    .description('delete a study with all its trials')
    .requiredOption('--study <name>', 'the study')
    .option('--storage <url>', STORAGE_HELP, DEFAULT_STORAGE_URL)
    .addHelpText('after', examples('parzen delete --study quad', 'parzen delete --study old --storage sqlite:./runs.db'))
    .action(async (o: { study: string; storage: string }) => {
      await withStorage(o.storage, async (storage) => {
        const found = await storage.getStudy(o.study);
        if (!found) throw new StudyError(`no study ${JSON.stringify(o.study)} in ${redact(o.storage)}`);
        const n = (await storage.trials(found.id)).length;
        await storage.deleteStudy(o.study);
        console.log(`deleted study ${o.study} and its ${n} trial${n === 1 ? '' : 's'}`);
      });
    });

  program
    .command('rename')
    .description('rename a study')
    .requiredOption('--study <name>', 'the study')
    .requiredOption('--to <name>', 'its new name')
    .option('--storage <url>', STORAGE_HELP, DEFAULT_STORAGE_URL)
    .addHelpText(
      'after',
      examples('parzen rename --study quad --to quad-v1', 'parzen rename --study net --to net-2026 --storage sqlite:./runs.db'),
    )
    .action(async (o: { study: string; to: string; storage: string }) => {
      checkStudyName('--to', o.to);
      await withStorage(o.storage, async (storage) => {
        await storage.renameStudy(o.study, o.to);
        console.log(`renamed study ${o.study} to ${o.to}`);
      });
    });

  program
    .command('enqueue')
    .description(
      "queue a point to evaluate next, before the algorithm's (a baseline, a known good configuration), or the study's most promising configurations again (--repeats)",
    )
    .requiredOption('--study <name>', 'the study')
    .option('--params <json>', 'the point: params keyed by label, or a config (the space filled in)', jsonValue)
    .option(
      '--repeats <TOPxN>',
      'the TOP most promising configurations (by GP posterior mean), N more evaluations each: a noisy objective then recommends from their mean',
      repeatsSpec,
    )
    .option('--storage <url>', STORAGE_HELP, DEFAULT_STORAGE_URL)
    .option('--json', 'print the queued params as JSON')
    .addHelpText(
      'after',
      `\nExamples:\n  parzen enqueue --study quad --params '{"x": 0.5}'\n` +
        '  parzen enqueue --study net --repeats 5x3     # then: parzen run train.mjs --study net --max-evals <done + 15>',
    )
    .action(async (o: { study: string; params?: unknown; repeats?: { top: number; repeats: number }; storage: string; json?: boolean }) => {
      if ((o.params === undefined) === (o.repeats === undefined)) throw new OptionsError('enqueue: give one of --params and --repeats');
      await withStudy(o.storage, o.study, async (study) => {
        const points = o.repeats ? await study.enqueueRepeats(o.repeats) : [await study.enqueue(o.params)];
        const waiting = (await study.storage.queued(study.record.id)).length;
        print(
          o.json,
          o.repeats ? { study: study.name, points, queued: waiting } : { study: study.name, params: points[0], queued: waiting },
          `queued ${points.length === 1 ? JSON.stringify(points[0]) : `${points.length} evaluations of ${points.length / o.repeats!.repeats} configurations`} for study ${study.name} (${waiting} waiting)`,
        );
      });
    });

  program
    .command('ask')
    .description('start trials and print each as one line of JSON ({ number, params, config, seed }) for a script to evaluate')
    .requiredOption('--study <name>', 'the study (create it with create-study or run)')
    .option('--n <count>', 'how many trials', positiveInt, 1)
    .option('--storage <url>', STORAGE_HELP, DEFAULT_STORAGE_URL)
    .addHelpText(
      'after',
      '\nExample (a shell loop):\n' +
        '  t=$(parzen ask --study s); n=$(echo "$t" | jq .number); v=$(python train.py "$(echo "$t" | jq -c .config)")\n' +
        '  parzen tell --study s --trial "$n" --value "$v"',
    )
    .action(async (o: { study: string; n: number; storage: string }) => {
      await withStudy(o.storage, o.study, async (study) => {
        const asked = await study.ask(o.n);
        if (asked.length === 0) throw new StudyError(`study ${study.name}: the search space is exhausted`);
        for (const t of asked) process.stdout.write(`${JSON.stringify(t)}\n`);
      });
    });

  program
    .command('tell')
    .description('finish a trial started by ask with its value (or as failed)')
    .requiredOption('--study <name>', 'the study')
    .requiredOption('--trial <number>', 'the trial number ask printed', nonNegativeInt)
    .option('--value <v>', 'the objective value', finiteNumber)
    .option('--fail [message]', 'record the trial as failed (reason "threw"), with an optional message')
    .option('--storage <url>', STORAGE_HELP, DEFAULT_STORAGE_URL)
    .option('--json', 'print the finished trial as JSON')
    .addHelpText(
      'after',
      examples(
        'parzen tell --study s --trial 3 --value 0.25',
        "parzen tell --study s --trial 4 --fail 'CUDA out of memory'   # recorded as failed",
      ),
    )
    .action(async (o: { study: string; trial: number; value?: number; fail?: string | boolean; storage: string; json?: boolean }) => {
      if ((o.value === undefined) === (o.fail === undefined)) throw new OptionsError('give exactly one of --value V and --fail [MESSAGE]');
      await withStudy(o.storage, o.study, async (study) => {
        const outcome =
          o.value !== undefined
            ? o.value
            : {
                state: 'fail' as const,
                reason: 'threw' as const,
                message: typeof o.fail === 'string' ? o.fail : 'failed (parzen tell --fail)',
              };
        const t = await study.tell(o.trial, outcome);
        const best = study.bestTrial;
        print(
          o.json,
          trialJson(t),
          `trial ${t.number} ${t.state}${t.value !== null ? ` with value ${t.value}` : ''}; best so far ${best ? `${best.value} (trial ${best.number})` : '-'}`,
        );
      });
    });
}

interface CreateFlags {
  study: string;
  space?: string;
  module?: string;
  algo: string;
  algoOptions?: Record<string, unknown>;
  direction: string;
  seed?: number;
  pruner?: string;
  prunerOptions?: Record<string, unknown>;
  storage: string;
  skipIfExists?: boolean;
  json?: boolean;
}

function print(json: boolean | undefined, data: unknown, text: string): void {
  if (json) process.stdout.write(`${JSON.stringify(data)}\n`);
  else console.log(text);
}

function jsonValue(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch (e) {
    throw new OptionsError(`--params must be JSON (${(e as Error).message})`);
  }
}

function finiteNumber(value: string): number {
  const v = Number(value);
  if (value.trim() === '' || !Number.isFinite(v)) throw new OptionsError(`--value must be a finite number (got ${JSON.stringify(value)})`);
  return v;
}

async function withStorage(url: string, body: (s: Storage) => Promise<void>): Promise<void> {
  const storage = await openStorage(url);
  try {
    await body(storage);
  } finally {
    await storage.close();
  }
}

/** Opens a stored study with its own space and algorithm (as `parzen run --study` continues one). */
async function withStudy(url: string, name: string, body: (study: Study) => Promise<void>): Promise<void> {
  await withStorage(url, async (storage) => {
    const found: StudyRecord | null = await storage.getStudy(name);
    if (!found) {
      const names = (await storage.listStudies()).map((s) => s.name);
      throw new StudyError(
        `no study ${JSON.stringify(name)} in ${redact(url)}${names.length ? `; studies there: ${names.slice(0, 10).join(', ')}` : ''}`,
      );
    }
    parseSpaceJson(found.space, `study ${name}`); // a space this version cannot read fails here, with its path
    const sampler = createSampler(found.sampler.name, { ...found.sampler.options });
    await body(await createStudy({ storage, name, resume: true, sampler }));
  });
}
