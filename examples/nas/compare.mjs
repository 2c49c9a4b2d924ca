#!/usr/bin/env node
// The samplers side by side on the NAS example at one fixed budget: run.mjs once per sampler and seed (the same
// budget, pruner, objective and seeds for every sampler), then each run's chosen architecture re-evaluated on other
// seeds (validation loss and error; the searched score decides the wins) and its mean test accuracy next to the
// baseline's. Prints a Markdown table (or the rows with --json).
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: o } = parseArgs({
  options: {
    algos: { type: 'string', default: 'random,tpe,gp,evolution' },
    seeds: { type: 'string', default: '5' },
    'first-seed': { type: 'string', default: '1' },
    trials: { type: 'string', default: '40' },
    epochs: { type: 'string', default: '15' },
    objective: { type: 'string', default: 'loss' },
    pruner: { type: 'string', default: 'median' },
    'pruner-options': { type: 'string', default: '{"nWarmupSteps":4}' },
    reseeds: { type: 'string', default: '3' },
    'test-seeds': { type: 'string', default: '3' },
    subset: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const algos = o.algos.split(',');
const seeds = Array.from({ length: Number(o.seeds) }, (_, i) => Number(o['first-seed']) + i);
const key = o.objective === 'loss' ? 'valLoss' : 'valError';
const dir = mkdtempSync(join(tmpdir(), 'parzen-nas-compare-'));
const run = fileURLToPath(new URL('./run.mjs', import.meta.url));
const rows = [];
const started = Date.now();
for (const algo of algos) {
  for (const seed of seeds) {
    const args = [run, '--algo', algo, '--seed', String(seed), '--trials', o.trials, '--epochs', o.epochs, '--objective', o.objective];
    args.push('--pruner', o.pruner, '--pruner-options', o['pruner-options'], '--reseeds', o.reseeds, '--test-seeds', o['test-seeds']);
    args.push('--storage', `sqlite:${join(dir, 'nas.db')}`, '--report', join(dir, `${algo}-${seed}.html`));
    if (o.subset) args.push('--subset', o.subset);
    const t0 = Date.now();
    const r = JSON.parse(execFileSync(process.execPath, [...args, '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 }));
    const row = {
      algo,
      seed,
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
const spread = (a, digits = 4) =>
  `${quantile(a, 0.5).toFixed(digits)} (${quantile(a, 0.25).toFixed(digits)}–${quantile(a, 0.75).toFixed(digits)})`;
const of = (algo, k) => rows.filter((r) => r.algo === algo).map((r) => r[k]);
/** Seeds where a's chosen architecture scores better than b's (re-evaluated, on the searched score), level, worse. */
const tally = (a, b) => {
  const [x, y] = [of(a, key), of(b, key)];
  return {
    better: x.filter((v, i) => v < y[i]).length,
    level: x.filter((v, i) => v === y[i]).length,
    worse: x.filter((v, i) => v > y[i]).length,
  };
};
const overBaseline = (algo) => rows.filter((r) => r.algo === algo && r.testAccuracy > r.baselineTestAccuracy).length;
const minutes = Math.round((Date.now() - started) / 60000);

if (o.json) console.log(JSON.stringify({ ...o, seeds, minutes, rows }, null, 2));
else {
  console.log(
    `${o.trials} trials of up to ${o.epochs} epochs searched on the validation ${o.objective}, pruner ${o.pruner} ${o['pruner-options']}, ` +
      `seeds ${seeds.join(', ')}; re-evaluated on ${o.reseeds} seeds, tested on ${o['test-seeds']}; median (quartiles); ${minutes} minutes\n`,
  );
  console.log(
    `| sampler | best validation ${o.objective} in the search | chosen, re-evaluated: validation loss | validation error | test accuracy | beats the baseline's test accuracy | trials pruned |`,
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const algo of algos)
    console.log(
      `| ${algo} | ${spread(of(algo, 'searchValue'))} | ${spread(of(algo, 'valLoss'))} | ${spread(of(algo, 'valError'))} | ${spread(of(algo, 'testAccuracy'), 3)} | ${overBaseline(algo)} of ${seeds.length} | ${quantile(of(algo, 'pruned'), 0.5)} |`,
    );
  const base = (k) => rows.filter((r) => r.algo === algos[0]).map((r) => r[k]);
  console.log(
    `| baseline | | ${spread(base('baselineValLoss'))} | ${spread(base('baselineValError'))} | ${spread(base('baselineTestAccuracy'), 3)} | | |`,
  );
  console.log(
    `\nRe-evaluated validation ${o.objective} of the chosen architecture against random search's, per seed (better / level / worse):`,
  );
  for (const algo of algos.filter((a) => a !== 'random' && algos.includes('random'))) {
    const t = tally(algo, 'random');
    console.log(`- ${algo}: ${t.better} / ${t.level} / ${t.worse}`);
  }
}
