import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { OptionsError, StudyError } from '../../src/errors.js';
import { dominates } from '../../src/samplers/moo/pareto.js';
import { grid } from '../../src/samplers/grid.js';
import { createSampler } from '../../src/samplers/registry.js';
import { cmaes } from '../../src/samplers/cmaes.js';
import { hp } from '../../src/space/hp.js';
import { createStudy } from '../../src/study/study.js';

const space = { x: hp.uniform('x', 0, 1), y: hp.uniform('y', 0, 1) };
// a ZDT1-like pair in two dimensions: a curved front at y = 0
const f = (c: { x: number; y: number }) => {
  const g = 1 + 9 * c.y;
  return [c.x, g * (1 - Math.sqrt(c.x / g))];
};

const dir = mkdtempSync(join(tmpdir(), 'parzen-moo-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('multi-objective studies', () => {
  it('keeps every value and reports exactly the non-dominated complete trials as bestTrials', async () => {
    const study = await createStudy({ space, directions: ['minimize', 'minimize'], seed: 3 });
    await study.optimize((c) => f(c), { nTrials: 60 });
    const all = await study.trials();
    assert.ok(all.every((t) => t.state === 'complete' && t.values?.length === 2 && t.value === t.values[0]));
    const front = study.bestTrials;
    const brute = all.filter((t) => !all.some((o) => dominates(o.values as number[], t.values as number[])));
    assert.deepEqual(
      front.map((t) => t.number),
      brute.map((t) => t.number),
    );
    assert.ok(front.length >= 3);
    assert.deepEqual(Object.keys(front[0].config), ['x', 'y']);
    assert.throws(() => study.bestTrial, /bestTrials/);
  });

  it('follows each direction: maximizing the second objective changes the front', async () => {
    const study = await createStudy({ space, directions: ['minimize', 'maximize'], seed: 3 });
    await study.optimize((c) => f(c), { nTrials: 40 });
    const all = await study.trials();
    const flipped = (v: readonly number[]) => [v[0], -v[1]];
    const brute = all.filter((t) => !all.some((o) => dominates(flipped(o.values as number[]), flipped(t.values as number[]))));
    assert.deepEqual(
      study.bestTrials.map((t) => t.number),
      brute.map((t) => t.number),
    );
  });

  it('tells arrays and { values }, and fails a result with the wrong number of values as nan', async () => {
    const study = await createStudy({ space, directions: ['minimize', 'maximize'] });
    const [a, b, c, d] = await study.ask(4);
    assert.deepEqual((await study.tell(a.number, [1, 2])).values, [1, 2]);
    const told = await study.tell(b.number, { values: [0.5, 3], note: 'x' });
    assert.deepEqual([told.values, told.attrs], [[0.5, 3], { note: 'x' }]);
    const wrong = await study.tell(c.number, 4);
    assert.equal(wrong.state, 'fail');
    assert.match(wrong.failMessage ?? '', /returned 1 value; .* has 2 objectives/);
    assert.equal((await study.tell(d.number, [1, Number.NaN])).state, 'fail');
    assert.deepEqual(
      study.bestTrials.map((t) => t.number),
      [b.number],
    );
    // a single-objective study rejects arrays the same way
    const single = await createStudy({ space });
    const [s] = await single.ask();
    assert.match((await single.tell(s.number, [1, 2])).failMessage ?? '', /returned 2 values; .* has 1 objective/);
  });

  it('validates directions and refuses single-objective samplers by name', async () => {
    await assert.rejects(
      createStudy({ space, directions: ['minimize'] as never }),
      (e: Error) => e instanceof OptionsError && /options.directions/.test(e.message),
    );
    await assert.rejects(createStudy({ space, directions: ['minimize', 'up' as never] }), /options.directions\[1\]/);
    await assert.rejects(createStudy({ space, direction: 'minimize', directions: ['minimize', 'minimize'] }), /exclusive/);
    for (const name of ['cmaes', 'evolution']) {
      await assert.rejects(
        createStudy({ space, directions: ['minimize', 'minimize'], sampler: createSampler(name) }),
        (e: Error) => e instanceof OptionsError && e.message.startsWith(`sampler ${name} optimizes one objective`),
      );
    }
  });

  it('runs grid search unchanged on a multi-objective study', async () => {
    const study = await createStudy({
      space: { a: hp.choice('a', [0, 1, 2]), b: hp.choice('b', [0, 1]) },
      directions: ['minimize', 'maximize'],
      sampler: grid(),
    });
    await study.optimize((c) => [c.a + c.b, c.a - c.b], { nTrials: 10 });
    const all = await study.trials();
    assert.equal(all.length, 6, 'the grid of 6 points, each once');
    assert.equal(new Set(all.map((t) => JSON.stringify(t.params))).size, 6);
    // minimize a + b, maximize a − b: (0,0) gives [0, 0], (1,0) [1, 1], (2,0) [2, 2]; b = 1 is dominated by b = 0
    assert.deepEqual(study.bestTrials.map((t) => [t.config.a, t.config.b]).sort(), [
      [0, 0],
      [1, 0],
      [2, 0],
    ]);
  });

  it('never counts an infeasible trial as best or on the front', async () => {
    const constraints = (c: { x: number }) => [c.x - 0.5]; // feasible: x ≤ 0.5
    const study = await createStudy({ space, directions: ['minimize', 'minimize'], seed: 5, constraints });
    await study.optimize((c) => f(c), { nTrials: 60 });
    const all = await study.trials();
    assert.ok(all.every((t) => t.constraints?.length === 1 && t.constraints[0] === (t.params.x as number) - 0.5));
    const feasible = all.filter((t) => (t.params.x as number) <= 0.5);
    assert.ok(feasible.length > 0 && feasible.length < all.length);
    const front = study.bestTrials;
    assert.ok(front.length > 0 && front.every((t) => t.config.x <= 0.5));
    const brute = feasible.filter((t) => !feasible.some((o) => dominates(o.values as number[], t.values as number[])));
    assert.deepEqual(
      front.map((t) => t.number),
      brute.map((t) => t.number),
    );

    // one objective: the infeasible minimum (x near 1 maximizes… here x small minimizes) is skipped
    const single = await createStudy({ space, seed: 5, constraints: (c) => [0.3 - c.x] }); // feasible: x ≥ 0.3
    await single.optimize((c) => c.x, { nTrials: 40 });
    const trials = await single.trials();
    const best = single.bestTrial;
    assert.ok(best && best.config.x >= 0.3);
    assert.equal(best.value, Math.min(...trials.filter((t) => (t.params.x as number) >= 0.3).map((t) => t.value as number)));
    assert.ok(
      trials.some((t) => (t.params.x as number) < best.config.x),
      'an infeasible trial had a lower value',
    );
  });

  it('resumes from SQLite with its directions and goes on building the front', async () => {
    const storage = `sqlite:${join(dir, 'moo.db')}`;
    const first = await createStudy({ space, directions: ['minimize', 'minimize'], storage, name: 'moo', seed: 1 });
    await first.optimize((c) => f(c), { nTrials: 20 });
    const before = first.bestTrials.map((t) => t.number);
    await first.close();
    await assert.rejects(createStudy({ storage, name: 'moo', resume: true, direction: 'minimize' }), StudyError);
    await assert.rejects(
      createStudy({ storage, name: 'moo', resume: true, sampler: cmaes(), switchSampler: true }),
      /sampler cmaes optimizes one objective/,
    );
    const again = await createStudy({ storage, name: 'moo', resume: true });
    assert.deepEqual(again.directions, ['minimize', 'minimize']);
    assert.deepEqual(
      again.bestTrials.map((t) => t.number),
      before,
    );
    await again.optimize((c) => f(c as { x: number; y: number }), { nTrials: 40 });
    const all = await again.trials();
    assert.deepEqual(
      all.map((t) => t.number),
      [...Array(40).keys()],
    );
    const brute = all.filter((t) => !all.some((o) => dominates(o.values as number[], t.values as number[])));
    assert.deepEqual(
      again.bestTrials.map((t) => t.number),
      brute.map((t) => t.number),
    );
    await again.close();
  });
});
