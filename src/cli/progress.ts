import cliProgress from 'cli-progress';

export interface ProgressLine {
  running?: number;
  failed?: number;
  best?: number | null;
}

/** How often the bar takes new figures (it redraws at 10 fps anyway): updates in between are only remembered. */
const UPDATE_MS = 50;
/** How often a plain progress line is written when stderr is not a terminal (CI logs, pipes); PARZEN_PROGRESS_MS overrides. */
const LINE_MS = Number(process.env.PARZEN_PROGRESS_MS) > 0 ? Number(process.env.PARZEN_PROGRESS_MS) : 5000;

/**
 * Progress on stderr, quiet with `--json` (`enabled` false): a bar with an ETA on a terminal; elsewhere (CI logs,
 * pipes) a line every 5 s with trials done, best, rate and ETA, and a last one on `stop`, so long runs are never
 * silent. Cheap enough to call after every trial: the bar takes figures at most every 50 ms.
 */
export class ProgressBar {
  private readonly bar: cliProgress.SingleBar | null;
  private readonly lines: boolean;
  private readonly start = Date.now();
  private lastPush = 0;
  private lastLine: number;
  private latest: { done: number; line: ProgressLine } | null = null;

  /** `initial`: trials done before this run (a resumed study), counted in the bar but not in the rate. */
  constructor(
    private readonly total: number,
    enabled: boolean,
    private readonly unit = 'trials',
    private readonly initial = 0,
  ) {
    const tty = process.stderr.isTTY === true;
    this.lines = enabled && !tty;
    this.lastLine = this.start;
    this.bar =
      enabled && tty
        ? new cliProgress.SingleBar(
            {
              stream: process.stderr,
              format: `{bar} {value}/{total} ${unit} | running {running} | failed {failed} | best {best} | {rate}/s | ETA {eta}`,
              hideCursor: true,
              clearOnComplete: true,
              fps: 10,
            },
            cliProgress.Presets.shades_classic,
          )
        : null;
    this.bar?.start(total, initial, { running: 0, failed: 0, best: '-', rate: '0', eta: '-' });
  }

  update(done: number, line: ProgressLine = {}): void {
    if (!this.bar && !this.lines) return;
    const now = Date.now();
    this.latest = { done, line: { running: line.running, failed: line.failed, best: line.best } };
    if (this.lines) {
      if (now - this.lastLine >= LINE_MS) {
        this.lastLine = now;
        process.stderr.write(`${this.text(done, line, now)}\n`);
      }
      return;
    }
    if (now - this.lastPush < UPDATE_MS) return;
    this.lastPush = now;
    this.latest = null;
    this.push(done, line, now);
  }

  stop(): void {
    if (this.lines && this.latest) process.stderr.write(`${this.text(this.latest.done, this.latest.line, Date.now())}\n`);
    if (this.bar && this.latest) this.push(this.latest.done, this.latest.line, Date.now());
    this.bar?.stop();
  }

  /** `parzen: 120/500 trials | best 0.7512 | 3.4/s | ETA 1m52s` */
  private text(done: number, line: ProgressLine, now: number): string {
    const f = this.figures(done, line, now);
    const failed = line.failed ? ` | failed ${line.failed}` : '';
    return `parzen: ${done}/${this.total} ${this.unit} | best ${f.best}${failed} | ${f.rate}/s | ETA ${f.eta}`;
  }

  private figures(done: number, line: ProgressLine, now: number): { best: string; rate: string; eta: string } {
    const rate = Math.max(0, done - this.initial) / Math.max((now - this.start) / 1000, 1e-3);
    const left = Math.max(0, this.total - done);
    return {
      best: line.best === null || line.best === undefined ? '-' : line.best.toPrecision(6),
      rate: rate.toFixed(rate < 10 ? 2 : 0),
      eta: left === 0 ? '0s' : rate > 0 ? formatDuration(left / rate) : '-',
    };
  }

  private push(done: number, line: ProgressLine, now: number): void {
    const bar = this.bar as cliProgress.SingleBar;
    const f = this.figures(done, line, now);
    bar.update(done, { running: line.running ?? 0, failed: line.failed ?? 0, best: f.best, rate: f.rate, eta: f.eta });
  }
}

/** 75 → "1m15s", 3725 → "1h02m", 4.2 → "4s". */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
