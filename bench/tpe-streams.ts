// TPE's seeded suggestions on several spaces, for checking that a change to the numeric core or to the sampler keeps
// every seeded stream (not part of npm test). Run it with the builds before and after the change and compare the
// printed hashes, or the files written by --out byte for byte.
// Usage: node dist/bench/tpe-streams.js [--dist DIR] [--out FILE]
// --dist: the dist directory of another build to load (e.g. a ref built by ab-tpe-ask.js under
// <os tmpdir>/parzen-ab/<sha>/dist), so that a build without this script can be checked too.
// Runs: a conditional space with every kind of parameter under the default, univariate and hyperopt TPE and in
// batches of 4 (seeds 0 and 1, 320 trials); the sphere at d = 2 with pruned trials (seeds 0, 1); the sphere and
// Rastrigin at d = 1, 2, 3, 10, 50 (310-400 trials).

import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { dist: { type: 'string' }, out: { type: 'string' } } });
const dist = values.dist ? resolve(values.dist) : join(fileURLToPath(new URL('.', import.meta.url)), '..');

type Params = Record<string, unknown>;
interface Trial {
  number: number;
  params: Params;
  config?: Params;
}
interface Study {
  ask(n: number): Promise<Trial[]>;
  tell(number: number, outcome: unknown): Promise<unknown>;
  report(number: number, step: number, value: number): Promise<unknown>;
}
type Hp = Record<string, (...args: unknown[]) => unknown>;
interface BenchFunction {
  space(): unknown;
  evaluate(params: Params): number;
}

const load = (path: string) => import(join(dist, 'src', path)) as Promise<Record<string, unknown>>;
const { hp } = (await load('space/hp.js')) as { hp: Hp };
const { createStudy } = (await load('study/study.js')) as { createStudy: (o: object) => Promise<Study> };
const { tpe } = (await load('samplers/tpe/tpe.js')) as { tpe: (o?: object) => unknown };
const { benchFunction } = (await load('bench/functions.js')) as { benchFunction: (name: string, dim: number) => BenchFunction };

const mixed = {
  lr: hp.loguniform!('lr', Math.log(1e-5), Math.log(1)),
  batch: hp.quniform!('batch', 16, 256, 16),
  layers: hp.choice!('layers', [
    { n: 1, width: hp.uniformint!('w1', 16, 512) },
    { n: 2, widths: [hp.uniformint!('w2a', 16, 512), hp.uniformint!('w2b', 16, 512)], dropout: hp.uniform!('drop', 0, 0.5) },
  ]),
  act: hp.pchoice!('act', [
    [0.7, 'relu'],
    [0.3, 'tanh'],
  ]),
  mom: hp.normal!('mom', 0.5, 0.2),
  wd: hp.qloguniform!('wd', Math.log(1e-6), Math.log(1e-1), 1e-6),
  heads: hp.loguniformint!('heads', 1, 64),
  seedish: hp.randint!('seedish', 7),
  x: hp.uniform!('x', -5, 5),
};
/** A deterministic objective of the mixed space's config. */
function mixedObjective(c: Params): number {
  const layers = c.layers as { n: number; width: number; widths: number[]; dropout: number };
  let v = (Math.log(c.lr as number) + 7) ** 2 + Math.abs((c.batch as number) - 100) / 50 + (c.act === 'relu' ? 0 : 0.5);
  v += ((c.mom as number) - 0.9) ** 2 + Math.abs(Math.log(c.wd as number) + 9) + Math.abs(Math.log(c.heads as number) - 2);
  v += layers.n === 1 ? Math.abs(layers.width - 200) / 100 : Math.abs(layers.widths[0]! - layers.widths[1]!) / 100 + layers.dropout;
  return v + ((c.seedish as number) % 3) + ((c.x as number) - 1) ** 2;
}

const runs: { name: string; seed: number; params: Params[] }[] = [];
/** `trials` suggestions in asks of `batch`; every fourth trial pruned after one or two reports when `prune`. */
async function run(
  name: string,
  space: unknown,
  f: (c: Params) => number,
  sampler: unknown,
  seed: number,
  trials: number,
  batch = 1,
  prune = false,
) {
  const study = await createStudy({ space, sampler, seed });
  const params: Params[] = [];
  for (let t = 0; t < trials; t += batch) {
    const asked = await study.ask(batch);
    for (const trial of asked) params.push(trial.params);
    for (const trial of asked) {
      const v = f(trial.config ?? trial.params);
      if (prune && trial.number % 4 === 1) {
        await study.report(trial.number, 0, 2 * v);
        if (trial.number % 8 === 1) await study.report(trial.number, 1, 1.5 * v);
        await study.tell(trial.number, { state: 'pruned' });
      } else await study.tell(trial.number, v);
    }
  }
  runs.push({ name, seed, params });
}

for (const seed of [0, 1]) {
  await run('mixed-default', mixed, mixedObjective, tpe(), seed, 320);
  await run('mixed-univariate', mixed, mixedObjective, tpe({ multivariate: false }), seed, 320);
  await run('mixed-hyperopt', mixed, mixedObjective, tpe({ preset: 'hyperopt' }), seed, 320);
  await run('mixed-batch4', mixed, mixedObjective, tpe(), seed, 320, 4);
  const sphere = benchFunction('sphere', 2);
  await run('sphere-2-pruned', sphere.space(), (p) => sphere.evaluate(p), tpe(), seed, 321, 3, true);
}
for (const dim of [1, 2, 3, 10, 50]) {
  const sphere = benchFunction('sphere', dim);
  await run(`sphere-${dim}`, sphere.space(), (p) => sphere.evaluate(p), tpe(), 0, dim === 50 ? 310 : 400);
  const rastrigin = benchFunction('rastrigin', dim);
  await run(`rastrigin-${dim}`, rastrigin.space(), (p) => rastrigin.evaluate(p), tpe(), 3, 310);
}
const text = JSON.stringify(runs);
if (values.out) writeFileSync(values.out, text);
const suggestions = runs.reduce((s, r) => s + r.params.length, 0);
console.log(`${createHash('sha256').update(text).digest('hex')}  ${runs.length} runs, ${suggestions} suggestions (${dist})`);
