import cliProgress from 'cli-progress';

export interface ProgressLine {
  running?: number;
  failed?: number;
  best?: number | null;
}

/** A progress bar on stderr when it is a TTY and output is not JSON; silent otherwise. */
export class ProgressBar {
  private readonly bar: cliProgress.SingleBar | null;
  private readonly start = Date.now();

  constructor(total: number, enabled: boolean, unit = 'trials') {
    this.bar =
      enabled && process.stderr.isTTY
        ? new cliProgress.SingleBar(
            {
              stream: process.stderr,
              format: `{bar} {value}/{total} ${unit} | running {running} | failed {failed} | best {best} | {rate}/s`,
              hideCursor: true,
              clearOnComplete: true,
              fps: 10,
            },
            cliProgress.Presets.shades_classic,
          )
        : null;
    this.bar?.start(total, 0, { running: 0, failed: 0, best: '-', rate: '0' });
  }

  update(done: number, line: ProgressLine = {}): void {
    if (!this.bar) return;
    const rate = done / Math.max((Date.now() - this.start) / 1000, 1e-3);
    this.bar.update(done, {
      running: line.running ?? 0,
      failed: line.failed ?? 0,
      best: line.best === null || line.best === undefined ? '-' : line.best.toPrecision(6),
      rate: rate.toFixed(rate < 10 ? 2 : 0),
    });
  }

  stop(): void {
    this.bar?.stop();
  }
}
