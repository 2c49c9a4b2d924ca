import { StorageError } from '../errors.js';

/** How long a networked storage keeps retrying a lost connection before giving up, by default (ms). */
export const DEFAULT_DB_RETRY_MS = 60_000;

/** SQLSTATE classes and socket codes that mean "the connection or the server went away", not "the statement is wrong". */
const CONNECTION_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '40001', '40P01']);
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);

/**
 * True for a failure that a retry on a fresh connection may cure: the server terminated the backend, restarted or
 * refused connections, the socket broke, or a transaction lost a serialization or deadlock race (40001, 40P01).
 */
export function isTransient(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  if (typeof code === 'string' && (CONNECTION_SQLSTATES.has(code) || code.startsWith('08') || SOCKET_CODES.has(code))) return true;
  const msg = e instanceof Error ? e.message : '';
  return /Connection terminated|connection error|not queryable|timeout exceeded when trying to connect|Client was closed/i.test(msg);
}

/**
 * Retries transient failures with capped exponential backoff (100 ms doubling to 2 s, jittered), within one bound per
 * outage shared by every operation of the storage: once the database has been unreachable for `boundMs`, every
 * operation fails at once with one StorageError until it answers again (so a run winding down does not wait again
 * for each write).
 */
export class Retrier {
  private downSince: number | null = null;

  constructor(
    private readonly where: string,
    readonly boundMs: number,
  ) {}

  /**
   * Runs `attempt` until it succeeds, fails for good, or the outage outlasts the bound. `attempt` gets `uncertain`:
   * true when an earlier attempt failed after its statement may have reached the server (its outcome is unknown).
   */
  async run<T>(attempt: (uncertain: boolean) => Promise<T>, retryable: (e: unknown) => boolean = isTransient): Promise<T> {
    let uncertain = false;
    let delay = 100;
    for (;;) {
      try {
        const out = await attempt(uncertain);
        this.downSince = null;
        return out;
      } catch (e) {
        if (!retryable(e)) throw e;
        uncertain = true;
        const now = Date.now();
        this.downSince ??= now;
        const left = this.downSince + this.boundMs - now;
        if (left <= 0) throw this.gaveUp(e);
        await new Promise((r) => setTimeout(r, Math.min(left, delay * (0.5 + Math.random()))));
        delay = Math.min(2000, delay * 2);
      }
    }
  }

  private gaveUp(e: unknown): StorageError {
    const why = e instanceof Error ? e.message || (e as { code?: string }).code : String(e);
    return new StorageError(
      `${this.where}: database unreachable for ${Math.round(this.boundMs / 1000)} s (last error: ${String(why).split('\n')[0]}); ` +
        'every finished trial is stored; run the same command again once the database is back (or raise --db-retry-ms)',
    );
  }
}
