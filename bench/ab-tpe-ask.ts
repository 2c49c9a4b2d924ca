// TPE's ask at n trials, for several commits side by side in one run: the figure that decides whether a special
// path or cache of the numeric core or of the TPE sampler earns its place (removed when removing it slows the ask by
// less than 1.5×; see docs/numeric-core.md). Not part of npm test.
// Usage: nice -n 10 node dist/bench/ab-tpe-ask.js [--rounds 7] [--trials 1005] [--dims 2,10,50] [--json] REF...
// Each ref is exported (git archive, the repository's metadata untouched) to /tmp/parzen-ab/<sha> and built there
// once. A round runs `parzen bench speed --algo tpe` (the median ask over trials n-5..n+5 of a full sequential run
// on the sphere) once per ref, in a rotated order, each in a fresh process; the figure per ref and dim is the median
// over rounds, and `ratio` is that figure over the first ref's (> 1: slower than the first ref).

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { median } from '../src/stats.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '7' },
    trials: { type: 'string', default: '1005' },
    dims: { type: 'string', default: '2,10,50' },
    json: { type: 'boolean', default: false },
  },
});
if (positionals.length === 0) throw new Error('ab-tpe-ask: name at least one git ref');
const rounds = Number(values.rounds);
const dims = values.dims!.split(',').map(Number);
const at = Number(values.trials) >= 1005 ? 'at1000' : Number(values.trials) >= 505 ? 'at500' : 'at100';
const repo = execFileSync('git', ['rev-parse', '--show-toplevel'], { encoding: 'utf8' }).trim();

/** The ref exported and built under /tmp/parzen-ab; returns the directory. */
function built(ref: string): string {
  const sha = execFileSync('git', ['rev-parse', '--verify', `${ref}^{commit}`], { cwd: repo, encoding: 'utf8' }).trim();
  const dir = join('/tmp/parzen-ab', sha.slice(0, 12));
  if (existsSync(join(dir, 'dist/src/cli/main.js'))) return dir;
  mkdirSync(dir, { recursive: true });
  execFileSync('sh', ['-c', `git -C '${repo}' archive ${sha} | tar -x -C '${dir}'`]);
  if (!existsSync(join(dir, 'node_modules'))) symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'));
  execFileSync('npm', ['run', 'build'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  return dir;
}

const variants = positionals.map((ref) => ({ ref, dir: built(ref), ms: dims.map((): number[] => []) }));
for (let r = 0; r < rounds; r++) {
  for (let i = 0; i < variants.length; i++) {
    const v = variants[(i + r) % variants.length]!;
    const cli = join(v.dir, 'dist/src/cli/main.js');
    const args = [cli, 'bench', 'speed', '--algo', 'tpe', '--trials', values.trials!, '--dims', dims.join(','), '--json'];
    const report = JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8' })) as {
      rows: { askMs: Record<string, number | null> }[];
    };
    report.rows.forEach((row, j) => v.ms[j]!.push(row.askMs[at] ?? NaN));
  }
}
const rows = variants.map((v) => ({
  ref: v.ref,
  ms: v.ms.map((xs) => median(xs)),
  ratio: v.ms.map((xs, j) => median(xs) / median(variants[0]!.ms[j]!)),
}));
if (values.json) console.log(JSON.stringify({ trials: Number(values.trials), dims, rounds, rows }));
else {
  console.log(`TPE ask (ms, median of ${rounds} rounds, ${at}) at d = ${dims.join(', ')}; ratio to ${variants[0]!.ref}`);
  for (const row of rows)
    console.log(`${row.ref}\t${row.ms.map((x) => x.toFixed(3)).join('\t')}\tratio ${row.ratio.map((x) => x.toFixed(2)).join(' ')}`);
}
