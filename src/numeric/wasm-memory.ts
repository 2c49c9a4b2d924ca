// The WASM module's instance and memory: loading build/core.wasm, the allocations of a call (Arena) and the views
// that copy arrays in and out. Only the numeric/wasm*.ts modules use it; no pointer leaves them (resident objects
// such as GpModel keep theirs in private fields).

import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Minimal typings: the project compiles with lib ES2022 and @types/node, neither declares WebAssembly.
declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Instance {
    constructor(module: Module, imports: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
  class Memory {
    readonly buffer: ArrayBuffer;
  }
}

export interface Exports {
  memory: WebAssembly.Memory;
  alloc(bytes: number): number;
  free(ptr: number): void;
  cholesky(a: number, n: number, l: number, maxTries: number): number;
  choleskyJitter(): number;
  choleskyAppend(l: number, n: number, a: number, out: number): number;
  solveLower(l: number, n: number, b: number, m: number): void;
  solveUpperT(l: number, n: number, b: number, m: number): void;
  gpKernelMatrix(
    x: number,
    n: number,
    d: number,
    params: number,
    cat: number,
    kind: number,
    addNoise: number,
    xs: number,
    xsT: number,
    w: number,
    out: number,
  ): void;
  gpLml(
    x: number,
    y: number,
    n: number,
    d: number,
    params: number,
    cat: number,
    kind: number,
    maxTries: number,
    kbuf: number,
    lbuf: number,
    zt: number,
    gbuf: number,
    alpha: number,
    crow: number,
    xs: number,
    xsT: number,
    w: number,
    grad: number,
  ): number;
  gpScale(x: number, n: number, d: number, params: number, cat: number, xs: number, xsT: number, w: number): void;
  gpFactor(
    xs: number,
    xsT: number,
    n: number,
    d: number,
    w: number,
    kind: number,
    params: number,
    y: number,
    kbuf: number,
    lbuf: number,
    alpha: number,
    linv: number,
    maxTries: number,
  ): number;
  gpPredict(
    xsT: number,
    n: number,
    d: number,
    w: number,
    kind: number,
    params: number,
    alpha: number,
    linv: number,
    zt: number,
    z: number,
    m: number,
    mean: number,
    variance: number,
    gmean: number,
    gvar: number,
    chunk: number,
    zs: number,
    kt: number,
    g: number,
    vt: number,
    cvec: number,
  ): void;
  transpose(a: number, n: number, out: number): void;
  parzenPrepare(
    K: number,
    d: number,
    dc: number,
    w: number,
    mu: number,
    sig: number,
    low: number,
    high: number,
    isInterval: number,
    catSizes: number,
    catProbs: number,
    inv: number,
    cst: number,
    catLog: number,
  ): number;
  parzenEval(
    K: number,
    d: number,
    dc: number,
    mu: number,
    sig: number,
    inv: number,
    cst: number,
    low: number,
    high: number,
    isInterval: number,
    catSizes: number,
    catLog: number,
    m: number,
    xlo: number,
    xhi: number,
    cats: number,
    out: number,
    scratch: number,
  ): void;
  parzenScratchBytes(K: number, d: number, m: number): number;
  expBatch(x: number, n: number, out: number): void;
  symEigen(v: number, n: number, d: number, e: number): number;
  erf(x: number): number;
  erfc(x: number): number;
  logNormMass(a: number, b: number): number;
}

function findWasm(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'build', 'core.wasm');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error('parzen: build/core.wasm not found above ' + fileURLToPath(import.meta.url) + ' (run npm run build:wasm)');
    dir = parent;
  }
}

/** The instance's exports, once `startWasm` has run. */
export let ex: Exports;
let loaded = false;

function instantiate(): Exports {
  const module = new WebAssembly.Module(readFileSync(findWasm()));
  const instance = new WebAssembly.Instance(module, {
    env: {
      abort(msg: number, file: number, line: number, col: number): never {
        throw new Error(`parzen core: wasm abort at ${line}:${col} (${readString(msg)} in ${readString(file)})`);
      },
    },
  });
  return instance.exports as unknown as Exports;
}

function readString(ptr: number): string {
  if (!ptr || !ex) return '?';
  try {
    const len = new Uint32Array(ex.memory.buffer, ptr - 4, 1)[0]! >>> 1;
    return String.fromCharCode(...new Uint16Array(ex.memory.buffer, ptr, len));
  } catch {
    return '?';
  }
}

/**
 * Allocations of one call, freed together. Given the total it will need (`reserve`, 16-byte aligned blocks),
 * it carves its blocks from one allocation: a round trip into the core per block adds up in hot paths.
 */
export class Arena {
  private readonly ptrs: number[] = [];
  private chunk = 0;
  private used = 0;
  private cap = 0;
  constructor(reserve = 0) {
    if (reserve > 0) {
      this.chunk = ex.alloc(reserve);
      this.ptrs.push(this.chunk);
      this.cap = reserve;
    }
  }
  alloc(bytes: number): number {
    const size = alignedSize(bytes);
    if (this.used + size <= this.cap) {
      this.used += size;
      return this.chunk + this.used - size;
    }
    const p = ex.alloc(size);
    this.ptrs.push(p);
    return p;
  }
  f64(len: number): number {
    return this.alloc(len * 8);
  }
  /** Allocate and copy a f64 array in. */
  put(src: ArrayLike<number>, len = src.length): number {
    const p = this.alloc(len * 8);
    const heap = heapF64();
    const at = p >>> 3;
    if (src instanceof Float64Array) heap.set(src.length === len ? src : src.subarray(0, len), at);
    else for (let i = 0; i < len; i++) heap[at + i] = src[i]!;
    return p;
  }
  putI32(src: ArrayLike<number>): number {
    const p = this.alloc(src.length * 4);
    const heap = heapI32();
    const at = p >>> 2;
    for (let i = 0; i < src.length; i++) heap[at + i] = src[i]!;
    return p;
  }
  putU8(src: ArrayLike<number | boolean>): number {
    const p = this.alloc(src.length);
    const heap = heapU8();
    for (let i = 0; i < src.length; i++) heap[p + i] = src[i] ? 1 : 0;
    return p;
  }
  /** Take ownership of the pointers (for resident objects). */
  detach(): number[] {
    return this.ptrs.splice(0);
  }
  release(): void {
    for (const p of this.ptrs) ex.free(p);
    this.ptrs.length = 0;
  }
}

/** The bytes an Arena block of `bytes` takes (16-byte aligned, at least 16). */
export function alignedSize(bytes: number): number {
  return (Math.max(16, bytes) + 15) & ~15;
}

export function getF64(ptr: number, len: number): Float64Array {
  return heapF64().slice(ptr >>> 3, (ptr >>> 3) + len);
}

/**
 * Views of the whole of the core's memory, made again only when it has grown: growing detaches the old buffer, whose
 * views then have length 0. (A view per copy in or out cost more than the copy for the small arrays of a TPE ask,
 * and so did reading memory.buffer, a slow accessor, at every copy.)
 */
let heap: { f64: Float64Array; i32: Int32Array; u8: Uint8Array } | null = null;

function heapViews(): NonNullable<typeof heap> {
  if (heap === null || heap.u8.length === 0) {
    const buffer = ex.memory.buffer;
    heap = { f64: new Float64Array(buffer), i32: new Int32Array(buffer), u8: new Uint8Array(buffer) };
  }
  return heap;
}
export const heapF64 = () => heapViews().f64;
export const heapI32 = () => heapViews().i32;
export const heapU8 = () => heapViews().u8;

export function withArena<T>(fn: (a: Arena) => T, reserve = 0): T {
  const a = new Arena(reserve);
  try {
    return fn(a);
  } finally {
    a.release();
  }
}

export function checkLen(name: string, arr: ArrayLike<number>, len: number): void {
  if (arr.length < len) throw new RangeError(`${name} must have at least ${len} elements (got ${arr.length})`);
}

export function checkFinite(name: string, arr: ArrayLike<number>, len: number): void {
  for (let i = 0; i < len; i++) {
    if (!Number.isFinite(arr[i]!)) throw new RangeError(`${name}[${i}] must be finite (got ${arr[i]})`);
  }
}

export function checkN(name: string, n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${name} must be a non-negative integer (got ${n})`);
}

/** Compiles and instantiates the module on the first call; true when this call did. */
export function startWasm(): boolean {
  if (loaded) return false;
  ex = instantiate();
  loaded = true;
  return true;
}

/** Whether the module has been instantiated. */
export function wasmStarted(): boolean {
  return loaded;
}

/** Frees the memory of resident objects (a GP model, a mixture) that were dropped without dispose(). */
export const registry = new FinalizationRegistry<number[]>((ptrs) => {
  for (const p of ptrs) ex.free(p);
});
