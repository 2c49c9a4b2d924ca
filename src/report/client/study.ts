import type { ReportData } from '../data.js';
import { fmt, el, disposeAll } from './kit.js';
import { history } from './views/history.js';
import { paretoFront } from './views/pareto.js';
import { importance } from './views/importance.js';
import { parallel } from './views/parallel.js';
import { contour } from './views/contour.js';
import { slices } from './views/slices.js';
import { curves } from './views/curves.js';
import { timeline } from './views/timeline.js';

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
