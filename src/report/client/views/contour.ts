import type { ContourAxis } from '../../contour.js';
import type { ReportData } from '../../data.js';
import { LARGE, fmt, chart, trialTip, indexer, type Opt, type TipParams } from '../kit.js';

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

export function contour(root: HTMLElement, d: ReportData): void {
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
