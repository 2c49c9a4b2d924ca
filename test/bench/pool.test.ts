import assert from 'node:assert/strict';
import { it } from 'node:test';
import { runPoolBench } from '../../src/bench/pool.js';

it("bench pool reports raw piscina and the loop side by side, one row per measurement, as shares of the workers' time", async () => {
  const rows = await runPoolBench({
    repeat: 2,
    groups: [
      { objective: 'busy', taskMs: 2, workers: 2, trials: 40, samplers: ['random'] },
      { objective: 'sleep', taskMs: 20, workers: 3, trials: 10, samplers: ['tpe'] },
    ],
  });
  assert.deepEqual(
    rows.map((r) => [r.kind, r.round, r.objective, r.workers, r.sampler, r.trials]),
    [
      ['raw-piscina', 0, 'busy', 2, null, 40],
      ['loop', 0, 'busy', 2, 'random', 40],
      ['raw-piscina', 1, 'busy', 2, null, 40],
      ['loop', 1, 'busy', 2, 'random', 40],
      ['raw-piscina', 0, 'sleep', 3, null, 12],
      ['loop', 0, 'sleep', 3, 'tpe', 12],
      ['raw-piscina', 1, 'sleep', 3, null, 12],
      ['loop', 1, 'sleep', 3, 'tpe', 12],
    ],
  );
  for (const [i, r] of rows.entries()) {
    // shares of the workers' time (the clocks have 1 ms steps, hence the margin)
    for (const v of [r.efficiency, r.busy]) assert.ok(v > 0 && v <= 1.2, `${r.kind} ${r.objective}: ${v}`);
    if (r.kind === 'raw-piscina') assert.equal(r.ofRaw, null);
    else assert.ok(Math.abs((r.ofRaw as number) - r.efficiency / rows[i - 1].efficiency) < 0.01, 'over the raw row measured just before');
  }
});
