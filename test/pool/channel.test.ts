import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PoolEvaluator } from '../../src/pool/pool.js';
import type { TrialResult } from '../../src/trial/trial.js';
import { fixture } from './fixtures.js';

function run(pool: PoolEvaluator, number: number, config: unknown): Promise<TrialResult> {
  return new Promise((resolve) => pool.start({ number, params: {}, config, seed: number }, (_t, r) => resolve(r)));
}

describe("a trial's channel to the main thread", () => {
  it("answers a worker's request with the evaluator's onMessage, per trial, sync or async (echo)", async () => {
    const pool = await PoolEvaluator.open({ module: fixture('pool-channel.mjs'), workers: 2 });
    try {
      const seen: [number, unknown][] = [];
      pool.onMessage = (trial, body) => {
        seen.push([trial, body]);
        const echo = { echo: body, from: trial };
        return trial % 2 ? echo : Promise.resolve(echo);
      };
      const results = await Promise.all([0, 1, 2].map((n) => run(pool, n, { body: { n, list: [n, 'x'] } })));
      for (const [n, r] of results.entries()) {
        assert.equal(r.state, 'complete', JSON.stringify(r));
        assert.deepEqual(r.attrs?.answer, { echo: { trial: n, body: { n, list: [n, 'x'] } }, from: n });
        assert.deepEqual(r.attrs?.again, { echo: { trial: n, body: 'again' }, from: n });
      }
      assert.equal(seen.length, 6);
    } finally {
      await pool.close();
    }
  });

  it("reaches the handler from code the trial scheduled (a timer), and rejects with the handler's error", async () => {
    const pool = await PoolEvaluator.open({ module: fixture('pool-channel.mjs'), exportName: 'fromTimer', workers: 1 });
    try {
      pool.onMessage = (trial, body) => {
        if (body === 'bad') throw new Error(`refused for trial ${trial}`);
        return `ok ${String(body)}`;
      };
      const ok = await run(pool, 7, { body: 'x' });
      assert.equal(ok.state === 'complete' && ok.attrs?.answer, 'ok x');
      const bad = await run(pool, 8, { body: 'bad' });
      assert.deepEqual([bad.state, bad.state === 'fail' && bad.message], ['fail', 'refused for trial 8']);
      pool.onMessage = undefined;
      const none = await run(pool, 9, { body: 'x' });
      assert.match(none.state === 'fail' ? none.message : '', /no handler for messages of trial 9/);
    } finally {
      await pool.close();
    }
  });
});
