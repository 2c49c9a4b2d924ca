/// <reference lib="dom" />
// The browser side of the report, the dashboard and the bench plots. It is inlined, compiled, into the pages (an
// inline module script), so it imports nothing at run time and reaches ECharts through the global the inlined
// ECharts bundle defines. Every text that comes from a study is set with textContent or escaped before it reaches an
// HTML tooltip; ECharts draws axis and legend labels on a canvas, as text.
import type { ContourAxis } from '../contour.js';
import type { ReportData } from '../data.js';
import type { BenchPlotData } from '../bench-plot.js';

interface Chart {
  setOption(o: unknown, notMerge?: boolean): void;
  dispose(): void;
  resize(): void;
}
declare const echarts: { init(el: HTMLElement, theme?: string | null, opts?: Record<string, unknown>): Chart };
type Opt = Record<string, unknown>;
/** ECharts' tooltip callback argument, the fields used here. */
interface TipParams {
  data: unknown;
  seriesName?: string;
  value?: unknown;
  dataIndex: number;
}

const STATE_COLOR: Record<string, string> = { complete: '#3b6fd4', pruned: '#e0a526', fail: '#d43b3b', running: '#9aa0a6' };
/** Above this many points a series switches to ECharts' large (batched, hover-light) mode. */
const LARGE = 2000;
/** At most this many lines in the parallel coordinates (the best quarter, then an even spread). */
const MAX_LINES = 4000;

export function esc(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function fmt(v: number | null | undefined): string {
  if (v === null || v === undefined) return '–';
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e6) ? v.toExponential(3).replace(/\.?0+e/, 'e') : String(Number(v.toPrecision(6)));
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  parent: HTMLElement | null,
  text?: string,
  cls?: string,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  parent?.appendChild(e);
  return e;
}

/** The charts of the page, by name, for the tests (`window.parzenCharts`) and for resizing. */
const charts = new Map<string, Chart>();
declare global {
  interface Window {
    parzenCharts: Map<string, Chart>;
    parzenReady?: boolean;
  }
}
window.parzenCharts = charts;
window.addEventListener('resize', () => charts.forEach((c) => c.resize()));

function chart(parent: HTMLElement, name: string, title: string, option: Opt, height = 340, note?: string): Chart {
  const box = el('section', parent, undefined, 'card');
  el('h2', box, title);
  if (note) el('p', box, note, 'note');
  const div = el('div', box, undefined, 'chart');
  div.style.height = `${height}px`;
  div.dataset.chart = name;
  charts.get(name)?.dispose();
  const c = echarts.init(div, null, { renderer: 'canvas' });
  c.setOption({ animation: false, tooltip: { trigger: 'item', confine: true }, ...option });
  charts.set(name, c);
  return c;
}

function disposeAll(): void {
  charts.forEach((c) => c.dispose());
  charts.clear();
}

/** Renders every view of a study into `root` (emptied first). */
export function renderStudy(root: HTMLElement, d: ReportData): void {
  disposeAll();
  root.replaceChildren();
  const n = d.trials.number.length;
  const head = el('section', root, undefined, 'card head');
  el('h1', head, d.study.name);
  const c = d.counts;
  el(
    'p',
    head,
    `${d.study.direction} · ${d.study.sampler.name} · seed ${d.study.seed} · ${n} trials: ${c.complete} complete, ${c.pruned} pruned, ${c.fail} failed, ${c.running} running · report of ${new Date(d.generatedAt).toISOString()}`,
  );
  const top = el('div', root, undefined, 'row');
  const best = el('section', top, undefined, 'card half');
  el('h2', best, d.objectives ? 'Pareto front' : 'Best trial');
  if (d.objectives) {
    const o = d.objectives;
    el('p', best, `${o.front.length} trial${o.front.length === 1 ? '' : 's'} on the front (${o.directions.join(', ')})`, 'best');
    el('pre', best, o.front.map((i) => `trial ${d.trials.number[i]}: ${(o.values[i] ?? []).map((v) => fmt(v)).join(', ')}`).join('\n'));
  } else if (d.best) {
    el('p', best, `trial ${d.best.number}: value ${fmt(d.best.value)}`, 'best');
    el('pre', best, JSON.stringify(d.best.config ?? d.best.params, null, 2));
  } else el('p', best, 'no trial has completed yet');
  const settings = el('section', top, undefined, 'card half');
  el('h2', settings, 'Study settings');
  el(
    'pre',
    settings,
    JSON.stringify(
      {
        direction: d.study.direction,
        sampler: d.study.sampler,
        seed: d.study.seed,
        createdAt: new Date(d.study.createdAt).toISOString(),
        space: d.study.space,
      },
      null,
      2,
    ),
  );
  if (n === 0) return;
  history(root, d);
  paretoFront(root, d);
  importance(root, d);
  parallel(root, d);
  contour(root, d);
  slices(root, d);
  curves(root, d);
  timeline(root, d);
}

/** The tooltip of one trial: its number, state, value and active params, escaped. */
function trialTip(d: ReportData, i: number): string {
  const t = d.trials;
  const lines = [
    `<b>trial ${t.number[i]}</b> · ${esc(t.state[i])}`,
    t.value[i] === null && t.last[i] !== null ? `last intermediate value ${esc(fmt(t.last[i]))}` : `value ${esc(fmt(t.value[i]))}`,
  ];
  if (t.note[i]) lines.push(esc(t.note[i]));
  for (const p of d.params) {
    const v = p.values[i];
    if (v !== null) lines.push(`${esc(p.label)} = ${esc(paramText(p, v))}`);
  }
  return lines.join('<br>');
}

function paramText(p: ReportData['params'][number], v: number): string {
  return p.kind === 'choice' ? (p.options?.[v] ?? String(v)) : fmt(v);
}

/** Index of a trial in the columns by its number (numbers are gap-free from 0, but a report may hold a subset). */
function indexer(d: ReportData): (number: number) => number {
  const m = new Map(d.trials.number.map((num, i) => [num, i]));
  return (num) => m.get(num) ?? -1;
}

function history(root: HTMLElement, d: ReportData): void {
  const t = d.trials;
  const minimize = d.study.direction === 'minimize';
  const finite = t.value.filter((v): v is number => v !== null);
  const lo = finite.length ? Math.min(...finite) : 0;
  const hi = finite.length ? Math.max(...finite) : 1;
  // trials without a value sit on a line just past the worst value, marked by state
  const off = minimize ? hi + 0.05 * (hi - lo || 1) : lo - 0.05 * (hi - lo || 1);
  const byState: Record<string, [number, number, number][]> = { complete: [], pruned: [], fail: [], running: [] };
  const bestLine: [number, number][] = [];
  let bestSoFar: number | null = null;
  t.number.forEach((num, i) => {
    const v = t.value[i];
    // a pruned trial sits at its last intermediate value when it reported one
    byState[t.state[i]].push([num, v ?? t.last[i] ?? off, i]);
    if (t.state[i] === 'complete' && v !== null && (bestSoFar === null || (minimize ? v < bestSoFar : v > bestSoFar))) bestSoFar = v;
    if (bestSoFar !== null) bestLine.push([num, bestSoFar]);
  });
  const symbols: Record<string, string> = { complete: 'circle', pruned: 'diamond', fail: 'triangle', running: 'rect' };
  const scatter = Object.entries(byState).map(([state, data]) => ({
    name: state === 'fail' ? 'failed' : state,
    type: 'scatter',
    data,
    symbol: symbols[state],
    symbolSize: t.number.length > LARGE ? 3 : 6,
    large: true,
    largeThreshold: LARGE,
    itemStyle: { color: STATE_COLOR[state] },
    tooltip: { formatter: (p: TipParams) => trialTip(d, (p.data as number[])[2]) },
  }));
  chart(root, 'history', 'Optimization history', {
    legend: { top: 0 },
    grid: { left: 60, right: 20, top: 36, bottom: 40 },
    xAxis: { type: 'value', name: 'trial', nameLocation: 'middle', nameGap: 26, min: 0 },
    yAxis: { type: 'value', name: 'value', scale: true },
    dataZoom: [{ type: 'inside' }, { type: 'inside', yAxisIndex: 0 }],
    series: [
      ...scatter,
      {
        name: 'best so far',
        type: 'line',
        step: 'end',
        data: bestLine,
        showSymbol: false,
        silent: true,
        lineStyle: { color: '#1b9e77', width: 2 },
        itemStyle: { color: '#1b9e77' },
      },
    ],
  });
}

/**
 * A study with several objectives: two objectives as a scatter of the complete trials, the Pareto front (joined by
 * its attainment steps) apart from dominated and infeasible trials; more as parallel coordinates over the objectives,
 * the front's lines drawn over the dominated ones.
 */
function paretoFront(root: HTMLElement, d: ReportData): void {
  const o = d.objectives;
  if (!o) return;
  const onFront = new Set(o.front);
  const rows = o.values.map((_, i) => i).filter((i) => o.values[i] !== null);
  if (rows.length === 0) return;
  const m = o.directions.length;
  const name = (k: number) => `objective ${k} (${o.directions[k] === 'minimize' ? 'min' : 'max'})`;
  const point = (i: number) => [...(o.values[i] as number[]), i];
  const groups = {
    front: rows.filter((i) => onFront.has(i)),
    dominated: rows.filter((i) => !onFront.has(i) && o.feasible[i]),
    infeasible: rows.filter((i) => !o.feasible[i]),
  };
  const tip = { formatter: (p: TipParams) => trialTip(d, (p.data as number[])[m]) };
  const title = `Pareto front (${o.front.length} of ${rows.length} complete trials)`;
  if (m === 2) {
    // the front's staircase: sorted on the first objective, each point reached from the previous one
    const sorted = [...groups.front].sort((a, b) => (o.values[a] as number[])[0] - (o.values[b] as number[])[0]);
    const series = [
      { name: 'dominated', data: groups.dominated.map(point), color: '#9aa0a6', symbol: 'circle', size: 5 },
      { name: 'infeasible', data: groups.infeasible.map(point), color: '#d43b3b', symbol: 'triangle', size: 6 },
      { name: 'Pareto front', data: groups.front.map(point), color: '#3b6fd4', symbol: 'circle', size: 9 },
    ].map((s) => ({
      name: s.name,
      type: 'scatter',
      data: s.data,
      symbol: s.symbol,
      symbolSize: s.size,
      large: true,
      largeThreshold: LARGE,
      itemStyle: { color: s.color },
      tooltip: tip,
    }));
    chart(root, 'front', title, {
      legend: { top: 0 },
      grid: { left: 60, right: 20, top: 36, bottom: 44 },
      xAxis: { type: 'value', name: name(0), nameLocation: 'middle', nameGap: 28, scale: true },
      yAxis: { type: 'value', name: name(1), scale: true },
      dataZoom: [{ type: 'inside' }, { type: 'inside', yAxisIndex: 0 }],
      series: [
        ...series,
        {
          name: 'front line',
          type: 'line',
          // the boundary of the region the front dominates: it changes level past a point when the first objective
          // is minimized, before it when maximized
          step: o.directions[0] === 'minimize' ? 'end' : 'start',
          data: sorted.map(point),
          showSymbol: false,
          silent: true,
          lineStyle: { color: '#3b6fd4', width: 1.5 },
          itemStyle: { color: '#3b6fd4' },
        },
      ],
    });
    return;
  }
  const parallelSeries = (label: string, data: number[][], color: string, width: number, opacity: number) => ({
    name: label,
    type: 'parallel',
    data,
    lineStyle: { color, width, opacity },
    emphasis: { lineStyle: { width: 3, opacity: 1 } },
    tooltip: tip,
  });
  chart(
    root,
    'front',
    title,
    {
      legend: { top: 0 },
      parallelAxis: o.directions.map((_, k) => ({ dim: k, name: name(k), type: 'value', scale: true })),
      parallel: { left: 60, right: 60, top: 60, bottom: 30 },
      series: [
        parallelSeries('dominated', groups.dominated.map(point), '#9aa0a6', 1, rows.length > 500 ? 0.2 : 0.4),
        parallelSeries('infeasible', groups.infeasible.map(point), '#d43b3b', 1, 0.4),
        parallelSeries('Pareto front', groups.front.map(point), '#3b6fd4', 2, 0.9),
      ],
    },
    380,
  );
}

function importance(root: HTMLElement, d: ReportData): void {
  if (d.importance.length === 0) {
    const box = el('section', root, undefined, 'card');
    el('h2', box, 'Parameter importance');
    el('p', box, d.importanceMethod, 'note');
    return;
  }
  const rows = [...d.importance].reverse();
  chart(
    root,
    'importance',
    'Parameter importance',
    {
      grid: { left: 160, right: 40, top: 10, bottom: 30 },
      xAxis: { type: 'value', max: 1 },
      yAxis: { type: 'category', data: rows.map((r) => r.label), axisLabel: { width: 150, overflow: 'truncate' } },
      series: [
        {
          type: 'bar',
          data: rows.map((r) => r.importance),
          itemStyle: { color: '#3b6fd4' },
          label: { show: true, position: 'right', formatter: (p: TipParams) => fmt(p.value as number) },
          tooltip: { formatter: (p: TipParams) => `${esc(rows[p.dataIndex].label)}: ${esc(fmt(rows[p.dataIndex].importance))}` },
        },
      ],
    },
    Math.max(120, 28 * rows.length + 40),
    d.importanceMethod,
  );
}

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

function parallel(root: HTMLElement, d: ReportData): void {
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

function axisOption(a: ContourAxis): Opt {
  if (a.kind === 'choice') return { type: 'category', data: a.options, name: a.label };
  return {
    type: a.log ? 'log' : 'value',
    min: a.edges[0],
    max: a.edges[a.edges.length - 1],
    name: a.label,
    axisLabel: { formatter: (v: number) => fmt(v) },
  };
}

function contour(root: HTMLElement, d: ReportData): void {
  const c = d.contour;
  if (!c) return;
  const vs = c.cells.map((x) => x[2]);
  const at = indexer(d);
  // A cell is drawn from its edges (numeric axis) or its band (choice axis).
  const span = (a: ContourAxis, k: number): [number, number] => (a.kind === 'numeric' ? [a.edges[k], a.edges[k + 1]] : [k, k]);
  chart(
    root,
    'contour',
    `Contour: ${c.x.label} × ${c.y.label}`,
    {
      grid: { left: 70, right: 90, top: 30, bottom: 50 },
      xAxis: { ...axisOption(c.x), nameLocation: 'middle', nameGap: 28 },
      yAxis: axisOption(c.y),
      visualMap: {
        type: 'continuous',
        seriesIndex: 0,
        dimension: 2,
        min: Math.min(...vs),
        max: Math.max(...vs),
        inRange: { color: ['#1a9850', '#fee08b', '#d73027'] },
        right: 0,
        top: 'middle',
        calculable: true,
        itemHeight: 120,
        inverse: d.study.direction === 'maximize',
      },
      series: [
        {
          type: 'custom',
          silent: true,
          data: c.cells,
          renderItem: (
            _p: unknown,
            api: { value(i: number): number; coord(v: number[]): number[]; size(v: number[]): number[]; visual(k: string): string },
          ) => {
            const [x0, x1] = span(c.x, api.value(0));
            const [y0, y1] = span(c.y, api.value(1));
            const p0 = api.coord([x0, y0]);
            const p1 = api.coord([x1, y1]);
            const band = api.size([1, 1]);
            const wx = c.x.kind === 'choice' ? band[0] : p1[0] - p0[0];
            const wy = c.y.kind === 'choice' ? band[1] : p0[1] - p1[1];
            const left = c.x.kind === 'choice' ? p0[0] - wx / 2 : p0[0];
            const topY = c.y.kind === 'choice' ? p0[1] - wy / 2 : p1[1];
            return { type: 'rect', shape: { x: left, y: topY, width: wx + 0.5, height: wy + 0.5 }, style: { fill: api.visual('color') } };
          },
          encode: { x: 0, y: 1 },
          progressive: 0,
        },
        {
          type: 'scatter',
          name: 'trials',
          data: c.points,
          symbolSize: c.points.length > LARGE ? 2 : 4,
          large: true,
          largeThreshold: LARGE,
          itemStyle: { color: '#222', opacity: 0.6 },
          tooltip: { formatter: (p: TipParams) => trialTip(d, at((p.data as number[])[2])) },
        },
      ],
    },
    420,
    'objective smoothed over the complete trials (Gaussian kernel); dots are trials',
  );
}

function slices(root: HTMLElement, d: ReportData): void {
  const t = d.trials;
  const box = el('section', root, undefined, 'card');
  el('h2', box, 'Slice plots');
  const wrap = el('div', box, undefined, 'slices');
  d.params.forEach((p, k) => {
    const data: [number, number, number][] = [];
    p.values.forEach((v, i) => {
      if (v !== null && t.state[i] === 'complete' && t.value[i] !== null) data.push([v, t.value[i], i]);
    });
    const div = el('div', wrap, undefined, 'slice');
    const name = `slice:${k}`;
    div.dataset.chart = name;
    const c = echarts.init(div, null, { renderer: 'canvas' });
    c.setOption({
      animation: false,
      title: { text: p.label, left: 'center', textStyle: { fontSize: 13 } },
      tooltip: { trigger: 'item', confine: true },
      grid: { left: 55, right: 15, top: 30, bottom: 30 },
      xAxis:
        p.kind === 'choice'
          ? { type: 'category', data: p.options, axisLabel: { interval: 0, width: 70, overflow: 'truncate' } }
          : { type: p.log ? 'log' : 'value', scale: true, axisLabel: { formatter: (v: number) => fmt(v) } },
      yAxis: { type: 'value', scale: true },
      visualMap: { show: false, dimension: 2, min: 0, max: Math.max(1, t.number.length - 1), inRange: { color: ['#c6dbef', '#08306b'] } },
      series: [
        {
          type: 'scatter',
          data,
          symbolSize: data.length > LARGE ? 3 : 5,
          large: true,
          largeThreshold: LARGE,
          tooltip: { formatter: (q: TipParams) => trialTip(d, (q.data as number[])[2]) },
        },
      ],
    });
    charts.set(name, c);
  });
}

function curves(root: HTMLElement, d: ReportData): void {
  if (d.curves.length === 0) return;
  const at = indexer(d);
  chart(
    root,
    'curves',
    'Learning curves (intermediate values)',
    {
      grid: { left: 60, right: 20, top: 20, bottom: 40 },
      xAxis: { type: 'value', name: 'step', nameLocation: 'middle', nameGap: 26 },
      yAxis: { type: 'value', scale: true },
      series: d.curves.map((c) => ({
        type: 'line',
        name: `trial ${c.number}`,
        data: c.steps.map((s, j) => [s, c.values[j]]),
        showSymbol: c.steps.length <= 30,
        symbolSize: 4,
        lineStyle: { width: 1, opacity: 0.7, color: STATE_COLOR[c.state] },
        itemStyle: { color: STATE_COLOR[c.state] },
        emphasis: { focus: 'series', lineStyle: { width: 3 } },
        tooltip: { formatter: () => trialTip(d, at(c.number)) },
      })),
      tooltip: { trigger: 'item', confine: true },
    },
    340,
    d.curves.length < d.curvesTotal
      ? `${d.curves.length} of ${d.curvesTotal} trials: the best half and an even spread of the rest`
      : undefined,
  );
}

function timeline(root: HTMLElement, d: ReportData): void {
  const t = d.trials;
  const data = t.number.map((_, i) => [t.lane[i], t.startedAt[i], t.finishedAt[i] ?? d.generatedAt, i]);
  const start = Math.min(...t.startedAt);
  const end = Math.max(...data.map((r) => r[2]));
  chart(
    root,
    'timeline',
    'Timeline of trials per worker',
    {
      grid: { left: 170, right: 20, top: 10, bottom: 40 },
      xAxis: { type: 'time', min: start, max: end },
      yAxis: { type: 'category', data: d.lanes, axisLabel: { width: 160, overflow: 'truncate' } },
      dataZoom: [{ type: 'inside', filterMode: 'weakFilter' }],
      series: [
        {
          type: 'custom',
          data,
          encode: { x: [1, 2], y: 0 },
          progressive: 2000,
          renderItem: (_p: unknown, api: { value(i: number): number; coord(v: number[]): number[]; size(v: number[]): number[] }) => {
            const lane = api.value(0);
            const a = api.coord([api.value(1), lane]);
            const b = api.coord([api.value(2), lane]);
            const h = api.size([0, 1])[1] * 0.6;
            const i = api.value(3);
            return {
              type: 'rect',
              shape: { x: a[0], y: a[1] - h / 2, width: Math.max(1, b[0] - a[0]), height: h },
              style: { fill: STATE_COLOR[t.state[i]] },
            };
          },
          tooltip: {
            formatter: (p: TipParams) => {
              const i = (p.data as number[])[3];
              const ms = (t.finishedAt[i] ?? d.generatedAt) - t.startedAt[i];
              return `${trialTip(d, i)}<br>${esc(d.lanes[t.lane[i]])} · ${esc(fmt(ms / 1000))} s`;
            },
          },
        },
      ],
    },
    Math.max(140, 26 * d.lanes.length + 60),
    busyNote(d),
  );
}

/** How busy the lanes were: the summed trial time over lanes × the span from the first start to the last end. */
function busyNote(d: ReportData): string {
  const t = d.trials;
  let first = Infinity;
  let last = -Infinity;
  let busy = 0;
  t.number.forEach((_, i) => {
    const end = t.finishedAt[i] ?? d.generatedAt;
    first = Math.min(first, t.startedAt[i]);
    last = Math.max(last, end);
    busy += end - t.startedAt[i];
  });
  const span = last - first;
  const share = span > 0 ? busy / (span * d.lanes.length) : 1;
  return `${d.lanes.length} lane(s) (owner #slot; slots are inferred from overlapping trials of one process): busy ${Math.round(share * 100)}% of ${fmt(span / 1000)} s. Blue complete, amber pruned, red failed, grey running.`;
}

function readJson<T>(id: string): T {
  return JSON.parse((document.getElementById(id) as HTMLElement).textContent) as T;
}

/** Entry of a report file: the data is in a JSON script element. */
export function bootReport(): void {
  renderStudy(document.getElementById('app') as HTMLElement, readJson<ReportData>('parzen-data'));
  window.parzenReady = true;
}

/** Entry of the dashboard: lists the storage's studies and keeps the chosen one up to date by polling. */
export function bootDashboard(pollMs: number): void {
  const list = document.getElementById('studies') as HTMLElement;
  const app = document.getElementById('app') as HTMLElement;
  const status = document.getElementById('status') as HTMLElement;
  let chosen = decodeURIComponent(location.hash.slice(1));
  let shown = '';
  interface Summary {
    name: string;
    direction: string;
    sampler: { name: string };
    counts: Record<string, number>;
    best: number | null;
  }
  const tick = async (): Promise<void> => {
    try {
      const res = await fetch('api/studies');
      const { studies } = (await res.json()) as { studies: Summary[] };
      list.replaceChildren();
      if (studies.length === 0) el('li', list, 'no studies in this storage');
      if (!chosen && studies.length) chosen = studies[0].name;
      for (const s of studies) {
        const li = el('li', list, undefined, s.name === chosen ? 'chosen' : '');
        const a = el('a', li, s.name);
        a.href = `#${encodeURIComponent(s.name)}`;
        const n = Object.values(s.counts).reduce((x, y) => x + y, 0);
        el('span', li, `${n} trials · ${s.sampler.name} · best ${fmt(s.best)}`, 'meta');
        li.dataset.study = s.name;
        li.dataset.trials = String(n);
      }
      const cur = studies.find((s) => s.name === chosen);
      const version = cur ? `${cur.name}|${JSON.stringify(cur.counts)}|${cur.best}` : '';
      if (cur && version !== shown) {
        const r = await fetch(`api/study?name=${encodeURIComponent(cur.name)}`);
        if (r.ok) {
          renderStudy(app, (await r.json()) as ReportData);
          shown = version;
        }
      }
      status.textContent = `updated ${new Date().toLocaleTimeString()}`;
      window.parzenReady = true;
    } catch (e) {
      status.textContent = `cannot reach the server (${e instanceof Error ? e.message : String(e)}); retrying`;
    }
  };
  window.addEventListener('hashchange', () => {
    chosen = decodeURIComponent(location.hash.slice(1));
    shown = '';
    void tick();
  });
  const loop = async (): Promise<void> => {
    await tick();
    setTimeout(() => void loop(), pollMs);
  };
  void loop();
}

/** Entry of a bench plot. */
export function bootBench(): void {
  const data = readJson<BenchPlotData>('parzen-data');
  const root = document.getElementById('app') as HTMLElement;
  const head = el('section', root, undefined, 'card head');
  el('h1', head, data.title);
  if (data.subtitle) el('p', head, data.subtitle);
  for (const [k, p] of data.plots.entries()) {
    chart(
      root,
      `bench:${k}`,
      p.title,
      {
        legend: { top: 0, type: 'scroll', data: p.lines.map((l) => l.name) },
        tooltip: {
          trigger: 'axis',
          confine: true,
          formatter: (ps: TipParams[]) =>
            ps
              .filter((q) => q.seriesName && !q.seriesName.endsWith(' band'))
              .map((q) => `${esc(q.seriesName)}: ${esc(fmt((q.data as number[])[1]))}`)
              .join('<br>'),
        },
        grid: { left: 70, right: 30, top: 40, bottom: 50 },
        xAxis: { type: p.xLog ? 'log' : 'value', name: p.xName, nameLocation: 'middle', nameGap: 28, scale: true },
        yAxis: { type: p.yLog ? 'log' : 'value', name: p.yName, scale: true },
        series: p.lines.flatMap((line, j) => {
          const color = PALETTE[j % PALETTE.length];
          const out: Opt[] = [
            {
              type: 'line',
              name: line.name,
              data: line.points.map((q) => [q[0], q[1]]),
              showSymbol: line.points.length <= 20,
              itemStyle: { color },
              lineStyle: { color, width: 2 },
            },
          ];
          if (line.points.some((q) => q.length >= 4)) {
            // quartile band: an invisible q25 line stacked with (q75 − q25), area-filled
            out.push({
              type: 'line',
              name: `${line.name} band`,
              data: line.points.map((q) => [q[0], q[2]]),
              lineStyle: { opacity: 0 },
              showSymbol: false,
              stack: `band${j}`,
              silent: true,
              legendHoverLink: false,
              tooltip: { show: false },
            });
            out.push({
              type: 'line',
              name: `${line.name} band`,
              data: line.points.map((q) => [q[0], q[3] - q[2]]),
              lineStyle: { opacity: 0 },
              showSymbol: false,
              stack: `band${j}`,
              areaStyle: { color, opacity: 0.18 },
              silent: true,
              tooltip: { show: false },
            });
          }
          return out;
        }),
      },
      380,
      p.note,
    );
  }
  window.parzenReady = true;
}

const PALETTE = ['#3b6fd4', '#d43b3b', '#1b9e77', '#e0a526', '#7570b3', '#e7298a', '#66a61e', '#a6761d'];
