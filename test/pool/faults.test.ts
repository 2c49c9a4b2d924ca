import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hp } from '../../src/space/hp.js';
import { createStudy, trialSeed } from '../../src/study/study.js';
import { fixture } from './fixtures.js';
import { pathToFileURL } from 'node:url';

// The fixture decides each trial's fault from its seed; the test predicts outcomes with the same function.
const { faultOf } = (await import(pathToFileURL(fixture('pool-faults.mjs')).href)) as { faultOf: (seed: number) => string };

const EXPECTED: Record<string, { state: string; reason: string | null }> = {
  throw: { state: 'fail', reason: 'threw' },
  nan: { state: 'fail', reason: 'nan' },
  hang: { state: 'fail', reason: 'timeout' },
  'hang-cooperative': { state: 'fail', reason: 'timeout' },
  exit: { state: 'fail', reason: 'crashed' },
  ok: { state: 'complete', reason: null },
};

describe('pool fault isolation', () => {
  for (const prefetch of [0, 2]) {
    it(`records every injected failure on its own trial with the right reason, and the study finishes (prefetch ${prefetch})`, async () => {
      // With prefetch 2 each worker holds a second trial queued behind the running one when a fault strikes.
      const nTrials = 200;
      const seed = 11;
      const study = await createStudy({ space: { x: hp.uniform('x', 0, 1) }, seed });
      await study.optimize({ module: fixture('pool-faults.mjs') }, { nTrials, concurrency: 2, trialTimeoutMs: 200, prefetch });
      const trials = await study.trials();
      assert.equal(trials.length, nTrials);
      const kinds = new Set<string>();
      for (const t of trials) {
        const kind = faultOf(trialSeed(seed, t.number));
        kinds.add(kind);
        const want = EXPECTED[kind];
        assert.equal(t.state, want.state, `trial ${t.number} (${kind}): ${t.state} ${t.failReason} ${t.failMessage}`);
        assert.equal(t.failReason, want.reason, `trial ${t.number} (${kind}): ${t.failMessage}`);
        if (kind === 'throw') {
          assert.equal(t.failMessage, `injected failure in trial ${t.number}`);
          assert.equal(t.attrs.errorName, 'FaultError');
          assert.deepEqual(t.attrs.error, { name: 'FaultError', code: 'E_FAULT', detail: { trial: t.number } });
        }
        if (kind === 'exit') assert.match(t.failMessage as string, /exited with code: 3/);
        if (kind === 'ok') assert.equal(t.value, t.params.x);
      }
      assert.deepEqual([...kinds].sort(), Object.keys(EXPECTED).sort(), 'the seed exercises every kind of fault');
      const complete = trials.filter((t) => t.state === 'complete').length;
      const failed = trials.filter((t) => t.state === 'fail').length;
      assert.equal(complete + failed, nTrials);
    });
  }

  it('rejects with an OptionsError naming the module when it cannot be loaded or lacks the export', async () => {
    const study = await createStudy({ space: { x: hp.uniform('x', 0, 1) } });
    await assert.rejects(
      study.optimize({ module: fixture('pool-missing.mjs') }, { nTrials: 2, concurrency: 1 }),
      (e: unknown) => e instanceof Error && e.name === 'OptionsError' && /pool-missing\.mjs failed to load/.test(e.message),
    );
    await assert.rejects(
      study.optimize({ module: fixture('pool-faults.mjs'), export: 'nope' }, { nTrials: 2, concurrency: 1 }),
      /has no function export "nope" \(function exports: .*faultOf/,
    );
    assert.equal((await study.trials()).length, 0, 'no trial is claimed when the module cannot run');
  });
});
