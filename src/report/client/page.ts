/// <reference lib="dom" />
import type { BenchPlotData } from '../bench-plot.js';
import type { ReportData } from '../data.js';
import { esc, fmt, el, chart, PALETTE, type Opt, type TipParams } from './kit.js';
import { renderStudy } from './study.js';

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
