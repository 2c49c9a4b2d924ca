import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { dominates } from '../../src/samplers/moo/pareto.js';
import { hp } from '../../src/space/hp.js';
import { createStudy } from '../../src/study/study.js';
import type { TrialRecord } from '../../src/trial/trial.js';
import { resultFromReturn } from '../../src/trial/objective.js';
import { tpe } from '../../src/samplers/tpe/tpe.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const MODULE = join(root, 'test/fixtures/moo-constraints.mjs');
const space = { x: hp.uniform('x', 0, 1), y: hp.uniform('y', 0, 1) };
// as test/fixtures/moo-constraints.mjs
const objective = (c: { x: number; y: number }) => ({
  values: [c.x, (1 + 9 * c.y) * (1 - Math.sqrt(c.x / (1 + 9 * c.y)))],
  constraints: [c.x - 0.5],
  note: 'kept',
});
const dir = mkdtempSync(join(tmpdir(), 'parzen-objc-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Every trial stored its constraint x − 0.5, and the front is exactly the non-dominated feasible trials. */
function checkFront(all: readonly TrialRecord[], front: readonly TrialRecord[]): void {
  assert.ok(all.every((t) => t.state === 'complete' && t.constraints?.length === 1 && t.constraints[0] === (t.params.x as number) - 0.5));
  const feasible = all.filter((t) => (t.params.x as number) <= 0.5);
  assert.ok(feasible.length > 0 && feasible.length < all.length);
  const brute = feasible.filter((t) => !feasible.some((o) => dominates(o.values as number[], t.values as number[])));
  assert.deepEqual(
    front.map((t) => t.number),
    brute.map((t) => t.number),
  );
}

describe('constraints returned by the objective', () => {
  it('reads { value | values | loss, constraints } and refuses constraints that are not finite numbers', () => {
    assert.deepEqual(resultFromReturn({ value: 1, constraints: [0, -1] }), { state: 'complete', value: 1, constraints: [0, -1] });
    assert.deepEqual(resultFromReturn({ values: [1, 2], constraints: [3] }), {
      state: 'complete',
      value: 1,
      values: [1, 2],
      constraints: [3],
    });
    assert.deepEqual(resultFromReturn({ loss: 2, status: 'ok', constraints: [1], extra: 'a' }), {
      state: 'complete',
      value: 2,
      constraints: [1],
      attrs: { extra: 'a' },
    });
    const bad = resultFromReturn({ value: 1, constraints: [NaN] });
    assert.equal(bad.state, 'fail');
    assert.match(bad.state === 'fail' ? bad.message : '', /constraints \[null\]|constraints .*not an array of finite numbers/);
    assert.equal(resultFromReturn({ status: 'fail', constraints: [1] }).state, 'fail');
  });

  it('stores them in-process (SQLite) and keeps infeasible trials off the front', async () => {
    const study = await createStudy({
      space,
      directions: ['minimize', 'minimize'],
      seed: 1,
      sampler: tpe({ nStartupTrials: 10 }),
      storage: `sqlite:${join(dir, 'c.db')}`,
      name: 'c',
    });
    await study.optimize((c) => objective(c), { nTrials: 40 });
    const all = await study.trials();
    checkFront(all, study.bestTrials);
    assert.equal(all[0].attrs.note, 'kept');
    await study.close();
  });

  it('stores them from worker threads too', async () => {
    const study = await createStudy({ space, directions: ['minimize', 'minimize'], seed: 2 });
    await study.optimize({ module: MODULE }, { nTrials: 30, concurrency: 2 });
    checkFront(await study.trials(), study.bestTrials);
  });

  it('counts them on one objective and through tell', async () => {
    const study = await createStudy({ space, seed: 3 });
    await study.optimize((c) => ({ value: c.x, constraints: [0.3 - c.x] }), { nTrials: 30 });
    const best = study.bestTrial;
    assert.ok(best && best.config.x >= 0.3);
    assert.ok(
      (await study.trials()).some((t) => (t.params.x as number) < best.config.x),
      'an infeasible trial had a lower value',
    );
    const [t] = await study.ask();
    const told = await study.tell(t.number, { state: 'complete', value: -1, constraints: [2] });
    assert.deepEqual(told.constraints, [2]);
    assert.notEqual(study.bestTrial?.number, t.number);
  });
});
