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
  return formatDuration(Math.max(0, Math.floor(ms / 1000)));
}

/** 75 → "1m15s", 3725 → "1h02m", 4.2 → "4s". */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
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
  private stopped = false;
  private latest: { done: number; line: ProgressLine } | null = null;
  private shown: { done: number; line: ProgressLine } = { done: 0, line: {} };

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
              format: `{bar} {value}/{total} ${unit} | running {running}{oldest} | failed {failed} | pruned {pruned} | best {best} | {rate}/s | ETA {eta}`,
              hideCursor: true,
              clearOnComplete: true,
              fps: 10,
            },
            cliProgress.Presets.shades_classic,
          )
        : null;
    this.shown = { done: initial, line: {} };
    this.bar?.start(total, initial, { running: 0, oldest: '', failed: 0, pruned: 0, best: '-', rate: '0', eta: '-' });
  }

  update(done: number, line: ProgressLine = {}): void {
    if (!this.bar && !this.lines) return;
    const now = Date.now();
    this.latest = { done, line: { ...line } };
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

  /** Writes `text` (output of an objective) to stderr, clearing the bar's line first and drawing the bar again after. */
  log(text: string): void {
    if (!this.bar || this.stopped) return void process.stderr.write(text);
    process.stderr.write(`\r\x1b[K${text}${text.endsWith('\n') ? '' : '\n'}`);
    (this.bar as unknown as { render(force: boolean): void }).render(true);
  }

  /** Between finished trials (about every second): the running count and the age of the oldest running trial. */
  tick(status: { running: number; oldestRunningSince: number | null }): void {
    const base = this.latest ?? this.shown;
    const line = { ...base.line, running: status.running, oldestRunningSince: status.oldestRunningSince };
    if (this.lines) {
      this.latest = { done: base.done, line };
      const now = Date.now();
      if (now - this.lastLine >= LINE_MS) {
        this.lastLine = now;
        process.stderr.write(`${this.text(base.done, line, now)}\n`);
      }
      return;
    }
    if (!this.bar) return;
    this.latest = null;
    this.lastPush = Date.now();
    this.push(base.done, line, this.lastPush);
  }

  stop(): void {
    this.stopped = true;
    if (this.lines && this.latest) process.stderr.write(`${this.text(this.latest.done, this.latest.line, Date.now())}\n`);
    if (this.bar && this.latest) this.push(this.latest.done, this.latest.line, Date.now());
    this.bar?.stop();
  }

  /** `parzen: 120/500 trials | best 0.7512 | pruned 3 | 3.4/s | ETA 1m52s | oldest running 12m03s` */
  private text(done: number, line: ProgressLine, now: number): string {
    const f = this.figures(done, line, now);
    const failed = line.failed ? ` | failed ${line.failed}` : '';
    const pruned = line.pruned ? ` | pruned ${line.pruned}` : '';
    return `parzen: ${done}/${this.total} ${this.unit} | best ${f.best}${failed}${pruned} | ${f.rate}/s | ETA ${f.eta}${f.oldest}`;
  }

  private figures(done: number, line: ProgressLine, now: number): { best: string; rate: string; eta: string; oldest: string } {
    const rate = Math.max(0, done - this.initial) / Math.max((now - this.start) / 1000, 1e-3);
    const left = Math.max(0, this.total - done);
    const since = line.oldestRunningSince;
    return {
      best: line.best === null || line.best === undefined ? '-' : line.best.toPrecision(6),
      rate: rate.toFixed(rate < 10 ? 2 : 0),
      eta: left === 0 ? '0s' : rate > 0 ? formatDuration(left / rate) : '-',
      oldest: since === null || since === undefined ? '' : ` (oldest ${shortDuration(now - since)})`,
    };
  }

  private push(done: number, line: ProgressLine, now: number): void {
    const bar = this.bar as cliProgress.SingleBar;
    this.shown = { done, line };
    const f = this.figures(done, line, now);
    bar.update(done, {
      running: line.running ?? 0,
      oldest: f.oldest,
      failed: line.failed ?? 0,
      pruned: line.pruned ?? 0,
      best: f.best,
      rate: f.rate,
      eta: f.eta,
    });
  }
}
