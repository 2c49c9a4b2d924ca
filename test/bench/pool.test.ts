import assert from 'node:assert/strict';
import { it } from 'node:test';
import { runPoolBench } from '../../src/bench/pool.js';

it('bench pool reports, per row, the loop and the bare-thread floor as shares of the pool capacity', async () => {
  const report = await runPoolBench({ workers: 2, taskMs: [1], trials: 200, warmup: 100, floor: true });
  assert.equal(report.warmup, 100);
  assert.equal(report.rows.length, 1);
  const [row] = report.rows;
  assert.equal(row.trials, 200);
  // a busy-wait of 1 ms per trial cannot run faster than the workers allow (the loop's clock has 1 ms steps)
  for (const e of [row.efficiency, row.floorEfficiency as number]) assert.ok(e > 0 && e <= 1.1, `efficiency ${e}`);
});
