import { Rng, type SeedSource } from '../../rng.js';
import type { Value } from '../../space/hp.js';
import { evaluatedValue, type Layout } from './layout.js';
import { mirror, type State } from './strategy.js';
import { type ArchivePoint, kendallTau, LqModel } from './surrogate.js';

// A generation of CMA-ES: its members, regenerated from the seed, the trials assigned to it and how they are ranked.

/** Kendall τ between model and true values from which a generation needs no more evaluations (Hansen 2019). */
const TAU_TRUTH = 0.85;

/** Draws of a member before it is mirrored into the box. */
const BOX_RESAMPLES = 10;

/** A member of a generation: its point in the box (discrete coordinates before the margin scaling) and the values of the modelled dims it evaluates to. */
interface Member {
  readonly x: Float64Array;
  readonly values: readonly Value[];
  readonly key: number;
}

const hashView = new Float64Array(1);
const hashWords = new Uint32Array(hashView.buffer);

/** A 32-bit hash of the modelled values (FNV-style over the float bits); matches are confirmed value by value. */
function hashValues(values: ArrayLike<Value | null | undefined>): number {
  let h = 0x811c9dc5;
  for (let j = 0; j < values.length; j++) {
    const v = values[j];
    if (typeof v === 'number') {
      hashView[0] = v;
      h = Math.imul(h ^ hashWords[0], 0x01000193);
      h = Math.imul(h ^ hashWords[1], 0x01000193);
    } else {
      const str = v === null || v === undefined ? '\u0000' : String(v);
      for (let i = 0; i < str.length; i++) h = Math.imul(h ^ str.charCodeAt(i), 0x01000193);
    }
  }
  return h >>> 0;
}

function sameValues(a: readonly Value[], b: readonly (Value | null | undefined)[]): boolean {
  for (let j = 0; j < a.length; j++) if (a[j] !== b[j]) return false;
  return true;
}

/**
 * One generation of one run: the distribution it samples from and its members, generated lazily and
 * deterministically from `Rng.derive(seed, 'cmaes', run, gen)`, so they are never stored.
 */
export class Generation {
  readonly members: Member[] = [];
  private readonly byKey = new Map<number, number[]>();
  private readonly rng: Rng;
  /** Surrogate bookkeeping, memoised because a generation is replayed by every `suggest` until it completes. */
  private readonly kTrace: number[] = [];
  private orderMemo: { key: string; order: number[] } | null = null;
  /** Fits by the indices of the complete slots they include ('' = the archive alone). */
  private readonly fits = new Map<string, { model: LqModel | null; points: ArchivePoint[] }>();

  constructor(
    readonly layout: Layout,
    readonly seed: SeedSource,
    readonly run: number,
    readonly state: State,
    /** Index (trial number order) of the first trial that may belong to it. */
    readonly startTrial: number,
    /** Surrogate mode: the run's most recent evaluations before this generation (null: plain CMA-ES). */
    readonly archive: readonly ArchivePoint[] | null,
    readonly surrogate: { readonly allowFull: boolean; readonly maxSize: number } | null,
  ) {
    this.rng = Rng.derive(seed, 'cmaes', run, state.gen);
  }

  /**
   * The surrogate fitted on the archive plus `extra` (this generation's complete slots, whose indices are `key`),
   * centred on the mean; memoised by `key`.
   */
  fit(key: string, extra: readonly ArchivePoint[]): { model: LqModel | null; points: ArchivePoint[] } {
    let f = this.fits.get(key);
    if (!f) {
      const all = [...(this.archive ?? []), ...extra];
      const points = all.slice(Math.max(0, all.length - this.surrogate!.maxSize));
      f = { model: LqModel.fit(points, this.state.k.n, this.surrogate!.allowFull, this.state.mean, this.state.sigma), points };
      this.fits.set(key, f);
    }
    return f;
  }

  /** Starts the fit memo with the previous generation's last fit when it saw exactly this archive (the same quadratic). */
  seedFit(f: { model: LqModel | null; points: ArchivePoint[] }): void {
    this.fits.set('', f);
  }

  /**
   * lq-CMA-ES's stopping rule for one generation (Hansen 2019, as in pycma's SurrogatePopulation): evaluate the
   * k model-best members, k = ⌊1 + max(0.02 λ, 4 − archive size)⌋; refit; if Kendall τ between model and true
   * values over the most recent max(15, min(1.2 k, 0.75 λ)) points is below 0.85, grow k by ⌈k/2⌉.
   * Slots are read in trial order, so the answer is a function of the history. Returns the model of the decision
   * (null when every member was evaluated, so true values rank them) or undefined when not ready.
   */
  surrogateReady(slots: readonly Slot[]): { model: LqModel | null; extra: number } | undefined {
    const lambda = this.lambda;
    let k = Math.floor(1 + Math.max(0.02 * lambda, 4 - this.archive!.length));
    let complete = 0;
    let decided = 0;
    const extra: ArchivePoint[] = [];
    const ids: number[] = [];
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i];
      if (s.running) return undefined;
      if (s.score !== null) {
        extra.push({ x: s.x, f: s.score });
        ids.push(i);
      }
      if (s.member < 0 || s.member >= lambda) continue;
      decided++;
      if (s.score !== null) complete++;
      if (decided === lambda) return { model: null, extra: extra.length };
      if (complete < k) continue;
      const memo = this.kTrace[i];
      if (memo !== undefined) {
        if (memo < 0) return { model: this.fit(ids.join(','), extra).model, extra: extra.length };
        k = memo;
        continue;
      }
      const { model, points } = this.fit(ids.join(','), extra);
      if (model && tauOf(model, points, Math.max(15, Math.min(1.2 * complete, 0.75 * lambda))) >= TAU_TRUTH) {
        this.kTrace[i] = -1;
        return { model, extra: extra.length };
      }
      while (k <= complete) k += Math.ceil(k / 2);
      this.kTrace[i] = k;
    }
    return undefined;
  }

  /** Members 0..λ−1 in the order of the surrogate fitted on this generation's complete slots, best first. */
  order(slots: readonly Slot[]): number[] {
    const extra: ArchivePoint[] = [];
    const ids: number[] = [];
    slots.forEach((s, i) => {
      if (s.score !== null) {
        extra.push({ x: s.x, f: s.score });
        ids.push(i);
      }
    });
    const key = ids.join(',');
    if (this.orderMemo?.key === key) return this.orderMemo.order;
    const { model } = this.fit(key, extra);
    const idx = Array.from({ length: this.lambda }, (_, i) => i);
    if (model) {
      const v = idx.map((i) => model.predict(this.member(i).x));
      idx.sort((a, b) => v[a] - v[b] || a - b);
    }
    this.orderMemo = { key, order: idx };
    return idx;
  }

  get lambda(): number {
    return this.state.k.lambda;
  }

  member(i: number): Member {
    while (this.members.length <= i) this.generate();
    return this.members[i];
  }

  /** The first member not in `used` whose modelled values are `values`, looking at most `window` members deep; −1 if none. */
  find(values: readonly (Value | null | undefined)[], used: ReadonlySet<number>, window: number): number {
    const key = hashValues(values);
    const list = this.byKey.get(key);
    if (list) for (const i of list) if (!used.has(i) && sameValues(this.members[i].values, values)) return i;
    while (this.members.length < window) {
      const i = this.members.length;
      const m = this.generate();
      if (m.key === key && !used.has(i) && sameValues(m.values, values)) return i;
    }
    return -1;
  }

  private generate(): Member {
    const { state, layout } = this;
    const n = state.k.n;
    const z = new Float64Array(n);
    const x = new Float64Array(n);
    // Resample until the point falls in the box; after BOX_RESAMPLES tries, mirror it in. Discrete coordinates too:
    // outside the box they all round to the edge value, a flat region where the mean would drift unchecked.
    for (let r = 0; ; r++) {
      for (let j = 0; j < n; j++) z[j] = this.rng.normal();
      const y = state.step(z);
      let inside = true;
      for (let j = 0; j < n; j++) {
        x[j] = state.mean[j] + state.sigma * y[j];
        if (x[j] < 0 || x[j] > 1) inside = false;
      }
      if (inside) break;
      if (r === BOX_RESAMPLES) {
        for (let j = 0; j < n; j++) x[j] = mirror(x[j]);
        break;
      }
    }
    const values = layout.coords.map((c, j) => evaluatedValue(c, state, j, x[j]));
    const m: Member = { x, values, key: hashValues(values) };
    const i = this.members.length;
    this.members.push(m);
    const list = this.byKey.get(m.key);
    if (list) list.push(i);
    else this.byKey.set(m.key, [i]);
    return m;
  }
}

/** A trial assigned to a generation: its step y = (x − m) / σ and its outcome. */
export interface Slot {
  readonly y: Float64Array;
  /** The point in the unit cube (for the surrogate's archive). */
  readonly x: Float64Array;
  /** Index of the generation member it is, or −1 for a trial that matches none. */
  readonly member: number;
  readonly running: boolean;
  /** Value to minimise (sign-adjusted), or null for failed and pruned trials. */
  readonly score: number | null;
}

/** Plain CMA-ES: the first λ complete slots, best first (a stable sort: ties keep trial order). */
export function trueRanking(gen: Generation, slots: readonly Slot[]): { y: Float64Array; value: number }[] {
  const chosen: { y: Float64Array; value: number }[] = [];
  for (const s of slots) {
    if (s.score !== null) chosen.push({ y: s.y, value: s.score });
    if (chosen.length === gen.lambda) break;
  }
  return chosen.sort((a, b) => a.value - b.value);
}

/**
 * lq-CMA-ES: the λ members ranked by true values when all were evaluated, else by the model's values shifted
 * so that the best equals the best true value (pycma's `surrogate_values`); failed members rank last.
 */
export function surrogateRanking(gen: Generation, slots: readonly Slot[], model: LqModel | null): { y: Float64Array; value: number }[] {
  const { mean, sigma } = gen.state;
  const bySlot = new Map<number, Slot>();
  for (const s of slots) if (s.member >= 0 && s.member < gen.lambda && !bySlot.has(s.member)) bySlot.set(s.member, s);
  let bestTrue = Infinity;
  for (const s of bySlot.values()) if (s.score !== null) bestTrue = Math.min(bestTrue, s.score);
  const out: { y: Float64Array; value: number; failed: boolean }[] = [];
  for (let i = 0; i < gen.lambda; i++) {
    const s = bySlot.get(i);
    const x = gen.member(i).x;
    const y = s?.y ?? Float64Array.from(x, (v, j) => (v - mean[j]) / sigma);
    const failed = s !== undefined && s.score === null;
    out.push({ y, failed, value: model ? model.predict(x) : (s?.score ?? Infinity) });
  }
  if (model) {
    let best = Infinity;
    for (const o of out) if (!o.failed) best = Math.min(best, o.value);
    for (const o of out) o.value = o.failed ? Infinity : o.value - best + bestTrue;
  }
  return out.sort((a, b) => a.value - b.value);
}

/** Kendall τ between true and model values over the most recent `count` points. */
function tauOf(model: LqModel, points: readonly ArchivePoint[], count: number): number {
  const recent = points.slice(Math.max(0, points.length - Math.floor(count)));
  if (recent.length < 3) return 0;
  return kendallTau(
    recent.map((p) => p.f),
    recent.map((p) => model.predict(p.x)),
  );
}

export function isReady(gen: Generation, slots: readonly Slot[]): boolean {
  return gen.archive ? gen.surrogateReady(slots) !== undefined : ready(slots, gen.lambda);
}

/** True once the first λ complete slots are known with no running slot before them. */
function ready(slots: readonly Slot[], lambda: number): boolean {
  let complete = 0;
  for (const s of slots) {
    if (s.running) return false;
    if (s.score !== null && ++complete === lambda) return true;
  }
  return false;
}
