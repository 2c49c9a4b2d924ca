import { InvalidArgumentError } from 'commander';
import { OptionsError } from '../errors.js';

/** commander argument parsers that reject bad values with a one-line reason. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

/** A parser of integers >= `min` (e.g. --max-memory-mb, whose workers need 16 MB at least). */
export function intAtLeast(min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`must be an integer >= ${min}`);
    return n;
  };
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('must be a non-negative integer');
  return n;
}

export function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('must be a non-negative number');
  return n;
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number');
  return n;
}

export function intList(value: string): number[] {
  const parts = value.split(',');
  return parts.map((p) => {
    try {
      return positiveInt(p);
    } catch {
      throw new InvalidArgumentError(`must be a comma-separated list of positive integers (bad item ${JSON.stringify(p)})`);
    }
  });
}

/** `TOPxN`, e.g. 5x3: the top 5 configurations, 3 more evaluations each (study.enqueueRepeats). */
export function repeatsSpec(value: string): { top: number; repeats: number } {
  const m = /^\s*(\d+)\s*x\s*(\d+)\s*$/.exec(value);
  if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw new InvalidArgumentError('must be TOPxN with positive integers, e.g. 5x3');
  return { top: Number(m[1]), repeats: Number(m[2]) };
}

export function jsonObject(value: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(value);
  } catch (e) {
    throw new InvalidArgumentError(`must be a JSON object (${(e as Error).message})`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new InvalidArgumentError('must be a JSON object');
  return v as Record<string, unknown>;
}

/** Throws an OptionsError for a name not in `known`, suggesting the closest (as commander does for commands and flags). */
export function checkName(flag: string, name: string, known: readonly string[]): void {
  if (known.includes(name)) return;
  const near = closest(name, known);
  throw new OptionsError(`${flag} ${JSON.stringify(name)} is not one of ${known.join(', ')}${near ? ` (did you mean ${near}?)` : ''}`);
}

/** The candidate within edit distance 2 (or a third of the name) of `name`, closest first; null if none. */
export function closest(name: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best;
}

/** Optimal string alignment distance (Levenshtein with adjacent transpositions). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/**
 * Runs `f`, prefixing the message of an OptionsError it throws with the flag that carried the options: the API's
 * messages name options.x, which on the command line are the keys of `flag`'s JSON.
 */
export function asFlag<T>(flag: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof OptionsError && !e.message.startsWith(`${flag}:`)) throw new OptionsError(`${flag}: ${e.message}`);
    throw e;
  }
}

/** The `Examples:` block of a command's --help, one command line each. */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}`;
}
