import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { reportData } from '../../src/report/data.js';
import { reportHtml } from '../../src/report/report.js';
import { dominates } from '../../src/samplers/moo/pareto.js';
import { hp } from '../../src/space/hp.js';
import { createStudy } from '../../src/study/study.js';
import type { TrialRecord } from '../../src/trial/trial.js';
import { browserSkip, launchBrowser } from './browser.js';

const dir = mkdtempSync(join(tmpdir(), 'parzen-front-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const space = { x: hp.uniform('x', 0, 1), y: hp.uniform('y', 0, 1), z: hp.uniform('z', 0, 1) };

/** A study of `m` objectives (the second one maximized) with the constraint x ≤ 0.7; its report file and trials. */
async function moo(m: 2 | 3): Promise<{ file: string; trials: readonly TrialRecord[]; front: number[] }> {
  const directions = m === 2 ? (['minimize', 'maximize'] as const) : (['minimize', 'maximize', 'minimize'] as const);
  const study = await createStudy({ space, directions: [...directions], seed: m, constraints: (c) => [c.x - 0.7] });
  await study.optimize((c) => [c.x, 1 - (c.x - c.y) ** 2, c.z + c.y].slice(0, m), { nTrials: 40 });
  const trials = await study.trials();
  const data = reportData(study.record, trials);
  const file = join(dir, `front-${m}.html`);
  writeFileSync(file, reportHtml(data));
  return { file, trials, front: study.bestTrials.map((t) => t.number) };
}

describe('the Pareto front in the report', () => {
  it('holds each complete trial’s values, feasibility and exactly the non-dominated feasible trials as front', async () => {
    const { file, trials, front } = await moo(2);
    assert.ok(file);
    const study = await createStudy({ space, directions: ['minimize', 'maximize'], seed: 2, constraints: (c) => [c.x - 0.7] });
    const d = reportData(study.record, trials);
    assert.equal(d.best, null);
    const o = d.objectives!;
    assert.deepEqual(o.directions, ['minimize', 'maximize']);
    const feasible = trials.filter((t) => (t.params.x as number) <= 0.7);
    assert.ok(feasible.length < trials.length, 'some trials are infeasible');
    const min = (t: TrialRecord) => [(t.values as number[])[0], -(t.values as number[])[1]];
    const brute = feasible.filter((t) => !feasible.some((u) => dominates(min(u), min(t)))).map((t) => t.number);
    assert.deepEqual(
      o.front.map((i) => trials[i].number),
      brute,
    );
    assert.deepEqual(
      o.front.map((i) => trials[i].number),
      front,
    );
    assert.deepEqual(
      o.feasible,
      trials.map((t) => (t.params.x as number) <= 0.7),
    );
  });

  describe('in a real browser', { skip: browserSkip() }, () => {
    let browser: Browser;
    before(async () => (browser = await launchBrowser()));
    after(() => browser?.close());

    for (const m of [2, 3] as const) {
      it(`draws ${m} objectives: the front, the dominated and the infeasible trials apart, with no console error`, async () => {
        const { file, trials, front } = await moo(m);
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        const errors: string[] = [];
        page.on('console', (msg) => {
          if (msg.type() === 'error') errors.push(msg.text());
        });
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(pathToFileURL(file).href);
        await page.waitForFunction(() => window.parzenReady === true, null, { timeout: 30_000 });
        const series = await page.evaluate(() => {
          const c = window.parzenCharts.get('front') as unknown as { getOption(): { series: { name: string; data?: unknown[] }[] } };
          return c.getOption().series.map((s) => [s.name, (s.data ?? []).length] as const);
        });
        const infeasible = trials.filter((t) => (t.params.x as number) > 0.7).length;
        const counts = Object.fromEntries(series);
        assert.equal(counts['Pareto front'], front.length);
        assert.equal(counts.infeasible, infeasible);
        assert.equal(counts.dominated, trials.length - front.length - infeasible);
        if (m === 2) assert.equal(counts['front line'], front.length);
        assert.deepEqual(errors, []);
        await page.close();
      });
    }
  });
});
