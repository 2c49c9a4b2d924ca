import { median, quantile } from '../stats.js';
import { pageHtml } from './html.js';

/** A line of a bench plot: points [x, median] or [x, median, q25, q75] (drawn with a quartile band). */
export interface BenchLine {
  readonly name: string;
  readonly points: number[][];
}

export interface BenchPlotData {
  readonly title: string;
  readonly subtitle?: string;
  readonly plots: {
    readonly title: string;
    readonly xName: string;
    readonly yName: string;
    readonly xLog?: boolean;
    readonly yLog?: boolean;
    readonly note?: string;
    readonly lines: BenchLine[];
  }[];
}

/** What a plot needs of `parzen bench quality`'s report (structural: the report layer does not import the bench). */
export interface QualityRun {
  readonly algo: string;
  readonly func: string;
  readonly dim: number;
  readonly trials: number;
  readonly seeds: number;
  readonly noise: number;
  readonly optimum: number;
  readonly finalRegret: { readonly median: number };
  /** Per seed, the best-so-far regret after each trial. */
  readonly perSeed: readonly { readonly curve: readonly number[] }[];
}

/** What a plot needs of `parzen bench speed`'s report. */
export interface SpeedRun {
  readonly algo: string;
  readonly func: string;
  readonly rows: readonly {
    readonly dim: number;
    readonly trials: number;
    readonly curve: readonly { readonly n: number; readonly ms: number }[];
  }[];
}

/** Regrets of exactly 0 (the optimum hit) are drawn at this floor on the log axis. */
const REGRET_FLOOR = 1e-12;

/** Best-so-far regret against the trial number, one line per algorithm: median over the seeds, quartile band. */
export function qualityPlotData(reports: readonly QualityRun[]): BenchPlotData {
  const first = reports[0];
  const lines = reports.map((r) => {
    const len = Math.max(...r.perSeed.map((s) => s.curve.length));
    const points: number[][] = [];
    for (let t = 0; t < len; t++) {
      const at = r.perSeed
        .map((s) => s.curve[Math.min(t, s.curve.length - 1)])
        .filter((v) => Number.isFinite(v))
        .map((v) => Math.max(v, REGRET_FLOOR));
      if (at.length) points.push([t + 1, median(at), quantile(at, 0.25), quantile(at, 0.75)]);
    }
    return { name: r.algo, points };
  });
  return {
    title: `Regret on ${first.func} (d = ${first.dim})`,
    subtitle: `${first.trials} trials × ${first.seeds} seeds${first.noise ? `, noise sd ${first.noise}` : ''}; final regret (median): ${reports.map((r) => `${r.algo} ${r.finalRegret.median.toPrecision(3)}`).join(', ')}`,
    plots: [
      {
        title: 'Best-so-far regret per trial (median over seeds, band: quartiles)',
        xName: 'trial',
        yName: 'regret',
        yLog: true,
        note: `regret = best observed value − optimum (${first.optimum}); 0 is drawn at ${REGRET_FLOOR}`,
        lines,
      },
    ],
  };
}

/** Time per ask against the number of trials (a line per algorithm and dimension) and against the dimension (per algorithm). */
export function speedPlotData(reports: readonly SpeedRun[]): BenchPlotData {
  const byN = reports.flatMap((r) =>
    r.rows.map((row) => ({
      name: reports.length === 1 && r.rows.length === 1 ? r.algo : `${r.algo} d=${row.dim}`,
      points: row.curve.map((p) => [p.n, p.ms]),
    })),
  );
  const byDim = reports.map((r) => ({
    name: r.algo,
    points: r.rows.map((row) => [row.dim, median(row.curve.slice(-Math.max(1, Math.ceil(row.curve.length / 10))).map((p) => p.ms))]),
  }));
  const trials = Math.max(...reports.flatMap((r) => r.rows.map((row) => row.trials)));
  return {
    title: `Time per ask on ${reports[0].func}`,
    subtitle: `${reports.map((r) => r.algo).join(', ')}; up to ${trials} trials per dimension, one ask at a time, in-memory storage`,
    plots: [
      {
        title: 'Time per ask against the number of trials',
        xName: 'trials so far (n)',
        yName: 'ms per ask',
        yLog: true,
        note: 'median over a window of 10 asks around n',
        lines: byN,
      },
      {
        title: 'Time per ask against the dimension',
        xName: 'dimension',
        yName: 'ms per ask',
        xLog: true,
        yLog: true,
        note: 'median over the last tenth of each run',
        lines: byDim,
      },
    ],
  };
}

export function benchPlotHtml(data: BenchPlotData): string {
  return pageHtml('bench', data.title, data);
}
