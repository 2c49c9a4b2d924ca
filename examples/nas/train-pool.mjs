// The re-evaluations and the final models in worker threads too (they are most of a run's training after the
// search): train(config, options) of objective.mjs on a piscina pool of `size` threads, the pool parzen's own
// search runs on. This file is also the worker: piscina calls its default export with each task. Results depend only
// on the config and the seed, not on the thread that trained them.
import { Piscina } from 'piscina';

/** One task in a worker thread: the network trained on `config` with `options` (objective.mjs's train, imported
 * there only: the main thread does not load TensorFlow.js). */
export default async ({ config, options }) => (await import('./objective.mjs')).train(config, options);

/**
 * A pool of `size` worker threads; `train` resolves with what objective.mjs's train returns; `close` ends the
 * threads. NAS_EPOCHS, NAS_SUBSET and NAS_OBJECTIVE are set before: the threads read the environment of their start.
 */
export function trainPool(size) {
  const pool = new Piscina({ filename: import.meta.url, minThreads: size, maxThreads: size });
  return {
    train: (config, options) => pool.run({ config, options }),
    close: () => pool.destroy(),
  };
}
