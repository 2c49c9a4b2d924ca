import type autocannon from 'autocannon';
import type { Command } from 'commander';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { positiveInt } from '../cli/args.js';
import { formatTable } from '../cli/table.js';
import { openStorage, redact } from '../storage/open.js';

export interface ServeBenchRow {
  readonly storage: string;
  readonly sampler: string;
  readonly clients: number;
  /** ask + tell pairs completed (a tell acknowledged with 200). */
  readonly pairs: number;
  /** ask + tell pairs completed per second. */
  readonly pairsPerSec: number;
  /** Latency of one request (ask or tell), ms. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Acknowledged tells whose trial is not stored complete with the told value. */
  readonly lost: number;
  /** Trial numbers handed out by more than one ask, plus gaps in the numbering. */
  readonly duplicated: number;
  /** Requests answered with an error status, or not at all (timeouts, socket errors). */
  readonly failedRequests: number;
  /**
   * CPU time of the server process per pair during the load, ms (null where /proc is not there): with the generator's,
   * it bounds the pairs per second the machine's cores allow.
   */
  readonly serverCpuMsPerPair: number | null;
  /** CPU time of the load generator (autocannon, in this process) per pair, ms. */
  readonly generatorCpuMsPerPair: number;
}

export interface ServeBenchOptions {
  /** ask + tell pairs per run (rounded up to a multiple of `clients`). */
  readonly pairs: number;
  readonly clients: number;
  readonly samplers: readonly string[];
  /** Storage URLs to measure; a SQLite file in a temp dir when 'sqlite'. */
  readonly storages: readonly string[];
  readonly onRow?: (row: ServeBenchRow) => void;
}

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const SPACE = {
  lr: { loguniform: [-11.5, 0] },
  layers: { uniformint: [1, 8] },
  dropout: { uniform: [0, 0.5] },
  opt: { choice: ['sgd', 'adam', 'rmsprop'] },
};

/** Starts `parzen serve` in a process of its own (the load generator must not share its event loop) and waits for its address. */
async function startServer(url: string, tokenFile: string): Promise<{ child: ChildProcess; address: string }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--storage', url, '--port', '0', '--token-file', tokenFile], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const address = await new Promise<string>((resolve, reject) => {
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /at (http:\/\/\S+)/.exec(err);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`parzen serve exited (${code}): ${err}`)));
  });
  return { child, address };
}

/** CPU time (user + system) a process has used, ms, from /proc (Linux); null elsewhere. */
function cpuMsOf(pid: number | undefined): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the command name (which may hold spaces): state is 3rd, utime 14th, stime 15th
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return null;
  }
}
/** USER_HZ: 100 on every Linux architecture Node runs on. */
const CLOCK_TICKS = 100;

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** One storage × sampler: `pairs` ask+tell pairs from `clients` connections, then an exact check of what was stored. */
async function runOne(url: string, sampler: string, o: ServeBenchOptions, dir: string): Promise<ServeBenchRow> {
  const token = randomBytes(24).toString('hex');
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, token);
  const { child, address } = await startServer(url, tokenFile);
  const study = `bench-serve-${sampler}-${Date.now().toString(36)}`;
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const asked: number[] = [];
  const told = new Map<number, number>();
  let result: autocannon.Result;
  let serverCpuMs: number | null = null;
  let generatorCpuMs = 0;
  // autocannon notices that its amount is done only at its next one-second tick, and its duration counts to there:
  // the run's time is taken from the start to the last tell's answer instead
  let started = 0;
  let lastTold = 0;
  try {
    const created = await fetch(`${address}/studies`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: study, space: SPACE, algo: sampler, seed: 1 }),
    });
    if (created.status !== 201) throw new Error(`creating the study: ${created.status} ${await created.text()}`);
    const path = `/studies/${encodeURIComponent(study)}`;
    const cannon = await loadAutocannon();
    const serverBefore = cpuMsOf(child.pid);
    const generatorBefore = process.cpuUsage();
    started = performance.now();
    result = await cannon({
      url: address,
      connections: o.clients,
      // as many pairs on every connection, so that none stops between an ask and its tell (autocannon spreads
      // `amount` over the connections: an odd share would end on an ask, a trial left running and not counted)
      amount: 2 * o.clients * Math.ceil(o.pairs / o.clients),
      timeout: 30,
      headers,
      requests: [
        {
          method: 'POST',
          path: `${path}/ask`,
          body: '{"n":1}',
          onResponse: (status: number, body: string, context: Record<string, unknown>) => {
            if (status !== 200) return;
            const n = (JSON.parse(body) as { trials: { number: number; config: { lr: number; dropout: number } }[] }).trials[0];
            asked.push(n.number);
            context.number = n.number;
            context.value = n.config.lr + n.config.dropout;
          },
        },
        {
          method: 'POST',
          path: `${path}/tell`,
          setupRequest: (req: Record<string, unknown>, context: Record<string, unknown>) => ({
            ...req,
            body: JSON.stringify({ number: context.number, value: context.value }),
          }),
          onResponse: (status: number, body: string) => {
            if (status !== 200) return;
            const t = (JSON.parse(body) as { trial: { number: number; value: number } }).trial;
            told.set(t.number, t.value);
            lastTold = performance.now();
          },
        },
      ],
    } as autocannon.Options);
    const generator = process.cpuUsage(generatorBefore);
    generatorCpuMs = (generator.user + generator.system) / 1000;
    const serverAfter = cpuMsOf(child.pid);
    serverCpuMs = serverBefore === null || serverAfter === null ? null : serverAfter - serverBefore;
  } finally {
    await stop(child);
  }
  const storage = await openStorage(url);
  try {
    const rec = await storage.getStudy(study);
    const trials = rec ? await storage.trials(rec.id) : [];
    let lost = 0;
    for (const [number, value] of told) if (trials[number]?.state !== 'complete' || trials[number].value !== value) lost++;
    const distinct = new Set(asked).size;
    const gaps = trials.filter((t, i) => t.number !== i).length;
    return {
      storage: url.startsWith('sqlite:') ? 'sqlite' : url.startsWith('postgres') ? 'postgres' : url,
      sampler,
      clients: o.clients,
      pairs: told.size,
      pairsPerSec: Math.round(told.size / ((lastTold - started) / 1000 || result.duration || 1)),
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      lost,
      duplicated: asked.length - distinct + gaps,
      failedRequests: result.non2xx + result.errors + result.timeouts,
      serverCpuMsPerPair: serverCpuMs === null ? null : round2(serverCpuMs / Math.max(1, told.size)),
      generatorCpuMsPerPair: round2(generatorCpuMs / Math.max(1, told.size)),
    };
  } finally {
    await storage.close();
  }
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** autocannon is a development dependency: loaded only by this bench, with a plain message when it is absent. */
async function loadAutocannon(): Promise<typeof autocannon> {
  try {
    return (await import('autocannon')).default;
  } catch {
    throw new Error('parzen bench serve needs the autocannon package: npm install --save-dev autocannon');
  }
}

export async function runServeBench(o: ServeBenchOptions): Promise<ServeBenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'parzen-bench-serve-'));
  const rows: ServeBenchRow[] = [];
  try {
    for (const s of o.storages) {
      for (const sampler of o.samplers) {
        const url = s === 'sqlite' ? `sqlite:${join(dir, `${sampler}.db`)}` : s;
        const row = await runOne(url, sampler, o, dir);
        rows.push(row);
        o.onRow?.(row);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

export function registerServeBench(bench: Command): void {
  bench
    .command('serve')
    .description(
      'load-test parzen serve: ask+tell pairs per second and latency with concurrent clients, then an exact check of the stored trials',
    )
    .option('--pairs <n>', 'ask+tell pairs per run (rounded up to a multiple of --clients)', positiveInt, 3000)
    .option('--clients <n>', 'concurrent connections', positiveInt, 64)
    .option('--algo <names>', 'samplers, comma-separated', 'random,tpe')
    .option('--pg <url>', 'also measure on this PostgreSQL database (default: $PARZEN_TEST_PG when set)')
    .option('--json', 'print JSON rows only')
    .action(async (f: { pairs: number; clients: number; algo: string; pg?: string; json?: boolean }) => {
      const pg = f.pg ?? process.env.PARZEN_TEST_PG;
      const storages = ['sqlite', ...(pg ? [pg] : [])];
      const rows = await runServeBench({
        pairs: f.pairs,
        clients: f.clients,
        samplers: f.algo.split(','),
        storages,
        onRow: f.json ? undefined : (r) => process.stderr.write(`${r.storage} ${r.sampler}: ${r.pairsPerSec} pairs/s\n`),
      });
      if (f.json) {
        console.log(JSON.stringify(rows, null, 2));
        return;
      }
      console.log(`parzen serve, ${f.clients} clients, ${f.pairs} ask+tell pairs per run${pg ? ` (postgres: ${redact(pg)})` : ''}`);
      console.log(
        formatTable([
          [
            'storage',
            'sampler',
            'pairs/s',
            'p50 ms',
            'p99 ms',
            'lost',
            'duplicated',
            'failed req',
            'server cpu ms/pair',
            'generator cpu ms/pair',
          ],
          ...rows.map((r) => [
            r.storage,
            r.sampler,
            r.pairsPerSec,
            r.p50Ms,
            r.p99Ms,
            r.lost,
            r.duplicated,
            r.failedRequests,
            r.serverCpuMsPerPair ?? '-',
            r.generatorCpuMsPerPair,
          ]),
        ]),
      );
    });
}
