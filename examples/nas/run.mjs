#!/usr/bin/env node
// Neural architecture search on the digits, the practitioner's way (see README.md here):
// (1) a small baseline, enqueued as the search's first trial, (2) the search, with worker threads and a pruner,
// (3) the top configurations and the baseline re-evaluated on other seeds, (4) the chosen one and the baseline
// trained on a few more seeds and scored on the test split, once per model and seed, (5) the HTML report.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { createPruner, createSampler, createStudy, openStorage } from 'parzen-hpo';
import { OBJECTIVES, defaultPrunerOptions, fail, jsonObject, nonNegativeInt, positiveInt } from './options.mjs';
import { baseline, space } from './space.mjs';
import { trainPool } from './train-pool.mjs';

const o = new Command('run.mjs')
  .description('Neural architecture search on the handwritten digits: baseline, search, re-evaluation, test, report.')
  .option('--trials <n>', 'trials in the search, the baseline included', positiveInt, 80)
  .option('--epochs <n>', 'epochs per training (the most a trial trains)', positiveInt, 15)
  .option('--algo <name>', 'sampler: tpe, gp, random, evolution, …', 'tpe')
  .option('--algo-options <json>', "the sampler's options", jsonObject, {})
  .addOption(new Option('--objective <score>', 'validation score searched and compared').choices(OBJECTIVES).default('loss'))
  .option('--pruner <name>', 'median, percentile, asha, hyperband, none, …', 'median')
  .option('--pruner-options <json>', 'the pruner\'s options (median: {"nWarmupSteps":4} unless given)', jsonObject)
  .option('--seed <n>', "the study's seed", nonNegativeInt, 1)
  .option('--storage <url>', 'where the study is kept', 'sqlite:./nas.db')
  .option('--study <name>', 'the study (default nas-ALGO-SEED); an existing one is resumed')
  .option('--concurrency <n>', 'worker threads for the search, the re-evaluations and the final models', positiveInt, 2)
  .option('--top <n>', 'finalists re-evaluated', positiveInt, 3)
  .option('--reseeds <n>', 'training seeds per finalist', positiveInt, 3)
  .option('--test-seeds <n>', 'training seeds per final model', positiveInt, 3)
  .option('--subset <rows>', 'rows per split, for a quick look', positiveInt)
  .option('--report <file>', 'the HTML report', 'nas-report.html')
  .option('--json', 'the result as JSON on stdout, no progress', false)
  .parse()
  .opts();
const epochs = o.epochs;
if (o.subset) process.env.NAS_SUBSET = String(o.subset);
process.env.NAS_EPOCHS = String(o.epochs);
process.env.NAS_OBJECTIVE = o.objective;
const say = (s) => o.json || process.stderr.write(`${s}\n`);
const mean = (a) => a.reduce((s, v) => s + v, 0) / a.length;
const seeds = Array.from({ length: o.reseeds }, (_, i) => 1000 + i);
const testSeeds = Array.from({ length: o.testSeeds }, (_, i) => 7 + i);
const key = o.objective === 'loss' ? 'valLoss' : 'valError';
const prunerOptions = o.prunerOptions ?? defaultPrunerOptions(o.pruner);
/** What `make` builds from an option, or an error naming its flag. */
const from = (flag, make) => {
  try {
    return make();
  } catch (e) {
    fail(`${flag}: ${e.message}`);
  }
};
const sampler = from('--algo', () => createSampler(o.algo, o.algoOptions));
const pruner = from('--pruner', () => createPruner(o.pruner, prunerOptions));

// (1) + (2) the search, its first trial the baseline (enqueued, so every sampler sees it like any other trial)
const name = o.study ?? `nas-${o.algo}-${o.seed}`;
const storage = await openStorage(o.storage).catch((e) => fail(`--storage: ${e.message}`));
const study = await createStudy({ name, space, sampler, pruner, seed: o.seed, storage, resume: true }).catch((e) =>
  fail(`study ${name} in ${o.storage}: ${e.message}`),
);
const earlier = await study.trials();
// a resumed study goes on only with the training it was searched with (each complete trial records it)
const searched = earlier.find((t) => t.state === 'complete' && t.attrs.epochs !== undefined)?.attrs;
if (searched)
  for (const [flag, was, now] of [
    ['--epochs', searched.epochs, o.epochs],
    ['--objective', searched.objective, o.objective],
    ['--subset', searched.subset, o.subset ?? null],
  ])
    if (was !== now)
      fail(
        `study ${name} in ${o.storage} was searched with ${flag} ${was ?? '(none)'}, not ${now ?? '(none)'}: ` +
          'pass that value, or another --study or --storage',
      );
if (earlier.length === 0) await study.enqueue(baseline);
const round = (v) => (v === null ? '–' : v.toFixed(4));
await study.optimize(
  { module: fileURLToPath(new URL('./objective.mjs', import.meta.url)) },
  {
    nTrials: o.trials,
    concurrency: o.concurrency,
    onProgress: o.json
      ? undefined
      : (p) => say(`trial ${p.done}/${p.total}: ${p.pruned} pruned, ${p.failed} failed; best ${round(p.best)}`),
  },
);
const trials = await study.trials();
const baselineTrial = trials.find((t) => t.number === 0);
say(`baseline (trial 0): validation ${o.objective} ${baselineTrial.value?.toFixed(4)} in the search`);

// (3) the top configurations (and the noise-aware recommendation, when it is not among them), re-evaluated on other
// seeds with the baseline: which result is real and which was lucky. The choice is the best mean of the searched
// score (loss or error) over these seeds; the other is kept beside it.
const complete = trials.filter((t) => t.state === 'complete').sort((a, b) => a.value - b.value);
const top = complete.slice(0, o.top);
const recommended = await study.recommend({ noisy: true });
if (recommended && !top.some((t) => t.number === recommended.number)) top.push(recommended);
const pool = trainPool(o.concurrency);
// a line per finished training (each phase trains a few networks in full: minutes, silent otherwise)
const phase = { name: 're-evaluation', done: 0, total: (top.length + 1) * seeds.length };
const onSeeds = (config, list, test = false) =>
  Promise.all(
    list.map((seed) =>
      pool.train(config, { seed, epochs, test }).then((r) => {
        say(`${phase.name} ${++phase.done}/${phase.total} (seed ${seed}): validation loss ${r.valLoss.toFixed(4)}`);
        return r;
      }),
    ),
  );
const summary = (runs) => ({ valLoss: mean(runs.map((r) => r.valLoss)), valError: mean(runs.map((r) => r.valError)) });
const configs = top.map((t) => study.space.toObject(t.params));
const [baselineRuns, ...finalistRuns] = await Promise.all([baseline, ...configs].map((c) => onSeeds(c, seeds)));
const baselineVal = summary(baselineRuns);
say(`baseline: validation loss ${baselineVal.valLoss.toFixed(4)}, error ${baselineVal.valError.toFixed(4)} over ${seeds.length} seeds`);
const finalists = top.map((t, i) => {
  const f = { number: t.number, searchValue: t.value, ...summary(finalistRuns[i]), recommended: t.number === recommended?.number };
  say(
    `trial ${t.number}: ${t.value.toFixed(4)} in the search; loss ${f.valLoss.toFixed(4)}, error ${f.valError.toFixed(4)} over ${seeds.length} seeds`,
  );
  return { ...f, config: configs[i] };
});
finalists.sort((a, b) => a[key] - b[key]);
// the baseline, re-evaluated on the same seeds, stays the choice when no finalist beats it there
const baselineEntry = { number: 0, searchValue: baselineTrial.value, ...baselineVal, config: baseline };
const chosen = finalists.length && finalists[0][key] <= baselineVal[key] ? finalists[0] : baselineEntry;

// (4) the chosen architecture and the baseline, trained on other seeds and scored on the test split (used only here,
// once per final model and seed): the mean says whether the architecture beats the baseline, not one training draw
Object.assign(phase, { name: 'test training', done: 0, total: (chosen.number === 0 ? 1 : 2) * testSeeds.length });
const baseRunsP = onSeeds(baseline, testSeeds, true);
const [finalRuns, baseRuns] = await Promise.all([chosen.number === 0 ? baseRunsP : onSeeds(chosen.config, testSeeds, true), baseRunsP]);
await pool.close();
await storage.close();
const accuracies = (runs) => runs.map((r) => 1 - r.testError);

// (5) the report
const cli = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
let report = o.report;
try {
  execFileSync(process.execPath, [cli, 'report', '--study', name, '--storage', o.storage, '--out', o.report], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
} catch (e) {
  report = null;
  process.stderr.write(`the report was not written: ${e.code === 'ENOENT' ? e.message : String(e.stderr).trim() || e.message}\n`);
}
const result = {
  study: name,
  algo: o.algo,
  algoOptions: o.algoOptions,
  objective: o.objective,
  pruner: o.pruner,
  prunerOptions,
  seed: o.seed,
  trials: o.trials,
  pruned: trials.filter((t) => t.state === 'pruned').length,
  epochs,
  testSeeds,
  baseline: {
    searchValue: baselineTrial.value,
    ...baselineVal,
    testAccuracy: mean(accuracies(baseRuns)),
    testAccuracies: accuracies(baseRuns),
  },
  chosen: {
    trial: chosen.number,
    searchValue: chosen.searchValue,
    valLoss: chosen.valLoss,
    valError: chosen.valError,
    testAccuracy: mean(accuracies(finalRuns)),
    testAccuracies: accuracies(finalRuns),
    config: chosen.config,
  },
  finalists,
  report,
};
if (o.json) console.log(JSON.stringify(result, null, 2));
else
  say(
    `test accuracy over ${testSeeds.length} seeds: chosen (trial ${chosen.number}) ${(100 * result.chosen.testAccuracy).toFixed(1)}%, ` +
      `baseline ${(100 * result.baseline.testAccuracy).toFixed(1)}%${report ? `; report in ${report}` : ''}`,
  );
