/**
 * seedrandom's ARC4 generator (David Bau's seedrandom 3, the default `seedrandom(seed)`), bit for bit: the same key
 * mixing of the seed string, RC4 key schedule, 256 discarded bytes, and the same `double()`/`int32()`. Written out
 * here because every ask derives two streams and the library's setup (closures, arrays of boxed numbers, mixing its
 * global entropy pool, which only its autoseeding reads) cost more than the draws. A test checks it against seedrandom.
 */
/** The key of the stream being set up (scratch shared by all; a key is only read while its constructor runs). */
const KEY = new Int32Array(256);

class Arc4 {
  // a plain array of small integers: a 256-byte typed array per stream would need its own backing store
  private readonly s: number[] = new Array<number>(256);
  private i = 0;
  private j = 0;

  constructor(seed: string) {
    // seedrandom's mixkey: key[k & 255] = 255 & ((smear ^= key[k & 255] * 19) + seed.charCodeAt(k))
    // (an unset key byte reads as undefined there, and undefined * 19 ^ smear is smear: a zero does the same)
    const key = KEY.fill(0);
    const keyLength = Math.max(1, Math.min(256, seed.length));
    let smear = 0;
    for (let k = 0; k < seed.length; k++) {
      smear ^= key[k & 255] * 19;
      key[k & 255] = 255 & (smear + seed.charCodeAt(k));
    }
    const s = this.s;
    for (let k = 0; k < 256; k++) s[k] = k; // fills the holes, in order
    for (let k = 0, j = 0; k < 256; k++) {
      const t = s[k];
      j = 255 & (j + key[k % keyLength] + t);
      s[k] = s[j];
      s[j] = t;
    }
    this.next(256);
  }

  /** The next `count` bytes as one big-endian integer (count <= 6 keeps it exact). */
  next(count: number): number {
    const s = this.s;
    let i = this.i;
    let j = this.j;
    let r = 0;
    while (count--) {
      i = 255 & (i + 1);
      const t = s[i];
      j = 255 & (j + t);
      s[i] = s[j];
      s[j] = t;
      r = r * 256 + s[255 & (s[i] + t)];
    }
    this.i = i;
    this.j = j;
    return r;
  }

  /** seedrandom's prng(): 52 significant bits from at least six bytes. */
  double(): number {
    let n = this.next(6);
    let d = 281474976710656; // 256^6
    let x = 0;
    while (n < 4503599627370496) { // 2^52
      n = (n + x) * 256;
      d *= 256;
      x = this.next(1);
    }
    while (n >= 9007199254740992) { // 2^53
      n /= 2;
      d /= 2;
      x >>>= 1;
    }
    return (n + x) / d;
  }

  int32(): number {
    return this.next(4) | 0;
  }
}

/**
 * Seeded random source. Every random choice in parzen comes from an `Rng`
 * derived from the study seed, so a seed reproduces a study in any process.
 */
export class Rng {
  private readonly prng: Arc4;
  /** The second normal of the last pair, when `hasSpare` (a number field and a flag: no boxed double per draw). */
  private spare = 0;
  private hasSpare = false;

  constructor(seed: string | number) {
    this.prng = new Arc4(String(seed));
  }

  /** A new independent stream named by `parts` under `seed` (e.g. derive(seed, 'suggest', 12)). */
  static derive(seed: string | number, ...parts: (string | number)[]): Rng {
    return new Rng([seed, ...parts].join('/'));
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
