import type { Command } from 'commander';
import { resolve } from 'node:path';
import { OptionsError } from '../errors.js';
import { knownPrunerNames, prunerNames } from '../pruners/registry.js';
import { samplerNames } from '../samplers/registry.js';
import { DEFAULT_STORAGE_URL, openStorage, redact } from '../storage/open.js';
import { createStudy } from '../study/study.js';
import { checkStudyName } from '../study/study-options.js';
import { paretoFront } from '../samplers/moo/pareto.js';
import type { Direction, TrialRecord } from '../trial/trial.js';
import { formatTable } from './table.js';
import { countsAgainstBudget } from '../storage/storage.js';
import { checkSamplerSpace, prunerFromFlags, samplerFromFlags } from './algo-flags.js';
import { checkName, intAtLeast, jsonObject, nonNegativeInt, positiveInt } from './args.js';
import { loadObjective, loadSpaceFile } from './load.js';
import { divertStdout } from './output.js';
import { exitAfterFlush } from './exit.js';
import { EXIT_HELD, type Held, heldAfterBeat, heldByOthers, heldLine } from './held.js';
import { ProgressBar } from './progress.js';

interface RunFlags {
  export: string;
  space?: string;
  algo?: string;
  algoOptions?: Record<string, unknown>;
  switchAlgo?: boolean;
  maxEvals: number;
  seed?: number;
  direction?: 'minimize' | 'maximize';
  directions?: Direction[];
  storage: string;
  study?: string;
  concurrency: number;
  trialTimeout?: number;
  grace: number;
  prefetch: number;
  heartbeat?: number;
  maxMemoryMb?: number;
  pruner?: string;
  prunerOptions?: Record<string, unknown>;
  switchPruner?: boolean;
  withIntermediate?: boolean;
  noisy?: boolean;
  dbRetryMs: number;
  wait?: boolean;
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
    .option(
      '--switch-algo',
      'continuing a study with another --algo or --algo-options: switch to it (recorded in the study) instead of refusing',
    )
    .option('--max-evals <n>', "total number of trials of the study (a continued study's finished trials count)", positiveInt, 100)
    .option('--seed <s>', 'seed of every random choice (default 0; a continued study keeps its own)', nonNegativeInt)
    .option('--direction <dir>', 'minimize or maximize (default minimize; a continued study keeps its own)')
    .option(
      '--directions <list>',
      "several objectives, e.g. minimize,maximize: the objective returns an array of values (default: the module's `directions` export)",
      directionList,
    )
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
    .option(
      '--heartbeat <ms>',
      "how often this process's running trials beat; each carries a lease of 3 beats, past which any process fails it as stale (it is redone)",
      positiveInt,
      10_000,
    )
    .option(
      '--max-memory-mb <mb>',
      "heap cap of each worker thread (at least 16); a trial that exhausts it fails as 'oom' and its worker is replaced",
      intAtLeast(16),
    )
    .option(
      '--pruner <name>',
      `stop unpromising trials early from what they report (ctx.report): ${prunerNames.join(', ')} (default: none; a continued study keeps its own)`,
    )
    .option(
      '--pruner-options <json>',
      'options of the pruner as a JSON object, e.g. \'{"minResource": 1, "reductionFactor": 3}\'',
      jsonObject,
    )
    .option(
      '--switch-pruner',
      'continuing a study with another --pruner or --pruner-options: switch to it (recorded in the study) instead of refusing',
    )
    .option('--noisy', 'the objective is noisy: report the trial with the best GP posterior mean rather than the luckiest observation')
    .option('--with-intermediate', 'with --json: each trial with the values it reported ({ step, value } by step)')
    .option(
      '--db-retry-ms <ms>',
      'how long a lost database connection is retried before the run stops with an error',
      nonNegativeInt,
      60_000,
    )
    .option(
      '--wait',
      "when other processes' running trials hold part of the budget, wait for them (or their leases to run out) and run the rest; without it such a run exits with status 3",
    )
    .option('--json', 'print one JSON document (best trial and all trials) instead of a summary')
    .addHelpText(
      'after',
      '\nExamples:\n  parzen run examples/quadratic.mjs --algo random --max-evals 1000 --seed 1\n' +
        '  parzen run examples/quadratic.mjs --study quad --max-evals 200     # continues study "quad" in ./parzen.db\n' +
        '  parzen run examples/quadratic.mjs --study quad --storage postgres://me@db:5432/hpo   # one of several workers\n' +
        '  parzen run train.mjs --algo tpe --pruner asha --pruner-options \'{"minResource": 1}\'   # train.mjs calls ctx.report(epoch, loss)\n' +
        '  parzen run train.mjs --study net                                  # continues study "net" with its own algorithm and pruner',
    )
    .action(async (modulePath: string, flags: RunFlags) => {
      if (flags.algo !== undefined) checkName('--algo', flags.algo, samplerNames());
      if (flags.pruner !== undefined) checkName('--pruner', flags.pruner, knownPrunerNames());
      if (flags.direction !== undefined && flags.direction !== 'minimize' && flags.direction !== 'maximize') {
        throw new OptionsError(`--direction must be minimize or maximize (got ${JSON.stringify(flags.direction)})`);
      }
      if (flags.direction !== undefined && flags.directions !== undefined)
        throw new OptionsError('--direction and --directions are exclusive: give one');
      if (flags.study !== undefined) checkStudyName('--study', flags.study);
      // The objective's own output (at import, or per trial in the workers) goes to stderr: stdout is this command's.
      const out = divertStdout();
      try {
        await runCommand(modulePath, flags, out);
      } finally {
        out.restore();
      }
    });
}

async function runCommand(modulePath: string, flags: RunFlags, out: ReturnType<typeof divertStdout>): Promise<void> {
  const say = (line: string) => out.write(`${line}\n`);
  if (flags.pruner === undefined && flags.prunerOptions !== undefined) throw new OptionsError('--pruner-options needs --pruner');
  // Stored with the study: a continued study prunes with its own unless --pruner (and --switch-pruner) says otherwise.
  const pruner = flags.pruner === undefined ? undefined : prunerFromFlags(flags.pruner, flags.prunerOptions);
  const { space: moduleSpace, directions: moduleDirections } = await loadObjective(modulePath, flags.export);
  const directions = flags.directions ?? (flags.direction === undefined ? (moduleDirections ?? undefined) : undefined);
  const space = flags.space ? loadSpaceFile(flags.space) : moduleSpace;
  if (!space) throw new OptionsError(`${modulePath} exports no \`space\`; give one with --space FILE.json`);
  const storage = await openStorage(flags.storage, { dbRetryMs: flags.dbRetryMs });
  // First Ctrl-C or SIGTERM: stop asking, record running trials as interrupted (they don't use up the budget); a
  // second: quit. The exit status is the shell's for the signal that stopped the run: 128 + 2 (SIGINT), 128 + 15 (SIGTERM).
  const stop = new AbortController();
  let stopStatus = 130;
  const onSignal = (signal: NodeJS.Signals) => {
    const status = signal === 'SIGTERM' ? 143 : 130;
    if (stop.signal.aborted) process.exit(status);
    stopStatus = status;
    const again = signal === 'SIGTERM' ? 'another SIGTERM or Ctrl-C quits now' : 'Ctrl-C again to quit now';
    process.stderr.write(`\nparzen: ${signal}: stopping; running trials have ${flags.grace} ms to finish (${again})\n`);
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let allFailed: TrialRecord | null = null;
  let held: Held = { count: 0, until: null, finished: 0 };
  let studyName = flags.study ?? '';
  try {
    const existing = flags.study !== undefined ? await storage.getStudy(flags.study) : null;
    // Continuing a study: its stored algorithm and options (createStudy rebuilds them), so the search goes on as it
    // began; another --algo or --algo-options is an error unless --switch-algo says to switch (recorded in the study).
    const sameAlgo = existing && (flags.algo === undefined || flags.algo === existing.sampler.name) && flags.algoOptions === undefined;
    const sampler = sameAlgo ? undefined : samplerFromFlags(flags.algo ?? existing?.sampler.name ?? DEFAULT_ALGO, flags.algoOptions);
    if (sampler) checkSamplerSpace(sampler, space);
    if (existing && flags.seed !== undefined && flags.seed !== existing.seed && !flags.json) {
      process.stderr.write(`parzen: study ${existing.name} keeps its seed ${existing.seed} (--seed ${flags.seed} ignored)\n`);
    }
    const study = await createStudy({
      space,
      direction: flags.direction,
      directions,
      seed: flags.seed,
      sampler,
      switchSampler: flags.switchAlgo === true,
      pruner,
      switchPruner: flags.switchPruner === true,
      storage,
      name: flags.study,
      resume: flags.study !== undefined,
      noisy: flags.noisy === true ? true : 'auto',
    });
    const algo = study.record.sampler.name;
    const before = study.cached.filter((t) => t && countsAgainstBudget(t)).length;
    const running = study.cached.filter((t) => t?.state === 'running').length;
    if (existing && !flags.json) {
      if (before - running >= flags.maxEvals) {
        say(
          `study ${study.name} already has ${before} trials, and --max-evals ${flags.maxEvals} is the study's total, ` +
            `not a number to add: nothing to run. To run N more, pass --max-evals ${before} + N.`,
        );
      } else
        say(
          `continuing study ${study.name}: ${before} of ${flags.maxEvals} trials already done or running, ${algo}` +
            (study.pruner ? `, pruner ${study.pruner.name}` : '') +
            // a stopped process's running trials are redone once their leases run out
            (running > 0 ? `; ${running} running elsewhere or left by a stopped run (redone if their leases run out)` : ''),
        );
    }
    const bar = new ProgressBar(flags.maxEvals, !flags.json, 'trials', Math.min(before, flags.maxEvals));
    out.setBar(bar);
    // Always in worker threads: a trial that hangs or kills its thread fails alone.
    const optimize = () =>
      study.optimize(
        { module: resolve(modulePath), export: flags.export },
        {
          nTrials: flags.maxEvals,
          concurrency: flags.concurrency,
          trialTimeoutMs: flags.trialTimeout,
          heartbeatMs: flags.heartbeat,
          signal: stop.signal,
          graceMs: flags.grace,
          prefetch: flags.prefetch,
          maxMemoryMb: flags.maxMemoryMb,
          onProgress: (p) => bar.update(p.done, p),
          onTick: (status) => bar.tick(status),
        },
      );
    await optimize();
    // Trials of other processes still running hold budget: a dead process's until their leases run out.
    held = await heldAfterBeat(
      () => study.trials(),
      study.owner,
      stop.signal,
      (h, ms) => {
        if (!flags.json) process.stderr.write(`parzen: ${heldLine(h)}; waiting up to ${Math.ceil(ms / 1000)} s for them\n`);
      },
    );
    while (flags.wait && held.count > 0 && held.finished < flags.maxEvals && !stop.signal.aborted) {
      if (!flags.json) process.stderr.write(`parzen: waiting: ${heldLine(held)}\n`);
      const ms = held.until === null ? 10_000 : Math.min(10_000, Math.max(1000, held.until - Date.now() + 500));
      await new Promise((r) => {
        const t = setTimeout(r, ms);
        stop.signal.addEventListener('abort', () => (clearTimeout(t), r(null)), { once: true });
      });
      if (!stop.signal.aborted) await optimize();
      held = heldByOthers(await study.trials(), study.owner);
    }
    bar.stop();
    const trials = await study.trials();
    // several objectives: the Pareto front (complete feasible trials no other dominates) instead of one best trial
    const front = study.multiObjective ? paretoFront(study.directions, trials) : null;
    const best = front ? null : await study.recommend();
    studyName = study.name;
    // Every trial failed (not merely stopped): the run failed, with the first failure's message.
    const completed = front ? trials.some((t) => t.state === 'complete') : !!best;
    if (!completed && !stop.signal.aborted) allFailed = trials.find((t) => t.state === 'fail' && countsAgainstBudget(t)) ?? null;
    if (flags.json) {
      const doc = {
        study: study.name,
        algo,
        storage: redact(flags.storage),
        seed: study.seed,
        direction: study.direction,
        ...(front
          ? { directions: study.directions, front: front.map((t) => trialJson(t, study.space.toObject(t.params))) }
          : { best: best && trialJson(best, study.space.toObject(best.params)) }),
        trials: trials.map((t) => trialJson(t, undefined, flags.withIntermediate)),
        ...(held.count > 0 ? { held: { count: held.count, until: held.until } } : {}),
      };
      out.write(`${JSON.stringify(doc)}\n`);
    } else {
      const failed = trials.filter((t) => t.state === 'fail' && countsAgainstBudget(t)).length;
      const redone = trials.filter((t) => t.state === 'fail' && !countsAgainstBudget(t)).length;
      const pruned = trials.filter((t) => t.state === 'pruned').length;
      const steps = trials.reduce((n, t) => n + (t.intermediate?.length ?? 0), 0);
      const prunedNote = pruned || study.pruner ? `, ${pruned} pruned (${steps} steps reported)` : '';
      const redoneNote = redone ? `, ${redone} interrupted or stale (not counted)` : '';
      say(`study ${study.name}: ${trials.length} trials (${failed} failed${redoneNote}${prunedNote}), ${algo}, seed ${study.seed}`);
      if (front && front.length > 0) {
        say(`Pareto front of ${front.length} trial${front.length === 1 ? '' : 's'} (${study.directions.join(', ')}):`);
        say(
          formatTable([
            ['trial', ...study.directions.map((d, i) => `value ${i} (${d === 'minimize' ? 'min' : 'max'})`), 'params'],
            ...front.map((t) => [t.number, ...(t.values as number[]), JSON.stringify(t.params)]),
          ]),
        );
      } else if (front) say('no feasible trial completed');
      else if (best) {
        say(`best value ${best.value} at trial ${best.number}`);
        say(`params ${JSON.stringify(best.params)}`);
        say(`config ${JSON.stringify(best.config)}`);
      } else say('no trial completed');
      if (stop.signal.aborted) say('stopped early; run the same command again to continue');
      else if (held.count > 0 && held.finished < flags.maxEvals) {
        say(
          `budget not met: ${held.finished} of ${flags.maxEvals} trials finished; ${heldLine(held)}; run again after that, or with --wait`,
        );
      }
      if (flags.storage !== 'memory') say(`stored in ${redact(flags.storage)}; continue with --study ${quoteArg(study.name)}`);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await storage.close();
  }
  if (stop.signal.aborted) await exitAfterFlush(stopStatus);
  if (held.count > 0 && held.finished < flags.maxEvals) {
    if (flags.json) process.stderr.write(`parzen: budget not met: ${heldLine(held)}\n`);
    process.exitCode = EXIT_HELD;
  }
  if (allFailed) {
    const first = allFailed;
    throw new RunFailedError(
      `every trial failed; the first (trial ${first.number}) ${first.failReason === 'threw' ? 'threw' : `failed (${first.failReason})`}: ${first.failMessage}` +
        (flags.json || flags.storage === 'memory'
          ? ''
          : `\n  see them all with: parzen trials --state fail --study ${quoteArg(studyName)} --storage ${quoteArg(redact(flags.storage))}`),
    );
  }
}

/** `parzen run` ran, but not one trial completed: exit code 1 with the first failure's message. */
class RunFailedError extends Error {}

/**
 * A trial as the CLI prints it in JSON: a pruned trial with its last step (`lastStep`), and every trial with the
 * values it reported when `intermediate` is asked for.
 */
export function trialJson(t: TrialRecord, config?: unknown, intermediate = false): Record<string, unknown> {
  const last = t.intermediate?.at(-1);
  return {
    number: t.number,
    state: t.state,
    value: t.value,
    ...(t.values ? { values: t.values } : {}),
    ...(t.constraints ? { constraints: t.constraints } : {}),
    ...(t.state === 'pruned' ? { lastStep: last?.step ?? null } : {}),
    ...(intermediate
      ? { intermediate: (t.intermediate ?? []).map((e) => ({ step: e.step, value: Number.isNaN(e.value) ? null : e.value })) }
      : {}),
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

/** `--directions minimize,maximize`: at least two, each minimize or maximize. */
function directionList(value: string): Direction[] {
  const list = value.split(',').map((d) => d.trim());
  for (const d of list) {
    if (d !== 'minimize' && d !== 'maximize') throw new OptionsError(`--directions: ${JSON.stringify(d)} is not minimize or maximize`);
  }
  if (list.length < 2) throw new OptionsError('--directions needs at least two (one objective: --direction)');
  return list as Direction[];
}
