import { StorageError } from '../errors.js';
import { MemoryStorage } from './memory.js';
import type { Storage } from './storage.js';

/** Opens a storage from its URL: `memory`. */
export async function openStorage(url: string): Promise<Storage> {
  if (url === 'memory' || url === 'memory:') return new MemoryStorage();
  throw new StorageError(`storage ${JSON.stringify(url)}: unknown kind; use memory`);
}
