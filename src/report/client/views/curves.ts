import type { ReportData } from '../../data.js';
import { STATE_COLOR, chart, trialTip, indexer } from '../kit.js';

export function curves(root: HTMLElement, d: ReportData): void {
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
