import type { Dim } from '../../space/dim.js';
import type { Value } from '../../space/hp.js';

/**
 * How TPE sees a numeric parameter: a value in model space (log space for log distributions),
 * bounds there, the prior's mean and spread, and, for quantised and integer parameters, the interval
 * [lower, upper] of model values that round to a given value (its likelihood is the mass of that interval).
 */
export interface NumericModelDim {
  readonly kind: 'numeric';
  readonly dim: Dim;
  readonly low: number;
  readonly high: number;
  readonly priorMu: number;
  readonly priorSigma: number;
  /** True for quantised and integer parameters. */
  readonly interval: boolean;
  toModel(v: Value): number;
  /** A model-space draw back to a value the space can hold. */
  fromModel(y: number): Value;
  /** Model-space interval of the values that round to `v` (interval dims only). */
  edges(v: number): [number, number];
}

/** How TPE sees a categorical parameter (choice, pchoice, and randint, which hyperopt models as unordered). */
export interface CategoricalModelDim {
  readonly kind: 'categorical';
  readonly dim: Dim;
  readonly size: number;
  /** Prior probabilities (pchoice weights, else uniform). */
  readonly prior: Float64Array;
  /** hyperopt adds priorWeight·K·p pseudo-counts to choices, priorWeight to randint. */
  readonly flatPrior: boolean;
  index(v: Value): number;
  value(i: number): Value;
}

export type ModelDim = NumericModelDim | CategoricalModelDim;

export function modelDim(dim: Dim): ModelDim {
  const d = dim.dist;
  switch (d.kind) {
    case 'choice':
      return {
        kind: 'categorical',
        dim,
        size: d.options.length,
        prior: Float64Array.from(d.weights),
        flatPrior: false,
        index: (v) => dim.optionIndex(v),
        value: (i) => dim.optionValue(i),
      };
    case 'int': {
      const size = d.high - d.low + 1;
      if (dim.fn === 'randint') {
        return {
          kind: 'categorical',
          dim,
          size,
          prior: new Float64Array(size).fill(1 / size),
          flatPrior: true,
          index: (v) => (v as number) - d.low,
          value: (i) => d.low + i,
        };
      }
      if (d.log) {
        // loguniformint: ordinal in log space, each integer owns [log(k − ½), log(k + ½)]
        const low = Math.log(d.low - 0.5);
        const high = Math.log(d.high + 0.5);
        return {
          kind: 'numeric',
          dim,
          low,
          high,
          priorMu: (low + high) / 2,
          priorSigma: high - low,
          interval: true,
          toModel: (v) => Math.log(v as number),
          fromModel: (y) => Math.min(d.high, Math.max(d.low, Math.round(Math.exp(y)))),
          edges: (v) => [Math.log(v - 0.5), Math.log(v + 0.5)],
        };
      }
      // uniformint: ordinal, each integer owns [k − ½, k + ½]
      return {
        kind: 'numeric',
        dim,
        low: d.low - 0.5,
        high: d.high + 0.5,
        priorMu: (d.low + d.high) / 2,
        priorSigma: size,
        interval: true,
        toModel: (v) => v as number,
        fromModel: (y) => Math.min(d.high, Math.max(d.low, Math.round(y))),
        edges: (v) => [v - 0.5, v + 0.5],
      };
    }
    case 'float':
    case 'normal': {
      const low = d.kind === 'float' ? d.low : -Infinity;
      const high = d.kind === 'float' ? d.high : Infinity;
      const priorMu = d.kind === 'float' ? (d.low + d.high) / 2 : d.mu;
      const priorSigma = d.kind === 'float' ? d.high - d.low : d.sigma;
      const q = d.q;
      const toModel = d.log ? (v: Value) => Math.log(Math.max(v as number, Number.MIN_VALUE)) : (v: Value) => v as number;
      const clampModel = (y: number) => Math.min(high, Math.max(low, y));
      return {
        kind: 'numeric',
        dim,
        low,
        high,
        priorMu,
        priorSigma,
        interval: q !== null,
        toModel,
        fromModel: (y) => dim.finish(d.log ? Math.exp(clampModel(y)) : clampModel(y)),
        edges: (v) => {
          const half = (q as number) / 2;
          return d.log ? [v - half > 0 ? Math.log(v - half) : -Infinity, Math.log(v + half)] : [v - half, v + half];
        },
      };
    }
  }
}
