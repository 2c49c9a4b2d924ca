// The typed facade of the numeric core. Everything numeric that the samplers need goes
// through core(); the WebAssembly module behind it is loaded synchronously (and warmed up)
// when this module is first imported, so core() is usable without await, also in workers.

import { wasmCore } from './wasm.js';
import type { NumericCore } from './types.js';

export type {
  CholeskyResult, EigenResult, GpHyper, GpModel, KernelKind, LmlResult, MixturePoints, MixtureSpec,
  NumericCore, ParzenMixture, Posterior,
} from './types.js';
export { NotPositiveDefiniteError } from './errors.js';

/** The numeric core singleton (WebAssembly implementation). */
export function core(): NumericCore {
  return wasmCore;
}
