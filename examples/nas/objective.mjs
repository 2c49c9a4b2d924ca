// The objective, run in worker threads: trains a network for up to NAS_EPOCHS epochs and reports the validation error
// after each (so that a pruner can stop it early). Weight initialisation, dropout and shuffling come from the trial
// seed, so the score is noisy by nature, as real training is.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import seedrandom from 'seedrandom';
import { TrialPruned } from 'parzen-hpo';
import { loadDigits } from './data.mjs';

let ready;

// Read when first used, not at import: run.mjs sets them after importing this module for its own re-evaluations.
async function setup() {
  await tf.setBackend('wasm');
  await tf.ready();
  const subset = process.env.NAS_SUBSET ? Number(process.env.NAS_SUBSET) : undefined;
  const d = loadDigits({ seed: 0, subset });
  const t = (s) => ({ x: tf.tensor2d(s.x), y: tf.tensor1d(s.y, 'float32'), n: s.y.length });
  return { train: t(d.train), val: t(d.val), test: t(d.test) };
}

function build(config, seed) {
  const model = tf.sequential();
  let s = seed;
  const init = () => tf.initializers.glorotUniform({ seed: s++ });
  config.layers.forEach((layer, i) => {
    model.add(
      tf.layers.dense({
        units: layer.units,
        inputShape: i === 0 ? [64] : undefined,
        kernelInitializer: init(),
        useBias: !config.batchNorm,
      }),
    );
    if (config.batchNorm) model.add(tf.layers.batchNormalization());
    model.add(tf.layers.activation({ activation: layer.activation }));
    if (config.dropout > 0) model.add(tf.layers.dropout({ rate: config.dropout, seed: s++ }));
  });
  if (config.layers.length === 0)
    model.add(tf.layers.dense({ units: 10, inputShape: [64], activation: 'softmax', kernelInitializer: init() }));
  else model.add(tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init() }));
  const o = config.optimizer;
  const optimizer =
    o.name === 'sgd' ? tf.train.momentum(o.lr, o.momentum) : o.name === 'adam' ? tf.train.adam(o.lr) : tf.train.rmsprop(o.lr);
  model.compile({ optimizer, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

async function errorOn(model, split) {
  const [, acc] = model.evaluate(split.x, split.y, { batchSize: 512 });
  const a = (await acc.data())[0];
  tf.dispose(acc);
  return 1 - a;
}

/**
 * Trains `config` with `seed`; reports the validation error each epoch through `report` (when given) and stops when
 * it answers that the trial should stop (`pruned` true). Returns the last validation error, and the test error when
 * `test` is set (only for the final model).
 */
export async function train(config, { seed, epochs = Number(process.env.NAS_EPOCHS ?? 15), report, test = false }) {
  ready ??= setup();
  const data = await ready;
  const model = build(config, seed);
  const rng = seedrandom.alea(`shuffle/${seed}`);
  let valError = 1;
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      // a seeded shuffle per epoch (tfjs's own shuffle draws from Math.random)
      const order = Array.from({ length: data.train.n }, (_, i) => i);
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(rng() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      const idx = tf.tensor1d(order, 'int32');
      const x = tf.gather(data.train.x, idx);
      const y = tf.gather(data.train.y, idx);
      await model.fit(x, y, { epochs: 1, batchSize: config.batchSize, shuffle: false, verbose: 0 });
      tf.dispose([idx, x, y]);
      valError = await errorOn(model, data.val);
      if (report && (await report(epoch, valError))) return { valError, pruned: true };
    }
    return test ? { valError, testError: await errorOn(model, data.test) } : { valError };
  } finally {
    model.dispose();
  }
}

/** The study's objective: (config, { seed, report, shouldPrune }) → validation error. */
export default async function objective(config, ctx) {
  const report = ctx.report
    ? async (step, value) => (await ctx.report(step, value), ctx.shouldPrune ? await ctx.shouldPrune() : false)
    : undefined;
  const { valError, pruned } = await train(config, { seed: ctx.seed, report });
  // stopped early: recorded as pruned (its last report kept), not as a complete trial with a half-trained score
  if (pruned) throw new TrialPruned();
  return { value: valError, weights: countParams(config) };
}

/** The number of weights of `config` (a second objective for accuracy against size). */
export function countParams(config) {
  let inputs = 64;
  let total = 0;
  for (const l of config.layers) {
    total += inputs * l.units + l.units + (config.batchNorm ? 2 * l.units : 0);
    inputs = l.units;
  }
  return total + inputs * 10 + 10;
}
