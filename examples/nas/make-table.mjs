// Builds the tabular benchmark `nas-digits` of `parzen bench moo` (src/bench/nas-digits.json): every architecture of a
// small finite space drawn from this example's, trained once per training seed with this example's own code
// (objective.mjs's `train`, data.mjs's fixed splits), as NAS-Bench-101/201 and HPOBench tabulate theirs. The bench then
// looks architectures up instead of training them, so that 10 seeds × 200 trials × several samplers (and Optuna) fit.
//
//   nice -n 10 node examples/nas/make-table.mjs --seeds 0,1 --progress nas-table.jsonl --out src/bench/nas-digits.json
//
// The space: 0–3 hidden layers; each layer's width from 8, 16, 32, 64, 128 (log-spaced); one activation (relu, tanh)
// shared by the hidden layers, absent at depth 0. Fixed training: adam (learning rate 0.01), batch size 64, 10 epochs,
// no batch normalisation or dropout. Per architecture and seed: the validation error and loss after the last epoch.
// --progress keeps one line per finished training, so a stopped run resumes where it was.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { countParams, train } from './objective.mjs';

export const WIDTHS = [8, 16, 32, 64, 128];
export const ACTIVATIONS = ['relu', 'tanh'];
export const DEPTHS = [0, 1, 2, 3];
export const TRAINING = { optimizer: { name: 'adam', lr: 0.01 }, batchSize: 64, epochs: 10, batchNorm: false, dropout: 0 };

/** The table's key of an architecture: '0' (no hidden layer) or 'relu:32-8' (activation, then the widths in order). */
export const keyOf = (activation, units) => (units.length === 0 ? '0' : `${activation}:${units.join('-')}`);

/** Every architecture of the space: [{ key, activation, units }], depth by depth. */
export function architectures() {
  const out = [{ key: '0', activation: null, units: [] }];
  const widths = (depth) => (depth === 0 ? [[]] : widths(depth - 1).flatMap((w) => WIDTHS.map((u) => [...w, u])));
  for (const depth of DEPTHS.slice(1)) {
    for (const activation of ACTIVATIONS) {
      for (const units of widths(depth)) out.push({ key: keyOf(activation, units), activation, units });
    }
  }
  return out;
}

const configOf = (a) => ({
  layers: a.units.map((units) => ({ units, activation: a.activation })),
  batchNorm: TRAINING.batchNorm,
  dropout: TRAINING.dropout,
  optimizer: TRAINING.optimizer,
  batchSize: TRAINING.batchSize,
});

async function main() {
  const { values } = parseArgs({
    options: {
      seeds: { type: 'string', default: '0,1' },
      progress: { type: 'string' },
      out: { type: 'string', default: 'src/bench/nas-digits.json' },
    },
  });
  const seeds = values.seeds.split(',').map(Number);
  const archs = architectures();
  const done = new Map(); // `${seed}/${key}` → { valError, valLoss }
  if (values.progress && existsSync(values.progress)) {
    for (const line of readFileSync(values.progress, 'utf8').split('\n').filter(Boolean)) {
      const r = JSON.parse(line);
      done.set(`${r.seed}/${r.key}`, r);
    }
  }
  for (const seed of seeds) {
    for (const a of archs) {
      if (done.has(`${seed}/${a.key}`)) continue;
      const t = Date.now();
      const r = await train(configOf(a), { seed, epochs: TRAINING.epochs });
      const row = { seed, key: a.key, valError: round(r.valError), valLoss: round(r.valLoss), seconds: (Date.now() - t) / 1000 };
      done.set(`${seed}/${a.key}`, row);
      if (values.progress) appendFileSync(values.progress, JSON.stringify(row) + '\n');
      process.stderr.write(`seed ${seed} ${a.key}: error ${row.valError} (${row.seconds} s; ${done.size} done)\n`);
    }
  }
  const table = {
    name: 'nas-digits',
    about:
      'Tabular multi-objective NAS benchmark on the UCI digits (examples/nas): each architecture trained once per ' +
      'training seed with examples/nas/objective.mjs (TensorFlow.js, wasm backend; data.mjs fixed splits 60/20/20, ' +
      'split seed 0); validation error and loss after the last epoch; params is the weight count (countParams). ' +
      'Regenerate: nice -n 10 node examples/nas/make-table.mjs --seeds ' +
      seeds.join(',') +
      ' --out src/bench/nas-digits.json',
    training: { ...TRAINING, seeds },
    space: { depths: DEPTHS, widths: WIDTHS, activations: ACTIVATIONS },
    trainingMinutes:
      Math.round(seeds.flatMap((s) => archs.map((a) => done.get(`${s}/${a.key}`).seconds ?? 0)).reduce((x, y) => x + y, 0) / 0.6) / 100,
    architectures: archs.map((a) => ({
      key: a.key,
      params: countParams(configOf(a)),
      valError: seeds.map((s) => done.get(`${s}/${a.key}`).valError),
      valLoss: seeds.map((s) => done.get(`${s}/${a.key}`).valLoss),
    })),
  };
  writeFileSync(values.out, JSON.stringify(table) + '\n');
  process.stderr.write(`wrote ${values.out}: ${archs.length} architectures × ${seeds.length} seeds\n`);
}

const round = (v) => Math.round(v * 1e6) / 1e6;

if (import.meta.url === `file://${process.argv[1]}`) await main();
