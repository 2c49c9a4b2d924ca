import type { ReportData } from '../../data.js';
import { STATE_COLOR, esc, fmt, chart, trialTip, type TipParams } from '../kit.js';

export function timeline(root: HTMLElement, d: ReportData): void {
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
