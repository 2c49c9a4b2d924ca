// The objective, run in worker threads: trains a network for up to NAS_EPOCHS epochs and reports its validation score
// after each (so that a pruner can stop it early): the cross-entropy loss (NAS_OBJECTIVE=loss, the default) or the
// error rate (NAS_OBJECTIVE=error). Weight initialisation, dropout and shuffling come from the trial seed, so the score
// is noisy by nature, as real training is.
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
  const d = loadDigits({ seed: 0, subset: subsetRows() });
  const t = (s) => ({ x: tf.tensor2d(s.x), y: tf.tensor1d(s.y, 'float32'), n: s.y.length });
  return { train: t(d.train), val: t(d.val), test: t(d.test) };
}

/**
 * Dropout with a new mask at every training step, drawn from a seedrandom stream: tf.layers.dropout with a `seed`
 * draws the same mask at every step (a fixed seed restarts its generator), which trains a thinned network instead.
 */
class SeededDropout extends tf.layers.Layer {
  static className = 'SeededDropout';
  constructor(rate, rng) {
    super({});
    this.rate = rate;
    this.rng = rng;
  }
  computeOutputShape(shape) {
    return shape;
  }
  call(inputs, kwargs) {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!kwargs?.training) return x;
    return tf.dropout(x, this.rate, undefined, this.rng.int32());
  }
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
    if (config.dropout > 0) model.add(new SeededDropout(config.dropout, seedrandom.alea(`dropout/${seed}/${i}`)));
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

/** The mean cross-entropy and the error rate of `model` on `split`. */
async function scoreOn(model, split) {
  const [loss, acc] = model.evaluate(split.x, split.y, { batchSize: 512 });
  const [l, a] = [(await loss.data())[0], (await acc.data())[0]];
  tf.dispose([loss, acc]);
  return { loss: l, error: 1 - a };
}

const subsetRows = () => (process.env.NAS_SUBSET ? Number(process.env.NAS_SUBSET) : undefined);

/** The score the search minimises: 'loss' (continuous, so that close architectures still rank) or 'error'. */
export const objectiveName = () => {
  const name = process.env.NAS_OBJECTIVE ?? 'loss';
  if (name !== 'loss' && name !== 'error') throw new Error(`NAS_OBJECTIVE must be loss or error (got ${JSON.stringify(name)})`);
  return name;
};

/**
 * Trains `config` with `seed`; reports the validation score (`objectiveName()`) each epoch through `report` (when
 * given) and stops when it answers that the trial should stop (`pruned` true). Returns the last validation loss and
 * error, and the test loss and error when `test` is set (only for the final models).
 */
export async function train(config, { seed, epochs = Number(process.env.NAS_EPOCHS ?? 15), report, test = false }) {
  ready ??= setup();
  const data = await ready;
  const model = build(config, seed);
  const rng = seedrandom.alea(`shuffle/${seed}`);
  const key = objectiveName();
  let val = { loss: Infinity, error: 1 };
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
      val = await scoreOn(model, data.val);
      // a diverged network (NaN loss) scores as a uniform guess (ln 10), not as a failed trial the samplers ignore
      if (!Number.isFinite(val.loss)) val = { loss: Math.log(10), error: val.error };
      if (report && (await report(epoch, val[key]))) return { valLoss: val.loss, valError: val.error, pruned: true };
    }
    const out = { valLoss: val.loss, valError: val.error };
    if (!test) return out;
    const t = await scoreOn(model, data.test);
    return { ...out, testLoss: t.loss, testError: t.error };
  } finally {
    model.dispose();
  }
}

/** The study's objective: (config, { seed, report, shouldPrune }) → validation loss or error (the other kept beside it). */
export default async function objective(config, ctx) {
  const report = ctx.report
    ? async (step, value) => (await ctx.report(step, value), ctx.shouldPrune ? await ctx.shouldPrune() : false)
    : undefined;
  const { valLoss, valError, pruned } = await train(config, { seed: ctx.seed, report });
  // stopped early: recorded as pruned (its last report kept), not as a complete trial with a half-trained score
  if (pruned) throw new TrialPruned();
  // the training it had, so that a resumed study is not searched on with other settings (run.mjs checks)
  const settings = { epochs: Number(process.env.NAS_EPOCHS ?? 15), objective: objectiveName(), subset: subsetRows() ?? null };
  return { value: objectiveName() === 'loss' ? valLoss : valError, valLoss, valError, weights: countParams(config), ...settings };
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
