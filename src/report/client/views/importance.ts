import type { ReportData } from '../../data.js';
import { esc, fmt, el, chart, type TipParams } from '../kit.js';

export function importance(root: HTMLElement, d: ReportData): void {
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
