import cliProgress from 'cli-progress';

export interface ProgressLine {
  running?: number;
  failed?: number;
  pruned?: number;
  best?: number | null;
  /** When the oldest running trial started (epoch ms): the line shows how long it has run. */
  oldestRunningSince?: number | null;
}

/** A duration as the progress line shows it: 45s, 12m03s, 3h07m. */
export function shortDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
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
  private shown: { done: number; line: ProgressLine } = { done: 0, line: {} };

  constructor(total: number, enabled: boolean, unit = 'trials') {
    this.bar =
      enabled && process.stderr.isTTY
        ? new cliProgress.SingleBar(
            {
              stream: process.stderr,
              format: `{bar} {value}/{total} ${unit} | running {running}{oldest} | failed {failed} | pruned {pruned} | best {best} | {rate}/s`,
              hideCursor: true,
              clearOnComplete: true,
              fps: 10,
            },
            cliProgress.Presets.shades_classic,
          )
        : null;
    this.bar?.start(total, 0, { running: 0, oldest: '', failed: 0, pruned: 0, best: '-', rate: '0' });
  }

  update(done: number, line: ProgressLine = {}): void {
    if (!this.bar) return;
    const now = Date.now();
    if (now - this.lastPush < UPDATE_MS) {
      this.latest = { done, line: { running: line.running, failed: line.failed, pruned: line.pruned, best: line.best, oldestRunningSince: line.oldestRunningSince } };
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

  /** Between finished trials (about every second): the running count and the age of the oldest running trial. */
  tick(status: { running: number; oldestRunningSince: number | null }): void {
    if (!this.bar) return;
    const base = this.latest ?? this.shown;
    this.latest = null;
    this.lastPush = Date.now();
    this.push(base.done, { ...base.line, running: status.running, oldestRunningSince: status.oldestRunningSince }, this.lastPush);
  }

  stop(): void {
    this.stopped = true;
    if (this.bar && this.latest) this.push(this.latest.done, this.latest.line, Date.now());
    this.bar?.stop();
  }

  private push(done: number, line: ProgressLine, now: number): void {
    const bar = this.bar as cliProgress.SingleBar;
    this.shown = { done, line };
    const since = line.oldestRunningSince;
    const rate = done / Math.max((now - this.start) / 1000, 1e-3);
    bar.update(done, {
      running: line.running ?? 0,
      oldest: since === null || since === undefined ? '' : ` (oldest ${shortDuration(now - since)})`,
      failed: line.failed ?? 0,
      pruned: line.pruned ?? 0,
      best: line.best === null || line.best === undefined ? '-' : line.best.toPrecision(6),
      rate: rate.toFixed(rate < 10 ? 2 : 0),
    });
  }
}
