import { StorageError } from '../errors.js';
import { MemoryStorage } from './memory.js';
import type { Storage } from './storage.js';

/** The storage of the CLI when none is given: a SQLite file in the working directory. */
export const DEFAULT_STORAGE_URL = 'sqlite:./parzen.db';

/** Opens a storage from its URL (the whole URL, scheme included). */
export type StorageOpener = (url: string, options: OpenOptions) => Storage | Promise<Storage>;

/** Openers by URL scheme (the part before the first ':'), the built-in ones first. */
const openers = new Map<string, StorageOpener>([
  ['memory', () => new MemoryStorage()],
  ['sqlite', openSqlite],
  ['postgres', openPostgres],
  ['postgresql', openPostgres],
]);

/**
 * Adds a storage for URLs of a scheme (e.g. `registerStorage('redis', (url) => new RedisStorage(url))` opens
 * `redis://…`). A backend should pass the storage conformance suite (test/conformance/storage.ts).
 */
export function registerStorage(scheme: string, open: StorageOpener): void {
  if (!/^[a-z][a-z0-9+.-]*$/.test(scheme))
    throw new StorageError(`storage scheme ${JSON.stringify(scheme)}: use lower-case letters, digits, +, . or -`);
  openers.set(scheme, open);
}

/**
 * Opens a storage from its URL:
 * - `memory`: this process only, gone when it ends;
 * - `sqlite:PATH` (`sqlite:./parzen.db`, `sqlite:/abs/file.db`, `sqlite:///abs/file.db`), or `sqlite::memory:`;
 * - `postgres://user[:password]@host[:port]/db` or `postgresql://…`, optionally `?schema=NAME`;
 * - any scheme added with `registerStorage`.
 * The native drivers load only when their kind is asked for.
 */
export interface OpenOptions {
  /** Networked storages: how long a lost connection is retried before an operation fails (ms). Default 60000. */
  dbRetryMs?: number;
  /** false: open an existing database only, writing nothing into it (SQLite: no schema into an empty file). Default true. */
  create?: boolean;
}

export async function openStorage(url: string, options: OpenOptions = {}): Promise<Storage> {
  const colon = url.indexOf(':');
  const open = openers.get(colon < 0 ? url : url.slice(0, colon));
  if (!open) {
    throw new StorageError(
      `storage ${JSON.stringify(url)}: unknown kind; use memory, sqlite:./parzen.db, sqlite::memory: or postgres://user@host:port/db` +
        ` (or register one: ${[...openers.keys()].join(', ')} are known)`,
    );
  }
  return open(url, options);
}

async function openSqlite(url: string, options: OpenOptions): Promise<Storage> {
  let path = url.slice('sqlite:'.length);
  if (path.startsWith('//')) path = path.slice(2);
  if (path === '') throw new StorageError(`storage ${JSON.stringify(url)}: no file; use e.g. sqlite:./parzen.db`);
  const { SqliteStorage } = await import('./sqlite.js');
  return new SqliteStorage(path, { create: options.create });
}

async function openPostgres(url: string, options: OpenOptions): Promise<Storage> {
  const { PostgresStorage } = await import('./postgres.js');
  return PostgresStorage.open(url, { retryMs: options.dbRetryMs });
}

/** The URL with its password masked, for messages and logs. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/:\/\/([^:@/]*):[^@/]*@/, '://$1:***@');
  }
}
