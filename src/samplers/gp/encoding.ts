import type { Dim } from '../../space/dim.js';
import type { Params, SearchSpace } from '../../space/space.js';
import { own } from '../../space/own.js';

/** Input value of an inactive numeric dimension (the middle of the cube; its branch identity lives in the choice dims). */
export const INACTIVE_NUMERIC = 0.5;
/** Input value of an inactive choice: a category of its own. */
export const INACTIVE_CHOICE = -1;

/**
 * The GP's input space for a (possibly conditional) search space: one input per dim.
 * - float / normal / int dims: the unit-cube coordinate of `Dim.toUnit` (log-scaled where the dim is log,
 *   the prior CDF for normal dims, cell centres for integers), a continuous kernel dimension;
 * - choices: the option index, a categorical (Hamming) kernel dimension with its own lengthscale;
 * - inactive dims: imputed with a fixed value (`INACTIVE_NUMERIC`, `INACTIVE_CHOICE`), so the GP models the
 *   whole tree jointly ("imputation + branch identity": the choice inputs tell the branches apart).
 *
 * Candidates are handled as raw points u ∈ [0, 1]^D (every dim, active or not); `canonical(u)` decodes them
 * to params (rounding ints and quantised values, choosing branches) and returns the inputs of those params.
 */
export class InputEncoding {
  readonly d: number;
  /** 1 where the input is categorical. */
  readonly categorical: Uint8Array;
  private readonly dims: readonly Dim[];

  constructor(readonly space: SearchSpace) {
    this.dims = space.dims;
    this.d = this.dims.length;
    this.categorical = Uint8Array.from(this.dims, (dim) => (dim.isChoice ? 1 : 0));
  }

  /** GP inputs of params (length d). */
  inputs(params: Params, out: Float64Array = new Float64Array(this.d)): Float64Array {
    for (const dim of this.dims) {
      const v = own(params, dim.label);
      const active = v !== undefined && this.space.isActive(dim, params);
      if (dim.isChoice) out[dim.index] = active ? dim.optionIndex(v) : INACTIVE_CHOICE;
      else out[dim.index] = active ? dim.toUnit(v) : INACTIVE_NUMERIC;
    }
    return out;
  }

  /** Raw point of params: the unit coordinates of active dims, `fill` (e.g. a random draw) for inactive ones. */
  raw(params: Params, fill: (j: number) => number): Float64Array {
    const u = this.space.encode(params);
    for (let j = 0; j < this.d; j++) if (Number.isNaN(u[j])) u[j] = fill(j);
    return u;
  }

  /** Decodes a raw point to params, and the GP inputs of those params. */
  canonical(u: ArrayLike<number>): { params: Params; inputs: Float64Array } {
    const params = this.space.decode(u);
    return { params, inputs: this.inputs(params) };
  }

  /** Indices of the continuous inputs active under `params` (the ones gradient search may move). */
  activeContinuous(params: Params): number[] {
    const out: number[] = [];
    for (const dim of this.dims) if (!dim.isChoice && own(params, dim.label) !== undefined) out.push(dim.index);
    return out;
  }

  /** Indices of the choices active under `params`, with their number of options. */
  activeChoices(params: Params): { index: number; options: number }[] {
    return this.dims
      .filter((dim) => dim.isChoice && own(params, dim.label) !== undefined)
      .map((dim) => ({ index: dim.index, options: dim.cardinality }));
  }
}
