// Flat exports of the numeric core: every function takes pointers (byte offsets into this
// module's memory) and lengths. Only src/numeric/wasm.ts calls these.

export function version(): i32 {
  return 3;
}

/** Allocate `bytes` (16-byte aligned) from the module's heap; memory grows as needed. */
export function alloc(bytes: usize): usize {
  return heap.alloc(bytes);
}

/** Free a block returned by alloc. */
export function free(ptr: usize): void {
  heap.free(ptr);
}

export { cholesky, choleskyJitter, choleskyAppend, solveLower, solveUpperT, invLowerT, gramUpper, dot } from "./linalg";
export { gpKernelMatrix, gpLml, gpFactor, gpPredict, gpScale, transpose } from "./gp";
export { parzenPrepare, parzenEval, parzenScratchBytes, expBatch } from "./parzen";
export { symEigen } from "./eigen";
export { erf, erfc, erfcxPos, logNormMass } from "./math";
