import type { ReportData } from '../../data.js';
import { STATE_COLOR, LARGE, chart, trialTip, type TipParams } from '../kit.js';

export function history(root: HTMLElement, d: ReportData): void {
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
