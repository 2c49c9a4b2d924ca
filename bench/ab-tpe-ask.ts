// TPE's ask at n trials, for several commits side by side in one run: the figure that decides whether a special
// path or cache of the numeric core or of the TPE sampler earns its place (removed when removing it slows the ask by
// less than 1.5×; see docs/numeric-core.md). Not part of npm test.
// Usage: nice -n 10 node dist/bench/ab-tpe-ask.js [--rounds 7] [--trials 1005] [--dims 2,10,50] [--json]
//          [--history FILE] REF...
//        node dist/bench/ab-tpe-ask.js --child DIR --record FILE [--trials 1005] [--dims 2,10,50]
//        nice -n 10 node dist/bench/ab-tpe-ask.js --paired [--rounds 200] [--per 10] [--trials 1005] [--dims 2,10,50] REF REF
// Each ref is exported (git archive, the repository's metadata untouched) to <os tmpdir>/parzen-ab/<sha> and built there
// once. A round runs, once per ref in a rotated order and each in a fresh process, what `parzen bench speed --algo
// tpe` runs (a full sequential run on the sphere with the default TPE, seed 0, in-memory storage) with that ref's
// build, timing each ask in wall and in CPU time (the machine is shared: CPU time is the steadier figure); a round's
// figure is the median over asks n-5..n+5, the figure per ref and dim the median over rounds, and `ratio` that figure
// over the first ref's (> 1: slower than the first ref).
// With --history (written by --record: the params of a full run with the build in DIR), every ref replays the same
// n - 5 trials and then asks 10 times with its TPE: the refs then time their asks on one history, where full runs
// drift apart with the rounding of each ref's scores.
// With --paired (two refs), both builds run in this process: each runs its own study to n trials (the same history
// when their seeded streams agree, which is checked), then the two TPE sessions ask on that history in turn, --per
// asks a turn, timed in CPU time, the first in a round alternating; `ratio` is the median over --rounds rounds of the
// second's turn over the first's, with its quartiles. Turns a few milliseconds apart share the machine's load, where
// processes minutes apart did not (on a loaded machine the figures of whole runs moved by 1.5x from round to round).

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { median, quantile } from '../src/stats.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '7' },
    child: { type: 'string' },
    history: { type: 'string' },
    record: { type: 'string' },
    trials: { type: 'string', default: '1005' },
    paired: { type: 'boolean', default: false },
    per: { type: 'string', default: '10' },
    dims: { type: 'string', default: '2,10,50' },
    json: { type: 'boolean', default: false },
  },
});
const rounds = Number(values.rounds);
const dims = values.dims!.split(',').map(Number);
if (values.child) {
  await child(values.child);
  process.exit(0);
}
if (positionals.length === 0) throw new Error('ab-tpe-ask: name at least one git ref');
const repo = execFileSync('git', ['rev-parse', '--show-toplevel'], { encoding: 'utf8' }).trim();

/** The ref exported and built under the OS temporary directory (parzen-ab/<sha>); returns the directory. */
function built(ref: string): string {
  const sha = execFileSync('git', ['rev-parse', '--verify', `${ref}^{commit}`], { cwd: repo, encoding: 'utf8' }).trim();
  const dir = join(tmpdir(), 'parzen-ab', sha.slice(0, 12));
  if (existsSync(join(dir, 'dist/src/cli/main.js'))) return dir;
  mkdirSync(dir, { recursive: true });
  execFileSync('sh', ['-c', `git -C '${repo}' archive ${sha} | tar -x -C '${dir}'`]);
  if (!existsSync(join(dir, 'node_modules'))) symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'));
  execFileSync('npm', ['run', 'build'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  return dir;
}

/** One run in this process with the build in `dir`: per dim, the median wall and CPU ms of asks n-5..n+5. */
async function child(dir: string): Promise<void> {
  const load = (path: string) => import(join(dir, 'dist/src', path)) as Promise<Record<string, unknown>>;
  const { createStudy } = (await load('study/study.js')) as { createStudy: (o: object) => Promise<AbStudy> };
  const { createSampler } = (await load('samplers/registry.js')) as { createSampler: (name: string) => unknown };
  const { benchFunction } = (await load('bench/functions.js')) as { benchFunction: (name: string, dim: number) => AbFunction };
  const n = Number(values.trials) - 5;
  const rows: { wall: number; cpu: number }[] = [];
  const recorded: Record<string, unknown[]> = {};
  const replay = values.history ? (JSON.parse(readFileSync(values.history, 'utf8')) as Record<string, unknown[]>) : null;
  for (const dim of dims) {
    const f = benchFunction('sphere', dim);
    const tpe = createSampler('tpe') as AbSampler;
    const history = replay?.[dim];
    // replaying: the TPE is asked at every trial (one session throughout, as a study keeps it, and warmed up as in a
    // full run), but its points are replaced by the recorded ones until the timed asks
    const session = tpe.session ? tpe.session() : tpe;
    const replayed = (h: { trials: unknown[] }, k: number, rng: unknown) => {
      const points = session.suggest(h, k, rng);
      return h.trials.length < n - 5 ? [history![h.trials.length]] : points;
    };
    const sampler = history ? { name: 'replay', suggest: replayed } : tpe;
    const study = await createStudy({ space: f.space(), sampler, seed: 0 });
    const wall: number[] = [];
    const cpu: number[] = [];
    const params: unknown[] = [];
    for (let t = 0; t < n + 5; t++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const [trial] = await study.ask(1);
      const ms = performance.now() - t0;
      const c = process.cpuUsage(c0);
      if (t >= n - 5) {
        wall.push(ms);
        cpu.push((c.user + c.system) / 1000);
      }
      params.push(trial!.params);
      await study.tell(trial!.number, f.evaluate(trial!.params));
    }
    rows.push({ wall: median(wall), cpu: median(cpu) });
    recorded[dim] = params;
  }
  if (values.record) writeFileSync(values.record, JSON.stringify(recorded));
  console.log(JSON.stringify(rows));
}

interface AbSession {
  suggest(h: unknown, n: number, rng: unknown): unknown;
}
interface AbSampler extends AbSession {
  session?(): AbSession;
}

interface AbStudy {
  history(): unknown;
  ask(n: number): Promise<{ number: number; params: unknown }[]>;
  tell(number: number, value: number): Promise<unknown>;
}
interface AbFunction {
  space(): unknown;
  evaluate(params: unknown): number;
}

/** --paired: the two builds' TPE asks in turn in this process (see the header). */
async function paired(dirs: string[]): Promise<void> {
  const n = Number(values.trials) - 5;
  const per = Number(values.per);
  const builds = await Promise.all(
    dirs.map(async (dir) => {
      const load = (path: string) => import(join(dir, 'dist/src', path)) as Promise<Record<string, unknown>>;
      return {
        createStudy: ((await load('study/study.js')) as { createStudy: (o: object) => Promise<AbStudy> }).createStudy,
        createSampler: ((await load('samplers/registry.js')) as { createSampler: (name: string) => AbSampler }).createSampler,
        benchFunction: ((await load('bench/functions.js')) as { benchFunction: (name: string, dim: number) => AbFunction }).benchFunction,
        derive: ((await load('rng.js')) as { Rng: { derive: (...parts: unknown[]) => unknown } }).Rng.derive,
      };
    }),
  );
  const rows = [];
  for (const dim of dims) {
    const runs: { session: AbSession; history: unknown; derive: (...parts: unknown[]) => unknown; params: string }[] = [];
    for (const b of builds) {
      const f = b.benchFunction('sphere', dim);
      const tpe = b.createSampler('tpe');
      const session = tpe.session ? tpe.session() : tpe;
      const sampler = { name: 'tpe', suggest: (h: unknown, k: number, rng: unknown) => session.suggest(h, k, rng) };
      const study = await b.createStudy({ space: f.space(), sampler, seed: 0 });
      const params: unknown[] = [];
      for (let t = 0; t < n; t++) {
        const [trial] = await study.ask(1);
        params.push(trial!.params);
        await study.tell(trial!.number, f.evaluate(trial!.params));
      }
      runs.push({ session, history: study.history(), derive: b.derive, params: JSON.stringify(params) });
    }
    if (runs[0]!.params !== runs[1]!.params) throw new Error(`ab-tpe-ask --paired: the two refs' runs differ at d = ${dim}`);
    const turn = (run: (typeof runs)[number], r: number): number => {
      const c0 = process.cpuUsage();
      for (let i = 0; i < per; i++) run.session.suggest(run.history, 1, run.derive(0, 'paired', r, i));
      const c = process.cpuUsage(c0);
      return (c.user + c.system) / 1000 / per;
    };
    const ms: number[][] = [[], []];
    const ratios: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? [0, 1] : [1, 0];
      for (const i of order) ms[i]!.push(turn(runs[i]!, r));
      ratios.push(ms[1]![r]! / ms[0]![r]!);
    }
    rows.push({
      dim,
      cpuMs: ms.map((xs) => median(xs)),
      ratio: median(ratios),
      quartiles: [quantile(ratios, 0.25), quantile(ratios, 0.75)],
    });
  }
  if (values.json) console.log(JSON.stringify({ trials: n, rounds, per, refs: positionals, rows }));
  else {
    console.log(
      `TPE ask at n = ${n}, in turns of ${per} asks, ${rounds} rounds: median CPU ms; ratio ${positionals[1]} / ${positionals[0]}`,
    );
    for (const r of rows)
      console.log(
        `d=${r.dim}\t${r.cpuMs.map((x) => x.toFixed(3)).join('\t')}\tratio ${r.ratio.toFixed(2)} (quartiles ${r.quartiles.map((x) => x.toFixed(2)).join('-')})`,
      );
  }
}

const self = fileURLToPath(import.meta.url);
if (values.paired) {
  if (positionals.length !== 2) throw new Error('ab-tpe-ask --paired: name two git refs');
  await paired(positionals.map(built));
  process.exit(0);
}
const variants = positionals.map((ref) => ({
  ref,
  dir: built(ref),
  wall: dims.map((): number[] => []),
  cpu: dims.map((): number[] => []),
}));
for (let r = 0; r < rounds; r++) {
  for (let i = 0; i < variants.length; i++) {
    const v = variants[(i + r) % variants.length]!;
    const args = [self, '--child', v.dir, '--trials', values.trials!, '--dims', dims.join(',')];
    if (values.history) args.push('--history', values.history);
    const res = JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8' })) as { wall: number; cpu: number }[];
    res.forEach((row, j) => {
      v.wall[j]!.push(row.wall);
      v.cpu[j]!.push(row.cpu);
    });
  }
}
const rows = variants.map((v) => ({
  ref: v.ref,
  wallMs: v.wall.map((xs) => median(xs)),
  cpuMs: v.cpu.map((xs) => median(xs)),
  wallRatio: v.wall.map((xs, j) => median(xs) / median(variants[0]!.wall[j]!)),
  cpuRatio: v.cpu.map((xs, j) => median(xs) / median(variants[0]!.cpu[j]!)),
}));
if (values.json) console.log(JSON.stringify({ trials: Number(values.trials), dims, rounds, rows }));
else {
  const f = (xs: number[], digits: number) => xs.map((x) => x.toFixed(digits)).join(' ');
  console.log(
    `TPE ask at n = ${Number(values.trials) - 5}, d = ${dims.join(', ')}: median of ${rounds} rounds, ms; ratio to ${variants[0]!.ref}`,
  );
  for (const row of rows)
    console.log(`${row.ref}\twall ${f(row.wallMs, 3)} (x ${f(row.wallRatio, 2)})\tcpu ${f(row.cpuMs, 3)} (x ${f(row.cpuRatio, 2)})`);
}
