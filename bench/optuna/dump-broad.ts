/**
 * Writes the broad suite's problem data for broad_optuna.py: each problem's budget, noise, BBOB instance, and a few
 * points with their values, which the Python port checks it reproduces before running anything.
 *   npm run build && node dist/bench/optuna/dump-broad.js > bench/optuna/broad-problems.json
 */
import { BROAD_SUITE } from '../../src/bench/broad/problems.js';
import { Rng } from '../../src/rng.js';
import { space } from '../../src/space/space.js';

const problems = BROAD_SUITE.map((p) => {
  const s = space(p.space());
  const rng = new Rng(`dump/${p.name}`);
  const checks = Array.from({ length: 8 }, () => {
    const params = s.sample(rng);
    return { params, value: p.evaluate(params) };
  });
  return {
    name: p.name,
    family: p.family,
    half: p.half,
    dim: p.dim,
    budget: p.budget,
    optimum: p.optimum,
    noise: p.noise,
    instance: p.instance ?? null,
    checks,
  };
});
process.stdout.write(`${JSON.stringify({ problems }, null, 0)}\n`);
