/**
 * Seeded random source. Every random choice in parzen comes from an `Rng` derived from the study seed, so a seed
 * reproduces a study in any process.
 *
 * The generator is sfc32 (Chris Doty-Humphrey's small fast counting generator: 128 bits of state, one of them a
 * counter, so no stream is shorter than 2^32 outputs; reported to pass PractRand and BigCrush). Its state comes from
 * a 128-bit hash of the stream's name. A study derives a fresh stream for every ask and every trial, so seeding must
 * cost next to nothing: deriving one costs about 0.6 µs and a uniform about 20 ns, where seedrandom's ARC4 took about
 * 3.4 µs and 65 ns (byte-wise, with a 256-byte key schedule).
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private n: number;
  /** The polar method's second normal, when `hasSpare` (a number field, never null: V8 then stores it unboxed). */
  private spare = 0;
  private hasSpare = false;

  constructor(seed: string | number) {
    const name = String(seed);
    // four 32-bit lanes over the name's UTF-16 units, each unit mixed into every lane, then each lane avalanched
    let h0 = 0x6a09e667 ^ name.length, h1 = 0xbb67ae85, h2 = 0x3c6ef372, h3 = 0xa54ff53a;
    for (let i = 0; i < name.length; i++) {
      const u = name.charCodeAt(i);
      h0 = Math.imul(h0 ^ u, 0x9e3779b1);
      h1 = Math.imul(h1 ^ u, 0x85ebca77) ^ (h0 >>> 15);
      h2 = Math.imul(h2 ^ u, 0xc2b2ae3d) ^ (h1 >>> 13);
      h3 = Math.imul(h3 ^ u, 0x27d4eb2f) ^ (h2 >>> 16);
    }
    this.a = fmix32(h0 ^ h3);
    this.b = fmix32(h1 ^ h0);
    this.c = fmix32(h2 ^ h1);
    this.n = fmix32(h3 ^ h2);
    // (the authors' recommended warm-up: the first outputs of nearby states are still alike)
    for (let i = 0; i < 12; i++) this.next();
  }

  /** A new independent stream named by `parts` under `seed` (e.g. derive(seed, 'suggest', 12)). */
  static derive(seed: string | number, ...parts: (string | number)[]): Rng {
    let name = String(seed);
    for (const p of parts) name += `/${p}`;
    return new Rng(name);
  }

  /** sfc32's next 32-bit output, as a signed integer. */
  private next(): number {
    const { a, b, c } = this;
    const t = (a + b + this.n) | 0;
    this.n = (this.n + 1) | 0;
    this.a = b ^ (b >>> 9);
    this.b = (c + (c << 3)) | 0;
    this.c = (((c << 21) | (c >>> 11)) + t) | 0;
    return t;
  }

  /** Uniform in [0, 1) with 53 random bits: 27 from one output, 26 from the next. */
  uniform(): number {
    return ((this.next() >>> 5) * 67108864 + (this.next() >>> 6)) / 9007199254740992;
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
    return this.next() >>> 0;
  }
}

/** The seed handed to the objective of trial `number`. */
export function trialSeed(studySeed: number, number: number): number {
  return Rng.derive(studySeed, 'trial', number).int32();
}

/** murmur3's 32-bit finaliser: every input bit flips each output bit with probability about 1/2. */
function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}
