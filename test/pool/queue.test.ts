import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Evaluation } from '../../src/pool/evaluator.js';
import { PoolEvaluator } from '../../src/pool/pool.js';
import { hp } from '../../src/space/hp.js';
import type { AskedTrial } from '../../src/trial/asked.js';
import { createStudy } from '../../src/study/study.js';
import type { TrialResult } from '../../src/trial/trial.js';
import { fixture } from './fixtures.js';

const MODULE = fixture('pool-queue.mjs');

function asked(number: number, config: { ms?: number; exit?: number; hang?: boolean }): AskedTrial {
  return { number, params: {}, config, seed: number };
}

/** Starts `trial` on `pool`; the evaluation, and its result as a promise. */
function start(pool: PoolEvaluator, trial: AskedTrial): Evaluation & { result: Promise<TrialResult> } {
  let evaluation!: Evaluation;
  const result = new Promise<TrialResult>((resolve) => {
    evaluation = pool.start(trial, (t, r) => {
      assert.equal(t, trial);
      resolve(r);
    });
  });
  return Object.assign(evaluation, { result });
}

const threadOf = (r: TrialResult) => (r.state === 'complete' ? r.attrs?.threadId : undefined);

describe('the pool on piscina', () => {
  it('runs one trial per worker; a trial that kills its worker fails alone, the worker is replaced', async () => {
    const pool = await PoolEvaluator.open({ module: MODULE, workers: 2 });
    try {
      assert.equal(pool.free(), 2);
      const crashing = start(pool, asked(0, { ms: 50, exit: 4 }));
      const other = start(pool, asked(1, { ms: 300 }));
      assert.equal(pool.free(), 0, 'each worker holds one trial');
      const a = await crashing.result;
      assert.equal(a.state === 'fail' && a.reason, 'crashed');
      assert.match(a.state === 'fail' ? a.message : '', /exited with code: 4/);
      const b = await other.result;
      assert.deepEqual([b.state, b.state === 'complete' && b.value], ['complete', 1], 'the other trial went on');
      assert.equal(typeof other.started(), 'number', 'its start time came from its worker');
      const next = await Promise.all([start(pool, asked(2, {})).result, start(pool, asked(3, {})).result]);
      assert.deepEqual(
        next.map((r) => r.state),
        ['complete', 'complete'],
      );
      assert.equal(new Set(next.map(threadOf)).size, 2, 'two workers again');
      assert.ok(!next.map(threadOf).includes(undefined));
    } finally {
      await pool.close();
    }
  });

  // (an objective that honours its signal keeps its worker: context.test.ts)
  it('terminates the worker of a cancelled trial that ignores its signal, and frees its slot only then', async () => {
    const pool = await PoolEvaluator.open({ module: MODULE, workers: 1, killAfterMs: 100 });
    try {
      const first = await start(pool, asked(0, {})).result;
      let outcome: TrialResult | null = null;
      const hung = pool.start(asked(1, { hang: true }), (_t, r) => (outcome = r));
      await new Promise((r) => setTimeout(r, 100));
      hung.cancel('timeout');
      assert.equal(pool.free(), 0, 'the worker is not free while the trial still runs');
      await new Promise<void>((resolve) => (pool.onFree = () => resolve()));
      assert.equal(pool.free(), 1);
      assert.equal(outcome, null, 'a cancelled trial gets no outcome from the pool (the runner records it)');
      const after = await start(pool, asked(2, {})).result;
      assert.equal(after.state, 'complete');
      assert.notEqual(threadOf(after), threadOf(first), 'the worker was replaced');
    } finally {
      await pool.close();
    }
  });

  it('rejects a module that cannot be loaded, naming it', async () => {
    await assert.rejects(PoolEvaluator.open({ module: fixture('pool-missing.mjs'), workers: 1 }), /pool-missing\.mjs failed to load/);
    await assert.rejects(
      PoolEvaluator.open({ module: MODULE, workers: 1, maxMemoryMb: 1 }),
      /options\.maxMemoryMb must be an integer >= 16 \(got 1\)/,
    );
  });
});

describe('trials asked ahead of the workers', () => {
  it('are interrupted at once when the run stops, while the running trial gets its grace period', async () => {
    // When trial 0 returns, trial 1 starts at once and 2 waits in the queue (prefetch 2); the run stops then.
    const study = await createStudy({ space: { x: hp.uniform('x', 0, 1) } });
    const stop = new AbortController();
    await study.optimize(
      { module: MODULE, export: 'second' },
      {
        nTrials: 10,
        concurrency: 1,
        prefetch: 2,
        graceMs: 5000,
        signal: stop.signal,
        onProgress: () => stop.abort(),
      },
    );
    const t = await study.trials();
    assert.deepEqual(
      t.map((x) => [x.state, x.failMessage]),
      [
        ['complete', null],
        ['complete', null],
        ['fail', 'the run was stopped before the trial started'],
      ],
    );
  });

  it('time out counting from when they start, not from when they were asked', async () => {
    // One worker; each trial takes 900 ms, the timeout is 1500 ms: trial 1 ends 1800 ms after it was asked.
    const study = await createStudy({ space: { x: hp.uniform('x', 0, 1) } });
    await study.optimize({ module: MODULE, export: 'slow' }, { nTrials: 2, concurrency: 1, prefetch: 1, trialTimeoutMs: 1500 });
    const t = await study.trials();
    assert.deepEqual(
      t.map((x) => [x.state, x.failMessage]),
      [
        ['complete', null],
        ['complete', null],
      ],
    );
    assert.equal(t[0].attrs.threadId, t[1].attrs.threadId);
  });
});
