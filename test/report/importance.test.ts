import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hp } from '../../src/space/hp.js';
import { space as compile } from '../../src/space/space.js';
import { pedAnova } from '../../src/report/importance.js';
import { randomTrials } from './fixtures.js';

const SEEDS = 20;
const tree3 = { a: hp.uniform('a', -1, 1), b: hp.uniform('b', -1, 1), c: hp.uniform('c', -1, 1) };

function importances(
  tree: unknown,
  f: (p: Record<string, unknown>) => number,
  n: number,
  seed: number,
  direction: 'minimize' | 'maximize' = 'minimize',
) {
  const trials = randomTrials(tree, f, n, seed);
  return Object.fromEntries(pedAnova(compile(tree), direction, trials).map((r) => [r.label, r.importance]));
}

describe('PED-ANOVA importances', () => {
  it('give an unused parameter almost nothing and two symmetric parameters about the same share', () => {
    let unusedSmall = 0;
    let balanced = 0;
    for (let seed = 0; seed < SEEDS; seed++) {
      const imp = importances(tree3, (p) => (p.a as number) ** 2 + (p.b as number) ** 2, 400, seed);
      assert.ok(Math.abs(imp.a + imp.b + imp.c - 1) < 1e-9, 'normalised to 1');
      if (imp.c < 0.1) unusedSmall++;
      if (imp.a / imp.b > 0.6 && imp.a / imp.b < 1 / 0.6) balanced++;
    }
    assert.ok(unusedSmall >= 19, `c (unused) under 0.1 in ${unusedSmall}/${SEEDS} seeds`);
    assert.ok(balanced >= 16, `a and b (symmetric) within a factor 0.6 in ${balanced}/${SEEDS} seeds`);
  });

  it('rank parameters by their weight in an additive function', () => {
    let ordered = 0;
    for (let seed = 0; seed < SEEDS; seed++) {
      const imp = importances(
        tree3,
        (p) => 10 * Math.abs(p.a as number) + 3 * Math.abs(p.b as number) + 0.3 * Math.abs(p.c as number),
        400,
        seed,
      );
      if (imp.a > imp.b && imp.b > imp.c) ordered++;
    }
    assert.ok(ordered >= 17, `a > b > c in ${ordered}/${SEEDS} seeds`);
  });

  it('find a choice that decides the value, in either direction, and log-scale and integer parameters', () => {
    const tree = { opt: hp.choice('opt', ['sgd', 'adam', 'rms']), lr: hp.loguniform('lr', Math.log(1e-4), 0), w: hp.uniformint('w', 1, 8) };
    let chosen = 0;
    for (let seed = 0; seed < SEEDS; seed++) {
      const imp = importances(tree, (p) => (p.opt === 'adam' ? 5 : 0), 300, seed, 'maximize');
      if (imp.opt > 0.6 && imp.opt > 2 * Math.max(imp.lr, imp.w)) chosen++;
    }
    assert.ok(chosen >= 19, `opt over 0.6 and twice any other in ${chosen}/${SEEDS} seeds`);
  });

  it('measure a conditional parameter among the trials where it is active', () => {
    const tree = { opt: hp.choice('opt', [{ name: 'sgd', m: hp.uniform('m', 0, 1) }, { name: 'adam' }]), x: hp.uniform('x', 0, 1) };
    let mWins = 0;
    for (let seed = 0; seed < SEEDS; seed++) {
      const imp = importances(
        tree,
        (p) => (p.m === undefined ? 0.5 : 2 * Math.abs((p.m as number) - 0.2)) + 0.01 * (p.x as number),
        400,
        seed,
      );
      if (imp.m > imp.x) mWins++;
    }
    assert.ok(mWins >= 18, `m above x in ${mWins}/${SEEDS} seeds`);
  });

  it('are empty below ten complete trials', () => {
    assert.deepEqual(
      pedAnova(
        compile(tree3),
        'minimize',
        randomTrials(tree3, () => 1, 9, 0),
      ),
      [],
    );
  });
});
