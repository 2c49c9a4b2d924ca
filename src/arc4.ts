/**
 * seedrandom's default generator (ARC4-drop[256] keyed by the seed string, with its 53-bit doubles), stream for
 * stream: `new Arc4(s)` draws exactly what `seedrandom(s)` draws (test/rng.test.ts checks it against seedrandom).
 * It is ours because every ask derives a fresh stream, and seedrandom's setup (arrays of numbers, strings, mixing
 * each new state into its global entropy pool) cost about 12 µs of it; over a typed array it is about 1 µs.
 */
export class Arc4 {
  private readonly s = stateBytes();
  private i = 0;
  private j = 0;

  constructor(seed: string) {
    // seedrandom's mixkey: the key's bytes smear the seed's char codes (a key as long as the seed, at most 256)
    const key = KEY;
    key.fill(0);
    let smear = 0;
    for (let c = 0; c < seed.length; c++) {
      smear ^= key[c & 255] * 19;
      key[c & 255] = (smear + seed.charCodeAt(c)) & 255;
    }
    // the key repeated over 256 bytes, so the schedule below reads it without a division per byte
    const keylen = Math.max(1, Math.min(seed.length, 256));
    for (let i = keylen; i < 256; i++) key[i] = key[i - keylen];
    const s = this.s;
    s.set(IDENTITY);
    for (let i = 0, j = 0; i < 256; i++) {
      const t = s[i];
      j = (j + key[i] + t) & 255;
      s[i] = s[j];
      s[j] = t;
    }
    this.drop(256);
  }

  /** The next `count` output bytes (count <= 6), big-endian, as a number. */
  private next(count: number): number {
    const s = this.s;
    let { i, j } = this;
    let r = 0;
    while (count-- > 0) {
      i = (i + 1) & 255;
      const t = s[i];
      j = (j + t) & 255;
      const u = s[j];
      s[i] = u;
      s[j] = t;
      r = r * 256 + s[(u + t) & 255];
    }
    this.i = i;
    this.j = j;
    return r;
  }

  /** Discards `count` output bytes. */
  private drop(count: number): void {
    const s = this.s;
    let { i, j } = this;
    while (count-- > 0) {
      i = (i + 1) & 255;
      const t = s[i];
      j = (j + t) & 255;
      s[i] = s[j];
      s[j] = t;
    }
    this.i = i;
    this.j = j;
  }

  /** Uniform in [0, 1) with 53 significant bits (seedrandom's `double`). */
  double(): number {
    let n = this.next(6);
    let d = 2 ** 48;
    let x = 0;
    while (n < 2 ** 52) {
      n = (n + x) * 256;
      d *= 256;
      x = this.next(1);
    }
    while (n >= 2 ** 53) {
      n /= 2;
      d /= 2;
      x >>>= 1;
    }
    return (n + x) / d;
  }

  /** A signed 32-bit integer (seedrandom's `int32`). */
  int32(): number {
    return this.next(4) | 0;
  }
}

/** The key schedule's scratch: seeding is synchronous, so one array serves every generator. */
const KEY = new Uint8Array(256);
const IDENTITY = Uint8Array.from({ length: 256 }, (_, i) => i);

/**
 * 256 bytes of state for a new stream, as a view into a shared 64 KiB chunk: a typed array of its own would get a
 * backing store allocated outside V8's heap, which costs more than the rest of the seeding.
 */
function stateBytes(): Uint8Array {
  if (chunkUsed === STATE_CHUNK.length) {
    STATE_CHUNK = new Uint8Array(1 << 16);
    chunkUsed = 0;
  }
  chunkUsed += 256;
  return STATE_CHUNK.subarray(chunkUsed - 256, chunkUsed);
}
let STATE_CHUNK = new Uint8Array(1 << 16);
let chunkUsed = 0;
