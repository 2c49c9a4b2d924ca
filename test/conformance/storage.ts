import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import { StudyError, TrialStateError } from '../../src/errors.js';
import type { Params } from '../../src/space/space.js';
import type { Storage, StudySpec } from '../../src/storage/storage.js';
import type { TrialRecord } from '../../src/trial/trial.js';

const run = promisify(execFile);
const CHILD = fileURLToPath(new URL('../storage/claim-child.js', import.meta.url));

export interface StorageConformanceOptions {
  /** Another connection to the same store as `s` (a second handle, as another process would have). Default: `s` itself. */
  share?: (s: Storage) => Promise<Storage>;
  /** The URL of the store `s`, for the test that claims from several child processes; omit to skip it. */
  url?: (s: Storage) => string;
}

/** A study spec with a nested space whose key order matters, sampler options and a seed. */
export function specNamed(name: string, direction: 'minimize' | 'maximize' = 'minimize'): StudySpec {
  return {
    name,
    direction,
    space: { z: { fn: 'uniform', label: 'z', low: 0, high: 1 }, a: [{ fn: 'choice', label: 'a', options: ['x', 'y'] }] },
    sampler: { name: 'tpe', options: { gamma: 0.25, nested: { b: [1, 2], a: null } } },
    seed: 42,
    rng: 'alea',
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const numbersOf = (ts: readonly TrialRecord[]) => ts.map((t) => t.number).sort((a, b) => a - b);

/**
 * The conformance suite every storage passes. `open` returns a new, empty store; `cleanup` runs after the suite.
 * Covers: study creation (duplicate names rejected, spec round trip), listStudies counts, unique gap-free numbers
 * under concurrent claims (one handle, several handles, several processes), the budget never exceeded under
 * concurrent claimers, compare-and-set finishing, late results after failStale rejected, incremental reads, and
 * immutable records.
 */
export function storageConformance(
  name: string,
  open: () => Promise<Storage>,
  cleanup: () => Promise<void> = async () => {},
  options: StorageConformanceOptions = {},
): void {
  const share = options.share ?? (async (s: Storage) => s);
  describe(`${name} storage conformance`, () => {
    const opened: Storage[] = [];
    const fresh = async () => {
      const s = await open();
      opened.push(s);
      return s;
    };
    const another = async (s: Storage) => {
      const t = await share(s);
      if (t !== s) opened.push(t);
      return t;
    };
    after(async () => {
      for (const s of opened) await s.close();
      await cleanup();
    });

    it('creates a study that reads back exactly as specified, with key order kept', async () => {
      const s = await fresh();
      const spec = specNamed('exact');
      const rec = await s.createStudy(spec);
      assert.ok(Number.isInteger(rec.id));
      assert.ok(rec.createdAt > 0);
      const got = await s.getStudy('exact');
      assert.ok(got);
      for (const r of [rec, got]) {
        assert.equal(r.name, spec.name);
        assert.equal(r.direction, spec.direction);
        assert.equal(r.seed, spec.seed);
        assert.deepEqual(r.sampler, spec.sampler);
        assert.equal(JSON.stringify(r.space), JSON.stringify(spec.space));
      }
      assert.equal(await s.getStudy('missing'), null);
    });

    it('rejects a second study with the same name', async () => {
      const s = await fresh();
      await s.createStudy(specNamed('dup'));
      await assert.rejects(s.createStudy(specNamed('dup', 'maximize')), StudyError);
      assert.equal((await s.getStudy('dup'))?.direction, 'minimize');
    });

    it("keeps a study's pruner (none when not given) and records a switch of it with the trial count", async () => {
      const s = await fresh();
      const hb = { name: 'hyperband', options: { minResource: 1, maxResource: 27, reductionFactor: 3 } };
      const made = await s.createStudy({ ...specNamed('pruned'), pruner: hb });
      const bare = await s.createStudy(specNamed('bare'));
      assert.deepEqual([made.pruner, bare.pruner], [hb, { name: 'none', options: {} }]);
      await s.claimTrials(made.id, [{ x: 1 }, { x: 2 }], { owner: 'me' });
      const asha = { name: 'asha', options: { minResource: 2 } };
      const switched = await s.switchPruner(made.id, asha);
      assert.deepEqual(switched.pruner, asha);
      assert.deepEqual(
        switched.prunerSwitches?.map((w) => [w.from, w.to, w.atTrial]),
        [[hb, asha, 2]],
      );
      const read = await (await another(s)).getStudy('pruned');
      assert.deepEqual([read?.pruner, read?.prunerSwitches?.length, read?.sampler], [asha, 1, made.sampler]);
      await assert.rejects(s.switchPruner(987654, asha), StudyError);
    });

    it('lists studies with trial counts by state and the best value in each direction', async () => {
      const s = await fresh();
      const lo = await s.createStudy(specNamed('lo'));
      const hi = await s.createStudy(specNamed('hi', 'maximize'));
      await s.createStudy(specNamed('empty'));
      for (const study of [lo, hi]) {
        const ts = await s.claimTrials(
          study.id,
          range(5).map((i) => ({ x: i })),
          { owner: 'o' },
        );
        await s.finishTrial(ts[0].id, { state: 'complete', value: 3 });
        await s.finishTrial(ts[1].id, { state: 'complete', value: -1 });
        await s.finishTrial(ts[2].id, { state: 'complete', value: 7 });
        await s.finishTrial(ts[3].id, { state: 'fail', reason: 'threw', message: 'boom' });
      }
      const list = await s.listStudies();
      assert.deepEqual(
        list.map((x) => x.name),
        ['lo', 'hi', 'empty'],
      );
      const [l, h, e] = list;
      assert.deepEqual(l.counts, { running: 1, complete: 3, pruned: 0, fail: 1 });
      assert.deepEqual(h.counts, { running: 1, complete: 3, pruned: 0, fail: 1 });
      assert.deepEqual(e.counts, { running: 0, complete: 0, pruned: 0, fail: 0 });
      assert.equal(l.best, -1);
      assert.equal(h.best, 7);
      assert.equal(e.best, null);
      assert.equal(l.seed, 42);
    });

    it('claims queued points first, oldest first, each exactly once across handles, and under the budget', async () => {
      const s = await fresh();
      const t = await another(s);
      const study = await s.createStudy(specNamed('queue'));
      await s.enqueue(study.id, [{ q: 0 }, { q: 1 }]);
      await t.enqueue(study.id, [{ q: 2 }]);
      assert.deepEqual(await t.queued(study.id), [{ q: 0 }, { q: 1 }, { q: 2 }]);
      const first = await s.claimTrials(study.id, [{ k: 0 }], { owner: 'a' });
      assert.deepEqual(
        first.map((x) => x.params),
        [{ q: 0 }],
        'a queued point takes the place of the sampler point',
      );
      const batches = await Promise.all(range(6).map((k) => (k % 2 ? s : t).claimTrials(study.id, [{ k }], { owner: `w${k}`, budget: 5 })));
      const params = batches.flat().map((x) => x.params);
      assert.equal(params.length, 4, 'the budget of 5 holds, queued points included');
      assert.deepEqual(
        params
          .filter((p) => 'q' in p)
          .map((p) => p.q)
          .sort(),
        [1, 2],
        'each queued point claimed once',
      );
      assert.deepEqual(await s.queued(study.id), []);
      await assert.rejects(s.enqueue(987654, [{ q: 9 }]), StudyError);
    });

    it('deletes a study with its trials and queue, and renames one, refusing a taken name', async () => {
      const s = await fresh();
      const a = await s.createStudy(specNamed('del-a'));
      await s.createStudy(specNamed('del-b'));
      await s.claimTrials(a.id, [{ x: 1 }], { owner: 'o' });
      await s.enqueue(a.id, [{ x: 2 }]);
      assert.equal(await s.deleteStudy('del-a'), true);
      assert.equal(await s.getStudy('del-a'), null);
      assert.equal(await s.deleteStudy('del-a'), false);
      await assert.rejects(s.trials(a.id), StudyError);
      await s.createStudy(specNamed('del-c'));
      await assert.rejects(s.renameStudy('del-b', 'del-c'), StudyError);
      await assert.rejects(s.renameStudy('nope', 'x'), StudyError);
      const renamed = await s.renameStudy('del-b', 'del-d');
      assert.equal(renamed.name, 'del-d');
      assert.deepEqual({ ...(await s.getStudy('del-d')) }, { ...renamed });
      assert.equal(await s.getStudy('del-b'), null);
      // the freed name can be used again
      await s.createStudy(specNamed('del-a'));
    });

    it('numbers trials 0, 1, 2, … once each under many concurrent claims on one handle', async () => {
      const s = await fresh();
      const study = await s.createStudy(specNamed('gapfree'));
      const batches = await Promise.all(
        range(25).map((k) =>
          s.claimTrials(
            study.id,
            range(1 + (k % 4)).map((i) => ({ k, i })),
            { owner: `w${k}` },
          ),
        ),
      );
      const all = batches.flat();
      const total = range(25).reduce((n, k) => n + 1 + (k % 4), 0);
      assert.deepEqual(numbersOf(all), range(total));
      assert.equal(new Set(all.map((t) => t.id)).size, total);
      for (const b of batches) {
        // a batch is numbered contiguously, in the order its params were given
        assert.deepEqual(
          b.map((t) => t.params.i),
          range(b.length),
        );
        for (let j = 1; j < b.length; j++) assert.equal(b[j].number, b[0].number + j);
      }
      assert.deepEqual(
        (await s.trials(study.id)).map((t) => t.number),
        range(total),
      );
    });

    it('numbers trials gap-free when several handles claim at once', async () => {
      const s = await fresh();
      const study = await s.createStudy(specNamed('handles'));
      const handles = [s, await another(s), await another(s), await another(s)];
      const all = (
        await Promise.all(
          handles.flatMap((h, j) =>
            range(10).map((k) =>
              h.claimTrials(
                study.id,
                [
                  { j, k },
                  { j, k: -k },
                ],
                { owner: `h${j}` },
              ),
            ),
          ),
        )
      ).flat();
      assert.deepEqual(numbersOf(all), range(80));
      assert.deepEqual(numbersOf(await handles[2].trials(study.id)), range(80));
    });

    if (options.url) {
      const url = options.url;
      it('numbers trials gap-free and keeps the budget when 3 processes claim at once', async () => {
        const s = await fresh();
        const study = await s.createStudy(specNamed('processes'));
        const budget = 150;
        const outs = await Promise.all(
          range(3).map((j) => run(process.execPath, [CHILD, url(s), String(study.id), String(budget), `p${j}`])),
        );
        const got = outs.map((o) => JSON.parse(o.stdout) as number[]);
        assert.deepEqual(
          got.flat().sort((a, b) => a - b),
          range(budget),
        );
        const stored = await s.trials(study.id);
        assert.deepEqual(
          stored.map((t) => t.number),
          range(budget),
        );
        assert.ok(stored.every((t) => t.state === 'complete' && t.value === t.number));
        for (const [j, numbers] of got.entries()) {
          assert.ok(
            numbers.every((n) => stored[n].owner === `p${j}`),
            'each trial is recorded as its claimer’s',
          );
        }
      });
    }

    it('never exceeds the budget however many claimers race for it', async () => {
      const s = await fresh();
      const study = await s.createStudy(specNamed('budget'));
      const handles = [s, await another(s), await another(s)];
      const claims = await Promise.all(
        range(30).map((k) =>
          handles[k % handles.length].claimTrials(
            study.id,
            range(3).map((i) => ({ k, i })),
            { owner: `w${k}`, budget: 40 },
          ),
        ),
      );
      assert.deepEqual(numbersOf(claims.flat()), range(40));
      assert.deepEqual(await s.claimTrials(study.id, [{ late: 1 }], { owner: 'late', budget: 40 }), []);
      // without a budget, a claim is never cut short
      assert.equal((await s.claimTrials(study.id, [{ a: 1 }, { a: 2 }], { owner: 'free' })).length, 2);
    });

    it('does not count interrupted or stale trials against the budget, but counts other failures', async () => {
      const s = await fresh();
      const study = await s.createStudy(specNamed('budget-fail'));
      const ts = await s.claimTrials(
        study.id,
        range(4).map((i) => ({ i })),
        { owner: 'o', budget: 4, leaseMs: 1 },
      );
      await s.finishTrial(ts[0].id, { state: 'fail', reason: 'interrupted', message: 'stopped' });
      await s.finishTrial(ts[1].id, { state: 'fail', reason: 'threw', message: 'boom' });
      await s.finishTrial(ts[2].id, { state: 'complete', value: 1 });
      await sleep(5);
      const stale = await s.failStale(study.id);
      assert.deepEqual(
        stale.map((t) => t.number),
        [3],
      );
      const more = await s.claimTrials(
        study.id,
        range(5).map((i) => ({ again: i })),
        { owner: 'o', budget: 4 },
      );
      assert.deepEqual(
        more.map((t) => t.number),
        [4, 5],
      );
    });

    it('finishes a trial once: a second result is rejected and the first one kept (compare-and-set)', async () => {
      const s = await fresh();
      const study = await s.createStudy(specNamed('cas'));
      const [t] = await s.claimTrials(study.id, [{ x: 1 }], { owner: 'o' });
      const done = await s.finishTrial(t.id, { state: 'complete', value: 2.5, attrs: { note: 'first' } });
      assert.equal(done.state, 'complete');
      assert.equal(done.value, 2.5);
      assert.deepEqual(done.attrs, { note: 'first' });
      assert.ok(done.finishedAt !== null && done.finishedAt >= done.startedAt);
      await assert.rejects(s.finishTrial(t.id, { state: 'complete', value: 9 }), TrialStateError);
      await assert.rejects(s.finishTrial(t.id, { state: 'fail', reason: 'threw', message: 'x' }), TrialStateError);
      const [again] = await s.trials(study.id);
      assert.equal(again.value, 2.5);
      assert.deepEqual(again.attrs, { note: 'first' });
      await assert.rejects(s.finishTrial(987654321, { state: 'complete', value: 1 }), TrialStateError);
    });

    it('lets exactly one of several concurrent results for a trial win', async () => {
      const s = await fresh();
      const study = await s.createStudy(specNamed('race'));
      const [t] = await s.claimTrials(study.id, [{ x: 1 }], { owner: 'o' });
      const handles = [s, await another(s), await another(s)];
      const outcomes = await Promise.allSettled(range(9).map((k) => handles[k % 3].finishTrial(t.id, { state: 'complete', value: k })));
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      assert.equal(won.length, 1);
      for (const o of outcomes) if (o.status === 'rejected') assert.ok(o.reason instanceof TrialStateError, String(o.reason));
      const [stored] = await s.trials(study.id);
      assert.equal(stored.value, won[0].value.value);
    });

    it('answers each of many finishes made at once on its own: its record, or why it was refused', async () => {
      const s = await fresh();
      const study = await s.createStudy(specNamed('many'));
      const trials = await s.claimTrials(
        study.id,
        range(40).map((i) => ({ x: i })),
        { owner: 'o' },
      );
      await s.finishTrial(trials[0].id, { state: 'complete', value: -1 });
      // every trial told once with its own value, trial 1 told twice more, trial 0 (already finished) and no trial at
      // all; trial 39 with a message PostgreSQL's text cannot hold (a NUL character), kept with U+FFFD in its place
      const calls = [
        ...trials.map((t, i) =>
          i === 39
            ? s.finishTrial(t.id, { state: 'fail', reason: 'threw', message: 'nul \u0000 byte' })
            : i % 3 === 2
              ? s.finishTrial(t.id, { state: 'fail', reason: 'threw', message: `m${i}` })
              : s.finishTrial(t.id, { state: 'complete', value: i, attrs: { i } }),
        ),
        s.finishTrial(trials[1].id, { state: 'complete', value: 100 }),
        s.finishTrial(trials[1].id, { state: 'complete', value: 101 }),
        s.finishTrial(trials[39].id + 1000, { state: 'complete', value: 0 }),
      ];
      const outcomes = await Promise.allSettled(calls);
      const stored = await s.trials(study.id);
      assert.equal(outcomes[0].status, 'rejected', 'trial 0 was finished before');
      const trial1 = [outcomes[1], outcomes[40], outcomes[41]];
      assert.equal(trial1.filter((o) => o.status === 'fulfilled').length, 1, 'one of the three results for trial 1 wins');
      for (const o of trial1) if (o.status === 'rejected') assert.ok(o.reason instanceof TrialStateError, String(o.reason));
      assert.ok(outcomes[42].status === 'rejected' && outcomes[42].reason instanceof TrialStateError, 'no such trial');
      for (let i = 2; i < 39; i++) {
        const o = outcomes[i];
        assert.equal(o.status, 'fulfilled', `trial ${i}: ${o.status === 'rejected' ? String(o.reason) : ''}`);
        const got = o.value;
        assert.equal(got.number, i);
        assert.deepEqual([got.state, got.value, got.failMessage], [stored[i].state, stored[i].value, stored[i].failMessage]);
        if (i % 3 === 2) assert.deepEqual([got.state, got.failMessage], ['fail', `m${i}`]);
        else assert.deepEqual([got.state, got.value, got.attrs], ['complete', i, { i }]);
      }
      assert.equal(stored[0].value, -1);
      assert.equal(outcomes[39].status, 'fulfilled', outcomes[39].status === 'rejected' ? String(outcomes[39].reason) : '');
      assert.deepEqual([stored[39].state, stored[39].failMessage], ['fail', 'nul \uFFFD byte']);
    });

    it("keeps a multi-objective study's directions and every objective and constraint value of its trials", async () => {
      const s = await fresh();
      const spec = { ...specNamed('multi'), directions: ['minimize', 'maximize', 'minimize'] as const };
      const rec = await s.createStudy(spec);
      assert.deepEqual(rec.directions, ['minimize', 'maximize', 'minimize']);
      assert.deepEqual((await (await another(s)).getStudy('multi'))?.directions, ['minimize', 'maximize', 'minimize']);
      assert.equal((await s.createStudy(specNamed('single'))).directions ?? null, null);
      const [a, b, c] = await s.claimTrials(rec.id, [{ x: 1 }, { x: 2 }, { x: 3 }], { owner: 'o' });
      const done = await s.finishTrial(a.id, { state: 'complete', value: 0.5, values: [0.5, -2.25, 1e-300], constraints: [-1, 0, 3.5] });
      assert.deepEqual([done.value, done.values, done.constraints], [0.5, [0.5, -2.25, 1e-300], [-1, 0, 3.5]]);
      await s.finishTrial(b.id, { state: 'complete', value: 1, values: [1, 2, 3] });
      await s.finishTrial(c.id, { state: 'fail', reason: 'nan', message: 'x' });
      const read = await (await another(s)).trials(rec.id);
      assert.deepEqual(
        read.map((t) => [t.value, t.values ?? null, t.constraints ?? null]),
        [
          [0.5, [0.5, -2.25, 1e-300], [-1, 0, 3.5]],
          [1, [1, 2, 3], null],
          [null, null, null],
        ],
      );
      assert.ok(Object.isFrozen(read[0].values));
    });

    it('records failures with their reason and message, and no value', async () => {
      const s = await fresh();
      const study = await s.createStudy(specNamed('fail'));
      const [t] = await s.claimTrials(study.id, [{ x: 1 }], { owner: 'o' });
      const f = await s.finishTrial(t.id, { state: 'fail', reason: 'timeout', message: 'no result after 5 ms', attrs: { ms: 5 } });
      assert.equal(f.state, 'fail');
      assert.equal(f.value, null);
      assert.equal(f.failReason, 'timeout');
      assert.equal(f.failMessage, 'no result after 5 ms');
      assert.deepEqual((await s.trials(study.id))[0], f);
    });

    it('fails as stale only running trials whose own lease expired, and rejects their late results', async () => {
      const s = await fresh();
      const study = await s.createStudy(specNamed('stale'));
      const other = await s.createStudy(specNamed('other'));
      // a short lease left to expire, a short lease kept alive by beats, a long lease, no lease, a finished one
      const [a, b] = await s.claimTrials(study.id, [{ x: 1 }, { x: 2 }], { owner: 'fast', leaseMs: 800 });
      const [long] = await s.claimTrials(study.id, [{ x: 3 }], { owner: 'slow', leaseMs: 60_000 });
      const [free, c] = await s.claimTrials(study.id, [{ x: 4 }, { x: 5 }], { owner: 'asker' });
      const [o] = await s.claimTrials(other.id, [{ x: 1 }], { owner: 'dead', leaseMs: 1 });
      for (const t of [a, b, long]) {
        assert.ok(t.leaseMs !== null && t.leaseUntil !== null && t.leaseUntil >= t.startedAt + t.leaseMs - 5, 'a lease from the claim');
      }
      assert.equal(free.leaseUntil, null);
      await s.finishTrial(c.id, { state: 'complete', value: 1 });
      assert.deepEqual(await s.failStale(study.id), [], 'no lease has expired yet');
      for (let i = 0; i < 6; i++) {
        await sleep(250);
        await s.heartbeat([b.id]);
      }
      const [beaten] = (await s.trials(study.id)).filter((t) => t.number === b.number);
      assert.ok((beaten.leaseUntil as number) > (b.leaseUntil as number) + 1000, 'heartbeats extend the lease by its own length');
      const stale = await s.failStale(study.id);
      assert.deepEqual(
        stale.map((t) => t.number),
        [a.number],
      );
      assert.equal(stale[0].state, 'fail');
      assert.equal(stale[0].failReason, 'stale');
      assert.match(stale[0].failMessage ?? '', /lease of 800 ms expired: no heartbeat for \d+ ms/);
      await assert.rejects(
        s.finishTrial(a.id, { state: 'complete', value: 0 }),
        (e: Error) => e instanceof TrialStateError && /stale/.test(e.message),
      );
      const stored = await s.trials(study.id);
      assert.equal(stored[a.number].failReason, 'stale');
      assert.equal(stored[a.number].value, null);
      for (const t of [b, long, free]) assert.equal(stored[t.number].state, 'running', `trial ${t.number} keeps running`);
      assert.equal(stored[c.number].state, 'complete');
      assert.equal((await s.trials(other.id))[0].state, 'running', 'failStale touches only its study');
      assert.equal(o.state, 'running');
      assert.equal(
        (await s.finishTrial(free.id, { state: 'complete', value: 2 })).state,
        'complete',
        'a trial without lease is told whenever',
      );
    });

    it('reads incrementally: trials(study, since) returns numbers ≥ since, in order, with current states', async () => {
      const s = await fresh();
      const study = await s.createStudy(specNamed('since'));
      const ts = await s.claimTrials(
        study.id,
        range(6).map((i) => ({ i })),
        { owner: 'o' },
      );
      await s.finishTrial(ts[4].id, { state: 'complete', value: 4 });
      const tail = await s.trials(study.id, 3);
      assert.deepEqual(
        tail.map((t) => t.number),
        [3, 4, 5],
      );
      assert.equal(tail[1].state, 'complete');
      assert.deepEqual(await s.trials(study.id, 6), []);
      assert.equal((await s.trials(study.id)).length, 6);
      await assert.rejects(s.trials(987654321), StudyError);
      await assert.rejects(s.claimTrials(987654321, [{ x: 1 }], { owner: 'o' }), StudyError);
    });

    it('round-trips params of every value type with their key order', async () => {
      const s = await fresh();
      const study = await s.createStudy(specNamed('params'));
      const params: Params = {
        zeta: 0.1 + 0.2,
        alpha: 'sgd',
        'model/lr': 1e-300,
        big: 2 ** 53 - 1,
        neg: -3,
        flag: true,
        none: null,
        q: 0.5,
      };
      const [t] = await s.claimTrials(study.id, [params], { owner: 'host:1' });
      const [read] = await s.trials(study.id);
      for (const r of [t, read]) {
        assert.deepEqual(r.params, params);
        assert.deepEqual(Object.keys(r.params), Object.keys(params));
        assert.equal(r.owner, 'host:1');
        assert.equal(r.state, 'running');
        assert.equal(r.studyId, study.id);
      }
    });

    it('hands out frozen records that later reads and writes never change', async () => {
      const s = await fresh();
      const study = await s.createStudy(specNamed('frozen'));
      const given = { x: 1 };
      const [t] = await s.claimTrials(study.id, [given], { owner: 'o' });
      given.x = 99;
      assert.ok(Object.isFrozen(t) && Object.isFrozen(t.params) && Object.isFrozen(t.attrs));
      assert.throws(() => {
        (t.params as Record<string, unknown>).x = 2;
      }, TypeError);
      assert.throws(() => {
        (t as { state: string }).state = 'complete';
      }, TypeError);
      const done = await s.finishTrial(t.id, { state: 'complete', value: 1, attrs: { a: 1 } });
      assert.equal(t.state, 'running', 'the record returned by the claim is a snapshot');
      assert.ok(Object.isFrozen(done) && Object.isFrozen(done.attrs));
      const [r1] = await s.trials(study.id);
      const [r2] = await s.trials(study.id);
      assert.ok(Object.isFrozen(r1) && Object.isFrozen(r1.params));
      assert.deepEqual(r1.params, { x: 1 });
      assert.deepEqual(r1, r2);
      const rec = await s.getStudy('frozen');
      assert.ok(rec && Object.isFrozen(rec));
    });

    it('stores intermediate values sorted by step, keeps the first value of a step reported twice, and NaN', async () => {
      const s = await fresh();
      const study = await s.createStudy(specNamed('intermediate'));
      const [a, b] = await s.claimTrials(study.id, [{ x: 1 }, { x: 2 }], { owner: 'o' });
      await s.report(a.id, 2, 0.5);
      await s.report(a.id, 0, 0.9);
      const again = await s.report(a.id, 2, 0.1);
      assert.deepEqual(
        again.intermediate?.map((e) => [e.step, e.value]),
        [
          [0, 0.9],
          [2, 0.5],
        ],
      );
      await s.report(b.id, 1, NaN);
      const [ra, rb] = await s.trials(study.id);
      assert.deepEqual(
        ra.intermediate?.map((e) => [e.step, e.value]),
        [
          [0, 0.9],
          [2, 0.5],
        ],
      );
      assert.ok(Number.isNaN(rb.intermediate?.[0].value) && rb.intermediate?.[0].step === 1);
      assert.ok(Object.isFrozen(ra.intermediate) && Object.isFrozen(ra.intermediate?.[0]));
      // the reports are numbered in the order they were written, across the study
      assert.deepEqual([ra.intermediate?.[1].seq, ra.intermediate?.[0].seq, rb.intermediate?.[0].seq], [1, 2, 3]);
      const [none] = await s.claimTrials(study.id, [{ x: 3 }], { owner: 'o' });
      assert.equal(none.intermediate, undefined);
    });

    it('finishes a pruned trial with its last step and value, and rejects reports on finished trials', async () => {
      const s = await fresh();
      const study = await s.createStudy(specNamed('pruned'));
      const [a, b, c] = await s.claimTrials(study.id, [{ x: 1 }, { x: 2 }, { x: 3 }], { owner: 'o' });
      for (let step = 0; step < 4; step++) await s.report(a.id, step, 10 - step);
      const done = await s.finishTrial(a.id, { state: 'pruned' });
      assert.equal(done.state, 'pruned');
      assert.equal(done.value, 7);
      assert.deepEqual(done.intermediate?.at(-1), { step: 3, value: 7, seq: 4 });
      await assert.rejects(s.report(a.id, 4, 6), (e: Error) => e instanceof TrialStateError && /already pruned/.test(e.message));
      const bare = await s.finishTrial(b.id, { state: 'pruned' });
      assert.equal(bare.value, null);
      await s.report(c.id, 0, 1);
      await s.finishTrial(c.id, { state: 'complete', value: 0.5 });
      const [ra, rb, rc] = await s.trials(study.id);
      assert.deepEqual([ra.state, ra.value, ra.intermediate?.length], ['pruned', 7, 4]);
      assert.deepEqual([rb.state, rb.value, rb.intermediate], ['pruned', null, undefined]);
      assert.deepEqual([rc.state, rc.value, rc.intermediate?.[0].value], ['complete', 0.5, 1]);
      const [summary] = await s.listStudies();
      assert.deepEqual(summary.counts, { running: 0, complete: 1, pruned: 2, fail: 0 });
      assert.equal(summary.best, 0.5);
    });

    it('numbers the reports of many concurrent writers on several handles without a gap or a repeat', async () => {
      const s = await fresh();
      const t2 = await another(s);
      const study = await s.createStudy(specNamed('report-seq'));
      const ts = await s.claimTrials(
        study.id,
        range(6).map((i) => ({ i })),
        { owner: 'o' },
      );
      await Promise.all(ts.map((t, i) => Promise.all(range(5).map((step) => (i % 2 ? t2 : s).report(t.id, step, i + step)))));
      const seqs = (await s.trials(study.id)).flatMap((t) => (t.intermediate ?? []).map((e) => e.seq)).sort((x, y) => (x ?? 0) - (y ?? 0));
      assert.deepEqual(
        seqs,
        range(30).map((i) => i + 1),
      );
    });
  });
}
