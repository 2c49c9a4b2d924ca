import { InvalidArgumentError } from 'commander';

/** commander argument parsers that reject bad values with a one-line reason. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
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
