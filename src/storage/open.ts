import { StorageError } from '../errors.js';
import { MemoryStorage } from './memory.js';
import type { Storage } from './storage.js';

/** The storage of the CLI when none is given: a SQLite file in the working directory. */
export const DEFAULT_STORAGE_URL = 'sqlite:./parzen.db';

/**
 * Opens a storage from its URL:
 * - `memory`: this process only, gone when it ends;
 * - `sqlite:PATH` (`sqlite:./parzen.db`, `sqlite:/abs/file.db`, `sqlite:///abs/file.db`), or `sqlite::memory:`;
 * - `postgres://user[:password]@host[:port]/db` or `postgresql://…`, optionally `?schema=NAME`.
 * The native drivers load only when their kind is asked for.
 */
export async function openStorage(url: string): Promise<Storage> {
  if (url === 'memory' || url === 'memory:') return new MemoryStorage();
  if (url.startsWith('sqlite:')) {
    let path = url.slice('sqlite:'.length);
    if (path.startsWith('//')) path = path.slice(2);
    if (path === '') throw new StorageError(`storage ${JSON.stringify(url)}: no file; use e.g. sqlite:./parzen.db`);
    const { SqliteStorage } = await import('./sqlite.js');
    return new SqliteStorage(path);
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const { PostgresStorage } = await import('./postgres.js');
    return PostgresStorage.open(url);
  }
  throw new StorageError(
    `storage ${JSON.stringify(url)}: unknown kind; use memory, sqlite:./parzen.db, sqlite::memory: or postgres://user@host:port/db`,
  );
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
