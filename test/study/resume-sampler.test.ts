import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createStudy, hp, openStorage, random, StudyError, tpe } from '../../src/index.js';
import { dropSchemas, freshSchema, testPgUrl, withSchema } from '../storage/pg-env.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = join(root, 'dist/src/cli/main.js');
const OBJECTIVE = join(root, 'test/fixtures/storage-sleep.mjs');
const dir = mkdtempSync(join(tmpdir(), 'parzen-resume-'));
const pg = testPgUrl();
const schemas: string[] = [];
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (pg) await dropSchemas(pg, schemas);
});

function parzen(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd: dir, timeout: 120_000, env: { ...process.env, SLEEP_MS: '0' } },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

const space = { x: hp.uniform('x', -2, 2), c: hp.choice('c', ['a', 'b']) };
const f = (c: { x: number; c: string }) => c.x ** 2 + (c.c === 'a' ? 0 : 0.5);
const urls = () => {
  const out = [`sqlite:${join(dir, `r-${Math.random().toString(36).slice(2)}.db`)}`];
  if (pg) {
    const s = freshSchema('resume');
    schemas.push(s);
    out.push(withSchema(pg, s));
  }
  return out;
};

describe('resume keeps the stored sampler', () => {
  for (const url of urls()) {
    const kind = url.split(':')[0];
    it(`${kind}: resuming without a sampler rebuilds the stored one with its options, and continues as if never stopped`, async () => {
      const whole = await createStudy({ space, sampler: tpe({ gamma: 0.3, nStartupTrials: 4 }), seed: 5 });
      await whole.optimize((c) => f(c), { nTrials: 16 });
      const first = await createStudy({ space, sampler: tpe({ gamma: 0.3, nStartupTrials: 4 }), seed: 5, storage: url, name: 's' });
      await first.optimize((c) => f(c), { nTrials: 8 });
      await first.close();
      const again = await createStudy({ storage: url, name: 's', resume: true });
      assert.equal(again.sampler.name, 'tpe');
      assert.deepEqual(again.sampler.options, { gamma: 0.3, nStartupTrials: 4 });
      again.stream = ''; // the creator's own stream, as a process that never stopped
      await again.optimize((c) => f(c as { x: number; c: string }), { nTrials: 16 });
      assert.deepEqual(
        (await again.trials()).map((t) => t.params),
        (await whole.trials()).map((t) => t.params),
      );
      await again.close();
    });

    it(`${kind}: another sampler is an error naming both, unless switchSampler, which the study records`, async () => {
      const first = await createStudy({ space, sampler: tpe({ gamma: 0.3 }), storage: url, name: 'sw' });
      await first.optimize((c) => f(c), { nTrials: 3 });
      await first.close();
      await assert.rejects(
        createStudy({ storage: url, name: 'sw', resume: true, sampler: random() }),
        (e: Error) =>
          e instanceof StudyError && /was run with sampler tpe \{"gamma":0\.3\}, not random: .*switchSampler: true/.test(e.message),
      );
      await assert.rejects(
        createStudy({ storage: url, name: 'sw', resume: true, sampler: tpe({ gamma: 0.2 }) }),
        /not tpe \{"gamma":0\.2\}/,
      );
      // the same sampler given explicitly (options in another order) is no switch
      const same = await createStudy({ storage: url, name: 'sw', resume: true, sampler: tpe({ gamma: 0.3 }) });
      await same.close();
      const switched = await createStudy({ storage: url, name: 'sw', resume: true, sampler: random(), switchSampler: true });
      await switched.optimize((c) => f(c as { x: number; c: string }), { nTrials: 5 });
      await switched.close();
      const s = await openStorage(url);
      const rec = await s.getStudy('sw');
      await s.close();
      assert.deepEqual(rec?.sampler, { name: 'random', options: {} });
      assert.equal(rec?.samplerSwitches?.length, 1);
      const [sw] = rec?.samplerSwitches ?? [];
      assert.deepEqual([sw.from, sw.to, sw.atTrial], [{ name: 'tpe', options: { gamma: 0.3 } }, { name: 'random', options: {} }, 3]);
      assert.ok(sw.at > 0);
      const resumed = await createStudy({ storage: url, name: 'sw', resume: true });
      assert.equal(resumed.sampler.name, 'random', 'a later resume continues with the sampler switched to');
      await resumed.close();
    });
  }
});

describe('parzen run --study with another --algo', () => {
  it('refuses, leaving the study as it was, unless --switch-algo, which the study records', async () => {
    const db = `sqlite:${join(dir, 'cli.db')}`;
    const base = ['run', OBJECTIVE, '--storage', db, '--study', 'c'];
    const first = await parzen(...base, '--algo', 'tpe', '--algo-options', '{"gamma":0.3}', '--max-evals', '4');
    assert.equal(first.code, 0, first.stderr);
    const same = await parzen(...base, '--max-evals', '6');
    assert.equal(same.code, 0, same.stderr);
    assert.match(same.stdout, /continuing study c: 4 of 6 trials already done or running, tpe/);
    const other = await parzen(...base, '--algo', 'random', '--max-evals', '8');
    assert.equal(other.code, 2);
    assert.match(other.stderr, /study "c" was run with sampler tpe \{"gamma":0\.3\}, not random: .*--switch-algo/);
    const studies = async () =>
      (
        JSON.parse((await parzen('studies', '--storage', db, '--json')).stdout) as {
          studies: { sampler: { name: string }; samplerSwitches: unknown[]; counts: { complete: number } }[];
        }
      ).studies[0];
    let listed = await studies();
    assert.equal(listed.sampler.name, 'tpe');
    assert.equal(listed.counts.complete, 6, 'the refused run ran nothing');
    const switched = await parzen(...base, '--algo', 'random', '--switch-algo', '--max-evals', '8');
    assert.equal(switched.code, 0, switched.stderr);
    listed = await studies();
    assert.equal(listed.sampler.name, 'random');
    assert.deepEqual(
      listed.samplerSwitches.map((s) => (s as { atTrial: number }).atTrial),
      [6],
    );
    assert.equal(listed.counts.complete, 8);
  });
});
