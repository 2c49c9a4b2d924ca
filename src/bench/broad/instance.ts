/**
 * The random data of the broad suite's problems (BBOB shifts, rotations, Gallagher peaks), drawn from a small
 * generator of its own so the problems never change when the library's Rng does. bench/optuna reads the same data
 * from the JSON that `dumpInstances` writes, so both sides evaluate identical functions.
 */
export class InstanceRng {
  private s: number;
  constructor(name: string) {
    // FNV-1a of the name seeds mulberry32
    let h = 0x811c9dc5;
    for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
    this.s = h >>> 0;
  }
  uniform(): number {
    this.s = (this.s + 0x6d2b79f5) | 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  normal(): number {
    const u = 1 - this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.uniform());
  }
  between(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }
  permutation(n: number): number[] {
    const p = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.uniform() * (i + 1));
      [p[i], p[j]] = [p[j], p[i]];
    }
    return p;
  }
  /** A random orthogonal matrix (Gram–Schmidt of a Gaussian matrix, as COCO makes its R and Q). */
  rotation(d: number): number[][] {
    const m = Array.from({ length: d }, () => Array.from({ length: d }, () => this.normal()));
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < i; j++) {
        let dot = 0;
        for (let k = 0; k < d; k++) dot += m[i][k] * m[j][k];
        for (let k = 0; k < d; k++) m[i][k] -= dot * m[j][k];
      }
      let norm = 0;
      for (let k = 0; k < d; k++) norm += m[i][k] * m[i][k];
      norm = Math.sqrt(norm);
      for (let k = 0; k < d; k++) m[i][k] /= norm;
    }
    return m;
  }
}
