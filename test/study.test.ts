import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OptionsError, StudyError, TrialStateError } from '../src/errors.js';
import { hp } from '../src/space/hp.js';
import { MemoryStorage } from '../src/storage/memory.js';
import { fmin } from '../src/study/fmin.js';
import { createStudy } from '../src/study/study.js';

const quad = hp.uniform('x', -5, 5);

describe('ask/tell', () => {
  it('hands out running trials with gap-free numbers and finishes each once', async () => {
    const study = await createStudy({ space: { x: quad }, seed: 1 });
    const asked = await study.ask(3);
    assert.deepEqual(
      asked.map((t) => t.number),
      [0, 1, 2],
    );
    assert.ok((await study.trials()).every((t) => t.state === 'running'));
    const done = await study.tell(1, 0.5);
    assert.equal(done.state, 'complete');
    assert.equal(done.value, 0.5);
    await assert.rejects(
      study.tell(1, 0.25),
      (e: unknown) => e instanceof TrialStateError && /trial 1 is already complete/.test(e.message),
    );
    await assert.rejects(study.tell(7, 1), TrialStateError);
    assert.equal(study.bestTrial?.number, 1);
  });

  it('hands out { number, params, config, seed } as own enumerable fields: a spread or a structured clone keeps them all', async () => {
    const study = await createStudy({ space: { x: quad, opt: hp.choice('opt', ['adam', { sgd: hp.uniform('m', 0, 1) }]) }, seed: 3 });
    const asked = await study.ask(4);
    for (const t of asked) {
      const whole = { number: t.number, params: t.params, config: t.config, seed: t.seed };
      assert.deepEqual(Object.keys(t), ['number', 'params', 'config', 'seed']);
      assert.deepEqual({ ...t }, whole);
      assert.deepEqual(structuredClone(t), whole);
      assert.equal(JSON.stringify(t), JSON.stringify(whole), 'the JSON is as before');
      assert.ok(Number.isInteger(t.seed) && t.seed >= 0);
      assert.equal((t.config as { x: number }).x, t.params.x);
    }
    assert.equal(new Set(asked.map((t) => t.seed)).size, asked.length, 'a seed per trial');
  });

  it('records NaN, Infinity and non-numbers as failures with a reason', async () => {
    const study = await createStudy({ space: { x: quad } });
    await study.ask(4);
    for (const [n, v] of [
      [0, NaN],
      [1, Infinity],
      [2, 'abc'],
      [3, { loss: 2, note: 'ok' }],
    ] as const)
      await study.tell(n, v);
    const t = await study.trials();
    assert.deepEqual(
      t.map((r) => r.state),
      ['fail', 'fail', 'fail', 'complete'],
    );
    assert.deepEqual(
      t.slice(0, 3).map((r) => r.failReason),
      ['nan', 'nan', 'nan'],
    );
    assert.match(t[2].failMessage as string, /returned "abc", not a number/);
    assert.deepEqual(t[3].attrs, { note: 'ok' });
  });

  it('optimize records objectives that throw and goes on', async () => {
    class Oops extends Error {
      code = 'E_OOPS';
    }
    const study = await createStudy({ space: { x: quad }, seed: 2 });
    await study.optimize(
      (c: { x: number }, ctx) => {
        if (ctx.trial % 4 === 0) throw new Oops('bad luck');
        return c.x ** 2;
      },
      { nTrials: 20 },
    );
    const t = await study.trials();
    assert.equal(t.length, 20);
    const failed = t.filter((r) => r.state === 'fail');
    assert.equal(failed.length, 5);
    assert.ok(failed.every((r) => r.failReason === 'threw' && r.failMessage === 'bad luck'));
    const { stack, ...attrs } = failed[0].attrs;
    assert.deepEqual(attrs, { errorName: 'Error', error: { code: 'E_OOPS' } });
    assert.match(String(stack), /bad luck\n\s+at /, 'the stack is kept');
  });

  it('times out a hanging in-process objective and aborts its signal', async () => {
    const study = await createStudy({ space: { x: quad } });
    let aborted = false;
    await study.optimize((_c, ctx) => new Promise(() => ctx.signal.addEventListener('abort', () => (aborted = true))), {
      nTrials: 1,
      trialTimeoutMs: 20,
    });
    const [t] = await study.trials();
    assert.equal(t.failReason, 'timeout');
    assert.ok(aborted);
  });

  it('fails as timeout a synchronous objective whose result comes after trialTimeoutMs (it blocks the timer)', async () => {
    const study = await createStudy({ space: { x: quad }, seed: 1 });
    let calls = 0;
    const busy = (c: { x: number }) => {
      const until = Date.now() + (calls++ === 0 ? 120 : 0);
      while (Date.now() < until);
      return c.x;
    };
    await study.optimize(busy, { nTrials: 2, trialTimeoutMs: 60 });
    const [slow, quick] = await study.trials();
    assert.equal(slow.failReason, 'timeout');
    assert.match(slow.failMessage ?? '', /past the 60 ms limit/);
    assert.equal(quick.state, 'complete');
  });

  it('gives the same trials for the same seed', async () => {
    const run = async (seed: number) => {
      const study = await createStudy({ space: { x: quad, c: hp.choice('c', ['a', 'b']) }, seed });
      await study.optimize((c: { x: number }) => c.x, { nTrials: 20 });
      return (await study.trials()).map((t) => t.params);
    };
    assert.deepEqual(await run(5), await run(5));
    assert.notDeepEqual(await run(5), await run(6));
  });

  it('passes a per-trial seed derived from the study seed', async () => {
    const seeds = async (seed: number) => {
      const s: number[] = [];
      const study = await createStudy({ space: { x: quad }, seed });
      await study.optimize((_c, ctx) => (s.push(ctx.seed), 0), { nTrials: 5 });
      return s;
    };
    const a = await seeds(1);
    assert.equal(new Set(a).size, 5);
    assert.deepEqual(await seeds(1), a);
    assert.notDeepEqual(await seeds(2), a);
  });

  it('hands out asked trials whose config and seed are made on read and kept in JSON', async () => {
    const study = await createStudy({ space: { x: quad, opt: hp.choice('opt', [{ k: 'a' }, { k: 'b' }]) }, seed: 3 });
    const [t] = await study.ask(1);
    const json = JSON.parse(JSON.stringify(t));
    assert.deepEqual(Object.keys(json), ['number', 'params', 'config', 'seed']);
    assert.deepEqual(json.config, t.config);
    assert.equal(json.seed, t.seed);
    assert.ok(Number.isInteger(t.seed));
    assert.ok(t.config === t.config, 'the config is built once');
    // the same seed as the run loop passes its objective for the same trial number
    const loopSeeds: number[] = [];
    const other = await createStudy({ space: { x: quad, opt: hp.choice('opt', [{ k: 'a' }, { k: 'b' }]) }, seed: 3 });
    await other.optimize((_c, ctx) => (loopSeeds.push(ctx.seed), 0), { nTrials: 1 });
    assert.equal(loopSeeds[0], t.seed);
  });

  it('resumes a study by name, refusing a different space', async () => {
    const storage = new MemoryStorage();
    const first = await createStudy({ space: { x: quad }, storage, name: 's' });
    await first.optimize((c: { x: number }) => c.x, { nTrials: 5 });
    await assert.rejects(createStudy({ space: { x: quad }, storage, name: 's' }), StudyError);
    const again = await createStudy({ space: { x: quad }, storage, name: 's', resume: true });
    await again.optimize((c: { x: number }) => c.x, { nTrials: 8 });
    assert.equal((await again.trials()).length, 8, 'the budget is the study total');
    await assert.rejects(
      createStudy({ space: { x: hp.uniform('x', 0, 1) }, storage, name: 's', resume: true }),
      /was created with a different space \(\$\.x\.uniform\[0\]: stored -5, given 0\)/,
    );
    await assert.rejects(
      createStudy({ space: { x: quad, y: hp.uniform('y', 0, 1) }, storage, name: 's', resume: true }),
      /different space \(\$\.y: stored nothing, given \{"uniform":\[0,1\]\}\)/,
    );
  });

  it('validates options with field-named errors', async () => {
    await assert.rejects(
      createStudy({ space: { x: quad }, direction: 'up' as never }),
      /options\.direction must be "minimize" or "maximize"/,
    );
    const study = await createStudy({ space: { x: quad } });
    await assert.rejects(
      study.optimize(() => 0, { nTrials: -1 }),
      (e: unknown) => e instanceof OptionsError && /options\.nTrials/.test(e.message),
    );
    await assert.rejects(
      study.optimize(() => 0, { nTrials: 1, concurrency: 0 }),
      /options\.concurrency must be a positive integer/,
    );
  });

  it('keeps up to `concurrency` async objectives in flight', async () => {
    const study = await createStudy({ space: { x: quad } });
    let now = 0;
    let peak = 0;
    await study.optimize(
      async () => {
        peak = Math.max(peak, ++now);
        await new Promise((r) => setTimeout(r, 5));
        now--;
        return 1;
      },
      { nTrials: 12, concurrency: 4 },
    );
    assert.equal(peak, 4);
  });
});

describe('fmin', () => {
  it('minimizes the hyperopt README quadratic to within 0.02 of x = 0.5', async () => {
    const best = await fmin({ fn: (x: number) => x ** 2 - x + 1, space: quad, maxEvals: 1000, seed: 1 });
    assert.ok(Math.abs((best.x as number) - 0.5) < 0.02, `x = ${best.x}`);
  });

  it('returns chosen option values keyed by label', async () => {
    const best = await fmin({
      fn: (c: { act: string; w: number }) => (c.act === 'tanh' ? 0 : 1) + Math.abs(c.w - 3),
      space: { act: hp.choice('act', ['relu', 'tanh']), w: hp.uniformint('w', 1, 5) },
      maxEvals: 60,
      seed: 3,
    });
    assert.deepEqual(best, { act: 'tanh', w: 3 });
  });
});
