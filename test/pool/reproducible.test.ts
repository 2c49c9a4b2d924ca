import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { random } from '../../src/samplers/random.js';
import { createSampler } from '../../src/samplers/registry.js';
import { SamplerThread } from '../../src/study/sampler-thread.js';
import { openSession } from '../../src/samplers/sampler.js';
import { spaceToJson } from '../../src/space/json.js';
import { Rng } from '../../src/rng.js';
import type { History, Sampler } from '../../src/samplers/sampler.js';
import { hp } from '../../src/space/hp.js';
import type { Params } from '../../src/space/space.js';
import { createStudy } from '../../src/study/study.js';
import { fixture } from './fixtures.js';

const space = { x: hp.uniform('x', -1, 1), y: hp.uniform('y', -1, 1) };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const f = (c: { x: number; y: number }) => (c.x - 0.3) ** 2 + (c.y + 0.2) ** 2;

/** A sampler that samples around the best result seen so far, so the points depend on what each ask saw. */
function greedy(): Sampler {
  const base = random();
  return {
    name: 'greedy-test',
    options: {},
    suggest(h: History, n: number, rng: Rng): Params[] {
      const done = h.trials.filter((t) => t.state === 'complete');
      if (done.length === 0) return base.suggest(h, n, rng);
      const best = done.reduce((a, b) => ((a.value as number) <= (b.value as number) ? a : b));
      const clip = (v: number) => Math.max(-1, Math.min(1, v));
      return Array.from({ length: n }, () => ({
        x: clip((best.params.x as number) + 0.1 * rng.normal()),
        y: clip((best.params.y as number) + 0.1 * rng.normal()),
      }));
    },
  };
}

async function runInProcess(seed: number, concurrency: number, prefetch = 0): Promise<unknown[]> {
  const study = await createStudy({ space, seed, sampler: greedy() });
  await study.optimize(
    async (c: { x: number; y: number }) => {
      await sleep(Math.random() * 6); // a different completion order each run
      return f(c);
    },
    { nTrials: 40, concurrency, prefetch },
  );
  return (await study.trials()).map((t) => [t.number, t.params, t.value]);
}

describe('reproducibility under parallelism', () => {
  it('gives the same trials for a seed and a concurrency whatever order trials finish in', async () => {
    const a = await runInProcess(5, 4);
    const b = await runInProcess(5, 4);
    assert.deepEqual(a, b);
    const c = await runInProcess(6, 4);
    assert.notDeepEqual(a, c);
  });

  it('holds with prefetch too', async () => {
    assert.deepEqual(await runInProcess(5, 3, 2), await runInProcess(5, 3, 2));
  });

  it('gives the same trials in worker threads as in process', async () => {
    const inProcess = await runInProcess(9, 3);
    const study = await createStudy({ space, seed: 9, sampler: greedy() });
    await study.optimize({ module: fixture('pool-delay.mjs') }, { nTrials: 40, concurrency: 3 });
    assert.deepEqual(
      (await study.trials()).map((t) => [t.number, t.params, t.value]),
      inProcess,
    );
  });

  it('never hands out a point twice while it is pending, within or across batches', async () => {
    const grid = { a: hp.choice('a', [0, 1, 2, 3]), b: hp.choice('b', [0, 1, 2, 3]) };
    const base = random();
    const violations: string[] = [];
    const checked: Sampler = {
      name: 'checked',
      options: {},
      suggest(h, n, rng) {
        const out = base.suggest(h, n, rng);
        const pending = h.trials.filter((t) => t.state === 'running').map((t) => h.space.key(t.params));
        const keys = out.map((p) => h.space.key(p));
        if (new Set([...pending, ...keys]).size !== pending.length + keys.length) violations.push(JSON.stringify({ pending, keys }));
        return out;
      },
    };
    for (const reproducible of [true, false]) {
      const study = await createStudy({ space: grid, seed: 2, sampler: checked });
      await study.optimize(async () => sleep(Math.random() * 3).then(() => 1), { nTrials: 120, concurrency: 4, prefetch: 3, reproducible });
      assert.equal((await study.trials()).length, 120);
    }
    assert.deepEqual(violations, []);
  });
});

describe('the sampler in a thread of its own', () => {
  for (const algo of ['tpe'] as const) {
    it(`proposes the same trials as on the main thread (${algo}, 4 workers, prefetch 4)`, async () => {
      const run = async (samplerThread: boolean) => {
        const study = await createStudy({ space, seed: 12, sampler: createSampler(algo, { nStartupTrials: 5 }) });
        await study.optimize(
          { module: fixture('pool-delay.mjs'), export: 'paced' },
          { nTrials: 40, concurrency: 4, prefetch: 4, samplerThread },
        );
        return (await study.trials()).map((t) => [t.number, t.params, t.value]);
      };
      const inThread = await run(true);
      assert.equal(inThread.length, 40);
      assert.deepEqual(inThread, await run(false));
    });
  }

  for (const algo of ['tpe', 'gp', 'cmaes'] as const) {
    it(`answers every ask as the main thread does, pending trials included (${algo})`, async () => {
      const study = await createStudy({ space, seed: 5, sampler: createSampler(algo, algo === 'cmaes' ? {} : { nStartupTrials: 4 }) });
      await study.optimize(f, { nTrials: 24 });
      const done = study.history().trials;
      const thread = new SamplerThread({
        sampler: algo,
        options: study.sampler.options,
        space: spaceToJson(study.space),
        direction: study.direction,
        seed: study.seed,
        generator: study.generator,
      });
      try {
        await thread.loaded;
        for (const k of [6, 13, 24]) {
          // the last 3 of the first k trials still running
          const trials = done.slice(0, k).map((t, i) => (i >= k - 3 ? { ...t, state: 'running' as const, value: null } : t));
          const stream = [study.random, 'suggest', k] as const;
          const main = await openSession(createSampler(algo, { ...study.sampler.options })).suggest(
            { ...study.history(), trials, settled: 0 },
            3,
            Rng.derive(...stream),
          );
          assert.deepEqual(await thread.suggest(trials, 0, 3, stream), main, `${algo} at ${k} trials`);
        }
      } finally {
        await thread.close();
      }
    });
  }

  it('does not hold up a stop while an ask is under way in the thread (a long GP fit): the ask is abandoned', async () => {
    // The thread's ask never answers; the run is stopped while it waits. Before, the run waited for the ask.
    const study = await createStudy({ space, seed: 3, sampler: createSampler('tpe', { nStartupTrials: 2 }) });
    const stop = new AbortController();
    const suggest = Object.getOwnPropertyDescriptor(SamplerThread.prototype, 'suggest')!;
    let hung = 0;
    SamplerThread.prototype.suggest = () => {
      hung++;
      stop.abort();
      return new Promise<Params[]>(() => {});
    };
    try {
      await study.optimize(async (c: { x: number; y: number }) => (await sleep(5), f(c)), {
        nTrials: 100_000,
        samplerThread: true,
        signal: stop.signal,
      });
    } finally {
      Object.defineProperty(SamplerThread.prototype, 'suggest', suggest);
    }
    assert.equal(hung, 1);
    const trials = await study.trials();
    assert.ok(trials.length > 0 && trials.length < 100_000);
    assert.ok(
      trials.every((t) => t.state !== 'running'),
      'nothing left running',
    );
  });

  it('is refused for a sampler it cannot rebuild', async () => {
    const study = await createStudy({ space, sampler: greedy() });
    await assert.rejects(
      study.optimize({ module: fixture('pool-delay.mjs') }, { nTrials: 2, samplerThread: true }),
      /options\.samplerThread needs a built-in tpe, gp, cmaes or evolution sampler \(got "greedy-test"\)/,
    );
  });
});
