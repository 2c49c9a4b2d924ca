#!/usr/bin/env node
// Neural architecture search on the digits, the practitioner's way (see README.md here):
// (1) a small baseline, enqueued as the search's first trial, (2) the search, with worker threads and a pruner,
// (3) the top configurations and the baseline re-evaluated on other seeds, (4) the chosen one trained once more and
// scored on the test split, (5) the HTML report.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createPruner, createSampler, createStudy, openStorage } from 'parzen-hpo';
import { baseline, space } from './space.mjs';
import { train } from './objective.mjs';

const { values: o } = parseArgs({
  options: {
    trials: { type: 'string', default: '40' },
    epochs: { type: 'string', default: '15' },
    algo: { type: 'string', default: 'tpe' },
    pruner: { type: 'string', default: 'median' },
    seed: { type: 'string', default: '1' },
    storage: { type: 'string', default: 'sqlite:./nas.db' },
    study: { type: 'string' },
    concurrency: { type: 'string', default: '2' },
    top: { type: 'string', default: '3' },
    reseeds: { type: 'string', default: '3' },
    subset: { type: 'string' },
    report: { type: 'string', default: 'nas-report.html' },
    json: { type: 'boolean', default: false },
  },
});
const epochs = Number(o.epochs);
if (o.subset) process.env.NAS_SUBSET = o.subset;
process.env.NAS_EPOCHS = o.epochs;
const say = (s) => o.json || process.stderr.write(`${s}\n`);
const mean = (a) => a.reduce((s, v) => s + v, 0) / a.length;
const seeds = Array.from({ length: Number(o.reseeds) }, (_, i) => 1000 + i);

// (1) + (2) the search, its first trial the baseline (enqueued, so every sampler sees it like any other trial)
const name = o.study ?? `nas-${o.algo}-${o.seed}`;
const storage = await openStorage(o.storage);
const study = await createStudy({
  name,
  space,
  sampler: createSampler(o.algo),
  pruner: createPruner(o.pruner),
  seed: Number(o.seed),
  storage,
  resume: true,
});
if ((await study.trials()).length === 0) await study.enqueue(baseline);
await study.optimize(
  { module: fileURLToPath(new URL('./objective.mjs', import.meta.url)) },
  {
    nTrials: Number(o.trials),
    concurrency: Number(o.concurrency),
    onProgress: o.json ? undefined : (p) => say(`trial ${p.done}/${p.total ?? o.trials}: best ${p.best}`),
  },
);
const trials = await study.trials();
const baselineTrial = trials.find((t) => t.number === 0);
say(`baseline (trial 0): validation error ${baselineTrial.value?.toFixed(4)} in the search`);

// (3) the top configurations (and the noise-aware recommendation, when it is not among them), re-evaluated on other
// seeds with the baseline: which result is real and which was lucky
const complete = trials.filter((t) => t.state === 'complete').sort((a, b) => a.value - b.value);
const top = complete.slice(0, Number(o.top));
const recommended = await study.recommend({ noisy: true });
if (recommended && !top.some((t) => t.number === recommended.number)) top.push(recommended);
const reevaluate = async (config) => {
  const errors = [];
  for (const seed of seeds) errors.push((await train(config, { seed, epochs })).valError);
  return mean(errors);
};
const baselineError = await reevaluate(baseline);
say(`baseline: validation error ${baselineError.toFixed(4)} over ${seeds.length} seeds`);
const finalists = [];
for (const t of top) {
  const config = study.space.toObject(t.params);
  const reevaluated = await reevaluate(config);
  finalists.push({ number: t.number, searchError: t.value, reevaluated, recommended: t.number === recommended?.number, config });
  say(`trial ${t.number}: ${t.value.toFixed(4)} in the search, ${reevaluated.toFixed(4)} over ${seeds.length} seeds`);
}
finalists.sort((a, b) => a.reevaluated - b.reevaluated);
const chosen = finalists[0];

// (4) the chosen architecture and the baseline, trained once more and scored on the test split (used only here)
const final = await train(chosen.config, { seed: 7, epochs, test: true });
const base = await train(baseline, { seed: 7, epochs, test: true });
await storage.close();

// (5) the report
const cli = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
try {
  execFileSync(process.execPath, [cli, 'report', '--study', name, '--storage', o.storage, '--out', o.report], { stdio: 'ignore' });
} catch {
  say('(the report was not written: build parzen first with npm run build)');
}
const result = {
  study: name,
  algo: o.algo,
  pruner: o.pruner,
  seed: Number(o.seed),
  trials: Number(o.trials),
  pruned: trials.filter((t) => t.state === 'pruned').length,
  epochs,
  baseline: { searchError: baselineTrial.value, valError: baselineError, testAccuracy: 1 - base.testError },
  chosen: {
    trial: chosen.number,
    searchError: chosen.searchError,
    valError: chosen.reevaluated,
    testAccuracy: 1 - final.testError,
    config: chosen.config,
  },
  finalists,
  report: o.report,
};
if (o.json) console.log(JSON.stringify(result, null, 2));
else
  say(
    `test accuracy: chosen ${(100 * result.chosen.testAccuracy).toFixed(1)}%, baseline ${(100 * result.baseline.testAccuracy).toFixed(1)}%; report in ${o.report}`,
  );
