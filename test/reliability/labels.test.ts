import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createSampler } from '../../src/samplers/registry.js';
import { hp } from '../../src/space/hp.js';
import { parseSpaceJson, spaceToJson } from '../../src/space/json.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import { createStudy } from '../../src/study/study.js';

/** Labels that name members of Object.prototype: every one must be plain data. */
const HOSTILE = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'] as const;

/** A conditional space whose branches hold the hostile labels, so both "active" and "inactive" are exercised. */
function hostileSpace(): unknown {
  // defined, not assigned: a literal `__proto__:` (or an assignment) would set the prototype instead of a key
  const data = (entries: [string, unknown][]) => {
    const o = {};
    for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true });
    return o;
  };
  const a = data([
    ['__proto__', hp.uniform('__proto__', 0, 1)],
    ['constructor', hp.quniform('constructor', 0, 4, 1)],
  ]);
  const b = data([
    ['toString', hp.choice('toString', ['x', 'y', 'z'])],
    ['hasOwnProperty', hp.uniform('hasOwnProperty', -1, 1)],
  ]);
  return { branch: hp.choice('valueOf', [a, b]), z: hp.uniform('z', 0, 1) };
}

function assertNoPollution(): void {
  const probe = {} as Record<string, unknown>;
  for (const k of ['x', 'y', 'z', '0', 'polluted']) assert.equal(probe[k], undefined, `Object.prototype.${k} was set`);
  assert.equal(Object.getPrototypeOf(probe), Object.prototype);
  assert.equal(typeof probe.toString, 'function');
}

const dir = mkdtempSync(join(tmpdir(), 'parzen-labels-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('labels named like Object.prototype members are data', () => {
  for (const algo of ['random', 'tpe', 'gp', 'cmaes', 'evolution']) {
    it(`${algo} runs a space with labels ${HOSTILE.join(', ')} through both branches`, async () => {
      const study = await createStudy({
        space: hostileSpace(),
        sampler: createSampler(algo, algo === 'tpe' ? { nStartupTrials: 5 } : {}),
        seed: 3,
      });
      const seenBranches = new Set<number>();
      await study.optimize(
        (config: unknown) => {
          const c = config as { branch: Record<string, unknown>; z: number };
          assert.equal(Object.getPrototypeOf(c.branch), Object.prototype);
          return c.z + (Object.hasOwn(c.branch, '__proto__') ? (c.branch.__proto__ as number) : 0.5);
        },
        { nTrials: algo === 'gp' ? 16 : 30 },
      );
      const trials = await study.trials();
      assert.equal(trials.length, algo === 'gp' ? 16 : 30);
      for (const t of trials) {
        assert.equal(t.state, 'complete', `trial ${t.number}: ${t.failMessage}`);
        study.space.validate(t.params);
        // eslint-disable-next-line @typescript-eslint/unbound-method -- a label named valueOf, read as data
        const branch = t.params.valueOf as unknown as number;
        seenBranches.add(branch);
        const keys = Object.keys(t.params).sort();
        assert.deepEqual(
          keys,
          (branch === 0 ? ['__proto__', 'constructor', 'valueOf', 'z'] : ['hasOwnProperty', 'toString', 'valueOf', 'z']).sort(),
        );
        assert.equal(Object.getPrototypeOf(t.params), Object.prototype);
      }
      assert.deepEqual([...seenBranches].sort(), [0, 1], 'both branches drawn');
      assertNoPollution();
    });
  }

  it('grid enumerates a space of hostile labels and its per-label options', async () => {
    const space = { toString: hp.choice('toString', [1, 2]), constructor: hp.quniform('constructor', 0, 2, 1) };
    const study = await createStudy({ space, sampler: createSampler('grid', { values: JSON.parse('{"constructor": [0, 2]}') }) });
    await study.optimize(() => 0, { nTrials: 10 });
    const trials = await study.trials();
    // eslint-disable-next-line @typescript-eslint/unbound-method -- labels named toString and constructor, read as data
    assert.deepEqual(trials.map((t) => `${t.params.toString}/${t.params.constructor}`).sort(), ['1/0', '1/2', '2/0', '2/2']);
  });

  it('a JSON space with these labels parses, round-trips and resumes from SQLite', async () => {
    const json = JSON.parse(
      '{"__proto__": {"uniform": [0, 1]}, "constructor": {"choice": [{"toString": {"uniform": [0, 1]}}, {"hasOwnProperty": {"randint": [3]}}]}}',
    );
    const space = parseSpaceJson(json);
    assert.deepEqual(
      space.dims.map((d) => d.label),
      ['__proto__', 'constructor', 'toString', 'hasOwnProperty'],
    );
    assert.equal(JSON.stringify(spaceToJson(space)), JSON.stringify(json));
    const file = join(dir, 'labels.db');
    const storage = new SqliteStorage(file);
    const s1 = await createStudy({ space, storage, name: 'hostile', seed: 1 });
    await s1.optimize(() => 1, { nTrials: 12 });
    await storage.close();
    const again = new SqliteStorage(file);
    const s2 = await createStudy({
      storage: again,
      name: 'hostile',
      resume: true,
      sampler: createSampler('tpe', { nStartupTrials: 4 }),
      switchSampler: true,
    });
    await s2.optimize((c) => (c as Record<string, number>).__proto__, { nTrials: 24 });
    const trials = await s2.trials();
    assert.equal(trials.length, 24);
    for (const t of trials) {
      assert.equal(t.state, 'complete', t.failMessage ?? '');
      assert.equal(typeof t.params.__proto__, 'number');
      s2.space.validate(t.params);
    }
    await again.close();
    assertNoPollution();
  });

  it('objective attrs and error properties named __proto__ are stored as data', async () => {
    const study = await createStudy({ space: { x: hp.uniform('x', 0, 1) } });
    const [a, b] = await study.ask(2);
    await study.tell(a.number, JSON.parse('{"value": 1, "__proto__": {"polluted": true}, "constructor": 5}'));
    const err = Object.defineProperty(new Error('boom'), '__proto__', { value: { polluted: true }, enumerable: true });
    const { resultFromError } = await import('../../src/trial/objective.js');
    await study.tell(b.number, resultFromError(err));
    const [ta, tb] = await study.trials();
    assert.deepEqual(Object.keys(ta.attrs).sort(), ['__proto__', 'constructor']);
    assert.equal(Object.getPrototypeOf(ta.attrs), Object.prototype);
    assert.deepEqual(JSON.parse(JSON.stringify(tb.attrs)).error, JSON.parse('{"__proto__": {"polluted": true}}'));
    assertNoPollution();
  });
});
