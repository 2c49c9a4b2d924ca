import type { Sampler } from '../../src/samplers/sampler.js';
import { hp } from '../../src/space/hp.js';
import type { Study } from '../../src/study/study.js';

/** A space with every kind of leaf, a conditional branch and a nested choice. */
export function everyKindSpace() {
  return {
    u: hp.uniform('u', -2, 3),
    qu: hp.quniform('qu', 0, 10, 0.5),
    lu: hp.loguniform('lu', Math.log(1e-4), Math.log(1)),
    qlu: hp.qloguniform('qlu', Math.log(1), Math.log(1000), 5),
    n: hp.normal('n', 1, 2),
    qn: hp.qnormal('qn', 0, 5, 2),
    ln: hp.lognormal('ln', 0, 1),
    ri: hp.randint('ri', 3, 9),
    ui: hp.uniformint('ui', -3, 3),
    c: hp.choice('c', ['a', 'b', 'c']),
    model: hp.choice('model', [
      { kind: 'svm', C: hp.loguniform('svm_C', -3, 3), kernel: hp.choice('svm_kernel', ['rbf', 'linear']) },
      {
        kind: 'mlp',
        layers: hp.choice('mlp_layers', [[hp.uniformint('w1_only', 8, 64)], [hp.uniformint('w1', 8, 64), hp.uniformint('w2', 8, 64)]]),
        lr: hp.qloguniform('mlp_lr', -7, 0, 1e-4),
      },
      { kind: 'none' },
    ]),
  };
}

/** A smooth objective over `everyKindSpace` configs, so model-based samplers have something to model. */
export function everyKindObjective(c: any): number {
  let y = (c.u - 1) ** 2 + Math.abs(c.qu - 3) + Math.log(c.lu) ** 2 / 10 + c.n ** 2 / 10 + (c.c === 'b' ? 0 : 1);
  if (c.model.kind === 'svm') y += Math.log(c.model.C) ** 2;
  if (c.model.kind === 'mlp') y += c.model.layers.reduce((s: number, w: number) => s + Math.abs(w - 32) / 32, 0);
  return y;
}

/** A small mixed space (continuous, choice, quantised) a grid can enumerate, and an objective over it. */
export function smallSpace() {
  return { x: hp.uniform('x', -1, 1), c: hp.choice('c', ['a', 'b']), k: hp.quniform('k', 0, 4, 1) };
}
export function smallObjective(p: any): number {
  return p.x ** 2 + p.k + (p.c === 'a' ? 0 : 1);
}

/** The spaces and objectives of the state-per-study tests, by name (a resumed study's process finds them here). */
export const fixtures = {
  everyKind: { space: everyKindSpace, objective: everyKindObjective },
  small: { space: smallSpace, objective: smallObjective },
} as const;
export type FixtureName = keyof typeof fixtures;

/** Asks and tells one trial at a time until the study holds `total` trials (every 7th, from 3, fails). */
export async function askTell(study: Study, total: number, f: (config: any) => number = everyKindObjective): Promise<void> {
  for (let held = (await study.trials()).length; held < total; held++) {
    const [t] = await study.ask(1);
    await study.tell(t.number, t.number % 7 === 3 ? { state: 'fail', reason: 'threw', message: 'boom' } : f(t.config));
  }
}

/** The sampler to rebuild in another process: its registry name and options (as a stored study holds them). */
export function samplerSpec(s: Sampler): { name: string; options: Readonly<Record<string, unknown>> } {
  return { name: s.name, options: s.options };
}
