import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { StudyError } from '../../src/errors.js';
import { HyperbandPruner } from '../../src/pruners/hyperband.js';
import { PatientPruner } from '../../src/pruners/patient.js';
import { median, MedianPruner } from '../../src/pruners/percentile.js';
import type { Pruner } from '../../src/pruners/pruner.js';
import { createPruner, registerPruner } from '../../src/pruners/registry.js';
import { hp } from '../../src/space/hp.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { createStudy, type Study } from '../../src/study/study.js';
import { dropSchemas, freshSchema, testPgUrl, withSchema } from '../storage/pg-env.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = join(root, 'dist/src/cli/main.js');
const EPOCHS = join(root, 'test/fixtures/pruning-epochs.mjs');
const dir = mkdtempSync(join(tmpdir(), 'parzen-resume-pruner-'));
const pg = testPgUrl();
const schemas: string[] = [];
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (pg) await dropSchemas(pg, schemas);
});

const space = hp.uniform('x', 0, 1);
const hb = { minResource: 1, maxResource: 9, reductionFactor: 3 };

/** Reports a 9-step curve x + 1/(1 + step) for one asked trial, telling it pruned when told to stop; the decisions. */
async function trainOne(study: Study): Promise<boolean[]> {
  const [t] = await study.ask();
  const said: boolean[] = [];
  for (let step = 0; step < 9; step++) {
    said.push(await study.report(t.number, step, (t.params.x as number) + 1 / (1 + step)));
    if (said.at(-1)) break;
  }
  await study.tell(t.number, said.at(-1) ? { state: 'pruned' } : (t.params.x as number) + 0.1);
  return said;
}

const urls = () => {
  const out = [`sqlite:${join(dir, `p-${Math.random().toString(36).slice(2)}.db`)}`];
  if (pg) {
    const s = freshSchema('prune');
    schemas.push(s);
    out.push(withSchema(pg, s));
  }
  return out;
};

describe('the pruner is stored with the study', () => {
  for (const url of urls()) {
    const kind = url.split(':')[0];
    it(`${kind}: a resumed study, and a second process on it, prune with the stored pruner and decide alike`, async () => {
      const first = await createStudy({ space, seed: 3, storage: url, name: 'p', pruner: new HyperbandPruner(hb) });
      for (let i = 0; i < 12; i++) await trainOne(first);
      const second = await createStudy({ storage: url, name: 'p', resume: true });
      assert.ok(second.pruner instanceof HyperbandPruner);
      assert.deepEqual(second.pruner.options, hb);
      // the same trial's reports, decided by each handle's pruner from the same stored trials
      const [t] = await first.ask();
      for (let step = 0; step < 9; step++) {
        const v = 0.9 + 1 / (1 + step);
        const a = await first.report(t.number, step, v);
        await second.refresh();
        const b: boolean = second.pruner.prune({
          trial: (await second.trials())[t.number],
          trials: await second.trials(),
          direction: 'minimize',
          seed: second.seed,
        });
        assert.equal(a, b, `step ${step}`);
        if (a) break;
      }
      await first.close();
      await second.close();
    });

    it(`${kind}: another pruner on resume is an error naming both, unless switchPruner, which the study records`, async () => {
      const made = await createStudy({ space, storage: url, name: 'q', pruner: new HyperbandPruner(hb) });
      await trainOne(made);
      await made.close();
      await assert.rejects(
        createStudy({ storage: url, name: 'q', resume: true, pruner: median({ nStartupTrials: 2 }) }),
        (e: unknown) =>
          e instanceof StudyError &&
          /was run with pruner hyperband \{"minResource":1,"maxResource":9,"reductionFactor":3\}, not median \{"nStartupTrials":2\}/.test(
            e.message,
          ),
      );
      await assert.rejects(createStudy({ storage: url, name: 'q', resume: true, pruner: null }), /not none: /);
      // the same pruner with its options in another order is the same pruner
      const same = await createStudy({
        storage: url,
        name: 'q',
        resume: true,
        pruner: new HyperbandPruner({ reductionFactor: 3, maxResource: 9, minResource: 1 }),
      });
      await same.close();
      const switched = await createStudy({ storage: url, name: 'q', resume: true, pruner: null, switchPruner: true });
      assert.equal(switched.pruner, null);
      assert.deepEqual(switched.record.pruner, { name: 'none', options: {} });
      assert.deepEqual(
        switched.record.prunerSwitches?.map((w) => [w.from?.name, w.to.name, w.atTrial]),
        [['hyperband', 'none', 1]],
      );
      await switched.close();
    });
  }

  it('a patient pruner is rebuilt with the pruner it wraps', async () => {
    const storage = new MemoryStorage();
    await createStudy({ space, storage, name: 'w', pruner: new PatientPruner(new MedianPruner({ nStartupTrials: 2 }), { patience: 2 }) });
    const again = await createStudy({ storage, name: 'w', resume: true });
    assert.ok(again.pruner instanceof PatientPruner);
    assert.ok(again.pruner.wrapped instanceof MedianPruner);
    assert.deepEqual([again.pruner.patience, again.pruner.wrapped.options], [2, { nStartupTrials: 2 }]);
  });

  it("a pruner of the user's own is kept by name: resumed with it, or refused without it", async () => {
    const mine = (): Pruner => ({
      name: 'mine',
      options: { limit: 1 },
      prune: ({ trial }) => (trial.intermediate?.at(-1)?.value ?? 0) > 1,
    });
    const storage = new MemoryStorage();
    await createStudy({ space, storage, name: 'u', pruner: mine() });
    const again = await createStudy({ storage, name: 'u', resume: true, pruner: mine() });
    assert.equal(again.pruner?.name, 'mine');
    await assert.rejects(
      createStudy({ storage, name: 'u', resume: true }),
      /was run with pruner mine \{"limit":1\}, which cannot be rebuilt here .*registerPruner it/,
    );
  });

  it('a registered pruner of our own is rebuilt from its stored name and options on resume', async () => {
    const made: Record<string, unknown>[] = [];
    registerPruner('above', (options) => {
      made.push(options);
      const limit = options.limit as number;
      return { name: 'above', options, prune: ({ trial }) => (trial.intermediate?.at(-1)?.value ?? 0) > limit };
    });
    const storage = new MemoryStorage();
    await createStudy({ space, storage, name: 'r', pruner: createPruner('above', { limit: 2 }) });
    const again = await createStudy({ storage, name: 'r', resume: true });
    assert.deepEqual([again.pruner?.name, again.pruner?.options, made], ['above', { limit: 2 }, [{ limit: 2 }, { limit: 2 }]]);
    const [t] = await again.ask();
    assert.deepEqual([await again.report(t.number, 0, 1), await again.report(t.number, 1, 3)], [false, true]);
    assert.throws(() => registerPruner('median', () => new MedianPruner()), /pruner name "median" is built in/);
    assert.throws(() => registerPruner('No Spaces', () => new MedianPruner()), /pruner name "No Spaces": use letters/);
  });

  it('options.pruner that is not a pruner is an error naming the field', async () => {
    await assert.rejects(
      createStudy({ space, pruner: 'median' as unknown as Pruner }),
      /createStudy: options\.pruner must be a pruner, such as median\(\)/,
    );
  });
});

function parzen(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: dir, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('parzen run --study keeps the stored pruner', () => {
  it('continues with it without --pruner, refuses another unless --switch-pruner, which the study records', async () => {
    const db = `sqlite:${join(dir, 'cli.db')}`;
    const base = ['run', EPOCHS, '--space', join(dir, 'x.json'), '--storage', db, '--study', 'c', '--algo', 'random'];
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'x.json'), JSON.stringify({ uniform: [0, 1], label: 'x' }));
    const first = await parzen(...base, '--pruner', 'asha', '--pruner-options', '{"minResource":1}', '--max-evals', '12');
    assert.equal(first.code, 0, first.stderr);
    const same = await parzen(...base, '--max-evals', '24');
    assert.equal(same.code, 0, same.stderr);
    assert.match(same.stdout, /continuing study c: 12 of 24 trials already done or running, random, pruner asha/);
    assert.match(same.stdout, /\d+ pruned/);
    const other = await parzen(...base, '--pruner', 'median', '--max-evals', '30');
    assert.equal(other.code, 2);
    assert.match(other.stderr, /study "c" was run with pruner asha \{"minResource":1\}, not median: .*--switch-pruner/);
    const switched = await parzen(...base, '--pruner', 'median', '--switch-pruner', '--max-evals', '30');
    assert.equal(switched.code, 0, switched.stderr);
    const listed = (
      JSON.parse((await parzen('studies', '--storage', db, '--json')).stdout) as {
        studies: { pruner: { name: string }; prunerSwitches: { atTrial: number }[]; counts: Record<string, number> }[];
      }
    ).studies[0];
    assert.equal(listed.pruner.name, 'median');
    assert.deepEqual(
      listed.prunerSwitches.map((s) => s.atTrial),
      [24],
    );
    assert.ok(listed.counts.pruned > 0);
    const orphan = await parzen(...base, '--pruner-options', '{"minResource":1}', '--max-evals', '30');
    assert.match(orphan.stderr, /--pruner-options needs --pruner/);
  });
});
