import { nearestName } from '../did-you-mean.js';
import { SpaceError } from '../errors.js';
import { HP_NAMES, type HpName, HpNode, makeNode, show } from './hp.js';
import { SearchSpace } from './space.js';

/**
 * JSON form of a space, for the CLI and for storing a study's space:
 *   { "x": { "uniform": [-5, 5] },
 *     "opt": { "choice": [ { "name": "sgd", "lr": { "loguniform": [-9, 0], "label": "sgd_lr" } }, "adam" ] } }
 * A distribution is an object with one hp name as key, its arguments (after the label) as an array, and an optional
 * "label" (default: the nearest object key). `{ "const": v }` is the constant v, for constants that would look like a distribution.
 */
export function parseSpaceJson(json: unknown, source = 'space'): SearchSpace {
  const tree = fromJson(json, `${source} $`, null);
  try {
    return new SearchSpace(tree);
  } catch (e) {
    if (e instanceof SpaceError) throw new SpaceError(`${source} ${e.message}`);
    throw e;
  }
}

const NAMES = new Set<string>(HP_NAMES);

function fromJson(node: unknown, path: string, key: string | null): unknown {
  if (node === null || typeof node !== 'object') return node;
  if (Array.isArray(node)) return node.map((c, i) => fromJson(c, `${path}[${i}]`, key === null ? null : `${key}[${i}]`));
  const obj = node as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length === 1 && keys[0] === 'const') return obj.const;
  const hpKeys = keys.filter((k) => NAMES.has(k));
  if (hpKeys.length === 0) {
    // `{ "unifrom": [-5, 5] }` is a typo, not a constant: arguments under a name close to a distribution's
    for (const k of keys) {
      const near = Array.isArray(obj[k]) ? nearestName(k, HP_NAMES) : null;
      if (near !== null) {
        throw new SpaceError(
          `${path}.${k}: unknown distribution ${show(k)}; did you mean "${near}"? (for a constant object, write { "const": { ... } })`,
        );
      }
    }
    return Object.fromEntries(keys.map((k) => [k, fromJson(obj[k], `${path}.${k}`, k)]));
  }
  if (hpKeys.length > 1) throw new SpaceError(`${path}: one distribution per object (found ${hpKeys.join(', ')})`);
  const fn = hpKeys[0] as HpName;
  const extra = keys.filter((k) => k !== fn && k !== 'label');
  if (extra.length)
    throw new SpaceError(`${path}: unexpected key${extra.length > 1 ? 's' : ''} ${extra.map(show).join(', ')} beside "${fn}"`);
  const label = 'label' in obj ? obj.label : key;
  const where = `${path} (${fn})`;
  if (label === null) throw new SpaceError(`${where}: needs a "label" (it is not under an object key)`);
  const args = obj[fn];
  if (!Array.isArray(args)) throw new SpaceError(`${where}: arguments must be an array (got ${show(args)})`);
  if (fn === 'choice') {
    return makeNode(fn, label, [args.map((o, i) => fromJson(o, `${path}.choice[${i}]`, null))], where);
  }
  if (fn === 'pchoice') {
    const pairs = args.map((pair, i) =>
      Array.isArray(pair) && pair.length === 2 ? [pair[0], fromJson(pair[1], `${path}.pchoice[${i}][1]`, null)] : pair,
    );
    return makeNode(fn, label, [pairs], where);
  }
  return makeNode(fn, label, args, where);
}

/** The JSON form of a space (inverse of `parseSpaceJson`); labels are written out whenever they differ from the key. */
export function spaceToJson(space: SearchSpace): unknown {
  const toJson = (node: unknown, key: string | null): unknown => {
    if (node instanceof HpNode) {
      const body: Record<string, unknown> = {};
      if (node.fn === 'choice') body.choice = (node.args[0] as unknown[]).map((o) => toJson(o, null));
      else if (node.fn === 'pchoice') {
        body.pchoice = (node.args[0] as [number, unknown][]).map(([p, o]) => [p, toJson(o, null)]);
      } else body[node.fn] = [...node.args];
      if (node.label !== key) body.label = node.label;
      return body;
    }
    if (node === null || typeof node !== 'object') return node;
    if (Array.isArray(node)) return node.map((c) => toJson(c, null));
    const obj = node as Record<string, unknown>;
    const keys = Object.keys(obj);
    if (keys.some((k) => NAMES.has(k)) || (keys.length === 1 && keys[0] === 'const')) return { const: obj };
    return Object.fromEntries(keys.map((k) => [k, toJson(obj[k], k)]));
  };
  return toJson(space.tree, null);
}

/** Where two JSON spaces first differ, as `$.path: stored …, given …` (null when they are the same). */
export function spaceDifference(stored: unknown, given: unknown, path = '$'): string | null {
  const brief = (v: unknown) => {
    const t = v === undefined ? 'nothing' : JSON.stringify(v);
    return t.length > 60 ? `${t.slice(0, 57)}...` : t;
  };
  if (stored === given) return null;
  if (
    stored === null ||
    given === null ||
    typeof stored !== 'object' ||
    typeof given !== 'object' ||
    Array.isArray(stored) !== Array.isArray(given)
  )
    return JSON.stringify(stored) === JSON.stringify(given) ? null : `${path}: stored ${brief(stored)}, given ${brief(given)}`;
  const a = stored as Record<string, unknown>;
  const b = given as Record<string, unknown>;
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const sub = Array.isArray(a) ? `${path}[${k}]` : `${path}.${k}`;
    if (!(k in a) || !(k in b)) return `${sub}: stored ${brief(a[k])}, given ${brief(b[k])}`;
    const d = spaceDifference(a[k], b[k], sub);
    if (d) return d;
  }
  return null;
}
