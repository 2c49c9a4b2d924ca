import { SpaceError } from '../errors.js';
import type { Rng } from '../rng.js';
import { normalCdf, normalQuantile } from '../stats.js';
import { type Distribution, type HpName, HpNode, type Value, show } from './hp.js';

/** The branch a dimension lives in: it is active only when `dim` (a choice) took `option`. */
export interface Parent {
  readonly dim: Dim;
  readonly option: number;
}

/** One leaf of a search space, with its position and the condition under which it is active. */
export class Dim {
  /** For a choice: true when every option is a constant, so params record the option itself rather than its index. */
  readonly recordsOption: boolean;

  constructor(
    readonly node: HpNode,
    /** Position in `SearchSpace.dims` and in encoded vectors. */
    readonly index: number,
    readonly parent: Parent | null,
    /** Where the leaf sits in the space, for messages (e.g. `$.optimizer.choice[1].lr`). */
    readonly path: string,
  ) {
    this.recordsOption =
      node.dist.kind === 'choice' && node.dist.options.every((o) => o === null || ['string', 'number', 'boolean'].includes(typeof o));
  }

  get label(): string {
    return this.node.label;
  }
  get fn(): HpName {
    return this.node.fn;
  }
  get dist(): Distribution {
    return this.node.dist;
  }
  get isChoice(): boolean {
    return this.node.dist.kind === 'choice';
  }
  /** Number of options of a choice, the count of integers of an int, else Infinity. */
  get cardinality(): number {
    const d = this.node.dist;
    if (d.kind === 'choice') return d.options.length;
    if (d.kind === 'int') return d.high - d.low + 1;
    return Infinity;
  }

  /** The params value recorded for option `i` of a choice. */
  optionValue(i: number): Value {
    const d = this.choiceDist();
    return this.recordsOption ? (d.options[i] as Value) : i;
  }

  /** The option index of a recorded choice value, or -1 when it is not one. */
  optionIndex(v: Value): number {
    const d = this.choiceDist();
    if (this.recordsOption) return d.options.indexOf(v);
    return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < d.options.length ? v : -1;
  }

  private choiceDist() {
    const d = this.node.dist;
    if (d.kind !== 'choice') throw new SpaceError(`${this.label} is not a choice`);
    return d;
  }

  /** A draw from the prior. */
  sample(rng: Rng): Value {
    const d = this.node.dist;
    switch (d.kind) {
      case 'float': {
        const u = rng.between(d.low, d.high);
        return this.finish(d.log ? Math.exp(u) : u);
      }
      case 'normal': {
        const z = d.mu + d.sigma * rng.normal();
        return this.finish(d.log ? Math.exp(z) : z);
      }
      case 'int':
        if (d.log) return intLogRound(d, Math.exp(rng.between(Math.log(d.low - 0.5), Math.log(d.high + 0.5))));
        return d.low + rng.int(d.high - d.low + 1);
      case 'choice':
        return this.optionValue(rng.categorical(d.weights));
    }
  }

  /** Rounds a raw value to what the distribution can hold (quantisation), without clipping. */
  finish(x: number): number {
    const d = this.node.dist;
    if (d.kind === 'int') return Math.round(x);
    if ((d.kind === 'float' || d.kind === 'normal') && d.q !== null) return roundToStep(x, d.q);
    return x;
  }

  /** Checks that `v` is a value this dimension can produce; returns the reason if not. */
  check(v: Value | undefined): string | null {
    const d = this.node.dist;
    if (d.kind === 'choice') return this.optionIndex(v ?? null) >= 0 ? null : `${show(v)} is not one of the options`;
    if (typeof v !== 'number' || !Number.isFinite(v)) return `${show(v)} is not a finite number`;
    if (d.kind === 'int') {
      if (!Number.isInteger(v)) return `${v} is not an integer`;
      return v < d.low || v > d.high ? `${v} is outside [${d.low}, ${d.high}]` : null;
    }
    if (d.log && !(v > 0) && !(d.q !== null && v === 0)) return `${v} must be > 0 (log scale)`;
    if (d.kind === 'float') {
      // Quantisation may round a draw slightly past the bounds, as in hyperopt; allow half a step.
      const slack = (d.q ?? 0) / 2 + 1e-12 * (Math.abs(d.low) + Math.abs(d.high) + 1);
      const lo = d.log ? Math.exp(d.low) : d.low;
      const hi = d.log ? Math.exp(d.high) : d.high;
      if (v < lo - slack - 1e-12 * lo || v > hi + slack + 1e-12 * hi) return `${v} is outside [${lo}, ${hi}]`;
    }
    return null;
  }

  /**
   * Maps a value to [0, 1]: linear (or log) position in the box for uniform families, the prior CDF
   * for normal families, the centre of its cell for integers and choices.
   */
  toUnit(v: Value): number {
    const d = this.node.dist;
    switch (d.kind) {
      case 'float': {
        const x = d.log ? Math.log(Math.max(v as number, Number.MIN_VALUE)) : (v as number);
        return clamp01((x - d.low) / (d.high - d.low));
      }
      case 'normal': {
        const x = d.log ? Math.log(Math.max(v as number, Number.MIN_VALUE)) : (v as number);
        return normalCdf((x - d.mu) / d.sigma);
      }
      case 'int': {
        if (!d.log) return ((v as number) - d.low + 0.5) / (d.high - d.low + 1);
        // the centre of the integer's cell in log space
        const lo = Math.log(d.low - 0.5);
        const centre = (Math.log((v as number) - 0.5) + Math.log((v as number) + 0.5)) / 2;
        return clamp01((centre - lo) / (Math.log(d.high + 0.5) - lo));
      }
      case 'choice':
        return (this.optionIndex(v) + 0.5) / d.options.length;
    }
  }

  /** Inverse of `toUnit`, rounding to a value the dimension can hold. */
  fromUnit(u: number): Value {
    const d = this.node.dist;
    const w = clamp01(u);
    switch (d.kind) {
      case 'float': {
        const x = d.low + w * (d.high - d.low);
        return this.finish(d.log ? Math.exp(x) : x);
      }
      case 'normal': {
        const z = d.mu + d.sigma * normalQuantile(Math.min(Math.max(w, 1e-12), 1 - 1e-12));
        return this.finish(d.log ? Math.exp(z) : z);
      }
      case 'int': {
        if (d.log) {
          const lo = Math.log(d.low - 0.5);
          return intLogRound(d, Math.exp(lo + w * (Math.log(d.high + 0.5) - lo)));
        }
        const n = d.high - d.low + 1;
        return d.low + Math.min(n - 1, Math.floor(w * n));
      }
      case 'choice': {
        const n = d.options.length;
        return this.optionValue(Math.min(n - 1, Math.floor(w * n)));
      }
    }
  }
}

/** The integer whose cell [k − ½, k + ½] holds x, within the bounds. */
function intLogRound(d: { low: number; high: number }, x: number): number {
  return Math.min(d.high, Math.max(d.low, Math.round(x)));
}

export function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

/** round(x / q) · q without the binary noise of e.g. 3 · 0.1 = 0.30000000000000004. */
export function roundToStep(x: number, q: number): number {
  const k = Math.round(x / q);
  const v = k * q;
  return Number.isInteger(q) ? v : Number.parseFloat(v.toPrecision(15));
}
