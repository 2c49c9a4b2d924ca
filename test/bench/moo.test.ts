import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runMooBench } from '../../src/bench/moo.js';
import { c2Violation, dtlz2, MOO_PROBLEMS, zdt1, zdt2, zdt3 } from '../../src/bench/moo-problems.js';

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`);

describe('bench moo problems', () => {
  it('put the ZDT fronts where the papers do (g = 1 when x1.. = 0)', () => {
    const x = (f1: number) => [f1, ...Array(29).fill(0)];
    for (const f1 of [0, 0.25, 1]) {
      close(zdt1(x(f1))[1], 1 - Math.sqrt(f1), 'zdt1');
      close(zdt2(x(f1))[1], 1 - f1 ** 2, 'zdt2');
      close(zdt3(x(f1))[1], 1 - Math.sqrt(f1) - f1 * Math.sin(10 * Math.PI * f1), 'zdt3');
    }
    // g grows with the other variables: all at 1 gives g = 10
    close(zdt1([0, ...Array(29).fill(1)])[1], 10, 'zdt1 g');
  });

  it('put DTLZ2 on the unit sphere when x3.. = 0.5, and C2-DTLZ2 feasible only near its corners and centre', () => {
    for (const [a, b] of [
      [0, 0],
      [0.3, 0.8],
      [1, 0.5],
    ]) {
      const f = dtlz2([a, b, ...Array(10).fill(0.5)]);
      close(
        f.reduce((s, v) => s + v * v, 0),
        1,
        `|f|² at ${a}, ${b}`,
      );
    }
    assert.ok(c2Violation([1, 0, 0]) <= 0 && c2Violation([0, 0, 1]) <= 0, 'corners');
    const c = 1 / Math.sqrt(3);
    assert.ok(c2Violation([c, c, c]) <= 0, 'centre');
    assert.ok(c2Violation([Math.SQRT1_2, Math.SQRT1_2, 0]) > 0, 'between two corners');
    assert.deepEqual(
      MOO_PROBLEMS.map((p) => p.name),
      ['zdt1', 'zdt2', 'zdt3', 'dtlz2', 'c2dtlz2', 'nas-digits'],
    );
  });

  it('reports one row per sampler and problem with quartiles in order, and merges Optuna rows that match', async () => {
    const optuna = {
      seeds: 2,
      rows: [
        { library: 'optuna' as const, sampler: 'nsga2', problem: 'zdt1', trials: 30, hypervolume: { median: 1, q25: 0, q75: 2 } },
        { library: 'optuna' as const, sampler: 'nsga2', problem: 'zdt1', trials: 200, hypervolume: { median: 1, q25: 0, q75: 2 } },
      ],
    };
    const r = await runMooBench({ seeds: 2, samplers: ['random', 'tpe'], problems: ['zdt1', 'c2dtlz2'], trials: 30, optuna });
    assert.deepEqual(
      r.rows.map((x) => `${x.library} ${x.sampler} ${x.problem} ${x.trials}`),
      ['parzen random zdt1 30', 'parzen tpe zdt1 30', 'parzen random c2dtlz2 30', 'parzen tpe c2dtlz2 30', 'optuna nsga2 zdt1 30'],
    );
    for (const row of r.rows.filter((x) => x.library === 'parzen')) {
      const h = row.hypervolume;
      assert.ok(h.q25 <= h.median && h.median <= h.q75 && h.q25 >= 0, JSON.stringify(row));
      assert.equal(row.perSeed?.length, 2);
    }
    // ZDT1 against (11, 11): every point of the box is inside, so 30 trials cover a good part of 121
    assert.ok(r.rows[0].hypervolume.median > 60);
    await assert.rejects(runMooBench({ seeds: 1, samplers: ['cmaes'] }), /cmaes optimizes one objective/);
    await assert.rejects(runMooBench({ seeds: 1, samplers: ['tpe'], problems: ['zdt9'] }), /"zdt9" is not one of/);
  });
});
