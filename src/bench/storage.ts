import type { Command } from 'commander';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { positiveInt } from '../cli/args.js';
import { formatTable } from '../cli/table.js';
import { random } from '../samplers/random.js';
import { hp } from '../space/hp.js';
import { openStorage, redact } from '../storage/open.js';
import { createStudy } from '../study/study.js';

export interface StorageBenchRow {
  /** memory, sqlite or postgres. */
  readonly storage: string;
  readonly trials: number;
  /** Wall time of one ask + tell (sampler included: random over 4 dims), averaged over the run. */
  readonly perTrialMs: number;
}

export interface StorageBenchReport {
  readonly rows: StorageBenchRow[];
}

/** The space of the bench: a few dims of each kind, so params rows have a realistic size. */
const SPACE = {
  lr: hp.loguniform('lr', Math.log(1e-5), Math.log(1)),
  layers: hp.uniformint('layers', 1, 8),
  dropout: hp.uniform('dropout', 0, 0.5),
  opt: hp.choice('opt', ['sgd', 'adam', 'rmsprop']),
};

/**
 * Sequential ask/tell for `trials` trials on a fresh study in `url`; returns ms per trial. A first study of
 * `warmup` trials, not timed, lets the JIT and the connection settle.
 */
export async function benchStorage(url: string, trials: number, warmup = 200): Promise<number> {
  const storage = await openStorage(url);
  try {
    const once = async (n: number, tag: string) => {
      const name = `bench-${tag}-${process.pid}-${Date.now().toString(36)}`;
      const study = await createStudy({ space: SPACE, sampler: random(), storage, seed: 0, name });
      const t0 = performance.now();
      for (let i = 0; i < n; i++) {
        const [t] = await study.ask(1);
        const c = t.config as { lr: number; dropout: number };
        await study.tell(t.number, c.lr + c.dropout);
      }
      return (performance.now() - t0) / n;
    };
    if (warmup > 0) await once(warmup, 'warmup');
    return await once(trials, 'timed');
  } finally {
    await storage.close();
  }
}

/**
 * Storage cost per trial: memory, SQLite in a temp file, and PostgreSQL when a URL is given (each backend's
 * claim is one transaction and its finish another, as in a real run). Optuna's SQLite storage: about 10 ms/trial.
 */
export async function runStorageBench(o: { trials: number; pg?: string }): Promise<StorageBenchReport> {
  const dir = mkdtempSync(join(tmpdir(), 'parzen-bench-storage-'));
  try {
    const targets: [string, string][] = [
      ['memory', 'memory'],
      ['sqlite', `sqlite:${join(dir, 'bench.db')}`],
    ];
    if (o.pg) targets.push(['postgres', o.pg]);
    const rows: StorageBenchRow[] = [];
    for (const [storage, url] of targets) rows.push({ storage, trials: o.trials, perTrialMs: await benchStorage(url, o.trials) });
    return { rows };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `parzen bench storage [--trials N] [--pg URL] [--json]`. */
export function registerStorageBench(bench: Command): void {
  bench
    .command('storage')
    .description('storage cost per trial (sequential ask/tell, random sampler): memory, sqlite, and postgres with --pg or PARZEN_TEST_PG')
    .option('--trials <n>', 'trials per storage', positiveInt, 1000)
    .option('--pg <url>', 'a PostgreSQL database to include (default: $PARZEN_TEST_PG); the bench creates a study in it')
    .option('--json', 'print JSON: { rows: [{ storage, trials, perTrialMs }] }')
    .action(async (o: { trials: number; pg?: string; json?: boolean }) => {
      const pg = o.pg ?? process.env.PARZEN_TEST_PG;
      const report = await runStorageBench({ trials: o.trials, pg });
      if (o.json) return void process.stdout.write(`${JSON.stringify(report)}\n`);
      console.log(`storage cost, ${o.trials} sequential trials (ask + tell, random sampler)${pg ? `; postgres at ${redact(pg)}` : ''}`);
      console.log(formatTable([['storage', 'trials', 'ms/trial'], ...report.rows.map((r) => [r.storage, r.trials, r.perTrialMs])]));
    });
}
