import { Arc4 } from './arc4.js';

/**
 * Seeded random source. Every random choice in parzen comes from an `Rng`
 * derived from the study seed, so a seed reproduces a study in any process.
 */
export class Rng {
  private readonly prng: Arc4;
  /** The polar method's second normal, when `hasSpare` (a number field, never null: V8 then stores it unboxed). */
  private spare = 0;
  private hasSpare = false;

  constructor(seed: string | number) {
    this.prng = new Arc4(String(seed));
  }

  /** A new independent stream named by `parts` under `seed` (e.g. derive(seed, 'suggest', 12)). */
  static derive(seed: string | number, ...parts: (string | number)[]): Rng {
    let name = String(seed);
    for (const p of parts) name += `/${p}`;
    return new Rng(name);
  }

  /** Uniform in [0, 1) with 53 bits. */
  uniform(): number {
    return this.prng.double();
  }

  /** Uniform in [low, high). */
  between(low: number, high: number): number {
    return low + (high - low) * this.prng.double();
  }

  /** Integer uniform in [0, n). */
  int(n: number): number {
    return Math.floor(this.prng.double() * n);
  }

  /** Standard normal (Marsaglia polar method). */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    let u: number, v: number, s: number;
    do {
      u = 2 * this.prng.double() - 1;
      v = 2 * this.prng.double() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * f;
    this.hasSpare = true;
    return u * f;
  }

  /** Index drawn with probability proportional to `weights` (non-negative, not all zero). */
  categorical(weights: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) total += weights[i];
    let r = this.prng.double() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i];
      if (r < 0) return i;
    }
    return weights.length - 1;
  }

  /** Fisher–Yates shuffle in place. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }

  /** A 32-bit integer, for seeding user code (e.g. a trial's own seed). */
  int32(): number {
    return this.prng.int32() >>> 0;
  }
}

/** The seed handed to the objective of trial `number`. */
export function trialSeed(studySeed: number, number: number): number {
  return Rng.derive(studySeed, 'trial', number).int32();
}
