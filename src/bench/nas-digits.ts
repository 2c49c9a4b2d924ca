import { hp } from '../space/hp.js';
import type { MooProblem } from './moo-problems.js';
import tableJson from './nas-digits.json' with { type: 'json' };

/**
 * The nas-digits table (nas-digits.json, made by examples/nas/make-table.mjs): every architecture of a small space drawn
 * from examples/nas, trained once per training seed with that example's code; a tabular benchmark in the manner of
 * NAS-Bench-201 and HPOBench, so that a run of 200 trials is 200 look-ups.
 */
export interface NasDigitsTable {
  name: string;
  about: string;
  training: { optimizer: { name: string; lr: number }; batchSize: number; epochs: number; seeds: number[] };
  space: { depths: number[]; widths: number[]; activations: string[] };
  /** One per architecture: its key (`nasDigitsKey`), weight count, and validation error and loss per training seed. */
  architectures: { key: string; params: number; valError: number[]; valLoss: number[] }[];
}

export const NAS_DIGITS_TABLE = tableJson as NasDigitsTable;

/** The table's key of an architecture: '0' without hidden layers, else 'relu:32-8' (the activation, then the widths). */
export function nasDigitsKey(activation: string | null, units: readonly number[]): string {
  return units.length === 0 ? '0' : `${activation}:${units.join('-')}`;
}

/** The widths as powers of two, 2^lo..2^hi: the space searches the exponent, an ordered integer. */
function widthExponents(widths: readonly number[]): [number, number] {
  const lo = Math.log2(widths[0]);
  widths.forEach((w, i) => {
    if (w !== 2 ** (lo + i)) throw new Error(`nas-digits.json: space.widths must be consecutive powers of two (got ${widths.join(', ')})`);
  });
  return [lo, lo + widths.length - 1];
}

/**
 * The conditional space: `depth` (0–3 hidden layers, a choice); at depth d ≥ 1 its own activation `d{d}.act` (shared
 * by its layers) and one width per layer, `d{d}.units{i}`, as log2 of the width (an integer 3..7: 8..128 units). A
 * branch's parameters exist only when its depth is drawn. Optuna's side (bench/moo_optuna.py) asks the same names.
 */
export function nasDigitsSpace(table: NasDigitsTable = NAS_DIGITS_TABLE): Record<string, unknown> {
  const [lo, hi] = widthExponents(table.space.widths);
  const branch = (depth: number) =>
    depth === 0
      ? { depth }
      : {
          depth,
          activation: hp.choice(`d${depth}.act`, table.space.activations),
          log2Units: Array.from({ length: depth }, (_, i) => hp.uniformint(`d${depth}.units${i + 1}`, lo, hi)),
        };
  return { arch: hp.choice('depth', table.space.depths.map(branch)) };
}

/** The table's row of a config of `nasDigitsSpace`; an error naming the key when the table lacks it. */
export function nasDigitsLookup(config: Readonly<Record<string, unknown>>, table: NasDigitsTable = NAS_DIGITS_TABLE) {
  const arch = config.arch as { depth: number; activation?: string; log2Units?: number[] };
  const key = nasDigitsKey(
    arch.activation ?? null,
    (arch.log2Units ?? []).map((e) => 2 ** e),
  );
  const row = rowsByKey(table).get(key);
  if (!row) throw new Error(`nas-digits: architecture ${JSON.stringify(key)} is not in the table`);
  return row;
}

/** The two objectives of a row: its validation error (mean over the training seeds) and log10 of its weight count. */
export function nasDigitsObjectives(row: NasDigitsTable['architectures'][number]): [number, number] {
  return [row.valError.reduce((s, v) => s + v, 0) / row.valError.length, Math.log10(row.params)];
}

const byKey = new WeakMap<NasDigitsTable, Map<string, NasDigitsTable['architectures'][number]>>();
function rowsByKey(table: NasDigitsTable) {
  let m = byKey.get(table);
  if (!m) byKey.set(table, (m = new Map(table.architectures.map((r) => [r.key, r]))));
  return m;
}

/**
 * nas-digits in `parzen bench moo`: minimize the mean validation error and log10(weights). Reference point (0.25, 5):
 * a quarter of the digits wrong, and 100,000 weights (the largest architecture has about 42,600).
 */
export const NAS_DIGITS_PROBLEM: MooProblem = {
  name: 'nas-digits',
  dim: 1 + NAS_DIGITS_TABLE.space.depths.reduce((s, d) => s + (d === 0 ? 0 : 1 + d), 0),
  objectives: 2,
  ref: [0.25, 5],
  budget: 200,
  space: () => nasDigitsSpace(),
  evaluate: (config) => nasDigitsObjectives(nasDigitsLookup(config)),
};
