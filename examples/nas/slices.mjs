#!/usr/bin/env node
// What batch normalisation, dropout, depth and the optimizer did, over the trials of one or more studies of this
// example (random search's are an unbiased sample of the space; a guided sampler's are not): per setting, the median
// validation loss after the fifth epoch (every trial reports it: the pruner waits that long), and how many trials
// completed and with what loss. The report shows the same as slice plots, one study at a time.
import { Command } from 'commander';
import { createStudy, openStorage } from 'parzen-hpo';
import { fail } from './options.mjs';
import { space } from './space.mjs';

const o = new Command('slices.mjs')
  .description("What batchNorm, dropout, depth and the optimizer did, over studies' trials (the baseline left out).")
  .requiredOption('--storage <url>', 'where the studies are, e.g. sqlite:./nas.db (repeatable)', (v, list = []) => [...list, v])
  .option('--match <regexp>', 'the studies whose names match', '^nas-random-')
  .option('--json', 'the rows as JSON', false)
  .parse()
  .opts();

const trials = [];
for (const url of o.storage) {
  const storage = await openStorage(url);
  try {
    const names = (await storage.listStudies()).map((s) => s.name).filter((n) => new RegExp(o.match).test(n));
    if (!names.length) {
      fail(`--match ${o.match}: no study of ${url} matches`);
    }
    for (const name of names) {
      const study = await createStudy({ name, space, storage, resume: true });
      for (const t of await study.trials()) {
        if (t.number === 0 || (t.state !== 'complete' && t.state !== 'pruned')) continue; // trial 0 is the baseline
        const fifth = t.intermediate?.find((v) => v.step === 4)?.value;
        trials.push({ config: study.space.toObject(t.params), state: t.state, value: t.value, fifth });
      }
    }
  } finally {
    await storage.close();
  }
}

const quantile = (a, q) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length ? s[Math.floor((s.length - 1) * q)] : NaN;
};
const groups = [
  ['batchNorm on', (c) => c.batchNorm],
  ['batchNorm off', (c) => !c.batchNorm],
  ['dropout < 0.1', (c) => c.dropout < 0.1],
  ['dropout 0.1–0.25', (c) => c.dropout >= 0.1 && c.dropout < 0.25],
  ['dropout ≥ 0.25', (c) => c.dropout >= 0.25],
  ...[1, 2, 3, 4].map((d) => [`${d} hidden layer${d > 1 ? 's' : ''}`, (c) => c.layers.length === d]),
  ...['sgd', 'adam', 'rmsprop'].map((name) => [name, (c) => c.optimizer.name === name]),
];
const rows = groups.map(([setting, has]) => {
  const g = trials.filter((t) => has(t.config));
  const done = g.filter((t) => t.state === 'complete').map((t) => t.value);
  return {
    setting,
    trials: g.length,
    fifthEpochMedian: quantile(
      g.map((t) => t.fifth).filter((v) => v !== undefined),
      0.5,
    ),
    complete: done.length,
    completeMedian: quantile(done, 0.5),
    completeBest: done.length ? Math.min(...done) : NaN,
  };
});
if (o.json) console.log(JSON.stringify(rows, null, 2));
else {
  console.log('| setting | trials | validation loss after epoch 5, median | complete | their final loss: median | best |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows)
    console.log(
      `| ${r.setting} | ${r.trials} | ${r.fifthEpochMedian.toFixed(3)} | ${r.complete} (${Math.round((100 * r.complete) / r.trials)}%) | ${r.completeMedian.toFixed(4)} | ${r.completeBest.toFixed(4)} |`,
    );
}
