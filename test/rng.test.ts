import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import seedrandom from 'seedrandom';
import { DEFAULT_GENERATOR, Rng } from '../src/rng.js';
import { hp } from '../src/space/hp.js';
import { SqliteStorage } from '../src/storage/sqlite.js';
import { createStudy } from '../src/study/study.js';
import { random } from '../src/samplers/random.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

  it("draws seedrandom's streams: tyche-i by default, Alea when a study chose it", () => {
    assert.equal(DEFAULT_GENERATOR, 'tychei');
    const ours = Rng.derive(5, 'suggest', 3);
    const theirs = seedrandom.tychei('5/suggest/3');
    for (let i = 0; i < 5; i++) assert.equal(ours.uniform(), theirs.double());
    const alea = Rng.derive({ seed: 5, generator: 'alea' }, 'trial', 1);
    assert.equal(alea.int32(), seedrandom.alea('5/trial/1').int32() >>> 0);
  });
});

describe('a study and its random generator', () => {
  const space = { x: hp.uniform('x', 0, 1) };
  const draw = async (study: Awaited<ReturnType<typeof createStudy>>) => (await study.ask(3)).map((t) => t.params.x);

  it('stores its generator and resumes with it; naming another one on resume is an error naming both', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'parzen-rng-')), 's.db');
    const storage = new SqliteStorage(path);
    const a = await createStudy({ name: 'a', space, sampler: random(), seed: 3, rng: 'alea', storage });
    const first = await draw(a);
    const tychei = await draw(await createStudy({ name: 'b', space, sampler: random(), seed: 3, storage }));
    assert.notDeepEqual(first, tychei, 'the generators draw different streams');
    const again = await createStudy({ name: 'a2', space, sampler: random(), seed: 3, rng: 'alea', storage });
    assert.deepEqual(await draw(again), first);
    const resumed = await createStudy({ name: 'a', resume: true, sampler: random(), storage });
    assert.equal(resumed.generator, 'alea');
    await assert.rejects(
      createStudy({ name: 'a', resume: true, sampler: random(), rng: 'tychei', storage }),
      /draws from the random generator alea, not tychei/,
    );
    await assert.rejects(createStudy({ space, rng: 'sfc32' as never }), /options\.rng must be one of tychei, alea/);
    await storage.close();
  });

  it('resumes a study made with a generator parzen no longer has only when the caller names a new one', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'parzen-rng-')), 's.db');
    const storage = new SqliteStorage(path);
    await createStudy({ name: 'old', space, sampler: random(), seed: 1, storage });
    (storage as unknown as { db: { exec(sql: string): void } }).db.exec("UPDATE studies SET rng = 'sfc32'");
    await assert.rejects(
      createStudy({ name: 'old', resume: true, sampler: random(), storage }),
      /random generator "sfc32", which this version of parzen does not have/,
    );
    const study = await createStudy({ name: 'old', resume: true, sampler: random(), rng: 'tychei', storage });
    assert.equal(study.generator, 'tychei');
    assert.equal((await draw(study)).length, 3);
    await storage.close();
  });
});
