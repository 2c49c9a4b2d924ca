import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../src/rng.js';
import { normalCdf } from '../src/stats.js';
import { chiSquare, chiSquareCritical, ksCritical, ksStatistic } from './support/stats.js';

describe('Rng', () => {
  it('repeats a stream for the same seed and parts, and separates streams by their parts', () => {
    const draw = (r: Rng) => Array.from({ length: 20 }, () => r.uniform());
    assert.deepEqual(draw(Rng.derive(3, 'suggest', 12)), draw(Rng.derive(3, 'suggest', 12)));
    assert.notDeepEqual(draw(Rng.derive(3, 'suggest', 12)), draw(Rng.derive(3, 'suggest', 13)));
    assert.notDeepEqual(draw(Rng.derive(3, 'suggest', 12)), draw(Rng.derive(4, 'suggest', 12)));
  });

  it('gives streams of nearby names unrelated first draws (uniform, serially independent, balanced bits)', () => {
    // a study derives one stream per ask and per trial, named by their numbers: neighbouring streams must not echo
    const n = 20000;
    const first = Array.from({ length: n }, (_, i) => Rng.derive(0, 'suggest', i).uniform());
    assert.ok(ksStatistic(first, (x) => Math.min(1, Math.max(0, x))) < ksCritical(n));
    const cells = new Array<number>(100).fill(0);
    for (let i = 0; i + 1 < n; i += 2) cells[Math.floor(first[i] * 10) * 10 + Math.floor(first[i + 1] * 10)]++;
    assert.ok(chiSquare(cells, new Array<number>(100).fill(0.01)) < chiSquareCritical(99));
    const ones = new Array<number>(32).fill(0);
    for (let i = 0; i < n; i++) {
      const v = Rng.derive(7, 'trial', i).int32();
      for (let b = 0; b < 32; b++) ones[b] += (v >>> b) & 1;
    }
    // each bit of the trial seeds is a fair coin: |ones − n/2| under 4.5 standard deviations for all 32
    for (let b = 0; b < 32; b++) assert.ok(Math.abs(ones[b] - n / 2) < 4.5 * Math.sqrt(n / 4), `bit ${b}: ${ones[b]} of ${n}`);
  });

  it('draws uniforms with all 53 bits in use (no fixed low bits) and never 1', () => {
    const rng = new Rng('bits');
    let low = 0;
    for (let i = 0; i < 1000; i++) {
      const u = rng.uniform();
      assert.ok(u >= 0 && u < 1);
      low |= (u * 2 ** 53) & 1;
    }
    assert.equal(low, 1);
  });

  it('draws standard normals (Kolmogorov–Smirnov) and weighted categories (chi-square)', () => {
    const rng = new Rng(1);
    const n = 5000;
    const z = Array.from({ length: n }, () => rng.normal());
    assert.ok(ksStatistic(z, normalCdf) < ksCritical(n));
    const counts = [0, 0, 0];
    for (let i = 0; i < n; i++) counts[rng.categorical([0.2, 0.5, 0.3])]++;
    assert.ok(chiSquare(counts, [0.2, 0.5, 0.3]) < chiSquareCritical(2));
  });
});
