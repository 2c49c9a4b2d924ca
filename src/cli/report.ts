import type { Command } from 'commander';
import { OptionsError } from '../errors.js';
import { dashboardApp, isLoopback } from '../report/dashboard.js';
import { loadReportData, reportHtml } from '../report/report.js';
import { DEFAULT_STORAGE_URL, redact } from '../storage/open.js';
import { examples, positiveInt } from './args.js';
import { writeFlagFile } from './files.js';
import { withStorage } from './inspect.js';

const STORAGE_HELP = 'where the studies live: sqlite:FILE, postgres://user@host:port/db or memory';

/** `parzen report` (a self-contained HTML file) and `parzen dashboard` (the same views, live, for every study). */
export function registerReport(program: Command): void {
  program
    .command('report')
    .description(
      "write a study's charts (history, importance, parallel coordinates, contour, slices, learning curves, timeline) as one HTML file",
    )
    .requiredOption('--study <name>', 'the study')
    .option('--storage <url>', STORAGE_HELP, DEFAULT_STORAGE_URL)
    .option('--out <file>', 'the HTML file to write', 'report.html')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      examples(
        'parzen report --study quad              # writes report.html',
        'parzen report --study net --storage postgres://me@db:5432/hpo --out net.html',
      ),
    )
    .action(async (o: { study: string; storage: string; out: string; json?: boolean }) => {
      await withStorage(o.storage, async (storage) => {
        const data = await loadReportData(storage, o.study);
        const html = reportHtml(data);
        writeFlagFile('--out', o.out, html);
        const bytes = Buffer.byteLength(html);
        if (o.json) {
          // the report's findings too, not only where it went: the best trial and the parameters' importances
          const { best, importance, importanceMethod } = data;
          const summary = { study: o.study, out: o.out, bytes, trials: data.trials.number.length, best, importance, importanceMethod };
          return void process.stdout.write(`${JSON.stringify(summary)}\n`);
        }
        console.log(`wrote ${o.out}: study ${o.study}, ${data.trials.number.length} trials, ${(bytes / 1024).toFixed(0)} KiB`);
      });
    });

  program
    .command('dashboard')
    .description('serve the report views of every study in a storage, updated live while runs write to it (read-only)')
    .option('--storage <url>', STORAGE_HELP, DEFAULT_STORAGE_URL)
    .option('--host <host>', 'address to listen on (loopback by default: the dashboard has no authentication)', '127.0.0.1')
    .option('--port <port>', 'port (0: any free port)', (v) => (v === '0' ? 0 : positiveInt(v)), 8471)
    .option('--poll <ms>', 'how often the page checks for new trials', positiveInt, 2000)
    .addHelpText(
      'after',
      examples(
        'parzen dashboard                           # http://127.0.0.1:8471 for ./parzen.db',
        'parzen dashboard --storage sqlite:./runs.db --port 9000 --poll 5000',
      ),
    )
    .action(async (o: { storage: string; host: string; port: number; poll: number }) => {
      if (o.port > 65535) throw new OptionsError(`--port must be in 0..65535 (got ${o.port})`);
      await withStorage(o.storage, async (storage) => {
        const app = dashboardApp(storage, { pollMs: o.poll });
        const address = await app.listen({ host: o.host, port: o.port });
        if (!isLoopback(o.host)) process.stderr.write(`parzen: warning: the dashboard has no authentication and listens on ${o.host}\n`);
        console.log(`parzen dashboard for ${redact(o.storage)} at ${address}/ (Ctrl-C to stop)`);
        await new Promise<void>((resolve) => {
          const stop = () => resolve();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        await app.close();
      });
    });
}
