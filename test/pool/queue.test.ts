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

function asked(number: number, config: { ms?: number; exit?: number }): AskedTrial {
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

describe('a trial queued behind another on its worker', () => {
  it('is moved to another worker when the running trial kills the worker; only the running trial fails', async () => {
    const pool = await PoolEvaluator.open({ module: MODULE, workers: 1, depth: 2 });
    try {
      assert.equal(pool.free(), 2);
      const crashing = start(pool, asked(0, { ms: 50, exit: 4 }));
      const queued = start(pool, asked(1, {}));
      assert.equal(pool.free(), 0, 'both trials are posted to the one worker');
      assert.equal(queued.started(), undefined, 'the second waits behind the first');
      const [a, b] = await Promise.all([crashing.result, queued.result]);
      assert.equal(a.state, 'fail');
      assert.equal(a.state === 'fail' && a.reason, 'crashed');
      assert.match(a.state === 'fail' ? a.message : '', /exited with code: 4/);
      assert.equal(b.state, 'complete');
      assert.equal(b.state === 'complete' && b.value, 1);
      assert.equal(typeof queued.started(), 'number');
    } finally {
      await pool.close();
    }
  });

  it('can be withdrawn until it starts, and then never runs', async () => {
    const pool = await PoolEvaluator.open({ module: MODULE, workers: 1, depth: 2 });
    try {
      const first = start(pool, asked(0, { ms: 30 }));
      const second = start(pool, asked(1, {}));
      assert.equal(second.withdraw(), true);
      assert.equal(second.withdraw(), false, 'once');
      const third = start(pool, asked(2, {}));
      const r0 = await first.result;
      assert.equal(first.withdraw(), false, 'it ran');
      const r2 = await third.result;
      assert.deepEqual([r0.state, r2.state], ['complete', 'complete']);
      assert.equal(r2.state === 'complete' && r2.value, 2);
    } finally {
      await pool.close();
    }
  });

  it('is taken over by a worker that becomes idle', async () => {
    const pool = await PoolEvaluator.open({ module: MODULE, workers: 2, depth: 2 });
    try {
      // 0 and 2 go to the first worker, 1 and 3 to the second, which finishes long before 0 does.
      const e = [start(pool, asked(0, { ms: 600 })), start(pool, asked(1, {})), start(pool, asked(2, {})), start(pool, asked(3, {}))];
      const r = await Promise.all(e.map((x) => x.result));
      assert.ok(r.every((x) => x.state === 'complete'));
      const thread = r.map((x) => (x.state === 'complete' ? x.attrs?.threadId : null));
      // (If the first worker is slow to pick up trial 0, the idle one takes trial 0 over instead: either way.)
      assert.notEqual(thread[2], thread[0], 'trial 2 ran on the idle worker rather than after trial 0');
    } finally {
      await pool.close();
    }
  });

  it('is interrupted at once when the run stops, while the running trial gets its grace period', async () => {
    // Trials 0 and 1 are posted first; when 0 returns, 1 starts and 2 is posted behind it; the run stops then.
    const study = await createStudy({ space: { x: hp.uniform('x', 0, 1) } });
    const stop = new AbortController();
    await study.optimize({ module: MODULE, export: 'second' }, {
      nTrials: 10, concurrency: 1, prefetch: 2, graceMs: 5000, signal: stop.signal,
      onProgress: () => stop.abort(),
    });
    const t = await study.trials();
    assert.deepEqual(t.map((x) => [x.state, x.failMessage]), [
      ['complete', null],
      ['complete', null],
      ['fail', 'the run was stopped before the trial started'],
    ]);
  });

  it('times out counting from when it starts, not from when it was posted', async () => {
    // One worker holds both trials; each takes 900 ms, the timeout is 1500 ms: trial 1 ends 1800 ms after it was posted.
    const study = await createStudy({ space: { x: hp.uniform('x', 0, 1) } });
    await study.optimize({ module: MODULE, export: 'slow' }, { nTrials: 2, concurrency: 1, prefetch: 1, trialTimeoutMs: 1500 });
    const t = await study.trials();
    assert.deepEqual(t.map((x) => [x.state, x.failMessage]), [['complete', null], ['complete', null]]);
    assert.equal(t[0].attrs.threadId, t[1].attrs.threadId);
  });
});

describe('a result answered in shared memory', () => {
  it('is collected while the next trial on its worker runs, without waiting for it', async () => {
    const pool = await PoolEvaluator.open({ module: MODULE, exportName: 'plain', workers: 1, depth: 4 });
    try {
      const quick = start(pool, asked(0, {}));
      const slow = start(pool, asked(1, { ms: 3000 }));
      const first = await Promise.race([quick.result.then(() => 'quick'), slow.result.then(() => 'slow')]);
      assert.equal(first, 'quick');
      assert.deepEqual(await quick.result, { state: 'complete', value: 0 });
      assert.equal(typeof slow.started(), 'number', 'the slow trial is running meanwhile');
      slow.cancel('interrupted');
    } finally {
      await pool.close();
    }
  });

  it('is never taken for a later task that gets its slot and, once the counter wraps, its sequence number', async () => {
    const pool = await PoolEvaluator.open({ module: MODULE, exportName: 'plain', workers: 1, depth: 1 });
    try {
      assert.deepEqual(await start(pool, asked(0, {})).result, { state: 'complete', value: 0 });
      (pool as unknown as { seq: number }).seq = 0x7fffffff; // the next post wraps to seq 1, trial 0's, in its slot
      const slow = start(pool, asked(1, { ms: 300 }));
      await new Promise((r) => setTimeout(r, 50));
      (pool as unknown as { collect(): void }).collect(); // while trial 1 runs, its slot still holds trial 0's answer
      assert.deepEqual(await slow.result, { state: 'complete', value: 1 }, 'its own value, not trial 0\'s');
    } finally {
      await pool.close();
    }
  });

  it('survives its worker dying in the next trial', async () => {
    const pool = await PoolEvaluator.open({ module: MODULE, exportName: 'plain', workers: 1, depth: 4 });
    try {
      // Trial 0 answers without waking the main thread (trial 1 is queued), then trial 1 kills the worker at once.
      const e = [start(pool, asked(0, {})), start(pool, asked(1, { exit: 3 })), start(pool, asked(2, {}))];
      const [r0, r1, r2] = await Promise.all(e.map((x) => x.result));
      assert.deepEqual(r0, { state: 'complete', value: 0 });
      assert.equal(r1.state === 'fail' && r1.reason, 'crashed');
      assert.deepEqual(r2, { state: 'complete', value: 2 }, 'the queued trial moves to the replacement worker');
    } finally {
      await pool.close();
    }
  });
});

describe('cutting off a trial', () => {
  it('keeps the result the trial had already given while this thread was busy', async () => {
    const pool = await PoolEvaluator.open({ module: MODULE, exportName: 'flagged', workers: 1, depth: 1 });
    try {
      // `flagged` answers with a message, which waits in the port while this thread is busy; the flag says it is on its way
      const flag = new Int32Array(new SharedArrayBuffer(4));
      let got = null as TrialResult | null;
      const e = pool.start({ number: 0, params: {}, config: { ms: 20, flag }, seed: 0 }, (_t, r) => (got = r));
      await new Promise((r) => setTimeout(r, 5));
      const limit = Date.now() + 10_000;
      while (Atomics.load(flag, 0) === 0 && Date.now() < limit); // busy: no message is taken in meanwhile
      assert.equal(Atomics.load(flag, 0), 1, 'the objective returned');
      const end = Date.now() + 20; // the worker posts right after the objective returns
      while (Date.now() < end);
      e.cancel('timeout');
      assert.equal(got?.state, 'complete', 'delivered by cancel itself, before any timeout is recorded');
    } finally {
      await pool.close();
    }
  });
});
