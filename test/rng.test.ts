import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import seedrandom from 'seedrandom';
import { Arc4 } from '../src/arc4.js';
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

  it('draws exactly what seedrandom draws for the same seed (doubles and int32s), long and unicode seeds included', () => {
    const seeds = ['', '0', '0/suggest/1000', '7/trial/3/stream-b', 'é€😀', 'x'.repeat(300), Array.from({ length: 600 }, (_, i) => String.fromCharCode(i)).join('')];
    for (let k = 0; k < 200; k++) seeds.push(`${k * 7919}/suggest/${k}`);
    for (const seed of seeds) {
      const ours = new Arc4(seed);
      const theirs = seedrandom(seed);
      for (let i = 0; i < 50; i++) {
        assert.equal(ours.double(), theirs.double(), `seed ${JSON.stringify(seed.slice(0, 20))}, draw ${i}`);
        assert.equal(ours.int32(), theirs.int32(), `seed ${JSON.stringify(seed.slice(0, 20))}, int32 ${i}`);
      }
    }
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
