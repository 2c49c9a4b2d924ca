/**
 * A child process of the storage conformance suite: opens `url`, claims trials in study `studyId` in small
 * concurrent batches until the budget is spent, finishes each, and prints the numbers it got as JSON.
 * Usage: node claim-child.js URL STUDY_ID BUDGET OWNER
 */
import { openStorage } from '../../src/storage/open.js';

const [url, studyId, budget, owner] = process.argv.slice(2);
const storage = await openStorage(url);
const got: number[] = [];
const claimer = async (k: number) => {
  for (;;) {
    const claimed = await storage.claimTrials(Number(studyId), [{ x: k }, { x: k + 0.5 }], { owner, budget: Number(budget) });
    if (claimed.length === 0) return;
    for (const t of claimed) {
      got.push(t.number);
      await storage.finishTrial(t.id, { state: 'complete', value: t.number });
    }
  }
};
await Promise.all([0, 1, 2].map(claimer));
await storage.close();
process.stdout.write(JSON.stringify(got));
