/**
 * Trust region for the acquisition search, after TuRBO (Eriksson et al. 2019, "Scalable Global Optimization via
 * Local Bayesian Optimization"): a box of side L (unit-cube units) centred on the incumbent, doubled after
 * `SUCCESS_TOLERANCE` improvements in a row and halved after max(4, d) trials without one; when it collapses below
 * `MIN_LENGTH` it restarts at `INITIAL_LENGTH` (the GP keeps all its data, unlike TuRBO's restart).
 *
 * In high dimensions a GP fitted on few points sees most inputs as irrelevant and LogEI then prefers the corners of
 * the cube (largest variance, flat mean): the trust region keeps the search where the data are. The state is
 * replayed from the history (trial values in number order), so it is a function of the history alone.
 */

export const INITIAL_LENGTH = 0.8;
export const MAX_LENGTH = 1.6;
export const MIN_LENGTH = 0.5 ** 7;
export const SUCCESS_TOLERANCE = 3;

/** A box [lower, upper] ⊂ [0, 1]^D. */
export interface Box {
  lower: Float64Array;
  upper: Float64Array;
}

/**
 * Side length of the trust region after the outputs y (oriented for minimisation, in trial-number order), the
 * first `nStartup` of which are the initial design. An improvement is a value below the best so far by more than
 * 1e-3 of its magnitude (TuRBO's rule).
 */
export function trustLength(y: ArrayLike<number>, nStartup: number, d: number): number {
  const successes: boolean[] = [];
  let best = Infinity;
  for (let i = 0; i < Math.min(nStartup, y.length); i++) best = Math.min(best, y[i]);
  for (let i = nStartup; i < y.length; i++) {
    successes.push(y[i] < best - 1e-3 * Math.abs(best));
    best = Math.min(best, y[i]);
  }
  return lengthAfter(successes, d);
}

/**
 * Side length of the trust region after a sequence of trials past the initial design, each a success (an
 * improvement) or a failure: the rule of `trustLength`, for any notion of improvement (several objectives: a trial
 * that enters the feasible Pareto front).
 */
export function lengthAfter(successes: readonly boolean[], d: number): number {
  const failureTolerance = Math.max(4, d);
  let length = INITIAL_LENGTH;
  let wins = 0;
  let failures = 0;
  for (const success of successes) {
    if (success) {
      wins++;
      failures = 0;
    } else {
      failures++;
      wins = 0;
    }
    if (wins >= SUCCESS_TOLERANCE) {
      length = Math.min(2 * length, MAX_LENGTH);
      wins = 0;
    } else if (failures >= failureTolerance) {
      length /= 2;
      failures = 0;
      if (length < MIN_LENGTH) length = INITIAL_LENGTH;
    }
  }
  return length;
}

/** The box of side `length` around `center`, clipped to the unit cube; categorical inputs (mask 1) stay unrestricted. */
export function trustBox(center: ArrayLike<number>, length: number, categorical: Uint8Array): Box {
  const D = center.length;
  const lower = new Float64Array(D);
  const upper = new Float64Array(D).fill(1);
  for (let j = 0; j < D; j++) {
    if (categorical[j]) continue;
    lower[j] = Math.max(0, center[j] - length / 2);
    upper[j] = Math.min(1, center[j] + length / 2);
  }
  return { lower, upper };
}
