// The re-evaluations and the final models in worker threads too (they are most of a run's training after the
// search): train(config, options) of objective.mjs, queued on `size` workers. Results depend only on the config and
// the seed, not on the worker that trained them.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

if (!isMainThread && workerData?.nasTrainPool) {
  const { train } = await import('./objective.mjs');
  parentPort.on('message', async ({ config, options }) => {
    try {
      parentPort.postMessage({ result: await train(config, options) });
    } catch (e) {
      parentPort.postMessage({ error: String(e?.stack ?? e) });
    }
  });
}

/** A pool of `size` workers; `train` resolves with what objective.mjs's train returns; `close` ends the workers. */
export function trainPool(size) {
  const queue = [];
  const idle = [];
  const dispatch = (worker) => {
    const job = queue.shift();
    if (!job) return void idle.push(worker);
    worker.job = job;
    worker.postMessage({ config: job.config, options: job.options });
  };
  const workers = Array.from({ length: size }, () => {
    // workers copy process.env when made: NAS_EPOCHS, NAS_SUBSET and NAS_OBJECTIVE are set before
    const w = new Worker(new URL(import.meta.url), { workerData: { nasTrainPool: true } });
    w.on('message', ({ result, error }) => {
      const { resolve, reject } = w.job;
      w.job = null;
      if (error) reject(new Error(error));
      else resolve(result);
      dispatch(w);
    });
    w.on('error', (e) => w.job?.reject(e));
    idle.push(w);
    return w;
  });
  return {
    train: (config, options) =>
      new Promise((resolve, reject) => {
        queue.push({ config, options, resolve, reject });
        if (idle.length) dispatch(idle.pop());
      }),
    close: () => Promise.all(workers.map((w) => w.terminate())),
  };
}
