#!/usr/bin/env node
// The samplers side by side on the NAS example at one fixed budget: run.mjs once per sampler and seed (the same
// budget, pruner, objective and seeds for every sampler), then each run's chosen architecture re-evaluated on other
// seeds (validation loss and error; the searched score decides the wins) and its mean test accuracy next to the
// baseline's. Prints a Markdown table (or the rows with --json). `--rows FILE` adds the rows of an earlier --json run
// with the same settings (a sampler's runs do not depend on another's, so a change to one reruns only that one).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { OBJECTIVES, defaultPrunerOptions, fail, jsonObject, nonNegativeInt, positiveInt } from './options.mjs';

// options are kept as the strings given (the rows of --json carry them, and --rows compares them)
const checked = (parse) => (value) => (parse(value), value);
const opts = new Command('compare.mjs')
  .description('The samplers side by side on the NAS example: run.mjs per sampler and seed, then a table of their choices.')
  .option('--algos <list>', "samplers to run, comma-separated ('' for none: only --rows)", 'random,tpe,gp,evolution')
  .option('--seeds <n>', 'sampler seeds per sampler', checked(positiveInt), '5')
  .option('--first-seed <n>', 'the first sampler seed', checked(nonNegativeInt), '1')
  .option('--trials <n>', 'trials per search', checked(positiveInt), '80')
  .option('--epochs <n>', 'epochs per training', checked(positiveInt), '15')
  .addOption(new Option('--objective <score>', 'validation score searched and compared').choices(OBJECTIVES).default('loss'))
  .option('--pruner <name>', "run.mjs's --pruner", 'median')
  .option('--pruner-options <json>', 'run.mjs\'s --pruner-options (median: {"nWarmupSteps":4} unless given)', checked(jsonObject))
  .option('--reseeds <n>', 'training seeds per finalist', checked(positiveInt), '3')
  .option('--test-seeds <n>', 'training seeds per final model', checked(positiveInt), '3')
  .option('--algo-options <json>', 'per sampler, e.g. \'{"tpe":{"nStartupTrials":5}}\'', checked(jsonObject), '{}')
  .option('--rows <file>', 'rows of an earlier --json run with the same settings (repeatable)', (v, list) => [...list, v], [])
  .option('--subset <rows>', 'rows per split, for a quick look', checked(positiveInt))
  .option('--json', 'the rows as JSON on stdout, no progress', false)
  .parse()
  .opts();
const o = {
  algos: opts.algos,
  seeds: opts.seeds,
  'first-seed': opts.firstSeed,
  trials: opts.trials,
  epochs: opts.epochs,
  objective: opts.objective,
  pruner: opts.pruner,
  'pruner-options': opts.prunerOptions ?? JSON.stringify(defaultPrunerOptions(opts.pruner)),
  reseeds: opts.reseeds,
  'test-seeds': opts.testSeeds,
  'algo-options': opts.algoOptions,
  rows: opts.rows,
  subset: opts.subset,
  json: opts.json,
};
const ran = o.algos ? o.algos.split(',') : [];
const seeds = Array.from({ length: Number(o.seeds) }, (_, i) => Number(o['first-seed']) + i);
const algoOptions = JSON.parse(o['algo-options']);
/** A row's name in the table: its sampler, with the options it ran with when any (two settings side by side). */
const samplerOf = (r) => (r.algoOptions && Object.keys(r.algoOptions).length ? `${r.algo} ${JSON.stringify(r.algoOptions)}` : r.algo);
const names = ran.map((algo) => samplerOf({ algo, algoOptions: algoOptions[algo] }));
// the settings every row of one table shares (an earlier run's rows are added only when they match)
const settings = ['trials', 'epochs', 'objective', 'pruner', 'pruner-options', 'reseeds', 'test-seeds', 'subset'];
const rows = [];
for (const file of o.rows) {
  const earlier = JSON.parse(readFileSync(file, 'utf8'));
  for (const k of settings)
    if (earlier[k] !== o[k]) fail(`--rows ${file}: its ${k} is ${JSON.stringify(earlier[k])}, this run's ${JSON.stringify(o[k])}`);
  if (earlier.seeds.join() !== seeds.join())
    fail(`--rows ${file}: its seeds are ${earlier.seeds.join(', ')}, this run's ${seeds.join(', ')}`);
  const dup = earlier.rows.find(
    (r) => names.includes(samplerOf(r)) || rows.some((q) => samplerOf(q) === samplerOf(r) && q.seed === r.seed),
  );
  if (dup) fail(`--rows ${file}: ${samplerOf(dup)} seed ${dup.seed} is already in this table`);
  rows.push(...earlier.rows);
}
const algos = [...new Set([...rows.map(samplerOf), ...names])];
const key = o.objective === 'loss' ? 'valLoss' : 'valError';
const dir = mkdtempSync(join(tmpdir(), 'parzen-nas-compare-'));
const run = fileURLToPath(new URL('./run.mjs', import.meta.url));
const started = Date.now();
for (const algo of ran) {
  for (const seed of seeds) {
    const args = [run, '--algo', algo, '--seed', String(seed), '--trials', o.trials, '--epochs', o.epochs, '--objective', o.objective];
    args.push('--pruner', o.pruner, '--pruner-options', o['pruner-options'], '--reseeds', o.reseeds, '--test-seeds', o['test-seeds']);
    args.push('--storage', `sqlite:${join(dir, 'nas.db')}`, '--report', join(dir, `${algo}-${seed}.html`));
    if (o.subset) args.push('--subset', o.subset);
    if (algoOptions[algo]) args.push('--algo-options', JSON.stringify(algoOptions[algo]));
    const t0 = Date.now();
    const r = JSON.parse(execFileSync(process.execPath, [...args, '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 }));
    const row = {
      algo,
      seed,
      algoOptions: r.algoOptions ?? algoOptions[algo] ?? {},
      searchValue: Math.min(...r.finalists.map((f) => f.searchValue)),
      chosenTrial: r.chosen.trial,
      valLoss: r.chosen.valLoss,
      valError: r.chosen.valError,
      testAccuracy: r.chosen.testAccuracy,
      baselineValLoss: r.baseline.valLoss,
      baselineValError: r.baseline.valError,
      baselineTestAccuracy: r.baseline.testAccuracy,
      pruned: r.pruned,
      seconds: Math.round((Date.now() - t0) / 1000),
    };
    rows.push(row);
    if (!o.json) process.stderr.write(`${algo} seed ${seed}: ${JSON.stringify(row)}\n`);
  }
}

const quantile = (a, q) => {
  const s = [...a].sort((x, y) => x - y);
  const i = (s.length - 1) * q;
  return s[Math.floor(i)] + (s[Math.ceil(i)] - s[Math.floor(i)]) * (i - Math.floor(i));
};
/** Median (quartiles), or the one value when the quartiles are level (the baseline's, the same in every run). */
const spread = (a, digits = 4) => {
  const [lo, mid, hi] = [0.25, 0.5, 0.75].map((q) => quantile(a, q).toFixed(digits));
  return lo === hi ? mid : `${mid} (${lo}–${hi})`;
};
const of = (name, k) => rows.filter((r) => samplerOf(r) === name).map((r) => r[k]);
const rowOf = (name, seed) => rows.find((r) => samplerOf(r) === name && r.seed === seed);
/** Seeds where a's chosen architecture scores better than b's (re-evaluated, on the searched score), level, worse. */
const tally = (a, b) => {
  const d = seeds.map((seed) => rowOf(a, seed)[key] - rowOf(b, seed)[key]);
  return { better: d.filter((v) => v < 0).length, level: d.filter((v) => v === 0).length, worse: d.filter((v) => v > 0).length };
};
const overBaseline = (name) => rows.filter((r) => samplerOf(r) === name && r.testAccuracy > r.baselineTestAccuracy).length;
const minutes = Math.round((Date.now() - started) / 60000);

// the studies stay in `storage` (each run's report beside it): slices.mjs reads what their trials show
const storage = ran.length ? `sqlite:${join(dir, 'nas.db')}` : undefined;
if (o.json) console.log(JSON.stringify({ ...o, seeds, minutes, storage, rows }, null, 2));
else {
  console.log(
    `${o.trials} trials of up to ${o.epochs} epochs searched on the validation ${o.objective}, pruner ${o.pruner} ${o['pruner-options']}, ` +
      `seeds ${seeds.join(', ')}; re-evaluated on ${o.reseeds} seeds, tested on ${o['test-seeds']}; median (quartiles); ` +
      `${ran.length ? `${ran.join(', ')} in ${minutes} minutes (studies in ${storage})` : 'no sampler run'}${o.rows.length ? `; rows of ${o.rows.join(', ')}` : ''}\n`,
  );
  console.log(
    `| sampler | best validation ${o.objective} in the search | chosen, re-evaluated: validation loss | validation error | test accuracy | beats the baseline's test accuracy | trials pruned |`,
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const algo of algos)
    console.log(
      `| ${algo} | ${spread(of(algo, 'searchValue'))} | ${spread(of(algo, 'valLoss'))} | ${spread(of(algo, 'valError'))} | ${spread(of(algo, 'testAccuracy'), 3)} | ${overBaseline(algo)} of ${seeds.length} | ${quantile(of(algo, 'pruned'), 0.5)} |`,
    );
  const base = (k) => of(algos[0], k);
  console.log(
    `| baseline | | ${spread(base('baselineValLoss'))} | ${spread(base('baselineValError'))} | ${spread(base('baselineTestAccuracy'), 3)} | | |`,
  );
  console.log(
    `\nRe-evaluated validation ${o.objective} of the chosen architecture against random search's, per seed (better / level / worse):`,
  );
  for (const algo of algos.filter((a) => a !== 'random' && algos.includes('random'))) {
    const t = tally(algo, 'random');
    const per = seeds.map((seed) => {
      const [x, y] = [rowOf(algo, seed), rowOf('random', seed)];
      return `seed ${seed} ${x[key].toFixed(4)} (trial ${x.chosenTrial}) against ${y[key].toFixed(4)} (trial ${y.chosenTrial})`;
    });
    console.log(`- ${algo}: ${t.better} / ${t.level} / ${t.worse}: ${per.join('; ')}`);
  }
}
