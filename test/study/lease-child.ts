/**
 * A process of the lease tests: joins study NAME in URL and runs `optimize` with its own heartbeat interval on an
 * objective that sleeps SLEEP_MS, until the study holds N_TRIALS trials. Prints the numbers of the trials it ran.
 * Usage: node lease-child.js URL NAME HEARTBEAT_MS SLEEP_MS N_TRIALS CONCURRENCY
 */
import { createStudy } from '../../src/study/study.js';

const [url, name, heartbeatMs, sleepMs, nTrials, concurrency] = process.argv.slice(2);
const study = await createStudy({ storage: url, name, resume: true });
const ran: number[] = [];
await study.optimize(
  async (c, ctx) => {
    ran.push(ctx.trial);
    await new Promise((r) => setTimeout(r, Number(sleepMs)));
    return (c as { x: number }).x;
  },
  { nTrials: Number(nTrials), concurrency: Number(concurrency), heartbeatMs: Number(heartbeatMs) },
);
await study.close();
process.stdout.write(JSON.stringify(ran));
