#!/usr/bin/env node
// Makes docs/img/report.png and docs/img/dashboard.png: runs two studies with `parzen run` (SQLite, 4 workers),
// writes the report with `parzen report`, serves the dashboard, and photographs both in Debian's chromium.
// Run after `npm run build`: node scripts/screenshots.mjs
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { dashboardApp } from '../dist/src/report/dashboard.js';
import { openStorage } from '../dist/src/storage/open.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'dist/src/cli/main.js');
const demo = join(root, 'scripts/report-demo.mjs');
const out = join(root, 'docs/img');
const dir = mkdtempSync(join(tmpdir(), 'parzen-shots-'));
const db = `sqlite:${join(dir, 'demo.db')}`;
const parzen = (...args) => execFileSync(process.execPath, [cli, ...args], { cwd: dir, stdio: ['ignore', 'inherit', 'inherit'] });

try {
  parzen('run', demo, '--storage', db, '--study', 'mlp-tpe', '--algo', 'tpe', '--max-evals', '300', '--concurrency', '4', '--seed', '7');
  parzen(
    'run',
    demo,
    '--storage',
    db,
    '--study',
    'mlp-random',
    '--algo',
    'random',
    '--max-evals',
    '100',
    '--concurrency',
    '2',
    '--seed',
    '7',
  );
  parzen('report', '--study', 'mlp-tpe', '--storage', db, '--out', join(dir, 'report.html'));

  const browser = await chromium.launch({
    executablePath: process.env.PARZEN_CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  await page.goto(pathToFileURL(join(dir, 'report.html')).href);
  await page.waitForFunction(() => window.parzenReady === true);
  await page.waitForTimeout(800);
  await page.screenshot({ path: join(out, 'report.png'), fullPage: true });
  console.log(`wrote ${join(out, 'report.png')}`);

  const storage = await openStorage(db);
  const app = dashboardApp(storage);
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  await page.goto(`${address}/#mlp-tpe`);
  await page.waitForFunction(() => window.parzenReady === true && window.parzenCharts.has('history'));
  await page.waitForTimeout(800);
  await page.screenshot({ path: join(out, 'dashboard.png') });
  console.log(`wrote ${join(out, 'dashboard.png')}`);
  await app.close();
  await storage.close();
  await browser.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
