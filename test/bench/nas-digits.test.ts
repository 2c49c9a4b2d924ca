import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MOO_PROBLEMS } from '../../src/bench/moo-problems.js';
import {
  NAS_DIGITS_PROBLEM,
  NAS_DIGITS_TABLE,
  nasDigitsKey,
  nasDigitsLookup,
  nasDigitsObjectives,
  nasDigitsSpace,
} from '../../src/bench/nas-digits.js';
import { Rng } from '../../src/rng.js';
import { space } from '../../src/space/space.js';

/** The weight count of dense layers 64 → units… → 10, with biases (examples/nas/objective.mjs's countParams). */
function weights(units: readonly number[]): number {
  let inputs = 64;
  let total = 0;
  for (const u of [...units, 10]) {
    total += inputs * u + u;
    inputs = u;
  }
  return total;
}

type Arch = { depth: number; activation?: string; log2Units?: number[] };

describe('nas-digits (tabular architecture search)', () => {
  const t = NAS_DIGITS_TABLE;

  it('loads a complete table: every architecture of the space once, with an error and a loss per training seed', () => {
    const { depths, widths, activations } = t.space;
    const expected = depths.reduce((n, d) => n + (d === 0 ? 1 : activations.length * widths.length ** d), 0);
    assert.equal(t.architectures.length, expected);
    assert.equal(new Set(t.architectures.map((a) => a.key)).size, expected, 'keys unique');
    assert.ok(t.training.seeds.length >= 1);
    for (const a of t.architectures) {
      assert.equal(a.valError.length, t.training.seeds.length, a.key);
      assert.equal(a.valLoss.length, t.training.seeds.length, a.key);
      for (const e of a.valError) assert.ok(e >= 0 && e <= 1, `${a.key}: error ${e}`);
      for (const l of a.valLoss) assert.ok(Number.isFinite(l) && l > 0, `${a.key}: loss ${l}`);
      const units = a.key === '0' ? [] : a.key.split(':')[1].split('-').map(Number);
      assert.equal(a.params, weights(units), a.key);
    }
    // trained networks, not chance (90 % error): the best architecture gets most digits right
    assert.ok(Math.min(...t.architectures.map((a) => nasDigitsObjectives(a)[0])) < 0.1);
  });

  it('has a conditional space: a depth draws exactly its own parameters, each valid, and every depth is drawn', () => {
    const s = space(nasDigitsSpace());
    assert.equal(s.dims.length, NAS_DIGITS_PROBLEM.dim);
    const rng = new Rng('nas-digits-test');
    const seen = new Set<number>();
    for (let i = 0; i < 400; i++) {
      const params = s.sample(rng);
      s.validate(params);
      const arch = (s.toObject(params) as { arch: Arch }).arch;
      seen.add(arch.depth);
      const d = arch.depth;
      const labels = Object.keys(params).sort();
      const own = d === 0 ? [] : [`d${d}.act`, ...Array.from({ length: d }, (_, j) => `d${d}.units${j + 1}`)];
      assert.deepEqual(labels, ['depth', ...own].sort(), `depth ${d}`);
      assert.equal(arch.log2Units?.length ?? 0, d);
      for (const e of arch.log2Units ?? []) assert.ok(t.space.widths.includes(2 ** e), `width 2^${e}`);
      // every drawn architecture is in the table
      assert.equal(NAS_DIGITS_PROBLEM.evaluate(s.toObject(params) as Record<string, unknown>).length, 2);
    }
    assert.deepEqual([...seen].sort(), t.space.depths);
  });

  it("returns the table's values: the mean validation error over the seeds and log10 of the weights", () => {
    const configOf = (activation: string | null, units: number[]) => ({
      arch: units.length === 0 ? { depth: 0 } : { depth: units.length, activation, log2Units: units.map(Math.log2) },
    });
    for (const [activation, units] of [
      [null, []],
      ['relu', [32]],
      ['tanh', [128, 8]],
      ['relu', [8, 64, 16]],
    ] as const) {
      const row = t.architectures.find((a) => a.key === nasDigitsKey(activation, units))!;
      assert.ok(row, nasDigitsKey(activation, units));
      assert.equal(nasDigitsLookup(configOf(activation, [...units])), row);
      const [error, size] = NAS_DIGITS_PROBLEM.evaluate(configOf(activation, [...units]));
      assert.equal(error, row.valError.reduce((s, v) => s + v, 0) / row.valError.length);
      assert.equal(size, Math.log10(weights(units)));
      assert.ok(error < NAS_DIGITS_PROBLEM.ref[0] && size < NAS_DIGITS_PROBLEM.ref[1], 'inside the reference point');
    }
    assert.throws(() => nasDigitsLookup(configOf('relu', [256])), /"relu:256" is not in the table/);
    assert.ok(MOO_PROBLEMS.includes(NAS_DIGITS_PROBLEM));
  });
});
