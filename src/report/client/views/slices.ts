import type { ReportData } from '../../data.js';
import { LARGE, fmt, el, mount, trialTip, type TipParams } from '../kit.js';

export function slices(root: HTMLElement, d: ReportData): void {
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
    mount(div, name, {
      title: { text: p.label, mount, left: 'center', textStyle: { fontSize: 13 } },
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
  });
}
