/**
 * Chooses defaults on the broad suite's tuning half: runs each candidate configuration over all its problems
 * (10 seeds) and prints the aggregate (mean normalised rank, mean log10 regret) — never problem by problem.
 *   node dist/bench/broad-tune.js --algo tpe --candidates '{"parzen":{},"bw0.1":{"bandwidthFactor":0.1}}' --cache .runs/cache
 */
import { parseArgs } from 'node:util';
import { aggregate } from '../src/bench/broad/aggregate.js';
import { BROAD_SUITE } from '../src/bench/broad/problems.js';
import { runBroadSuite } from '../src/bench/broad/suite.js';

const { values } = parseArgs({
  options: {
    algo: { type: 'string', default: 'tpe' },
    candidates: { type: 'string' },
    cache: { type: 'string' },
    seeds: { type: 'string', default: '10' },
    half: { type: 'string', default: 'tuning' },
  },
});
const candidates = JSON.parse(values.candidates ?? '{"default":{}}') as Record<string, Record<string, unknown>>;
const results: Record<string, Record<string, number[]>> = {};
for (const [name, options] of Object.entries(candidates)) {
  const report = await runBroadSuite({
    algos: [{ algo: values.algo as string, options }],
    half: values.half as 'tuning',
    seeds: Number(values.seeds),
    cache: values.cache,
    // the noiseless problems' results are their best observations (no GP fitted at every recommendation)
    noiselessAs: false,
    onRun: (done, total, r) => process.stderr.write(`${name} [${done}/${total}] ${r.problem} ${r.seconds.toFixed(1)} s\n`),
  });
  results[name] = Object.fromEntries(report.rows.map((r) => [r.problem, []]));
  // per-seed regrets are in the cache; the report keeps summaries, so rerun the summary from the runs
  for (const row of report.rows) results[name][row.problem] = row.seedRegrets[report.algos[0]];
}
const agg = aggregate(results);
const rows = Object.entries(agg).sort((a, b) => a[1].meanNormalisedRank - b[1].meanNormalisedRank);
console.log(
  `candidates on the ${values.half} half (${BROAD_SUITE.filter((p) => p.half === values.half).length} problems, ${values.seeds} seeds)`,
);
for (const [name, a] of rows)
  console.log(
    `${name.padEnd(24)} rank ${a.meanNormalisedRank.toFixed(3)}  log10 regret ${a.meanLog10Regret.toFixed(3)}  ${JSON.stringify(candidates[name])}`,
  );
console.log(
  JSON.stringify({
    candidates,
    aggregate: agg,
    perProblemMedian: Object.fromEntries(
      Object.entries(results).map(([k, v]) => [
        k,
        Object.fromEntries(Object.entries(v).map(([p, r]) => [p, [...r].sort((a, b) => a - b)[Math.floor(r.length / 2)]])),
      ]),
    ),
  }),
);
