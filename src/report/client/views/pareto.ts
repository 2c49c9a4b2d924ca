import type { ReportData } from '../../data.js';
import { LARGE, chart, trialTip, type TipParams } from '../kit.js';

/**
 * A study with several objectives: two objectives as a scatter of the complete trials, the Pareto front (joined by
 * its attainment steps) apart from dominated and infeasible trials; more as parallel coordinates over the objectives,
 * the front's lines drawn over the dominated ones.
 */
export function paretoFront(root: HTMLElement, d: ReportData): void {
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
