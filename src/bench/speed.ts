import { performance } from 'node:perf_hooks';
import { createSampler } from '../samplers/registry.js';
import { median } from '../stats.js';
import { createStudy } from '../study/study.js';
import { benchFunction } from './functions.js';

export interface SpeedOptions {
  algo: string;
  algoOptions?: Record<string, unknown>;
  dims: number[];
  trials: number;
  func?: string;
  seed?: number;
  onDim?: (done: number) => void;
}

export interface SpeedRow {
  dim: number;
  trials: number;
  /** Median time of one `ask` (sampler + in-memory storage) over trials [at−5, at+5); null when the run is shorter. */
  askMs: { at100: number | null; at500: number | null; at1000: number | null };
  /** Median ask time over a window of 10 asks around n, at about 50 values of n (for plots). */
  curve: { n: number; ms: number }[];
  totalS: number;
}

export interface SpeedReport {
  algo: string;
  func: string;
  rows: SpeedRow[];
}

const CHECKPOINTS = [100, 500, 1000] as const;
const HALF_WINDOW = 5;

/** Times one `ask` at a time, sequentially, on `func` (sphere by default) with in-memory storage. */
export async function runSpeed(o: SpeedOptions): Promise<SpeedReport> {
  const func = o.func ?? 'sphere';
  const rows: SpeedRow[] = [];
  for (const [i, dim] of o.dims.entries()) {
    const f = benchFunction(func, dim);
    const study = await createStudy({ space: f.space(), sampler: createSampler(o.algo, o.algoOptions), seed: o.seed ?? 0 });
    const askMs: number[] = [];
    const start = performance.now();
    for (let t = 0; t < o.trials; t++) {
      const t0 = performance.now();
      const [trial] = await study.ask(1);
      askMs.push(performance.now() - t0);
      if (!trial) break;
      await study.tell(trial.number, f.evaluate(trial.params));
    }
    const at = (n: number) => (askMs.length >= n ? median(askMs.slice(Math.max(0, n - HALF_WINDOW), n + HALF_WINDOW)) : null);
    const [at100, at500, at1000] = CHECKPOINTS.map(at);
    const step = Math.max(1, Math.ceil(askMs.length / 50));
    const curve: { n: number; ms: number }[] = [];
    for (let n = Math.min(step, askMs.length); n <= askMs.length; n += step) {
      curve.push({ n, ms: median(askMs.slice(Math.max(0, n - HALF_WINDOW), n + HALF_WINDOW)) });
    }
    rows.push({ dim: f.dim, trials: askMs.length, askMs: { at100, at500, at1000 }, curve, totalS: (performance.now() - start) / 1000 });
    o.onDim?.(i + 1);
  }
  return { algo: o.algo, func, rows };
}
