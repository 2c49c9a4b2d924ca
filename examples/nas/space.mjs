// The architecture search space, conditional as in NAS: a parameter of a branch not taken does not exist in a trial.
import { hp } from 'parzen-hpo';

const log = Math.log;

/** Depth 1–4; each layer of each depth has its own width (integer, log scale) and activation. */
const layers = (depth) =>
  Array.from({ length: depth }, (_, i) => ({
    units: hp.qloguniform(`d${depth}.units${i + 1}`, log(8), log(256), 1),
    activation: hp.choice(`d${depth}.act${i + 1}`, ['relu', 'tanh', 'elu']),
  }));

export const space = {
  layers: hp.choice('depth', [layers(1), layers(2), layers(3), layers(4)]),
  batchNorm: hp.choice('batchNorm', [false, true]),
  dropout: hp.uniform('dropout', 0, 0.5),
  optimizer: hp.choice('optimizer', [
    { name: 'sgd', lr: hp.loguniform('sgd.lr', log(1e-3), log(0.5)), momentum: hp.uniform('sgd.momentum', 0, 0.99) },
    { name: 'adam', lr: hp.loguniform('adam.lr', log(1e-4), log(0.05)) },
    { name: 'rmsprop', lr: hp.loguniform('rmsprop.lr', log(1e-4), log(0.05)) },
  ]),
  batchSize: hp.choice('batchSize', [16, 32, 64, 128]),
};

/** The practitioner's baseline: a small model, evaluated first. */
export const baseline = {
  layers: [{ units: 16, activation: 'relu' }],
  batchNorm: false,
  dropout: 0,
  optimizer: { name: 'adam', lr: 0.01 },
  batchSize: 32,
};
