import type { TrialResult } from './trial.js';

/**
 * Bounds on what a trial stores, so that one objective returning (or throwing) something huge cannot bloat the study:
 * a failure message keeps its first MAX_MESSAGE characters, every string inside attrs its first MAX_STRING, and attrs
 * whose JSON is still longer than MAX_ATTRS_JSON are replaced by the head of that JSON. Whatever is cut says how much.
 * A failure message's NUL characters become U+FFFD: PostgreSQL's text cannot hold them, and the message is only read.
 */
export const MAX_MESSAGE = 10_000;
export const MAX_STRING = 10_000;
export const MAX_ATTRS_JSON = 256 * 1024;

/** `s` cut to `max` characters, with a note of how many were cut. */
export function cut(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max)}… [${s.length - max} more characters cut]`;
}

/** `result` within the bounds (the same object when nothing needed cutting). */
export function boundResult(result: TrialResult): TrialResult {
  let out = result;
  if (result.state === 'fail') {
    const message = cut(result.message, MAX_MESSAGE).replaceAll('\0', '\uFFFD');
    if (message !== result.message) out = { ...result, message };
  }
  if (out.attrs) {
    const attrs = boundAttrs(out.attrs);
    if (attrs !== out.attrs) out = { ...out, attrs };
  }
  return out;
}

function boundAttrs(attrs: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  let changed = false;
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') {
      if (v.length <= MAX_STRING) return v;
      changed = true;
      return cut(v, MAX_STRING);
    }
    if (v === null || typeof v !== 'object' || depth > 32) return v;
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v))
      Object.defineProperty(o, k, { value: walk(x, depth + 1), enumerable: true, writable: true, configurable: true });
    return o;
  };
  const strings = walk(attrs, 0) as Record<string, unknown>;
  const json = JSON.stringify(strings) ?? '{}';
  if (json.length <= MAX_ATTRS_JSON) return changed ? strings : attrs;
  return {
    attrsCut: `attrs of ${json.length} characters of JSON exceed ${MAX_ATTRS_JSON}; their first 4096 follow`,
    head: json.slice(0, 4096),
  };
}
