import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { writeFileSync } from 'node:fs';
import { dashboardApp } from '../../src/report/dashboard.js';
import { MAX_CURVES, reportData } from '../../src/report/data.js';
import { reportHtml } from '../../src/report/report.js';
import { syntheticStudy } from './synthetic.js';
import { openStorage } from '../../src/storage/open.js';
import type { TrialRecord } from '../../src/trial/trial.js';
import { dropSchemas, freshSchema, testPgUrl, withSchema } from '../storage/pg-env.js';
import { browserSkip, launchBrowser } from './browser.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = join(root, 'dist/src/cli/main.js');
const OBJECTIVE = join(root, 'test/fixtures/report-objective.mjs');
const exec = promisify(execFile);
const parzen = (args: string[]) => exec(process.execPath, [CLI, ...args], { cwd: dir, maxBuffer: 64 << 20, timeout: 180_000 });

const skip = browserSkip();
const dir = mkdtempSync(join(tmpdir(), 'parzen-report-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const STUDY = '<script>window.pwned=4</script> "study" </div>';
const ACT = '</div><img src=x onerror="window.pwned=2">act';
const HOSTILE_OPTION = '<script>window.pwned=1</script>';
const dbUrl = `sqlite:${join(dir, 'r.db')}`;
const N = 40;
let browser: Browser;
let trials: TrialRecord[];

/** The data embedded in a report file. */
function embedded(file: string): { trials: { number: number[] }; study: { name: string } } {
  const html = readFileSync(file, 'utf8');
  const m = /<script type="application\/json" id="parzen-data">(.*?)<\/script>/s.exec(html);
  assert.ok(m, 'the report embeds its data');
  return JSON.parse(m[1]);
}

async function readTrials(url: string, study: string): Promise<TrialRecord[]> {
  const s = await openStorage(url);
  try {
    const rec = await s.getStudy(study);
    return rec ? await s.trials(rec.id) : [];
  } finally {
    await s.close();
  }
}

/** Opens a page, recording console errors, uncaught errors and every request. */
async function open(url: string): Promise<{ page: Page; errors: string[]; requests: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(url);
  await page.waitForFunction(() => window.parzenReady === true, null, { timeout: 30_000 });
  return { page, errors, requests };
}

/** Data points per series of a chart of the page. */
function marks(page: Page, chart: string): Promise<number[]> {
  return page.evaluate((name) => {
    const c = window.parzenCharts.get(name) as unknown as { getOption(): { series: { data?: unknown[] }[] } };
    return c.getOption().series.map((s) => (s.data ?? []).length);
  }, chart);
}

describe('report and dashboard in a real browser', { skip }, () => {
  before(async () => {
    await parzen([
      'run',
      OBJECTIVE,
      '--storage',
      dbUrl,
      '--study',
      STUDY,
      '--max-evals',
      String(N),
      '--concurrency',
      '2',
      '--seed',
      '1',
      '--algo',
      'tpe',
    ]);
    await parzen(['report', '--study', STUDY, '--storage', dbUrl, '--out', join(dir, 'report.html')]);
    trials = await readTrials(dbUrl, STUDY);
    browser = await launchBrowser();
  });
  after(() => browser?.close());

  it('a report opens from file:// with no console error and no request but the file itself', async () => {
    const url = pathToFileURL(join(dir, 'report.html')).href;
    const { page, errors, requests } = await open(url);
    assert.deepEqual(errors, []);
    assert.deepEqual(requests, [url]);
    await page.close();
  });

  it('each chart has a mark per trial it shows', async () => {
    const { page } = await open(pathToFileURL(join(dir, 'report.html')).href);
    const complete = trials.filter((t) => t.state === 'complete');
    assert.equal(trials.length, N);
    assert.ok(
      trials.some((t) => t.state === 'fail'),
      'the fixture fails some trials',
    );
    const [c, pruned, fail, running] = await marks(page, 'history');
    assert.equal(c + pruned + fail + running, N, 'history: every trial');
    assert.equal(fail, trials.filter((t) => t.state === 'fail').length);
    assert.deepEqual(await marks(page, 'timeline'), [N]);
    assert.deepEqual(await marks(page, 'parallel'), [complete.length]);
    const labels = ['x', 'lr', 'opt', 'momentum', ACT];
    for (const [k, label] of labels.entries()) {
      const active = complete.filter((t) => t.params[label] !== undefined).length;
      assert.deepEqual(await marks(page, `slice:${k}`), [active], `slice of ${label}`);
    }
    await page.close();
  });

  it('hovering a point shows its trial, and hostile labels and values show as text, never as markup', async () => {
    const { page } = await open(pathToFileURL(join(dir, 'report.html')).href);
    const target = trials.find((t) => t.state === 'complete' && t.params[ACT] === HOSTILE_OPTION);
    assert.ok(target, 'some complete trial took the hostile option');
    const at = await page.evaluate(
      ([num, value]) => {
        const c = window.parzenCharts.get('history') as unknown as { convertToPixel(f: unknown, v: number[]): number[] };
        const box = (document.querySelector('[data-chart="history"]') as HTMLElement).getBoundingClientRect();
        const [x, y] = c.convertToPixel({ seriesIndex: 0 }, [num, value]);
        return { x: box.left + x, y: box.top + y };
      },
      [target.number, target.value as number],
    );
    await page.mouse.move(at.x, at.y);
    const tip = await page.waitForFunction(
      (n) => {
        const text = (document.querySelector('[data-chart="history"]') as HTMLElement).innerText;
        return text.includes(`trial ${n} `) ? text : false;
      },
      target.number,
      { timeout: 5000 },
    );
    const text = (await tip.jsonValue()) as string;
    assert.ok(text.includes(`${ACT} = ${HOSTILE_OPTION}`), `tooltip shows the hostile label and value as text: ${text}`);
    assert.equal(await page.locator('h1').first().textContent(), STUDY);
    assert.ok(
      (await page.locator('pre').allTextContents()).join('\n').includes(JSON.stringify(ACT)),
      'the settings show the space with the label as text',
    );
    assert.equal(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned), undefined, 'nothing executed');
    assert.equal(await page.locator('img').count(), 0, 'no element made from a label');
    await page.close();
  });

  it('the dashboard lists the studies, and a trial added to the storage appears within a few seconds', async () => {
    const storage = await openStorage(dbUrl);
    const writer = await openStorage(dbUrl);
    const other = await writer.createStudy({
      name: 'second & <b>other</b>',
      direction: 'maximize',
      space: { x: { uniform: [0, 1] } },
      sampler: { name: 'random', options: {} },
      seed: 0,
      rng: 'tychei',
    });
    const app = dashboardApp(storage, { pollMs: 250 });
    try {
      const address = await app.listen({ host: '127.0.0.1', port: 0 });
      const { page, errors } = await open(`${address}/#${encodeURIComponent(STUDY)}`);
      await page.waitForSelector('li[data-study]');
      const names = await page.locator('li[data-study] a').allTextContents();
      assert.deepEqual(new Set(names), new Set([STUDY, 'second & <b>other</b>']));
      const study = (await writer.getStudy(STUDY))!;
      const [t] = await writer.claimTrials(study.id, [trials[0].params], { owner: 'test:1' });
      await writer.finishTrial(t.id, { state: 'complete', value: -1 });
      const t0 = Date.now();
      await page.waitForFunction(
        (n) => {
          const c = window.parzenCharts.get('history') as unknown as { getOption(): { series: { data?: unknown[] }[] } } | undefined;
          const shown = c
            ? c
                .getOption()
                .series.slice(0, 4)
                .reduce((s, x) => s + (x.data ?? []).length, 0)
            : 0;
          return shown === n;
        },
        N + 1,
        { timeout: 5000 },
      );
      assert.ok(Date.now() - t0 < 5000);
      await writer.claimTrials(other.id, [{ x: 0.5 }], { owner: 'test:1' });
      await page.waitForSelector('li[data-study="second & <b>other</b>"][data-trials="1"]', { timeout: 5000 });
      assert.deepEqual(errors, []);
      await page.close();
    } finally {
      await app.close();
      await storage.close();
      await writer.close();
    }
  });

  it('a report of 10,000 trials with learning curves renders, samples only the parallel lines and curves, and answers a hover', async () => {
    const { study, trials: many } = syntheticStudy(10_000);
    const file = join(dir, 'big.html');
    writeFileSync(file, reportHtml(reportData(study, many)));
    const { page, errors } = await open(pathToFileURL(file).href);
    const history = await marks(page, 'history');
    assert.equal(
      history.slice(0, 4).reduce((a, b) => a + b, 0),
      10_000,
    );
    assert.deepEqual(await marks(page, 'timeline'), [10_000]);
    assert.deepEqual(await marks(page, 'parallel'), [4000]);
    const curves = await marks(page, 'curves');
    assert.equal(curves.length, MAX_CURVES);
    assert.ok(
      curves.every((k) => k === 10 || k === 3),
      'a curve per sampled trial, a point per step (10 complete, 3 pruned)',
    );
    const target = many.find((t) => t.state === 'complete' && t.number > 5000) as TrialRecord;
    const at = await page.evaluate(
      ([num, value]) => {
        const c = window.parzenCharts.get('history') as unknown as { convertToPixel(f: unknown, v: number[]): number[] };
        const box = (document.querySelector('[data-chart="history"]') as HTMLElement).getBoundingClientRect();
        const [x, y] = c.convertToPixel({ seriesIndex: 0 }, [num, value]);
        return { x: box.left + x, y: box.top + y };
      },
      [target.number, target.value as number],
    );
    await page.mouse.move(at.x, at.y);
    await page.waitForFunction(() => /trial \d+ /.test((document.querySelector('[data-chart="history"]') as HTMLElement).innerText), null, {
      timeout: 10_000,
    });
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('bench plots draw a line per algorithm, with quartile bands for the regret', async () => {
    await parzen([
      'bench',
      'quality',
      '--algo',
      'random,tpe',
      '--func',
      'sphere',
      '--dim',
      '2',
      '--trials',
      '15',
      '--seeds',
      '3',
      '--plot',
      join(dir, 'q.html'),
      '--json',
    ]);
    await parzen(['bench', 'speed', '--algo', 'random,tpe', '--dims', '2,3', '--trials', '20', '--plot', join(dir, 's.html'), '--json']);
    const q = await open(pathToFileURL(join(dir, 'q.html')).href);
    assert.deepEqual(await marks(q.page, 'bench:0'), [15, 15, 15, 15, 15, 15], 'two medians, each with its two band series');
    const s = await open(pathToFileURL(join(dir, 's.html')).href);
    assert.equal((await marks(s.page, 'bench:0')).length, 4, 'vs n: a line per algorithm and dimension');
    assert.deepEqual(await marks(s.page, 'bench:1'), [2, 2], 'vs dimension: a line per algorithm over the two dimensions');
    assert.deepEqual([...q.errors, ...s.errors], []);
  });
});

describe('parzen report on PostgreSQL', { skip: testPgUrl() ? false : 'PARZEN_TEST_PG is not set; skipping' }, () => {
  it('writes the report of a study made by parzen run, and the dashboard serves it', async () => {
    const pg = testPgUrl() as string;
    const schema = freshSchema('report');
    const url = withSchema(pg, schema);
    try {
      await parzen(['run', OBJECTIVE, '--storage', url, '--study', 'pg', '--max-evals', '15', '--seed', '2']);
      const out = join(dir, 'pg.html');
      const { stdout } = await parzen(['report', '--study', 'pg', '--storage', url, '--out', out, '--json']);
      assert.equal(JSON.parse(stdout).trials, 15);
      const data = embedded(out);
      assert.deepEqual(
        data.trials.number,
        Array.from({ length: 15 }, (_, i) => i),
      );
      assert.equal(data.study.name, 'pg');
      // the dashboard serves the same study from PostgreSQL
      const storage = await openStorage(url);
      const app = dashboardApp(storage);
      try {
        const list = (await app.inject({ method: 'GET', url: '/api/studies' })).json();
        assert.deepEqual(
          list.studies.map((s: { name: string }) => s.name),
          ['pg'],
        );
        const served = (await app.inject({ method: 'GET', url: '/api/study?name=pg' })).json();
        assert.deepEqual(served.trials.number, data.trials.number);
      } finally {
        await app.close();
        await storage.close();
      }
    } finally {
      await dropSchemas(pg, [schema]);
    }
  });
});
