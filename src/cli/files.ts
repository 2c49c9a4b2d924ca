import { readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { OptionsError } from '../errors.js';

/** Why a file given to `flag` could not be read or written, in words (the system's message names no flag). */
function reason(e: unknown, file: string, writing: boolean): string {
  switch ((e as NodeJS.ErrnoException).code) {
    case 'ENOENT':
      return writing ? `its directory ${dirname(file)} does not exist` : 'no such file';
    case 'EACCES':
    case 'EPERM':
      return writing ? 'permission denied (not writable)' : 'permission denied (not readable)';
    case 'EISDIR':
      return 'is a directory, not a file';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'EROFS':
      return 'is on a read-only file system';
    default:
      return (e as Error).message;
  }
}

/** Reads the text file given to `flag`; an OptionsError (exit 2) names the flag, the path and why it failed. */
export function readFlagFile(flag: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new OptionsError(`${flag} ${file}: ${reason(e, file, false)}`);
  }
}

/** Writes `text` to the file given to `flag`; an OptionsError (exit 2) names the flag, the path and why it failed. */
export function writeFlagFile(flag: string, file: string, text: string): void {
  try {
    writeFileSync(file, text);
  } catch (e) {
    throw new OptionsError(`${flag} ${file}: cannot write: ${reason(e, file, true)}`);
  }
}
