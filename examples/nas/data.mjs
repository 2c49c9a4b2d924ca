// The UCI optical recognition of handwritten digits (1,797 8×8 images, 10 classes): see DATA.md for its origin and
// licence. Fixed train / validation / test splits (60 / 20 / 20 %) from a seeded shuffle.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import seedrandom from 'seedrandom';

const FILE = new URL('./digits.csv.gz', import.meta.url);

/** Rows of 64 pixels scaled to [0, 1] and their labels, split by `seed`; `subset` keeps the first rows of each split. */
export function loadDigits({ seed = 0, subset } = {}) {
  const rows = gunzipSync(readFileSync(FILE))
    .toString('utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(',').map(Number));
  const rng = seedrandom.alea(`digits/${seed}`);
  for (let i = rows.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [rows[i], rows[j]] = [rows[j], rows[i]];
  }
  const cut = (a, b) => {
    const part = rows.slice(Math.floor(a * rows.length), Math.floor(b * rows.length)).slice(0, subset ?? Infinity);
    return { x: part.map((r) => r.slice(0, 64).map((v) => v / 16)), y: part.map((r) => r[64]) };
  };
  return { train: cut(0, 0.6), val: cut(0.6, 0.8), test: cut(0.8, 1) };
}
