import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { TrialPruned } from '../../src/errors.js';
import { SuccessiveHalvingPruner } from '../../src/pruners/successive-halving.js';
import { Rng } from '../../src/rng.js';
import type { Sampler } from '../../src/samplers/sampler.js';
import { hp } from '../../src/space/hp.js';
import { space as compile } from '../../src/space/space.js';
import { openStorage } from '../../src/storage/open.js';
import { createStudy } from '../../src/study/study.js';
import { askTell, everyKindObjective, everyKindSpace, type FixtureName, fixtures, samplerSpec } from './sampler-study.js';

export { everyKindObjective, everyKindSpace } from './sampler-study.js';

export interface ConformanceOptions {
  /** Trials to run so the sampler leaves its startup phase. Default 40. */
  trials?: number;
}

export interface StudyStateOptions {
  /** Trials per study. Default 40. */
  trials?: number;
  /** The space and objective (see `fixtures`). Default 'everyKind'. */
  fixture?: FixtureName;
  /** Whether a study resumed in a fresh process continues as one that never stopped (the tested promise). Default true. */
  resumes?: boolean;
}

/**
 * The conformance suite every sampler passes: bounds, q, log, int, categorical and conditional values
 * respected (each suggestion validated against the space), seed reproducibility, batches without duplicates
 * seeing running trials, failed trials tolerated.
 */
export function samplerConformance(name: string, make: () => Sampler, o: ConformanceOptions = {}): void {
  const trials = o.trials ?? 40;
  describe(`${name} sampler conformance`, () => {
    it('suggests only values the space can hold, with inactive branches absent', async () => {
      const space = compile(everyKindSpace());
      const study = await createStudy({ space, sampler: make(), seed: 3 });
      await study.optimize(everyKindObjective, { nTrials: trials });
      const all = await study.trials();
      assert.equal(all.length, trials);
      for (const t of all) {
        assert.equal(t.state, 'complete', `trial ${t.number}: ${t.failMessage}`);
        space.validate(t.params); // throws on any out-of-bounds, non-integer, non-option or inactive value
        const p = t.params as Record<string, number>;
        assert.ok(Number.isInteger(p.ri) && Number.isInteger(p.ui), 'integers are integers');
        assert.ok(Math.abs(p.qu / 0.5 - Math.round(p.qu / 0.5)) < 1e-9, `qu=${p.qu} is a multiple of 0.5`);
        assert.ok(Math.abs(p.qlu / 5 - Math.round(p.qlu / 5)) < 1e-9, `qlu=${p.qlu} is a multiple of 5`);
        assert.ok(Math.abs(p.qn / 2 - Math.round(p.qn / 2)) < 1e-9, `qn=${p.qn} is a multiple of 2`);
        assert.ok(p.lu >= 1e-4 * (1 - 1e-12) && p.lu <= 1 + 1e-12, `lu=${p.lu} within its log bounds`);
        assert.ok(p.ln > 0, 'lognormal is positive');
      }
      const branches = new Set(all.map((t) => t.params.model));
      assert.ok(branches.size >= 2, 'more than one branch explored');
    });

    it('gives the same trials for the same seed and different ones for another seed', async () => {
      const run = async (seed: number) => {
        const study = await createStudy({ space: everyKindSpace(), sampler: make(), seed });
        await study.optimize(everyKindObjective, { nTrials: Math.min(trials, 30) });
        return (await study.trials()).map((t) => t.params);
      };
      const a = await run(11);
      assert.deepEqual(await run(11), a);
      assert.notDeepEqual(await run(12), a);
    });

    it('returns a batch of 8 distinct points that also differ from 8 running trials', async () => {
      const space = compile({ x: hp.uniform('x', 0, 1), y: hp.quniform('y', 0, 20, 1), c: hp.choice('c', [1, 2, 3]) });
      const study = await createStudy({ space, sampler: make(), seed: 5 });
      await study.optimize((p: any) => (p.x - 0.3) ** 2 + (p.y - 7) ** 2 / 100 + p.c, { nTrials: trials });
      const running = await study.ask(8);
      const batch = await study.ask(8);
      assert.equal(batch.length, 8);
      const keys = new Set([...running, ...batch].map((t) => space.key(t.params)));
      assert.equal(keys.size, 16, 'no duplicates among 8 running and 8 new');
    });

    it('keeps suggesting when some trials fail', async () => {
      const study = await createStudy({ space: { x: hp.uniform('x', -1, 1) }, sampler: make(), seed: 7 });
      await study.optimize(
        (p: any, ctx) => {
          if (ctx.trial % 3 === 0) throw new Error('boom');
          return ctx.trial % 3 === 1 ? NaN : p.x ** 2;
        },
        { nTrials: trials },
      );
      const all = await study.trials();
      assert.equal(all.length, trials);
      const expectedFails = all.filter((t) => t.number % 3 !== 2).length;
      assert.equal(all.filter((t) => t.state === 'fail').length, expectedFails);
      assert.ok(all.every((t) => t.state === 'fail' || t.number % 3 === 2));
    });

    it('keeps suggesting valid, distinct points when many trials are pruned', async () => {
      const space = compile(everyKindSpace());
      const study = await createStudy({
        space,
        sampler: make(),
        seed: 5,
        pruner: new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2 }),
      });
      await study.optimize(
        async (p: any, ctx) => {
          const v = everyKindObjective(p);
          for (let step = 0; step < 8; step++) if (await ctx.report(step, v + 1 / (1 + step))) throw new TrialPruned();
          return v;
        },
        { nTrials: trials },
      );
      const all = await study.trials();
      assert.equal(all.length, trials);
      const pruned = all.filter((t) => t.state === 'pruned').length;
      assert.ok(pruned >= trials / 5, `${pruned} of ${trials} pruned`);
      assert.ok(all.every((t) => t.state === 'pruned' || t.state === 'complete'));
      for (const t of all) space.validate(t.params);
      assert.equal(new Set(all.map((t) => space.key(t.params))).size, trials, 'no point suggested twice');
    });

    it('suggests from a history what a fresh sampler suggests from it (state kept between calls is a cache)', async () => {
      const kept = make();
      const study = await createStudy({ space: everyKindSpace(), sampler: kept, seed: 11 });
      await study.optimize(
        (c: any, ctx) => {
          if (ctx.trial % 7 === 3) throw new Error('boom');
          return everyKindObjective(c);
        },
        { nTrials: trials },
      );
      // three trials asked (the sampler sees the first two running), then the first finished: it completes after
      // the sampler saw it running, and the running second ends the settled prefix
      const running = await study.ask(2);
      await study.ask(1);
      await study.tell(running[0].number, 1.5);
      await study.refresh();
      const history = study.history();
      assert.equal(history.settled, running[1].number);
      const draw = (s: Sampler) => s.suggest(history, 3, Rng.derive(5, 'conformance'));
      assert.deepEqual(await draw(kept), await draw(make()));
    });
  });
  samplerStudyState(name, make, { trials });
}

const resumeChild = fileURLToPath(new URL('./resume-child.js', import.meta.url));

/**
 * A sampler's state belongs to one study: one instance serving two interleaved studies gives each exactly the trials
 * of a private instance; maximizing f gives the trials of minimizing −f; a study stopped, stored and resumed in a
 * fresh process (SQLite, and PostgreSQL when PARZEN_TEST_PG is set) continues as one that never stopped.
 */
export function samplerStudyState(name: string, make: () => Sampler, o: StudyStateOptions = {}): void {
  const trials = o.trials ?? 40;
  const fixture = o.fixture ?? 'everyKind';
  const { space: spaceOf, objective: f } = fixtures[fixture];
  describe(`${name} sampler: state per study`, () => {
    it('gives two interleaved studies on one instance exactly the trials of two private instances', async () => {
      const space = compile(spaceOf()); // one space object too, as a user sharing a space would
      const g = (c: any) => -f(c) * 2 + 1; // another objective, so the two histories differ
      const run = async (samplers: [Sampler, Sampler]) => {
        const a = await createStudy({ space, sampler: samplers[0], seed: 21 });
        const b = await createStudy({ space, sampler: samplers[1], seed: 22 });
        for (let i = 1; i <= trials; i++) {
          await askTell(a, i, f);
          await askTell(b, i, g);
        }
        return [(await a.trials()).map((t) => t.params), (await b.trials()).map((t) => t.params)];
      };
      const shared = make();
      assert.deepEqual(await run([shared, shared]), await run([make(), make()]));
    });

    it('gives the same trials maximizing f as minimizing −f', async () => {
      const run = async (direction: 'minimize' | 'maximize') => {
        const study = await createStudy({ space: spaceOf(), sampler: make(), seed: 8, direction });
        await askTell(study, trials, direction === 'maximize' ? f : (c) => -f(c));
        return (await study.trials()).map((t) => [t.params, t.state]);
      };
      assert.deepEqual(await run('maximize'), await run('minimize'));
    });

    if (o.resumes === false) return;
    const dir = mkdtempSync(join(tmpdir(), 'parzen-resume-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const urls = [`sqlite:${join(dir, 'resume.db')}`];
    if (process.env.PARZEN_TEST_PG) urls.push(process.env.PARZEN_TEST_PG);
    for (const url of urls) {
      it(`continues a study resumed in a fresh process as one that never stopped (${url.split(':')[0]})`, async () => {
        const sampler = make();
        const tag = `${name.replace(/\W+/g, '-')}-${process.pid}-${Date.now().toString(36)}`;
        const storage = await openStorage(url);
        try {
          const whole = await createStudy({ space: spaceOf(), sampler, storage, seed: 13, name: `whole-${tag}` });
          await askTell(whole, trials, f);
          const stopped = await createStudy({ space: spaceOf(), sampler: make(), storage, seed: 13, name: `stopped-${tag}` });
          await askTell(stopped, Math.ceil(trials / 2) + 1, f);
          const spec = samplerSpec(sampler);
          await promisify(execFile)(process.execPath, [
            resumeChild,
            url,
            `stopped-${tag}`,
            spec.name,
            JSON.stringify(spec.options),
            String(trials),
            fixture,
          ]);
          const resumed = await createStudy({ storage, name: `stopped-${tag}`, resume: true, sampler: make() });
          assert.deepEqual(
            (await resumed.trials()).map((t) => t.params),
            (await whole.trials()).map((t) => t.params),
          );
        } finally {
          await storage.close();
        }
      });
    }
  });
}
