#!/usr/bin/env node
// The samplers side by side on the NAS example at one fixed budget: run.mjs once per sampler and seed, then the
// validation error of each run's chosen architecture (re-evaluated on other seeds), median and spread, and its test
// accuracy next to the baseline's. Prints a Markdown table (or the rows with --json).
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
    trials: { type: 'string', default: '30' },
    epochs: { type: 'string', default: '15' },
    pruner: { type: 'string', default: 'median' },
    subset: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const dir = mkdtempSync(join(tmpdir(), 'parzen-nas-compare-'));
const run = fileURLToPath(new URL('./run.mjs', import.meta.url));
const rows = [];
for (const algo of o.algos.split(',')) {
  for (let seed = 1; seed <= Number(o.seeds); seed++) {
    const args = [run, '--algo', algo, '--seed', String(seed), '--trials', o.trials, '--epochs', o.epochs];
    args.push('--pruner', o.pruner, '--storage', `sqlite:${join(dir, 'nas.db')}`, '--report', join(dir, `${algo}-${seed}.html`));
    if (o.subset) args.push('--subset', o.subset);
    const r = JSON.parse(execFileSync(process.execPath, [...args, '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 }));
    const row = {
      algo,
      seed,
      searchError: Math.min(...r.finalists.map((f) => f.searchError)),
      valError: r.chosen.valError,
      testAccuracy: r.chosen.testAccuracy,
      baselineValError: r.baseline.valError,
      baselineTestAccuracy: r.baseline.testAccuracy,
      pruned: r.pruned,
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
const of = (algo, key) => rows.filter((r) => r.algo === algo).map((r) => r[key]);
const wins = (a, b) => of(a, 'valError').filter((v, i) => v < of(b, 'valError')[i]).length;

if (o.json) console.log(JSON.stringify({ trials: Number(o.trials), epochs: Number(o.epochs), pruner: o.pruner, rows }, null, 2));
else {
  console.log(`${o.trials} trials of up to ${o.epochs} epochs, pruner ${o.pruner}, ${o.seeds} seeds; median (quartiles)\n`);
  console.log(
    '| sampler | best validation error in the search | chosen, re-evaluated on 3 seeds | chosen, test accuracy | trials pruned |',
  );
  console.log('|---|---|---|---|---|');
  for (const algo of o.algos.split(','))
    console.log(
      `| ${algo} | ${spread(of(algo, 'searchError'))} | ${spread(of(algo, 'valError'))} | ${spread(of(algo, 'testAccuracy'), 3)} | ${quantile(of(algo, 'pruned'), 0.5)} |`,
    );
  const base = rows.map((r) => r.baselineValError);
  console.log(
    `| baseline | | ${spread(base)} | ${spread(
      rows.map((r) => r.baselineTestAccuracy),
      3,
    )} | |`,
  );
  if (o.algos.includes('tpe') && o.algos.includes('random'))
    console.log(`\nTPE's chosen architecture beats random search's (re-evaluated) in ${wins('tpe', 'random')} of ${o.seeds} seeds.`);
}
