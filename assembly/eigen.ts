// Symmetric eigendecomposition: Householder tridiagonalisation (tred2) followed by the
// implicit QL algorithm (tql2), after Bowdler, Martin, Reinsch and Wilkinson (Handbook for
// Automatic Computation vol. II, EISPACK). O(n^3), n up to a few hundred.

// @ts-ignore: decorator
@inline function ld(p: usize): f64 { return load<f64>(p); }
// @ts-ignore: decorator
@inline function st(p: usize, v: f64): void { store<f64>(p, v); }

const EPS: f64 = 2.220446049250313e-16;

/**
 * v: on input the symmetric n x n matrix (row-major), on output the eigenvectors as columns
 * (v[i*n + j] = component i of eigenvector j). d: eigenvalues ascending (n). e: scratch (n).
 * Returns 0, or -1 if QL failed to converge.
 */
export function symEigen(v: usize, n: i32, d: usize, e: usize): i32 {
  const rs = <usize>n << 3;
  // V[i][j] address
  // tred2
  for (let j = 0; j < n; j++) st(d + (<usize>j << 3), ld(v + <usize>(n - 1) * rs + (<usize>j << 3)));
  for (let i = n - 1; i > 0; i--) {
    let scale: f64 = 0, h: f64 = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(ld(d + (<usize>k << 3)));
    if (scale == 0) {
      st(e + (<usize>i << 3), ld(d + (<usize>(i - 1) << 3)));
      for (let j = 0; j < i; j++) {
        st(d + (<usize>j << 3), ld(v + <usize>(i - 1) * rs + (<usize>j << 3)));
        st(v + <usize>i * rs + (<usize>j << 3), 0);
        st(v + <usize>j * rs + (<usize>i << 3), 0);
      }
    } else {
      for (let k = 0; k < i; k++) {
        const p = d + (<usize>k << 3);
        const t = ld(p) / scale;
        st(p, t);
        h += t * t;
      }
      let f = ld(d + (<usize>(i - 1) << 3));
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      st(e + (<usize>i << 3), scale * g);
      h = h - f * g;
      st(d + (<usize>(i - 1) << 3), f - g);
      for (let j = 0; j < i; j++) st(e + (<usize>j << 3), 0);
      for (let j = 0; j < i; j++) {
        f = ld(d + (<usize>j << 3));
        st(v + <usize>j * rs + (<usize>i << 3), f);
        g = ld(e + (<usize>j << 3)) + ld(v + <usize>j * rs + (<usize>j << 3)) * f;
        for (let k = j + 1; k <= i - 1; k++) {
          const vkj = ld(v + <usize>k * rs + (<usize>j << 3));
          g += vkj * ld(d + (<usize>k << 3));
          const pe = e + (<usize>k << 3);
          st(pe, ld(pe) + vkj * f);
        }
        st(e + (<usize>j << 3), g);
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        const pe = e + (<usize>j << 3);
        const t = ld(pe) / h;
        st(pe, t);
        f += t * ld(d + (<usize>j << 3));
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) {
        const pe = e + (<usize>j << 3);
        st(pe, ld(pe) - hh * ld(d + (<usize>j << 3)));
      }
      for (let j = 0; j < i; j++) {
        f = ld(d + (<usize>j << 3));
        g = ld(e + (<usize>j << 3));
        for (let k = j; k <= i - 1; k++) {
          const p = v + <usize>k * rs + (<usize>j << 3);
          st(p, ld(p) - (f * ld(e + (<usize>k << 3)) + g * ld(d + (<usize>k << 3))));
        }
        st(d + (<usize>j << 3), ld(v + <usize>(i - 1) * rs + (<usize>j << 3)));
        st(v + <usize>i * rs + (<usize>j << 3), 0);
      }
    }
    st(d + (<usize>i << 3), h);
  }
  for (let i = 0; i < n - 1; i++) {
    st(v + <usize>(n - 1) * rs + (<usize>i << 3), ld(v + <usize>i * rs + (<usize>i << 3)));
    st(v + <usize>i * rs + (<usize>i << 3), 1.0);
    const h = ld(d + (<usize>(i + 1) << 3));
    if (h != 0) {
      for (let k = 0; k <= i; k++) st(d + (<usize>k << 3), ld(v + <usize>k * rs + (<usize>(i + 1) << 3)) / h);
      for (let j = 0; j <= i; j++) {
        let g: f64 = 0;
        for (let k = 0; k <= i; k++) g += ld(v + <usize>k * rs + (<usize>(i + 1) << 3)) * ld(v + <usize>k * rs + (<usize>j << 3));
        for (let k = 0; k <= i; k++) {
          const p = v + <usize>k * rs + (<usize>j << 3);
          st(p, ld(p) - g * ld(d + (<usize>k << 3)));
        }
      }
    }
    for (let k = 0; k <= i; k++) st(v + <usize>k * rs + (<usize>(i + 1) << 3), 0);
  }
  for (let j = 0; j < n; j++) {
    st(d + (<usize>j << 3), ld(v + <usize>(n - 1) * rs + (<usize>j << 3)));
    st(v + <usize>(n - 1) * rs + (<usize>j << 3), 0);
  }
  st(v + <usize>(n - 1) * rs + (<usize>(n - 1) << 3), 1.0);
  st(e, 0);

  // tql2
  for (let i = 1; i < n; i++) st(e + (<usize>(i - 1) << 3), ld(e + (<usize>i << 3)));
  st(e + (<usize>(n - 1) << 3), 0);
  let f: f64 = 0, tst1: f64 = 0;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(ld(d + (<usize>l << 3))) + Math.abs(ld(e + (<usize>l << 3))));
    let m = l;
    while (m < n) {
      if (Math.abs(ld(e + (<usize>m << 3))) <= EPS * tst1) break;
      m++;
    }
    if (m == n) m = n - 1; // e[n-1] is 0, cannot happen; defensive
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 100) return -1;
        let g = ld(d + (<usize>l << 3));
        const el = ld(e + (<usize>l << 3));
        let p = (ld(d + (<usize>(l + 1) << 3)) - g) / (2.0 * el);
        let r = Math.hypot(p, 1.0);
        if (p < 0) r = -r;
        st(d + (<usize>l << 3), el / (p + r));
        st(d + (<usize>(l + 1) << 3), el * (p + r));
        const dl1 = ld(d + (<usize>(l + 1) << 3));
        let h = g - ld(d + (<usize>l << 3));
        for (let i = l + 2; i < n; i++) st(d + (<usize>i << 3), ld(d + (<usize>i << 3)) - h);
        f += h;
        p = ld(d + (<usize>m << 3));
        let c: f64 = 1, c2: f64 = 1, c3: f64 = 1;
        const el1 = ld(e + (<usize>(l + 1) << 3));
        let s: f64 = 0, s2: f64 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2; c2 = c; s2 = s;
          const ei = ld(e + (<usize>i << 3));
          const di = ld(d + (<usize>i << 3));
          g = c * ei;
          h = c * p;
          r = Math.hypot(p, ei);
          st(e + (<usize>(i + 1) << 3), s * r);
          s = ei / r;
          c = p / r;
          p = c * di - s * g;
          st(d + (<usize>(i + 1) << 3), h + s * (c * g + s * di));
          for (let k = 0; k < n; k++) {
            const pk = v + <usize>k * rs + (<usize>i << 3);
            const hk = ld(pk + 8);
            const vi = ld(pk);
            st(pk + 8, s * vi + c * hk);
            st(pk, c * vi - s * hk);
          }
        }
        p = -s * s2 * c3 * el1 * ld(e + (<usize>l << 3)) / dl1;
        st(e + (<usize>l << 3), s * p);
        st(d + (<usize>l << 3), c * p);
      } while (Math.abs(ld(e + (<usize>l << 3))) > EPS * tst1);
    }
    st(d + (<usize>l << 3), ld(d + (<usize>l << 3)) + f);
    st(e + (<usize>l << 3), 0);
  }
  // sort ascending
  for (let i = 0; i < n - 1; i++) {
    let k = i;
    let p = ld(d + (<usize>i << 3));
    for (let j = i + 1; j < n; j++) {
      const dj = ld(d + (<usize>j << 3));
      if (dj < p) { k = j; p = dj; }
    }
    if (k != i) {
      st(d + (<usize>k << 3), ld(d + (<usize>i << 3)));
      st(d + (<usize>i << 3), p);
      for (let j = 0; j < n; j++) {
        const pi = v + <usize>j * rs + (<usize>i << 3);
        const pk = v + <usize>j * rs + (<usize>k << 3);
        const t = ld(pi);
        st(pi, ld(pk));
        st(pk, t);
      }
    }
  }
  return 0;
}
