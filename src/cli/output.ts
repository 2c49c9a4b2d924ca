import type { ProgressBar } from './progress.js';

/**
 * stdout during a CLI command belongs to the command's own output (its JSON document or summary). Anything else
 * written there — an objective module's console.log, in this thread when the module is loaded, or in a worker thread,
 * whose stdout Node pipes into this process's — is diverted to stderr, above the progress bar when one is drawn.
 * `write` is the command's own way to stdout; `restore` puts stdout back.
 */
export function divertStdout(): { write: (s: string) => void; setBar: (bar: ProgressBar) => void; restore: () => void } {
  const stdout = process.stdout;
  // (kept unbound on purpose: restore() puts this very function back)
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const own = stdout.write;
  let bar: ProgressBar | null = null;
  const diverted = function (this: unknown, chunk: unknown, encoding?: unknown, cb?: unknown): boolean {
    const done = typeof encoding === 'function' ? encoding : cb;
    const text =
      typeof chunk === 'string'
        ? chunk
        : Buffer.from(chunk as Uint8Array).toString(typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
    if (bar) bar.log(text);
    else process.stderr.write(text);
    if (typeof done === 'function') process.nextTick(done);
    return true;
  };
  stdout.write = diverted;
  return {
    write: (s) => void own.call(stdout, s),
    setBar: (b) => (bar = b),
    restore: () => {
      if (stdout.write === (diverted as typeof stdout.write)) stdout.write = own;
    },
  };
}
