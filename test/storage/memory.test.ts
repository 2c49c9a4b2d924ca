import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/rng.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { countsAgainstBudget } from '../../src/storage/storage.js';
import type { FailReason } from '../../src/trial/trial.js';
import { specNamed, storageConformance } from '../conformance/storage.js';

storageConformance('memory', async () => new MemoryStorage());

describe('memory storage specifics', () => {
  it('keeps its budget count (no scan per claim) equal to a scan over a long mixed sequence', async () => {
    const s = new MemoryStorage();
    const study = await s.createStudy(specNamed('budget-count'));
    const rng = new Rng(3);
    const budget = 60;
    const reasons: FailReason[] = ['interrupted', 'stale', 'threw', 'timeout'];
    for (let step = 0; step < 300; step++) {
      const all = await s.trials(study.id);
      const used = all.filter(countsAgainstBudget).length;
      const ask = 1 + rng.int(4);
      // short leases, so that the stale failures at every 25th step find some
      const got = await s.claimTrials(
        study.id,
        Array.from({ length: ask }, (_, i) => ({ step, i })),
        { owner: 'o', budget, leaseMs: 1 },
      );
      assert.equal(got.length, Math.min(ask, Math.max(0, budget - used)), `step ${step}`);
      const running = (await s.trials(study.id)).filter((t) => t.state === 'running');
      for (const t of running) {
        const u = rng.uniform();
        if (u < 0.4) await s.finishTrial(t.id, { state: 'complete', value: u });
        else if (u < 0.7) await s.finishTrial(t.id, { state: 'fail', reason: reasons[rng.int(reasons.length)], message: 'm' });
      }
      if (step % 25 === 0) {
        await new Promise((r) => setTimeout(r, 3));
        await s.failStale(study.id);
      }
    }
  });

  it('copies params so that the caller cannot change a record, and shares no attrs between records it must not', async () => {
    const s = new MemoryStorage();
    const study = await s.createStudy(specNamed('copies'));
    const given = { x: 1, c: 'a', b: true, n: null };
    const [a, b] = await s.claimTrials(study.id, [given, given], { owner: 'o' });
    given.x = 2;
    assert.deepEqual(a.params, { x: 1, c: 'a', b: true, n: null });
    assert.notEqual(a.params, b.params);
    const doneA = await s.finishTrial(a.id, { state: 'complete', value: 1 });
    const doneB = await s.finishTrial(b.id, { state: 'complete', value: 2, attrs: { note: 'b' } });
    assert.deepEqual(doneA.attrs, {});
    assert.ok(Object.isFrozen(doneA.attrs));
    assert.deepEqual(doneB.attrs, { note: 'b' });
    assert.deepEqual(
      (await s.trials(study.id)).map((t) => t.attrs),
      [{}, { note: 'b' }],
    );
  });
});
