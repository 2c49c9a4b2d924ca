import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import { rungDecisions } from '../../src/pruners/successive-halving.js';
import { PostgresStorage } from '../../src/storage/postgres.js';
import { createStudy } from '../../src/study/study.js';
import { dropSchemas, freshSchema, PG_SKIP, testPgUrl, withSchema } from '../storage/pg-env.js';
import { ASHA_SPACE, ashaPruner } from './asha-study.js';

const run = promisify(execFile);
const CHILD = fileURLToPath(new URL('./asha-child.js', import.meta.url));
const url = testPgUrl();

describe('ASHA over PostgreSQL', () => {
  const schemas: string[] = [];
  after(() => (url ? dropSchemas(url, schemas) : undefined));

  it(
    'three processes on one study prune consistently: every rung decision replays exactly from storage',
    { skip: url ? false : PG_SKIP },
    async () => {
      const schema = freshSchema('asha');
      schemas.push(schema);
      const u = withSchema(url as string, schema);
      const storage = await PostgresStorage.open(u);
      const TRIALS = 45;
      try {
        // the pruner is set once, with the study: each process resumes it and rebuilds the same one from storage
        await createStudy({ space: ASHA_SPACE, storage, name: 'asha', seed: 4, pruner: ashaPruner() });
        await Promise.all([0, 1, 2].map(() => run(process.execPath, [CHILD, u, 'asha', String(TRIALS)])));
        const study = await createStudy({ storage, name: 'asha', resume: true });
        assert.deepEqual(study.record.pruner, { name: 'asha', options: ashaPruner().options });
        const trials = await study.trials();
        assert.equal(trials.length, TRIALS);
        assert.equal(new Set(trials.map((t) => t.owner)).size, 3, 'all three processes ran trials');
        assert.ok(trials.every((t) => t.state === 'complete' || t.state === 'pruned'));
        // every report numbered once across the study; each trial's steps 0..last reported once each
        const seqs = trials.flatMap((t) => (t.intermediate ?? []).map((e) => e.seq as number)).sort((a, b) => a - b);
        assert.deepEqual(
          seqs,
          seqs.map((_, i) => i + 1),
        );
        for (const t of trials)
          assert.deepEqual(
            t.intermediate?.map((e) => e.step),
            Array.from({ length: t.intermediate?.length ?? 0 }, (_, i) => i),
          );
        const pruner = ashaPruner();
        const lastStep = (n: number) => trials[n].intermediate?.at(-1)?.step ?? -1;
        let prunedSeen = 0;
        for (const [k, step] of [
          [0, 1],
          [1, 3],
          [2, 9],
        ]) {
          const decisions = rungDecisions(pruner, k, trials, 'minimize');
          // each trial decided once at a rung (none promoted twice), in report order
          assert.equal(new Set(decisions.map((d) => d.number)).size, decisions.length);
          const promoted = decisions
            .filter((d) => d.promoted)
            .map((d) => d.number)
            .sort((a, b) => a - b);
          const stopped = decisions
            .filter((d) => !d.promoted)
            .map((d) => d.number)
            .sort((a, b) => a - b);
          // exactly the promoted trials went past the rung (or, at the last step, completed); the others were pruned there
          assert.deepEqual(
            promoted,
            trials.filter((t) => lastStep(t.number) > step || (t.state === 'complete' && lastStep(t.number) === step)).map((t) => t.number),
          );
          assert.deepEqual(
            stopped,
            trials.filter((t) => t.state === 'pruned' && lastStep(t.number) === step).map((t) => t.number),
          );
          prunedSeen += stopped.length;
          // the first trial to reach a rung always goes on
          if (decisions.length) assert.equal(decisions[0].promoted, true);
        }
        assert.equal(prunedSeen, trials.filter((t) => t.state === 'pruned').length, 'every pruned trial stopped at a rung');
        assert.ok(prunedSeen >= TRIALS / 3, `${prunedSeen} pruned`);
      } finally {
        await storage.close();
      }
    },
  );
});
