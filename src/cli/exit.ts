import { Writable } from 'node:stream';

/**
 * Ends the process with `code` once everything written to stdout and stderr has been handed to the OS. On a pipe
 * those writes are asynchronous: `process.exit` right after a large write (a `--json` document) would cut it at the
 * pipe's buffer (64 KB) when the reader is slower than the writer.
 */
export async function exitAfterFlush(code: number): Promise<never> {
  await Promise.all([process.stdout, process.stderr].map(flushed));
  process.exit(code);
}

function flushed(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.destroyed || !stream.writable) return Promise.resolve();
  // an empty write's callback runs once every earlier write has been flushed (or the stream failed); the stream's own
  // write, since a command may have diverted process.stdout.write (divertStdout)
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called with the stream as this
  const write = Writable.prototype.write as (this: Writable, chunk: string, cb: () => void) => boolean;
  return new Promise((resolve) => write.call(stream, '', () => resolve()));
}
