import type { ReportData } from '../../data.js';
import { fmt, chart, trialTip, type TipParams } from '../kit.js';

/** At most this many lines in the parallel coordinates (the best quarter, then an even spread). */
const MAX_LINES = 4000;

/** Complete trials, or, above MAX_LINES, the best quarter of them and an even spread of the rest. */
function parallelRows(d: ReportData): number[] {
  const t = d.trials;
  const idx = t.number.map((_, i) => i).filter((i) => t.state[i] === 'complete' && t.value[i] !== null);
  if (idx.length <= MAX_LINES) return idx;
  const sign = d.study.direction === 'minimize' ? 1 : -1;
  const ranked = [...idx].sort((a, b) => sign * ((t.value[a] as number) - (t.value[b] as number)));
  const keep = new Set(ranked.slice(0, MAX_LINES / 4));
  const rest = ranked.slice(MAX_LINES / 4);
  const k = (MAX_LINES * 3) / 4;
  for (let j = 0; j < k; j++) keep.add(rest[Math.floor((j * rest.length) / k)]);
  return idx.filter((i) => keep.has(i));
}

/** Nice ticks over [lo, hi] (linear) or the powers of ten inside it (log). */
function ticks(lo: number, hi: number, log: boolean): number[] {
  if (log) {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) if (10 ** e >= lo && 10 ** e <= hi) out.push(10 ** e);
    return out.length >= 2 ? out : [lo, hi];
  }
  const step0 = (hi - lo) / 5 || 1;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0) as number;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * step; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

export function parallel(root: HTMLElement, d: ReportData): void {
  const t = d.trials;
  const rows = parallelRows(d);
  if (rows.length === 0 || d.params.length === 0) return;
  const total = t.state.filter((s) => s === 'complete').length;
  // A conditional parameter's inactive trials get a place of their own: an "inactive" category on a choice axis,
  // a tick below the active range (labelled "inactive") on a numeric axis, never a zero.
  const axes = d.params.map((p, k) => {
    const base = { dim: k, name: p.label, nameTextStyle: { width: 90, overflow: 'truncate' } };
    if (p.kind === 'choice') {
      const data = [...(p.options ?? [])];
      if (p.conditional) data.push('inactive');
      return { axis: { ...base, type: 'category', data }, inactive: p.conditional ? data.length - 1 : null };
    }
    const vs = p.values.filter((v): v is number => v !== null && (!p.log || v > 0));
    let lo = vs.length ? Math.min(...vs) : 0;
    let hi = vs.length ? Math.max(...vs) : 1;
    if (!(hi > lo)) [lo, hi] = p.log ? [lo / 2, hi * 2] : [lo - 1, hi + 1];
    // labelled: the nice ticks inside the range, and its ends unless a tick is close to them
    const pos = (v: number) => (p.log ? Math.log(v) : v);
    const near = (a: number, b: number) => Math.abs(pos(a) - pos(b)) < 0.08 * (pos(hi) - pos(lo));
    const inner = ticks(lo, hi, p.log).filter((v) => v > lo && v < hi);
    const tv = [...(inner.some((v) => near(v, lo)) ? [] : [lo]), ...inner, ...(inner.some((v) => near(v, hi)) ? [] : [hi])];
    if (!p.conditional)
      return {
        axis: {
          ...base,
          type: p.log ? 'log' : 'value',
          min: lo,
          max: hi,
          axisLabel: { customValues: tv, formatter: (v: number) => fmt(v) },
        },
        inactive: null,
      };
    const below = p.log ? lo / (hi / lo) ** 0.15 : lo - 0.15 * (hi - lo);
    return {
      axis: {
        ...base,
        type: p.log ? 'log' : 'value',
        min: below,
        max: hi,
        axisLabel: { customValues: [below, ...tv], formatter: (v: number) => (v < lo ? 'inactive' : fmt(v)) },
        axisTick: { customValues: [below, lo, hi] },
      },
      inactive: below,
    };
  });
  const vk = d.params.length;
  const values = rows.map((i) => t.value[i] as number);
  const data = rows.map((i) => [...d.params.map((p, k) => p.values[i] ?? axes[k].inactive), t.value[i], i]);
  chart(
    root,
    'parallel',
    'Parallel coordinates',
    {
      parallelAxis: [...axes.map((a) => a.axis), { dim: vk, name: 'value', type: 'value', scale: true }],
      parallel: { left: 60, right: 130, top: 50, bottom: 30 },
      visualMap: {
        type: 'continuous',
        dimension: vk,
        min: Math.min(...values),
        max: Math.max(...values),
        inRange: { color: ['#1a9850', '#fee08b', '#d73027'].slice(d.study.direction === 'minimize' ? 0 : 0) },
        right: 0,
        top: 'middle',
        calculable: true,
        inverse: d.study.direction === 'maximize',
        itemHeight: 120,
      },
      series: [
        {
          type: 'parallel',
          data,
          lineStyle: { width: 1, opacity: rows.length > 500 ? 0.25 : 0.6 },
          progressive: 500,
          emphasis: { lineStyle: { width: 3, opacity: 1 } },
          tooltip: { formatter: (p: TipParams) => trialTip(d, (p.data as number[])[vk + 1]) },
        },
      ],
    },
    380,
    rows.length < total ? `${rows.length} of ${total} complete trials: the best quarter and an even spread of the rest` : undefined,
  );
}
