import cliProgress from 'cli-progress';

export interface ProgressLine {
  running?: number;
  failed?: number;
  pruned?: number;
  best?: number | null;
}

/** How often the bar takes new figures (it redraws at 10 fps anyway): updates in between are only remembered. */
const UPDATE_MS = 50;

/**
 * A progress bar on stderr when it is a TTY and output is not JSON; silent otherwise (then `update` costs nothing).
 * Cheap enough to call after every trial: figures reach the bar at most every 50 ms, and on `stop`.
 */
export class ProgressBar {
  private readonly bar: cliProgress.SingleBar | null;
  private readonly start = Date.now();
  private lastPush = 0;
  private stopped = false;
  private latest: { done: number; line: ProgressLine } | null = null;

  constructor(total: number, enabled: boolean, unit = 'trials') {
    this.bar =
      enabled && process.stderr.isTTY
        ? new cliProgress.SingleBar(
            {
              stream: process.stderr,
              format: `{bar} {value}/{total} ${unit} | running {running} | failed {failed} | pruned {pruned} | best {best} | {rate}/s`,
              hideCursor: true,
              clearOnComplete: true,
              fps: 10,
            },
            cliProgress.Presets.shades_classic,
          )
        : null;
    this.bar?.start(total, 0, { running: 0, failed: 0, pruned: 0, best: '-', rate: '0' });
  }

  update(done: number, line: ProgressLine = {}): void {
    if (!this.bar) return;
    const now = Date.now();
    if (now - this.lastPush < UPDATE_MS) {
      this.latest = { done, line: { running: line.running, failed: line.failed, pruned: line.pruned, best: line.best } };
      return;
    }
    this.lastPush = now;
    this.latest = null;
    this.push(done, line, now);
  }

  /** Writes `text` (output of an objective) to stderr, clearing the bar's line first and drawing the bar again after. */
  log(text: string): void {
    if (!this.bar || this.stopped) return void process.stderr.write(text);
    process.stderr.write(`\r\x1b[K${text}${text.endsWith('\n') ? '' : '\n'}`);
    (this.bar as unknown as { render(force: boolean): void }).render(true);
  }

  stop(): void {
    this.stopped = true;
    if (this.bar && this.latest) this.push(this.latest.done, this.latest.line, Date.now());
    this.bar?.stop();
  }

  private push(done: number, line: ProgressLine, now: number): void {
    const bar = this.bar as cliProgress.SingleBar;
    const rate = done / Math.max((now - this.start) / 1000, 1e-3);
    bar.update(done, {
      running: line.running ?? 0,
      failed: line.failed ?? 0,
      pruned: line.pruned ?? 0,
      best: line.best === null || line.best === undefined ? '-' : line.best.toPrecision(6),
      rate: rate.toFixed(rate < 10 ? 2 : 0),
    });
  }
}
