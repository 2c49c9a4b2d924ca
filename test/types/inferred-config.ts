// Type tests: this file is compiled by `npm test` (tsc over test/) and never run. Each `@ts-expect-error` line must
// be an error, or the build fails; every other line must compile. What it checks: the config type follows the space.
import { createStudy, type Filled, fmin, hp, space, spaceEval, tpe } from '../../src/index.js';

/** Compiles only when A and B are the same type (in both directions, so neither may be wider). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<A, B>(_: Equal<A, B>): void {}
/** Uses a value only for its type (the checks here are at compile time). */
function typeOnly(..._: unknown[]): void {}

const tree = {
  lr: hp.loguniform('lr', Math.log(1e-5), 0),
  batch: hp.quniform('batch', 16, 256, 16),
  opt: hp.choice('opt', ['adam', 'sgd']),
  act: hp.pchoice('act', [
    [0.7, 'relu'],
    [0.3, 'tanh'],
  ]),
  layers: hp.choice('layers', [
    { n: 1, width: hp.uniformint('w1', 16, 512) },
    { n: 2, widths: [hp.uniformint('w2a', 16, 512), hp.uniformint('w2b', 16, 512)], dropout: hp.uniform('drop', 0, 0.5) },
  ]),
  nested: { seed: hp.randint('s', 10), tags: ['a', hp.normal('z', 0, 1)] },
};
type Expected = {
  lr: number;
  batch: number;
  opt: 'adam' | 'sgd';
  act: 'relu' | 'tanh';
  layers: { n: 1; width: number } | { n: 2; widths: [number, number]; dropout: number };
  nested: { seed: number; tags: (string | number)[] };
};

export async function studyGivesTheConfig(): Promise<void> {
  const study = await createStudy({ space: tree, sampler: tpe() });
  const [trial] = await study.ask();
  expectType<typeof trial.config.opt, 'adam' | 'sgd'>(true);
  expectType<typeof trial.config.layers, Expected['layers']>(true);
  const layers = trial.config.layers;
  // a choice of objects is a discriminated union: narrowing on a constant field works
  if (layers.n === 2) expectType<typeof layers.widths, [number, number]>(true);
  // @ts-expect-error: 'rmsprop' is not one of the options
  if (trial.config.opt === 'rmsprop') return;
  // @ts-expect-error: lr is a number
  const s: string = trial.config.lr;
  void s;

  const best = await study.optimize(
    (config) => {
      expectType<typeof config.lr, number>(true);
      return config.lr * (config.layers.n === 1 ? config.layers.width : config.layers.widths[0]);
    },
    { nTrials: 1 },
  );
  expectType<NonNullable<typeof best>['config'], Expected>(true);
  if (best) expectType<typeof best.config.act, 'relu' | 'tanh'>(true);
  const bestTrial = study.bestTrial;
  if (bestTrial) expectType<typeof bestTrial.config.batch, number>(true);

  // @ts-expect-error: the objective's config has no field "momentum"
  await study.optimize((config) => config.momentum, { nTrials: 1 });
}

export async function inlineSpacesKeepTuplesAndConstants(): Promise<void> {
  const study = await createStudy({ space: { pair: [hp.uniform('u', 0, 1), 'k'], kind: 'cnn' } });
  const [t] = await study.ask();
  expectType<typeof t.config, { pair: [number, 'k']; kind: 'cnn' }>(true);
  typeOnly(t);
}

export async function fminTypesTheObjective(): Promise<void> {
  await fmin({ fn: (x) => x ** 2, space: hp.uniform('x', -5, 5), maxEvals: 1 });
  await fmin({
    fn: (c) => (c.kind === 'a' ? c.x : 0),
    space: hp.choice('k', [{ kind: 'a', x: hp.uniform('x', 0, 1) }, { kind: 'b' }]),
    maxEvals: 1,
  });
  // @ts-expect-error: a one-leaf space hands a bare number, not an object
  await fmin({ fn: (x) => x.length, space: hp.uniform('x', -5, 5), maxEvals: 1 });
}

export function compiledSpacesCarryTheirType(): void {
  const s = space(tree);
  expectType<ReturnType<typeof s.toObject>['opt'], 'adam' | 'sgd'>(true);
  typeOnly(s);
  const c = spaceEval({ a: hp.choice('a', [1, 2, 3]) }, { a: 0 });
  expectType<typeof c, { a: 1 | 2 | 3 }>(true);
  typeOnly(c);
  // a space read from JSON (or a study resumed without its space) has an unknown config: the user narrows it
  expectType<Filled<unknown>, unknown>(true);
}

export function theWholeShape(c: Filled<typeof tree>): void {
  // the full config is assignable both ways to the hand-written type
  const e: Expected = c;
  const back: Filled<typeof tree> = e;
  void back;
}
