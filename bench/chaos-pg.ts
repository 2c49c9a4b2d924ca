// Chaos check of a distributed PostgreSQL study (not part of npm test: it starts its own PostgreSQL server and takes
// minutes). Three `parzen run` processes × two workers share one study on a throwaway server while client backends
// are terminated at random and the server is restarted twice; at the end the study must hold exactly the budget of
// complete trials, numbered without gaps, without duplicate params, none left running.
//
// Usage (as root, which runs the server as the `postgres` user, or as `postgres` itself):
//   node dist/bench/chaos-pg.js [--trials 600] [--port 55499] [--sleep-ms 20] [--json]
// Exit code 0 when every check holds, 1 otherwise.

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';

const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: '600' },
    port: { type: 'string', default: '55499' },
    'sleep-ms': { type: 'string', default: '20' },
    json: { type: 'boolean', default: false },
  },
});
const TRIALS = Number(values.trials);
const PORT = Number(values.port);
const BIN = '/usr/lib/postgresql/15/bin';
const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (s: string) => values.json || process.stderr.write(`chaos: ${s}\n`);

const dir = mkdtempSync(join(tmpdir(), 'parzen-chaos-'));
chmodSync(dir, 0o777);
const data = join(dir, 'data');
const asPostgres = (cmd: string, args: string[]) =>
  userInfo().username === 'postgres'
    ? execFileSync(cmd, args, { stdio: 'pipe' })
    : execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'pipe' });
const pgCtl = (...args: string[]) => asPostgres(`${BIN}/pg_ctl`, ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60', ...args]);

const url = `postgres://postgres@127.0.0.1:${PORT}/postgres`;
const objective = join(dir, 'objective.mjs');
writeFileSync(
  objective,
  `export const space = { x: { uniform: [-5, 5] }, y: { uniform: [-5, 5] }, k: { choice: ['a', 'b', 'c'] } };
const ms = Number(process.env.SLEEP_MS ?? 20);
export default async function (c) { await new Promise((r) => setTimeout(r, ms)); return (c.x - 1) ** 2 + (c.y + 2) ** 2 + (c.k === 'b' ? 0 : 1); }
`,
);

const procs: ChildProcess[] = [];

async function main(): Promise<number> {
  asPostgres(`${BIN}/initdb`, ['-D', data, '-A', 'trust', '-U', 'postgres']);
  pgCtl('-o', `-p ${PORT} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=60`, 'start');
  log(`server on port ${PORT} in ${dir}`);
  const exits: Promise<number | null>[] = [];
  const stderrs: string[] = ['', '', ''];
  for (let i = 0; i < 3; i++) {
    const p = spawn(
      process.execPath,
      [
        CLI,
        'run',
        objective,
        '--storage',
        url,
        '--study',
        'chaos',
        '--max-evals',
        String(TRIALS),
        '--concurrency',
        '2',
        '--heartbeat',
        '1000',
        '--algo',
        'random',
        '--seed',
        '7',
      ],
      { env: { ...process.env, SLEEP_MS: values['sleep-ms'] }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    p.stderr?.on('data', (b) => (stderrs[i] += b));
    procs.push(p);
    exits.push(new Promise((r) => p.once('exit', (code) => r(code))));
  }
  let done = false;
  void Promise.all(exits).then(() => (done = true));

  // the chaos: a random client backend terminated every 100-500 ms; two restarts at a third and two thirds of the budget
  let terminated = 0;
  let restarts = 0;
  const started = Date.now();
  while (!done) {
    await sleep(100 + Math.random() * 400);
    const c = new pg.Client({ connectionString: url, application_name: 'chaos-killer' });
    c.on('error', () => {});
    try {
      await c.connect();
      const r = await c.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND application_name <> 'chaos-killer' ORDER BY random() LIMIT 1`,
      );
      terminated += r.rowCount ?? 0;
      const n = await c
        .query<{ n: string }>("SELECT count(*) AS n FROM trials WHERE state = 'complete'")
        .catch(() => ({ rows: [{ n: '0' }] }));
      await c.end();
      const complete = Number(n.rows[0].n);
      if (restarts < 2 && complete >= ((restarts + 1) * TRIALS) / 3) {
        restarts++;
        log(`restart ${restarts} at ${complete} complete trials`);
        pgCtl(
          '-m',
          restarts === 1 ? 'fast' : 'immediate',
          'restart',
          '-o',
          `-p ${PORT} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=60`,
        );
      }
    } catch {
      await c.end().catch(() => {});
    }
  }
  const codes = await Promise.all(exits);
  const seconds = (Date.now() - started) / 1000;

  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const { rows } = await c.query<{ number: number; state: string; params: unknown; fail_reason: string | null }>(
    "SELECT t.number, t.state, t.params::text AS params, t.fail_reason FROM trials t JOIN studies s ON s.id = t.study_id WHERE s.name = 'chaos' ORDER BY t.number",
  );
  await c.end();
  const complete = rows.filter((r) => r.state === 'complete').length;
  const running = rows.filter((r) => r.state === 'running').length;
  const lost = rows.filter((r) => r.state === 'fail' && (r.fail_reason === 'stale' || r.fail_reason === 'interrupted')).length;
  const otherFails = rows.filter((r) => r.state === 'fail').length - lost;
  const gapless = rows.every((r, i) => r.number === i);
  const distinct = new Set(rows.map((r) => String(r.params))).size;
  const result = {
    trials: TRIALS,
    processes: 3,
    workersEach: 2,
    seconds: Math.round(seconds),
    backendsTerminated: terminated,
    restarts,
    exitCodes: codes,
    rows: rows.length,
    complete,
    running,
    staleOrInterrupted: lost,
    otherFails,
    gapless,
    duplicateParams: rows.length - distinct,
  };
  const ok =
    complete === TRIALS &&
    running === 0 &&
    otherFails === 0 &&
    gapless &&
    distinct === rows.length &&
    restarts === 2 &&
    codes.every((x) => x === 0);
  if (values.json) process.stdout.write(`${JSON.stringify({ ...result, ok })}\n`);
  else {
    console.log(JSON.stringify(result, null, 1));
    console.log(ok ? 'chaos: OK' : 'chaos: FAILED');
  }
  if (!ok) stderrs.forEach((s, i) => s && process.stderr.write(`process ${i} stderr:\n${s.slice(-2000)}\n`));
  return ok ? 0 : 1;
}

let code = 1;
try {
  code = await main();
} finally {
  for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
  try {
    pgCtl('-m', 'immediate', 'stop');
  } catch {
    // not running
  }
  rmSync(dir, { recursive: true, force: true });
}
process.exitCode = code;
