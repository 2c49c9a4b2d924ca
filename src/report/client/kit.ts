/// <reference lib="dom" />
// What every chart of the report, the dashboard and the bench plots shares. The page script (page.ts and what it
// imports) is bundled into one module at build time and inlined into the pages, so it loads nothing at run time and
// reaches ECharts through the global the inlined ECharts bundle defines. Every text that comes from a study is set
// with textContent or escaped before it reaches an HTML tooltip; ECharts draws axis and legend labels on a canvas.
import type { ReportData } from '../data.js';

export interface Chart {
  setOption(o: unknown, notMerge?: boolean): void;
  dispose(): void;
  resize(): void;
}
declare const echarts: { init(el: HTMLElement, theme?: string | null, opts?: Record<string, unknown>): Chart };
export type Opt = Record<string, unknown>;
/** ECharts' tooltip callback argument, the fields used here. */
export interface TipParams {
  data: unknown;
  seriesName?: string;
  value?: unknown;
  dataIndex: number;
}

export const STATE_COLOR: Record<string, string> = { complete: '#3b6fd4', pruned: '#e0a526', fail: '#d43b3b', running: '#9aa0a6' };
/** Above this many points a series switches to ECharts' large (batched, hover-light) mode. */
export const LARGE = 2000;

export function esc(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function fmt(v: number | null | undefined): string {
  if (v === null || v === undefined) return '–';
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e6) ? v.toExponential(3).replace(/\.?0+e/, 'e') : String(Number(v.toPrecision(6)));
}

export function el<K extends keyof HTMLElementTagNameMap>(
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
export const charts = new Map<string, Chart>();
declare global {
  interface Window {
    parzenCharts: Map<string, Chart>;
    parzenReady?: boolean;
  }
}
window.parzenCharts = charts;
window.addEventListener('resize', () => charts.forEach((c) => c.resize()));

export function chart(parent: HTMLElement, name: string, title: string, option: Opt, height = 340, note?: string): Chart {
  const box = el('section', parent, undefined, 'card');
  el('h2', box, title);
  if (note) el('p', box, note, 'note');
  const div = el('div', box, undefined, 'chart');
  div.style.height = `${height}px`;
  return mount(div, name, option);
}

/** An ECharts chart in `div`, registered under `name` (replacing the chart of that name). */
export function mount(div: HTMLElement, name: string, option: Opt): Chart {
  div.dataset.chart = name;
  charts.get(name)?.dispose();
  const c = echarts.init(div, null, { renderer: 'canvas' });
  c.setOption({ animation: false, tooltip: { trigger: 'item', confine: true }, ...option });
  charts.set(name, c);
  return c;
}

export function disposeAll(): void {
  charts.forEach((c) => c.dispose());
  charts.clear();
}

/** The tooltip of one trial: its number, state, value and active params, escaped. */
export function trialTip(d: ReportData, i: number): string {
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

export function paramText(p: ReportData['params'][number], v: number): string {
  return p.kind === 'choice' ? (p.options?.[v] ?? String(v)) : fmt(v);
}

/** Index of a trial in the columns by its number (numbers are gap-free from 0, but a report may hold a subset). */
export function indexer(d: ReportData): (number: number) => number {
  const m = new Map(d.trials.number.map((num, i) => [num, i]));
  return (num) => m.get(num) ?? -1;
}

export const PALETTE = ['#3b6fd4', '#d43b3b', '#1b9e77', '#e0a526', '#7570b3', '#e7298a', '#66a61e', '#a6761d'];
