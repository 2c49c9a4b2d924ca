import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/rng.js';
import { gp } from '../../src/samplers/gp/index.js';
import { rankKey, type Sampler } from '../../src/samplers/sampler.js';
import { tpe } from '../../src/samplers/tpe/tpe.js';
import { hp } from '../../src/space/hp.js';
import { createStudy } from '../../src/study/study.js';
import type { TrialRecord } from '../../src/trial/trial.js';

/**
 * A history of 12 complete trials spread over [0, 1] (best near 0.5), plus, when `withPruned`, 10 trials pruned near
 * 0.5 after a few steps: how often the sampler then suggests in [0.4, 0.6].
 */
async function nearMiddle(sampler: Sampler, seed: number, withPruned: boolean): Promise<number> {
  const study = await createStudy({ space: { x: hp.uniform('x', 0, 1) }, sampler, seed });
  for (let i = 0; i < 12; i++) {
    const [t] = await study.ask();
    void t;
  }
  // (the asked points are the sampler's startup ones; the values below make the middle look best)
  const xs = (await study.trials()).map((t) => t.params.x as number);
  for (let i = 0; i < 12; i++) await study.tell(i, Math.abs(xs[i] - 0.5));
  if (withPruned) {
    for (let k = 0; k < 10; k++) {
      const [t] = await study.ask();
      await study.report(t.number, 0, 2);
      await study.report(t.number, 1, 1.5);
      await study.tell(t.number, { state: 'pruned' });
    }
  }
  const history = study.history();
  const trials = history.trials.map((t): TrialRecord =>
    t.state === 'pruned' ? { ...t, params: { x: 0.45 + ((t.number * 0.618) % 1) * 0.1 } } : t,
  );
  const points = study.session.suggest({ ...history, trials }, 16, Rng.derive(seed, 'probe'));
  const list = Array.isArray(points) ? points : await points;
  return list.filter((p) => (p.x as number) > 0.4 && (p.x as number) < 0.6).length;
}

describe('samplers learn from pruned trials', () => {
  it('rank pruned trials after complete ones: later last step first, then the value there', () => {
    const base = {
      id: 0,
      studyId: 1,
      params: {},
      failReason: null,
      failMessage: null,
      attrs: {},
      startedAt: 0,
      finishedAt: 0,
      heartbeatAt: 0,
      owner: '',
      leaseMs: null,
      leaseUntil: null,
    };
    const t = (number: number, state: 'complete' | 'pruned', value: number | null, iv: [number, number][] = []): TrialRecord => ({
      ...base,
      number,
      state,
      value,
      ...(iv.length ? { intermediate: iv.map(([step, v]) => ({ step, value: v })) } : {}),
    });
    const trials = [
      t(0, 'pruned', 3, [
        [0, 5],
        [3, 3],
      ]),
      t(1, 'complete', 9),
      t(2, 'pruned', 1, [[1, 1]]),
      t(3, 'pruned', null),
      t(4, 'pruned', 2, [[3, 2]]),
      t(5, 'complete', 4),
    ];
    const order = [...trials].sort((a, b) => {
      const ka = rankKey(a, 'minimize');
      const kb = rankKey(b, 'minimize');
      return ka.tier - kb.tier || ka.value - kb.value;
    });
    assert.deepEqual(
      order.map((x) => x.number),
      [5, 1, 4, 0, 2, 3],
    );
  });

  // (GP's asks cost ~100 ms here: fewer seeds)
  for (const [name, make, seeds] of [
    ['tpe', () => tpe({ nStartupTrials: 10 }), 20],
    ['gp', () => gp({ nStartupTrials: 10 }), 8],
  ] as const) {
    it(`${name} suggests less often where trials were pruned than where it saw none (${seeds} seeds)`, async () => {
      let fewer = 0;
      let with_ = 0;
      let without = 0;
      for (let seed = 0; seed < seeds; seed++) {
        const a = await nearMiddle(make(), seed, true);
        const b = await nearMiddle(make(), seed, false);
        with_ += a;
        without += b;
        if (a < b) fewer++;
      }
      assert.ok(with_ < 0.75 * without, `${with_} vs ${without} suggestions near the pruned trials`);
      assert.ok(fewer >= 0.6 * seeds, `fewer in ${fewer} of ${seeds} seeds`);
    });
  }
});
