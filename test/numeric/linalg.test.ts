import { test } from 'node:test';
import assert from 'node:assert/strict';
import { core, NotPositiveDefiniteError } from '../../src/numeric/core.js';
import { referenceCore as ref } from '../../src/numeric/reference.js';
import { matmul, mulberry32, randomArray, randomSpd, relErr, transpose } from './helpers.js';

const wasm = core();
const SIZES = [1, 2, 3, 5, 17, 63, 64, 65, 127, 130, 257];

test('cholesky matches the TypeScript reference to 1e-10 for sizes around the block size', () => {
  const rnd = mulberry32(1);
  for (const n of SIZES) {
    const a = randomSpd(rnd, n);
    const w = wasm.cholesky(a, n);
    const r = ref.cholesky(a, n);
    assert.equal(w.jitter, 0);
    assert.ok(relErr(w.L, r.L) < 1e-10, `n=${n}: ${relErr(w.L, r.L)}`);
  }
});

test('cholesky factor is lower triangular and L L^T reproduces A', () => {
  const rnd = mulberry32(2);
  for (const n of [1, 7, 64, 100, 201]) {
    const a = randomSpd(rnd, n);
    const { L } = wasm.cholesky(a, n);
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) assert.equal(L[i * n + j], 0);
    const llt = matmul(L, transpose(L, n, n), n, n, n);
    assert.ok(relErr(llt, a) < 1e-12, `n=${n}: ${relErr(llt, a)}`);
  }
});

test('cholesky of a 1x1 matrix is its square root', () => {
  const { L, jitter } = wasm.cholesky(new Float64Array([4]), 1);
  assert.deepEqual(Array.from(L), [2]);
  assert.equal(jitter, 0);
});

test('cholesky adds growing diagonal jitter to a singular PSD matrix and reports it', () => {
  // rank-1 matrix v v^T (n = 5) is PSD but singular
  const n = 5;
  const v = [1, 2, 3, 4, 5];
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = v[i]! * v[j]!;
  const mean = v.reduce((s, x) => s + x * x, 0) / n;
  for (const c of [wasm, ref]) {
    const { L, jitter } = c.cholesky(a, n);
    assert.ok(jitter >= 1e-10 * mean * (1 - 1e-12), `${c.name}: jitter ${jitter}`);
    assert.ok(jitter <= 1e-5 * mean * (1 + 1e-12), `${c.name}: jitter ${jitter}`);
    const llt = matmul(L, transpose(L, n, n), n, n, n);
    for (let i = 0; i < n; i++) a[i * n + i]! += jitter;
    assert.ok(relErr(llt, a) < 1e-10);
    for (let i = 0; i < n; i++) a[i * n + i]! -= jitter;
  }
  const w = wasm.cholesky(a, n),
    r = ref.cholesky(a, n);
  assert.equal(w.jitter, r.jitter);
});

test('cholesky of an indefinite matrix throws NotPositiveDefiniteError with code NOT_SPD', () => {
  const a = new Float64Array([1, 2, 2, 1]); // eigenvalues 3 and -1
  for (const c of [wasm, ref]) {
    assert.throws(
      () => c.cholesky(a, 2),
      (e: unknown) => e instanceof NotPositiveDefiniteError && e.code === 'NOT_SPD' && e.jitter > 0,
    );
  }
  assert.throws(() => wasm.cholesky(new Float64Array([-1]), 1), NotPositiveDefiniteError);
});

test('triangular solves match the reference with one and many right-hand sides', () => {
  const rnd = mulberry32(3);
  for (const n of [1, 4, 33, 100]) {
    const { L } = wasm.cholesky(randomSpd(rnd, n), n);
    for (const m of [1, 2, 3, 9, 70]) {
      const b = randomArray(rnd, n * m);
      const xl = wasm.solveLower(L, n, b, m);
      const xu = wasm.solveUpper(L, n, b, m);
      assert.ok(relErr(xl, ref.solveLower(L, n, b, m)) < 1e-10, `lower n=${n} m=${m}`);
      assert.ok(relErr(xu, ref.solveUpper(L, n, b, m)) < 1e-10, `upper n=${n} m=${m}`);
      // residuals
      assert.ok(relErr(matmul(L, xl, n, n, m), b) < 1e-10);
      assert.ok(relErr(matmul(transpose(L, n, n), xu, n, n, m), b) < 1e-10);
    }
  }
});

test('solves do not modify their inputs', () => {
  const rnd = mulberry32(4);
  const n = 10;
  const { L } = wasm.cholesky(randomSpd(rnd, n), n);
  const b = randomArray(rnd, n * 3);
  const l0 = L.slice(),
    b0 = b.slice();
  wasm.solveLower(L, n, b, 3);
  wasm.solveUpper(L, n, b, 3);
  assert.deepEqual(L, l0);
  assert.deepEqual(b, b0);
});

test('rank-one extension equals a fresh factorisation of the bordered matrix', () => {
  const rnd = mulberry32(5);
  for (const n of [0, 1, 6, 64, 99]) {
    const m = n + 1;
    const big = randomSpd(rnd, m);
    const small = new Float64Array(n * n);
    for (let i = 0; i < n; i++) small.set(big.subarray(i * m, i * m + n), i * n);
    const Ls = n > 0 ? wasm.cholesky(small, n).L : new Float64Array(0);
    const col = big.slice(n * m, n * m + m);
    const ext = wasm.choleskyAppend(Ls, n, col);
    const fresh = wasm.cholesky(big, m).L;
    assert.ok(relErr(ext, fresh) < 1e-10, `n=${n}: ${relErr(ext, fresh)}`);
    assert.ok(relErr(ref.choleskyAppend(Ls, n, col), fresh) < 1e-10);
  }
});

test('rank-one extension that is not positive definite throws NOT_SPD', () => {
  const L = new Float64Array([1]);
  for (const c of [wasm, ref]) {
    assert.throws(() => c.choleskyAppend(L, 1, new Float64Array([1, 1])), NotPositiveDefiniteError);
  }
});

test('symmetric eigendecomposition reproduces A = V diag(values) V^T with orthonormal V', () => {
  const rnd = mulberry32(6);
  for (const n of [1, 2, 3, 10, 50, 120]) {
    const b = randomArray(rnd, n * n);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = b[i * n + j]! + b[j * n + i]!;
    const { values, vectors } = wasm.symmetricEigen(a, n);
    for (let i = 1; i < n; i++) assert.ok(values[i - 1]! <= values[i]!);
    const vl = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) vl[i * n + j] = vectors[i * n + j]! * values[j]!;
    const rec = matmul(vl, transpose(vectors, n, n), n, n, n);
    assert.ok(relErr(rec, a) < 1e-12, `n=${n}: ${relErr(rec, a)}`);
    const vtv = matmul(transpose(vectors, n, n), vectors, n, n, n);
    const eye = new Float64Array(n * n);
    for (let i = 0; i < n; i++) eye[i * n + i] = 1;
    assert.ok(relErr(vtv, eye) < 1e-12);
    // eigenvalues agree with the (Jacobi) reference
    const r = ref.symmetricEigen(a, n);
    assert.ok(relErr(values, r.values) < 1e-10, `n=${n} values`);
  }
});

test('eigendecomposition of a diagonal matrix returns sorted diagonal and a permutation', () => {
  const a = new Float64Array([3, 0, 0, 0, 1, 0, 0, 0, 2]);
  const { values, vectors } = wasm.symmetricEigen(a, 3);
  assert.deepEqual(Array.from(values), [1, 2, 3]);
  assert.deepEqual(Array.from(vectors, Math.abs), [0, 0, 1, 1, 0, 0, 0, 1, 0]);
});

test('invalid sizes are rejected with a RangeError naming the field', () => {
  assert.throws(() => wasm.cholesky(new Float64Array(3), 2), /a must have at least 4/);
  assert.throws(() => wasm.cholesky(new Float64Array(4), -1), /n must be/);
});
