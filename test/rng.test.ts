import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import seedrandom from 'seedrandom';
import { Rng } from '../src/rng.js';

describe('Rng', () => {
  it('draws exactly the streams of seedrandom(String(seed)), so seeded results stay as they were', () => {
    const seeds: (string | number)[] = ['', '0', '1/suggest/12', '\u00e9\u4e2d\ud83d\ude00', 'x'.repeat(300), 1e21, -0, 3.14];
    for (let i = 0; i < 200; i++) seeds.push(`${i}/suggest/${i * 7}`, i);
    for (const seed of seeds) {
      const ref = seedrandom(String(seed));
      const rng = new Rng(seed);
      for (let k = 0; k < 30; k++) {
        // alternate the two draws, as they share one byte stream
        if (k % 3 === 2) assert.equal(rng.int32(), ref.int32() >>> 0, `seed ${JSON.stringify(String(seed))} draw ${k}`);
        else assert.equal(rng.uniform(), ref.double(), `seed ${JSON.stringify(String(seed))} draw ${k}`);
      }
    }
  });
});
