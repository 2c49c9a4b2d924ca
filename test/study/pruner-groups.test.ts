import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TrialPruned } from '../../src/errors.js';
import { HyperbandPruner } from '../../src/pruners/hyperband.js';
import { createSampler } from '../../src/samplers/registry.js';
import type { History, Sampler } from '../../src/samplers/sampler.js';
import { hp } from '../../src/space/hp.js';
import { createStudy } from '../../src/study/study.js';
import { fixture } from '../pool/fixtures.js';

const space = { x: hp.uniform('x', 0, 1) };
const SEED = 4;
/** Brackets at min 1, max 9, η 3: three, with budgets 9, 5, 3 (of 17). */
const hyperband = () => new HyperbandPruner({ minResource: 1, maxResource: 9, reductionFactor: 3 });

/** A sampler that records the trial numbers of every history it sees and marks its points with the call's index. */
function spy(wholeHistory = false): Sampler & { calls: number[][] } {
  const calls: number[][] = [];
  return {
    name: 'spy',
    options: {},
    calls,
    ...(wholeHistory ? { wholeHistory: true } : {}),
    suggest(h: History, n: number) {
      calls.push(h.trials.map((t) => t.number));
      return Array.from({ length: n }, (_, j) => ({ x: (calls.length - 1) / 1000 + j / 1e6 }));
    },
  };
}

/** A training loop of 9 epochs (the objective's value: x + 1/(1 + epoch)), stopping when told. */
async function train(config: { x: number }, ctx: { report(s: number, v: number): Promise<boolean> }): Promise<number> {
  let v = 0;
  for (let epoch = 0; epoch < 9; epoch++) {
    v = config.x + 1 / (1 + epoch);
    if (await ctx.report(epoch, v)) throw new TrialPruned();
  }
  return v;
}

describe("the sampler under a pruner's groups of trials (Hyperband's brackets)", () => {
  it("sees, at each ask, the trials of the asked trial's bracket and the complete trials of the others (ask and tell)", async () => {
    const pruner = hyperband();
    const sampler = spy();
    const study = await createStudy({ space, seed: SEED, sampler, pruner });
    const bracketOfCall: number[] = [];
    for (let i = 0; i < 60; i++) {
      const [t] = await study.ask();
      bracketOfCall.push(pruner.bracketOf(SEED, t.number, []) as number);
      await study.tell(t.number, await train(t.config, { report: (s, v) => study.report(t.number, s, v) }).catch(() => new TrialPruned()));
    }
    const states = (await study.trials()).map((t) => t.state);
    assert.ok(states.filter((s) => s === 'pruned').length > 20, 'many trials pruned');
    assert.deepEqual(new Set(bracketOfCall), new Set([0, 1, 2]));
    let others = 0;
    for (let i = 0; i < 60; i++) {
      // (sequential: every earlier trial was finished, in its final state, when trial i was asked)
      const expected = Array.from({ length: i }, (_, n) => n).filter(
        (n) => bracketOfCall[n] === bracketOfCall[i] || states[n] === 'complete',
      );
      assert.deepEqual(sampler.calls[i], expected, `ask ${i}`);
      others += expected.filter((n) => bracketOfCall[n] !== bracketOfCall[i]).length;
    }
    assert.ok(others > 50, `${others} complete trials of other brackets seen`);
  });

  it('counts the queued points before the asked trial (its number is after them)', async () => {
    const pruner = hyperband();
    const sampler = spy();
    const study = await createStudy({ space, seed: SEED, sampler, pruner });
    for (let i = 0; i < 12; i++) await study.tell((await study.ask())[0].number, { state: 'pruned' });
    await study.enqueue({ x: 0.5 });
    await study.enqueue({ x: 0.6 });
    const claimed = await study.ask(3);
    assert.deepEqual(
      claimed.map((t) => t.number),
      [12, 13, 14],
    );
    assert.deepEqual(
      claimed.slice(0, 2).map((t) => t.params.x),
      [0.5, 0.6],
    );
    const mine = pruner.bracketOf(SEED, 14, []);
    const seen = sampler.calls[Math.round((claimed[2].params.x as number) * 1000)];
    assert.deepEqual(
      seen,
      Array.from({ length: 12 }, (_, n) => n).filter((n) => pruner.bracketOf(SEED, n, []) === mine),
    );
  });

  it('in optimize, each sampler call sees the bracket of the trials its points went to, and complete trials (4 in flight, both schedules)', async () => {
    for (const reproducible of [true, false]) {
      const pruner = hyperband();
      const sampler = spy();
      const study = await createStudy({ space, seed: SEED, sampler, pruner });
      await study.optimize(train, { nTrials: 80, concurrency: 4, reproducible });
      const trials = await study.trials();
      assert.equal(trials.length, 80);
      let own = 0;
      for (const t of trials) {
        const call = Math.round((t.params.x as number) * 1000);
        const mine = pruner.bracketOf(SEED, t.number, []);
        for (const n of sampler.calls[call]) {
          if (pruner.bracketOf(SEED, n, []) === mine) own++;
          else assert.equal(trials[n].state, 'complete', `trial ${t.number}: saw trial ${n} of another bracket, not complete`);
        }
      }
      assert.ok(own > 300, `${own} trials of their own bracket seen`);
      assert.ok(trials.filter((t) => t.state === 'pruned').length > 20);
    }
  });

  it('a sampler that must see every trial (grid) sees the whole history', async () => {
    const sampler = spy(true);
    const study = await createStudy({ space, seed: SEED, sampler, pruner: hyperband() });
    await study.optimize(train, { nTrials: 20 });
    sampler.calls.forEach((seen, i) =>
      assert.deepEqual(
        seen,
        Array.from({ length: i }, (_, n) => n),
      ),
    );
    assert.equal(createSampler('grid', {}).wholeHistory, true);
  });

  it('the sampler thread proposes the same trials as the main thread under hyperband (tpe, worker objective)', async () => {
    const run = async (samplerThread: boolean) => {
      const study = await createStudy({
        space: hp.uniform('x', 0, 1),
        seed: 9,
        sampler: createSampler('tpe', { nStartupTrials: 3 }),
        pruner: new HyperbandPruner({ minResource: 1, maxResource: 20, reductionFactor: 3 }),
      });
      await study.optimize({ module: fixture('pruning-epochs.mjs') }, { nTrials: 40, concurrency: 1, samplerThread });
      return (await study.trials()).map((t) => [t.number, t.params, t.state, t.value]);
    };
    const inThread = await run(true);
    assert.equal(inThread.length, 40);
    assert.ok(inThread.some((t) => t[2] === 'pruned'));
    assert.deepEqual(inThread, await run(false));
  });
});
