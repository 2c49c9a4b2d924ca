import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createStudy, fmin, hp, STATUS_FAIL, STATUS_OK } from '../../src/index.js';
import { MAX_MESSAGE } from '../../src/trial/bounds.js';
import { MAX_STACK } from '../../src/trial/objective.js';

describe("hyperopt's status", () => {
  it('records { status: STATUS_FAIL } as a failed trial, and { loss, status: STATUS_OK } as complete', async () => {
    assert.equal(STATUS_OK, 'ok');
    assert.equal(STATUS_FAIL, 'fail');
    const study = await createStudy({ space: { x: hp.uniform('x', -1, 1) }, seed: 1 });
    await study.optimize(
      (c, ctx) => {
        if (ctx.trial % 3 === 0) return { loss: 123, status: STATUS_FAIL, failure: 'diverged', epoch: 4 };
        if (ctx.trial % 3 === 1) return { status: 'fail' };
        return { loss: c.x ** 2, status: STATUS_OK, note: 'fine' };
      },
      { nTrials: 9 },
    );
    const trials = await study.trials();
    for (const t of trials) {
      if (t.number % 3 === 2) {
        assert.equal(t.state, 'complete');
        assert.deepEqual(t.attrs, { note: 'fine' });
      } else {
        assert.equal(t.state, 'fail');
        assert.equal(t.failReason, 'reported');
        assert.equal(t.value, null);
      }
    }
    assert.equal(trials[0].failMessage, 'diverged');
    assert.deepEqual(trials[0].attrs, { loss: 123, failure: 'diverged', epoch: 4 });
    assert.equal(trials[1].failMessage, "objective returned status 'fail'");
    assert.notEqual(study.bestTrial?.value, 123, 'a failed loss is never the best');
  });

  it('fails a trial whose status is neither, naming it', async () => {
    const study = await createStudy({ space: { x: hp.uniform('x', -1, 1) } });
    await study.optimize(() => ({ loss: 1, status: 'new' }), { nTrials: 1 });
    const [t] = await study.trials();
    assert.equal(t.state, 'fail');
    assert.match(t.failMessage ?? '', /status "new"; expected 'ok' or 'fail'/);
  });

  it('fmin never returns the params of a trial that reported failure', async () => {
    const best = await fmin({
      fn: (x: number) => (x > 0 ? { loss: -100, status: STATUS_FAIL } : { loss: x ** 2, status: STATUS_OK }),
      space: hp.uniform('x', -1, 1),
      maxEvals: 30,
      seed: 2,
    });
    assert.ok((best.x as number) <= 0);
  });
});

describe('failed trials keep their message and stack, bounded', () => {
  it('stores the stack of a thrown error and cuts long messages and stacks', async () => {
    const study = await createStudy({ space: { x: hp.uniform('x', -1, 1) } });
    await study.optimize(
      (_c, ctx) => {
        if (ctx.trial === 0) throw new RangeError('short');
        throw new Error('m'.repeat(10 * MAX_MESSAGE));
      },
      { nTrials: 2 },
    );
    const [short, long] = await study.trials();
    assert.equal(short.failMessage, 'short');
    assert.match(String(short.attrs.stack), /^RangeError: short\n\s+at /);
    assert.ok((long.failMessage as string).length < MAX_MESSAGE + 50);
    assert.match(long.failMessage as string, /… \[\d+ more characters cut\]$/);
    assert.ok(String(long.attrs.stack).length < MAX_STACK + 50);
  });
});
