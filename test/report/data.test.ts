import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hp } from '../../src/space/hp.js';
import { MAX_CURVES, reportData } from '../../src/report/data.js';
import { escapeHtml, scriptJson } from '../../src/report/html.js';
import { assignLanes } from '../../src/report/lanes.js';
import { reportHtml } from '../../src/report/report.js';
import { randomTrials, studyRecord, trial } from './fixtures.js';

const condTree = { opt: hp.choice('opt', [{ name: 'sgd', m: hp.uniform('m', 0, 1) }, { name: 'adam' }]), lr: hp.loguniform('lr', -9, 0) };

describe('report data', () => {
  it('keeps inactive conditional parameters as null, not zero, and choices as option indices', () => {
    const trials = [trial(0, { opt: 0, m: 0, lr: 0.1 }, 1), trial(1, { opt: 1, lr: 0.01 }, 2)];
    const d = reportData(studyRecord(condTree), trials);
    const col = (l: string) => d.params.find((p) => p.label === l);
    assert.deepEqual(col('m')?.values, [0, null]);
    assert.equal(col('m')?.conditional, true);
    assert.deepEqual(col('opt')?.values, [0, 1]);
    assert.deepEqual(col('opt')?.options, ['#0 sgd', '#1 adam']);
    assert.equal(col('lr')?.log, true);
  });

  it('carries states, fail reasons and the best trial with its config', () => {
    const trials = [trial(0, { opt: 1, lr: 0.5 }, 3), trial(1, { opt: 1, lr: 0.1 }, null), trial(2, { opt: 0, m: 0.5, lr: 0.2 }, 1)];
    const d = reportData(studyRecord(condTree), trials);
    assert.deepEqual(d.trials.state, ['complete', 'fail', 'complete']);
    assert.deepEqual(d.trials.note, [null, 'threw: boom', null]);
    assert.deepEqual(d.counts, { running: 0, complete: 2, pruned: 0, fail: 1 });
    assert.equal(d.best?.number, 2);
    assert.deepEqual(d.best?.config, { opt: { name: 'sgd', m: 0.5 }, lr: 0.2 });
  });

  it('draws learning curves from the intermediate values, at most MAX_CURVES of them, keeping the best', () => {
    const trials = Array.from({ length: 300 }, (_, i) =>
      trial(i, { opt: 1, lr: 0.1 }, i, {
        intermediate: [
          { step: 1, value: 100 + i },
          { step: 2, value: i },
        ],
      }),
    );
    trials.push(trial(300, { opt: 1, lr: 0.1 }, 5)); // no intermediate values
    const d = reportData(studyRecord(condTree), trials);
    assert.equal(d.curvesTotal, 300);
    assert.equal(d.curves.length, MAX_CURVES);
    assert.deepEqual(d.curves[0], { number: 0, state: 'complete', steps: [1, 2], values: [100, 0] });
    const kept = new Set(d.curves.map((c) => c.number));
    for (let i = 0; i < MAX_CURVES / 2; i++) assert.ok(kept.has(i), `best curve ${i} kept`);
  });

  it('puts the two most important parameters in the contour', () => {
    const tree = { a: hp.uniform('a', 0, 1), b: hp.uniform('b', 0, 1), c: hp.uniform('c', 0, 1) };
    const trials = randomTrials(tree, (p) => 5 * Math.abs((p.a as number) - 0.5) + 5 * Math.abs((p.c as number) - 0.3), 300, 1);
    const d = reportData(studyRecord(tree), trials);
    assert.deepEqual(new Set([d.contour?.x.label, d.contour?.y.label]), new Set(['a', 'c']));
    assert.equal(d.contour?.points.length, 300);
    // the smoothed surface is lowest near the optimum (a 0.5, c 0.3)
    const c = d.contour;
    const best = c.cells.reduce((m, x) => (x[2] < m[2] ? x : m));
    const centre = (axis: typeof c.x, k: number) => (axis.kind === 'numeric' ? (axis.edges[k] + axis.edges[k + 1]) / 2 : k);
    const at = { [c.x.label]: centre(c.x, best[0]), [c.y.label]: centre(c.y, best[1]) };
    assert.ok(Math.abs(at.a - 0.5) < 0.15 && Math.abs(at.c - 0.3) < 0.15, `minimum of the surface at ${JSON.stringify(at)}`);
  });
});

describe('timeline lanes', () => {
  it('use one lane per concurrent slot of each owner', () => {
    const t = (n: number, owner: string, start: number, end: number | null) =>
      trial(n, { x: 1 }, 1, { owner, startedAt: start, finishedAt: end });
    const trials = [
      t(0, 'a:1', 0, 10),
      t(1, 'a:1', 0, 5),
      t(2, 'a:1', 5, 20),
      t(3, 'a:1', 10, 12),
      t(4, 'b:2', 3, null),
      t(5, 'b:2', 4, 6),
    ];
    const lanes = assignLanes(trials, 100);
    assert.deepEqual(lanes.names, ['a:1 #1', 'a:1 #2', 'b:2 #1', 'b:2 #2']);
    assert.deepEqual(lanes.laneOf, [0, 1, 1, 0, 2, 3]);
  });
});

describe('report HTML', () => {
  const hostile = '</script><script>window.pwned=1</script>"\'</div>&amp;';
  it('embeds hostile names and values only as escaped data', () => {
    const tree = { [hostile]: hp.choice(hostile, ['<b>bold</b>', hostile]), x: hp.uniform('x', 0, 1) };
    const trials = randomTrials(tree, (p) => p.x as number, 20, 0);
    const html = reportHtml(reportData(studyRecord(tree, `study ${hostile}`), trials));
    assert.equal(html.split('</script>').length - 1, 3, "only the page's own three script elements end");
    assert.equal(html.split('<script').length - 1, 3, 'and only they begin');
    assert.ok(!html.includes('window.pwned=1</script>'));
    assert.ok(html.includes(`<title>parzen report: study ${escapeHtml(hostile)}</title>`));
  });

  it('scriptJson round-trips through JSON.parse with no < or > left', () => {
    const v = { s: hostile, t: '\u2028\u2029<!--' };
    const s = scriptJson(v);
    assert.ok(!/[<>\u2028\u2029]/.test(s));
    assert.deepEqual(JSON.parse(s), v);
  });
});
