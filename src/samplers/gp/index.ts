export { GpSampler, type GpOptions, refitPoint } from './sampler.js';
export { logEI, logH, ucb } from './acquisition.js';
export { minimizeBox, type BoxMinimizeOptions, type BoxMinimizeResult } from './optimize.js';
import { GpSampler, type GpOptions } from './sampler.js';

/** Gaussian-process Bayesian optimisation: `gp()` / `gp({ … })`, or `gp.suggest` with the defaults. */
export const gp = Object.assign((o?: GpOptions) => new GpSampler(o), { suggest: new GpSampler() });
