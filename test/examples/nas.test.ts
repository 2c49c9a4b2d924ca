import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createStudy, openStorage } from '../../src/index.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('examples/nas (smoke: 3 trials of 2 epochs on a subset)', () => {
  it('runs the baseline, the search in worker threads, the re-evaluation, the test score and the report', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parzen-nas-'));
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        join(root, 'examples/nas/run.mjs'),
        '--trials',
        '3',
        '--epochs',
        '2',
        '--subset',
        '300',
        '--top',
        '2',
        '--reseeds',
        '1',
        '--test-seeds',
        '1',
        '--storage',
        `sqlite:${join(dir, 'nas.db')}`,
        '--report',
        join(dir, 'r.html'),
        '--json',
      ],
      { cwd: root, timeout: 300_000, maxBuffer: 16 << 20 },
    );
    const r = JSON.parse(stdout) as {
      trials: number;
      objective: string;
      baseline: { valError: number; testAccuracy: number };
      chosen: {
        valLoss: number;
        valError: number;
        testAccuracy: number;
        testAccuracies: number[];
        config: { layers: unknown[]; optimizer: { name: string } };
      };
      finalists: unknown[];
    };
    assert.equal(r.trials, 3);
    assert.equal(r.finalists.length, 2);
    assert.equal(r.objective, 'loss');
    assert.ok(r.chosen.valLoss > 0 && Number.isFinite(r.chosen.valLoss), `validation loss ${r.chosen.valLoss}`);
    assert.deepEqual(r.chosen.testAccuracies, [r.chosen.testAccuracy]);
    for (const a of [r.chosen.testAccuracy, 1 - r.chosen.valError]) assert.ok(a >= 0 && a <= 1, `accuracy ${a}`);
    // the small baseline learns even in 2 epochs on 300 images (chance is 0.1)
    assert.ok(r.baseline.testAccuracy > 0.4, `baseline test accuracy ${r.baseline.testAccuracy}`);
    assert.ok(r.chosen.config.layers.length >= 1 && r.chosen.config.layers.length <= 4);
    assert.ok(['sgd', 'adam', 'rmsprop'].includes(r.chosen.config.optimizer.name));
    assert.ok(existsSync(join(dir, 'r.html')), 'the report is written');
    // the baseline is the search's first trial, and every complete trial records the training it had
    const { space, baseline } = (await import(join(root, 'examples/nas/space.mjs'))) as { space: object; baseline: object };
    const storage = await openStorage(`sqlite:${join(dir, 'nas.db')}`);
    try {
      const study = await createStudy({ name: 'nas-tpe-1', space, storage, resume: true });
      const [first] = await study.trials();
      assert.deepEqual(study.space.toObject(first.params), baseline);
      assert.equal(first.state, 'complete');
      assert.deepEqual([first.attrs.epochs, first.attrs.objective, first.attrs.subset], [2, 'loss', 300]);
    } finally {
      await storage.close();
    }
    // what batchNorm and dropout did, over the study's trials
    const slices = await promisify(execFile)(
      process.execPath,
      [join(root, 'examples/nas/slices.mjs'), '--storage', `sqlite:${join(dir, 'nas.db')}`, '--match', '^nas-tpe-', '--json'],
      { cwd: root },
    );
    const rows = JSON.parse(slices.stdout) as { setting: string; trials: number }[];
    const count = (setting: string) => rows.find((r) => r.setting === setting)?.trials ?? NaN;
    assert.equal(count('batchNorm on') + count('batchNorm off'), 2, 'the two trials after the baseline');
  });

  it('compare.mjs tabulates the rows of earlier runs with the same settings, and refuses other settings', async () => {
    const compare = join(root, 'examples/nas/compare.mjs');
    const rows = ['random', 'gp'].flatMap((a) => ['--rows', join(root, `examples/nas/results/fixed-mask/${a}-1-5.json`)]);
    const run = (extra: string[]) => promisify(execFile)(process.execPath, [compare, '--algos', '', ...rows, ...extra], { cwd: root });
    // the kept rows of the 40-trial table (the default budget is now 80)
    const { stdout } = await run(['--trials', '40']);
    const line = (name: string) => stdout.split('\n').find((l) => l.startsWith(`| ${name} |`)) ?? '';
    for (const name of ['random', 'gp', 'baseline']) assert.ok(line(name), `a ${name} row in\n${stdout}`);
    // seed by seed, gp's re-evaluated loss against random search's: lower in seeds 1, 2, 3 and 5, higher in 4 (README)
    assert.match(stdout, /- gp: 4 \/ 0 \/ 1/);
    await assert.rejects(run(['--trials', '30']), /its trials is "40", this run's "30"/);
    await assert.rejects(run(['--trials', '40', '--first-seed', '6']), /its seeds are 1, 2, 3, 4, 5/);
    await assert.rejects(run([]), /its trials is "40", this run's "80"/);
  });

  it('checks its options before training, shows progress, and refuses to resume a study with other training', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parzen-nas-'));
    const run = (extra: string[]) =>
      promisify(execFile)(
        process.execPath,
        [join(root, 'examples/nas/run.mjs'), '--storage', `sqlite:${join(dir, 'nas.db')}`, '--report', join(dir, 'r.html'), ...extra],
        { cwd: root, timeout: 300_000 },
      );
    const quick = ['--trials', '2', '--epochs', '1', '--subset', '100', '--top', '1', '--reseeds', '1', '--test-seeds', '1'];
    for (const [bad, said] of [
      [['--objective', 'foo'], /--objective <score>.*'foo' is invalid/],
      [['--trials', '0'], /--trials <n>.*must be a positive integer/],
      [['--algo-options', '{x'], /--algo-options <json>.*must be a JSON object/],
      [['--pruner', 'ashx'], /--pruner: .*did you mean asha/],
    ] as const) {
      await assert.rejects(run([...bad]), (e: { code: number; stderr: string }) => e.code !== 0 && said.test(e.stderr));
      assert.ok(!existsSync(join(dir, 'nas.db')), `nothing stored after ${bad.join(' ')}`);
    }
    const { stderr } = await run(quick);
    for (const line of [
      /^trial 2\/2: \d+ pruned, 0 failed; best \d\.\d{4}$/m,
      /^re-evaluation 1\/\d+ \(seed 1000\)/m,
      /^test training 1\//m,
    ])
      assert.match(stderr, line);
    // the study was searched with 1 epoch: another --epochs is refused before any trial runs
    await assert.rejects(run(['--trials', '2', '--epochs', '2', '--subset', '100']), (e: { stderr: string }) =>
      /searched with --epochs 1, not 2/.test(e.stderr),
    );
    const again = await run(['--trials', '3', ...quick.slice(2), '--json']);
    assert.equal(JSON.parse(again.stdout).trials, 3, 'resumed with the same training, it goes on to 3 trials');
  });
});
