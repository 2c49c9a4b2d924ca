import { SuccessiveHalvingPruner } from '../../src/pruners/successive-halving.js';
import { hp } from '../../src/space/hp.js';

/** The study the distributed ASHA test runs from three processes. */
export const ASHA_SPACE = hp.uniform('x', 0, 1);

/** Rungs at steps 1, 3 and 9. */
export function ashaPruner(): SuccessiveHalvingPruner {
  return new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 3 });
}

/** A learning curve whose order between trials changes over the steps (crossing curves). */
export function ashaValue(x: number, step: number): number {
  return x * x + Math.sin(7 * x + step) / (1 + step);
}
