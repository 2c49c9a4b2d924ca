import seedrandom from 'seedrandom';

/** The generators a study can draw from: seedrandom's tyche-i (the default) and Alea. */
export const GENERATORS = ['tychei', 'alea'] as const;
export type Generator = (typeof GENERATORS)[number];
/** The generator new studies use. A study stores its generator's id and resumes with it. */
export const DEFAULT_GENERATOR: Generator = 'tychei';

/** Where a stream's seed comes from: a bare seed (default generator) or a study's seed with its generator. */
export type SeedSource = string | number | { readonly seed: number; readonly generator?: Generator };

export function isGenerator(name: unknown): name is Generator {
  return (GENERATORS as readonly unknown[]).includes(name);
}

/**
 * Seeded random source: a thin wrapper over one of seedrandom's generators that adds the distributions parzen draws
 * (normals, weighted categories, shuffles). Every random choice in parzen comes from an `Rng` derived from the study
 * seed, so a seed (with the study's generator) reproduces a study in any process.
 */
export class Rng {
  private readonly prng: seedrandom.PRNG;
  /** The polar method's second normal, when `hasSpare`. */
  private spare = 0;
  private hasSpare = false;

  constructor(
    seed: string | number,
    readonly generator: Generator = DEFAULT_GENERATOR,
  ) {
    this.prng = seedrandom[generator](String(seed));
  }

  /** A new independent stream named by `parts` under `source` (e.g. derive(history, 'suggest', 12)). */
  static derive(source: SeedSource, ...parts: (string | number)[]): Rng {
    const object = typeof source === 'object';
    let name = String(object ? source.seed : source);
    for (const p of parts) name += `/${p}`;
    return new Rng(name, (object && source.generator) || DEFAULT_GENERATOR);
  }

  /** Uniform in (0, 1) with 53 random bits. */
  uniform(): number {
    return this.prng.double();
  }

  /** Uniform in [low, high). */
  between(low: number, high: number): number {
    return low + (high - low) * this.uniform();
  }

  /** Integer uniform in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal (Marsaglia polar method). */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    let u: number, v: number, s: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
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
    let r = this.uniform() * total;
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
export function trialSeed(study: SeedSource, number: number): number {
  return Rng.derive(study, 'trial', number).int32();
}
