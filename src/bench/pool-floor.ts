import { MessageChannel, Worker } from 'node:worker_threads';

/**
 * The worker's side of the floor loop: runs each task (a busy-wait) as soon as the previous one ends, draining
 * its inbox synchronously between tasks, and posts a result per task on its own port.
 */
const WORKER_SOURCE = `
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const { inbox, out } = workerData;
const queue = [];
let busy = false;
function run() {
  busy = true;
  for (;;) {
    let m;
    while ((m = receiveMessageOnPort(inbox))) queue.push(m.message);
    const task = queue.shift();
    if (!task) break;
    const end = performance.now() + task.ms;
    while (performance.now() < end);
    out.postMessage({ seq: task.seq, value: task.x });
  }
  busy = false;
}
inbox.on('message', (m) => { queue.push(m); if (!busy) run(); });
`;

/**
 * What the machine allows a worker pool: `workers` threads busy-wait `taskMs` per task, each with its next task
 * already queued, and the main thread does nothing but post a worker its next task when a result comes back (no
 * sampler, no storage, no bookkeeping). Returns the efficiency, tasks/s ÷ (workers × 1000 / taskMs), as
 * `parzen bench pool` defines it, so the two can be read side by side.
 */
export async function runPoolFloor(workers: number, taskMs: number, tasks: number): Promise<number> {
  const threads: Worker[] = [];
  try {
    const inboxes: MessageChannel[] = [];
    const results: MessageChannel[] = [];
    for (let i = 0; i < workers; i++) {
      inboxes.push(new MessageChannel());
      results.push(new MessageChannel());
      threads.push(new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { inbox: inboxes[i].port2, out: results[i].port2 },
        transferList: [inboxes[i].port2, results[i].port2],
      }));
    }
    await Promise.all(threads.map((t) => new Promise((resolve, reject) => t.once('online', resolve).once('error', reject))));
    let posted = 0;
    let done = 0;
    const start = performance.now();
    const end = await new Promise<number>((resolve, reject) => {
      for (let i = 0; i < workers; i++) {
        const post = () => {
          if (posted < tasks) inboxes[i].port1.postMessage({ seq: ++posted, ms: taskMs, x: posted });
        };
        threads[i].on('error', reject);
        results[i].port1.on('message', () => {
          if (++done === tasks) resolve(performance.now());
          else post();
        });
        // one task running and one queued behind it
        post();
        post();
      }
    });
    return tasks / ((end - start) / 1000) / ((workers * 1000) / taskMs);
  } finally {
    await Promise.all(threads.map((t) => t.terminate()));
  }
}
