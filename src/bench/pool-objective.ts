/**
 * The `bench pool` objectives, used both as parzen objectives (config, ctx) and as raw piscina handlers (task).
 * Each returns x with the interval it ran (epoch ms, sub-ms precision) and its thread, from which the bench
 * computes how busy the workers were.
 */
import { threadId } from 'node:worker_threads';

export interface BenchTask {
  readonly x: number;
  readonly ms: number;
}

export interface BenchAnswer {
  readonly value: number;
  readonly t0: number;
  readonly t1: number;
  readonly thread: number;
}

const now = () => performance.timeOrigin + performance.now();

/** Busy-waits `ms` of CPU (a CPU-bound objective). */
export function busy(config: BenchTask): BenchAnswer {
  const x = config.x;
  const t0 = now();
  const end = performance.now() + config.ms;
  while (performance.now() < end);
  return { value: x, t0, t1: now(), thread: threadId };
}

/** Sleeps `ms` (an I/O-like objective: a remote job, a subprocess, a GPU). */
export async function sleep(config: BenchTask): Promise<BenchAnswer> {
  const t0 = now();
  await new Promise((r) => setTimeout(r, config.ms));
  return { value: config.x, t0, t1: now(), thread: threadId };
}
