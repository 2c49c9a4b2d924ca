import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { shortDuration } from '../../src/cli/progress.js';
import { hp } from '../../src/space/hp.js';
import { createStudy } from '../../src/study/study.js';
import type { RunningStatus } from '../../src/study/runner.js';

describe('a hung trial is visible', () => {
  it('onTick reports, while nothing finishes, the running trials and when the oldest started; progress events carry it too', async () => {
    const study = await createStudy({ space: { x: hp.uniform('x', 0, 1) } });
    const ticks: RunningStatus[] = [];
    const oldest: (number | null)[] = [];
    const stop = new AbortController();
    let hungStart = 0;
    const run = study.optimize(
      async (_c, ctx) => {
        if (ctx.trial === 0) {
          hungStart = Date.now();
          // hangs until the run is stopped
          await new Promise((r) => ctx.signal.addEventListener('abort', r));
          return 0;
        }
        return 1;
      },
      {
        nTrials: 5,
        concurrency: 2,
        reproducible: false,
        graceMs: 0,
        signal: stop.signal,
        onProgress: (p) => oldest.push(p.oldestRunningSince),
        onTick: (s) => {
          ticks.push(s);
          if (ticks.length === 3) stop.abort();
        },
      },
    );
    // (the trial awaits nothing that keeps the event loop alive; the run's timers are unref'd)
    const keep = setInterval(() => {}, 1000);
    await run.finally(() => clearInterval(keep));
    assert.equal(ticks.length >= 3, true);
    // the four quick trials finished long before; the hung one is the oldest running at every tick
    for (const t of ticks) {
      assert.equal(t.running, 1);
      assert.ok(t.oldestRunningSince !== null && Math.abs(t.oldestRunningSince - hungStart) < 1000);
    }
    assert.ok(oldest.length >= 4 && oldest.slice(0, 4).every((o) => o !== null && Math.abs(o - hungStart) < 1000), JSON.stringify(oldest));
  });

  it('durations are shown short', () => {
    assert.deepEqual([0, 45_000, 723_000, 3 * 3600_000 + 7 * 60_000].map(shortDuration), ['0s', '45s', '12m03s', '3h07m']);
  });
});
