import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cmaes, createStudy, fmin, gp, hp, OptionsError, rand, tpe, workerPool } from '../../src/index.js';

const space = { x: hp.uniform('x', -1, 1) };
const fn = (c: { x: number }) => c.x ** 2;
const rejects = (p: Promise<unknown> | (() => unknown), message: RegExp) =>
  typeof p === 'function'
    ? assert.throws(p, (e: unknown) => e instanceof OptionsError && e.code === 'INVALID_OPTIONS' && message.test(e.message))
    : assert.rejects(p, (e: unknown) => e instanceof OptionsError && e.code === 'INVALID_OPTIONS' && message.test(e.message));

describe('unknown options', () => {
  it('fmin names the key the caller used and the option it most likely meant', async () => {
    await rejects(fmin({ fn, space, maxEvals: 5, max_evals: 5 } as never), /^fmin: unknown option "max_evals"; did you mean maxEvals\?$/);
    await rejects(fmin({ fn, space, maxEvals: 5, trials: {} } as never), /fmin: unknown option "trials"; use storage and a study name/);
    await rejects(
      fmin({ fn, space, maxEvals: 5, timeout: 60 } as never),
      /fmin: unknown option "timeout"; use signal \(e\.g\. AbortSignal\.timeout\(ms\)\)/,
    );
    await rejects(fmin({ fn, space, maxEvals: 5, sede: 1 } as never), /fmin: unknown option "sede"; did you mean seed\?/);
    await rejects(fmin({ fn, space, maxEvals: 5, study_name: 'a' } as never), /did you mean studyName\?/);
  });

  it('createStudy, optimize, ask and workerPool reject unknown keys too', async () => {
    await rejects(createStudy({ space, study_name: 's' } as never), /^createStudy: unknown option "study_name"; did you mean name\?$/);
    await rejects(
      createStudy({ space, load_if_exists: true } as never),
      /createStudy: unknown option "load_if_exists"; did you mean resume\?/,
    );
    await rejects(createStudy({ space, algo: tpe.suggest } as never), /createStudy: unknown option "algo"; did you mean sampler\?/);
    const study = await createStudy({ space });
    await rejects(study.optimize(fn, { nTrials: 3, timeout: 10 } as never), /^optimize: unknown option "timeout"; use signal/);
    await rejects(study.optimize(fn, { n_trials: 3 } as never), /optimize: unknown option "n_trials"; did you mean nTrials\?/);
    await rejects(study.optimize(fn, { nTrials: 3, n_jobs: 2 } as never), /optimize: unknown option "n_jobs"; did you mean concurrency\?/);
    await rejects(study.ask(1, { lease: 100 } as never), /ask: unknown option "lease"; did you mean leaseMs\?/);
    await rejects(
      workerPool({ module: 'x.mjs' }, { concurency: 2 } as never),
      /workerPool: unknown option "concurency"; did you mean concurrency\?/,
    );
    assert.equal((await study.trials()).length, 0, 'nothing ran');
  });

  it('samplers suggest the option a misspelt one meant', async () => {
    await rejects(() => tpe({ gama: 0.1 } as never), /tpe: unknown option "gama"; did you mean gamma\?/);
    await rejects(() => gp({ nStartuptrials: 3 } as never), /gp: unknown option options.nStartuptrials; did you mean nStartupTrials\?/);
    await rejects(() => cmaes({ sigma: 0.3 } as never), /cmaes: unknown option options.sigma; did you mean sigma0\?/);
  });
});

describe('missing and mistyped options', () => {
  it('name the option the caller passes (fmin: maxEvals; optimize: nTrials), also when it is left out', async () => {
    await rejects(fmin({ fn, space } as never), /^fmin: options\.maxEvals must be a non-negative integer \(got undefined\)$/);
    await rejects(fmin({ fn, space, maxEvals: -1 }), /^fmin: options\.maxEvals must be a non-negative integer \(got -1\)$/);
    const study = await createStudy({ space });
    await rejects(study.optimize(fn, undefined as never), /^optimize: options\.nTrials is required/);
    await rejects(study.optimize(fn, {} as never), /options\.nTrials must be a non-negative integer \(got undefined\)/);
    assert.equal((await study.trials()).length, 0, 'nothing ran');
  });

  it('show a string as a string, so "5" is told from 5', async () => {
    const study = await createStudy({ space });
    await rejects(study.optimize(fn, { nTrials: '5' } as never), /options\.nTrials must be a non-negative integer \(got "5"\)/);
    await rejects(study.optimize(fn, { nTrials: 2.5 }), /options\.nTrials must be a non-negative integer \(got 2\.5\)/);
    await rejects(createStudy({ space, seed: 'abc' } as never), /options\.seed must be a non-negative integer \(got "abc"\)/);
    await rejects(fmin({ fn, space, maxEvals: '3' } as never), /options\.maxEvals must be a non-negative integer \(got "3"\)/);
    await rejects(() => tpe({ gamma: '0.2' } as never), /tpe: options\.gamma must be in \(0, 1\] \(got "0\.2"\)/);
  });
});

describe("fmin's algo", () => {
  it('takes a sampler factory such as tpe as its .suggest (as hyperopt users write it)', async () => {
    const a = await fmin({ fn, space, maxEvals: 15, seed: 4, algo: tpe });
    const b = await fmin({ fn, space, maxEvals: 15, seed: 4, algo: tpe.suggest });
    assert.deepEqual(a, b);
    assert.ok(await fmin({ fn, space, maxEvals: 3, algo: rand }));
  });

  it('says exactly what to pass for anything else, with an error code', async () => {
    await rejects(
      fmin({ fn, space, maxEvals: 3, algo: 'tpe' as never }),
      /fmin: options\.algo must be a sampler, such as tpe\.suggest, rand\.suggest or tpe\(\{ gamma: 0\.2 \}\) \(got "tpe"\)/,
    );
    await rejects(fmin({ fn, space, maxEvals: 3, algo: (() => 1) as never }), /options\.algo must be a sampler.*\(got a function/);
  });
});
