import assert from 'node:assert/strict';
import { it } from 'node:test';
import { runStorageBench } from '../../src/bench/storage.js';

it('bench storage reports ms per trial for memory and sqlite', async () => {
  const report = await runStorageBench({ trials: 20 });
  assert.deepEqual(
    report.rows.map((r) => r.storage),
    ['memory', 'sqlite'],
  );
  for (const r of report.rows) {
    assert.equal(r.trials, 20);
    assert.ok(Number.isFinite(r.perTrialMs) && r.perTrialMs > 0);
  }
});
