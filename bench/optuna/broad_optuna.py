#!/usr/bin/python3
"""Optuna 3.1 reference runs on parzen's broad suite (not part of npm test).

The problems are ported exactly: the BBOB instances (shifts, rotations, peaks) are read from broad-problems.json,
written by dump-broad.ts, and every problem's port is checked against the values parzen computed at eight points
before anything runs. Spaces map to Optuna's distributions: uniform -> suggest_float, loguniform -> log=True,
quniform -> step, normal(mu, s) -> uniform on mu +- 3s, lognormal -> log-uniform on exp(mu +- 3s), uniformint ->
suggest_int, choice/pchoice -> suggest_categorical (Optuna has no prior weights). Conditional branches are
define-by-run.

  /usr/bin/python3 bench/optuna/broad_optuna.py --out bench/optuna/runs.jsonl [--samplers tpe,tpe-mv] [--seeds 10]
  /usr/bin/python3 bench/optuna/broad_optuna.py --collect bench/optuna/runs.jsonl > src/bench/broad/optuna-reference.json

Each finished run is appended to --out as one JSON line. Several processes may share one --out: each claims a run
by creating a file in --out.claims before running it. To resume after an interruption, delete --out.claims: the
runs in --out are claimed again at start, the interrupted ones are run again.
"""
import argparse
import json
import math
import os
import sys
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SQ = lambda v: v * v


# ---------------------------------------------------------------- BBOB (as src/bench/broad/bbob.ts)
def frac(i, d):
    return 1.0 if d == 1 else i / (d - 1)


def osz_scalar(x):
    if x == 0:
        return 0.0
    xh = math.log(abs(x))
    c1, c2 = (10.0, 7.9) if x > 0 else (5.5, 3.1)
    return math.copysign(1.0, x) * math.exp(xh + 0.049 * (math.sin(c1 * xh) + math.sin(c2 * xh)))


def osz(x):
    return [osz_scalar(v) for v in x]


def asy(x, beta):
    d = len(x)
    return [v ** (1 + beta * frac(i, d) * math.sqrt(v)) if v > 0 else v for i, v in enumerate(x)]


def lam(x, alpha):
    d = len(x)
    return [v * alpha ** (0.5 * frac(i, d)) for i, v in enumerate(x)]


def mul(m, x):
    return [sum(row[j] * x[j] for j in range(len(x))) for row in m]


def ellipsoid(z):
    d = len(z)
    return sum(10 ** (6 * frac(i, d)) * v * v for i, v in enumerate(z))


def rastrigin(z):
    return 10 * (len(z) - sum(math.cos(2 * math.pi * v) for v in z)) + sum(v * v for v in z)


W_F0 = sum(0.5 ** k * math.cos(math.pi * 3 ** k) for k in range(12))


def bbob(inst, x):
    R, Q, xopt, d = inst['R'], inst['Q'], inst['xopt'], len(x)
    s = [v - xopt[i] for i, v in enumerate(x)]
    fid = inst['fid']
    if fid == 1:
        return sum(v * v for v in s)
    if fid == 2:
        return ellipsoid(osz(s))
    if fid == 3:
        return rastrigin(lam(asy(osz(s), 0.2), 10))
    if fid == 6:
        z = mul(Q, lam(mul(R, s), 10))
        t = sum((100 if v * xopt[i] > 0 else 1) * v * v for i, v in enumerate(z))
        return osz_scalar(t) ** 0.9
    if fid == 7:
        zh = lam(mul(R, s), 10)
        zt = [math.floor(0.5 + v) if abs(v) > 0.5 else math.floor(0.5 + 10 * v) / 10 for v in zh]
        z = mul(Q, zt)
        return 0.1 * max(abs(zh[0]) / 1e4, sum(10 ** (2 * frac(i, d)) * v * v for i, v in enumerate(z)))
    if fid == 8:
        z = [max(1, math.sqrt(d) / 8) * v + 1 for v in s]
        return sum(100 * (z[i] * z[i] - z[i + 1]) ** 2 + (z[i] - 1) ** 2 for i in range(d - 1))
    if fid == 10:
        return ellipsoid(osz(mul(R, s)))
    if fid == 11:
        z = osz(mul(R, s))
        return 1e6 * z[0] * z[0] + sum(v * v for v in z[1:])
    if fid == 12:
        z = mul(R, asy(mul(R, s), 0.5))
        return z[0] * z[0] + 1e6 * sum(v * v for v in z[1:])
    if fid == 13:
        z = mul(Q, lam(mul(R, s), 10))
        return z[0] * z[0] + 100 * math.sqrt(sum(v * v for v in z[1:]))
    if fid == 14:
        z = mul(R, s)
        return math.sqrt(sum(abs(v) ** (2 + 4 * frac(i, d)) for i, v in enumerate(z)))
    if fid == 15:
        return rastrigin(mul(R, lam(mul(Q, asy(osz(mul(R, s)), 0.2)), 10)))
    if fid == 16:
        z = mul(R, lam(mul(Q, osz(mul(R, s))), 0.01))
        t = sum(0.5 ** k * math.cos(2 * math.pi * 3 ** k * (v + 0.5)) for v in z for k in range(12))
        return 10 * (t / d - W_F0) ** 3
    if fid == 17:
        z = lam(mul(Q, asy(mul(R, s), 0.5)), 10)
        t = 0.0
        for i in range(d - 1):
            si = math.sqrt(z[i] * z[i] + z[i + 1] * z[i + 1])
            t += math.sqrt(si) + math.sqrt(si) * math.sin(50 * si ** 0.2) ** 2
        return (t / (d - 1)) ** 2
    if fid == 22:
        best = 0.0
        for p in inst['peaks']:
            u = mul(R, [v - p['y'][i] for i, v in enumerate(x)])
            q = sum(p['c'][i] * v * v for i, v in enumerate(u))
            best = max(best, p['w'] * math.exp(-q / (2 * d)))
        return osz_scalar(10 - best) ** 2
    raise ValueError(fid)


HARTMANN6 = dict(
    alpha=[1, 1.2, 3, 3.2],
    A=[[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]],
    P=[[v * 1e-4 for v in r] for r in [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
                                       [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]]],
)


def hartmann6(x):
    s = 0.0
    for i in range(4):
        inner = sum(HARTMANN6['A'][i][j] * (x[j] - HARTMANN6['P'][i][j]) ** 2 for j in range(len(x)))
        s += HARTMANN6['alpha'][i] * math.exp(-inner)
    return -s


# ---------------------------------------------------------------- the other problems (as problems.ts)
MIXED_ML_LR = dict(sgd=-1.5, adam=-2.5, rmsprop=-3)
MIXED_ML_OPT = dict(sgd=0.5, adam=0, rmsprop=0.2)
MIXED_ML_ACT = dict(relu=0.05, tanh=0.3, gelu=0)
WIDE_CAT = dict(a=(0.6, (1, -1)), b=(0.3, (-2, 2)), c=(0.1, (3, 0)), d=(0, (0, -3)))
WIDE_CAT2 = dict(x=0.2, y=0, z=0.4)
SMALL_COLOR = dict(red=1, green=0.5, blue=0)
L10 = math.log10


def evaluate(prob, p):
    """The noiseless objective of a point in parzen's params format (labels; object choices as indices)."""
    name = prob['name']
    if prob['instance'] is not None:
        return bbob(prob['instance'], [p['x%d' % i] for i in range(prob['dim'])])
    if name == 'noisy-hartmann6':
        return hartmann6([p['x%d' % i] for i in range(6)])
    if name == 'mixed-small-5':
        return (SQ(p['x'] - 1.2) + SQ(math.log(p['c']) - math.log(2)) / 2 + 0.2 * SQ(p['q'] - 6.5)
                + 0.05 * SQ(p['k'] - 7) + SMALL_COLOR[p['color']])
    if name == 'mixed-ml-8':
        o = p['optimizer']
        return (0.5 * SQ(L10(p['lr']) - MIXED_ML_LR[o]) + 4 * SQ(p['momentum'] - 0.9)
                + 0.3 * SQ(math.log2(p['units']) - math.log2(192)) + 5 * SQ(p['dropout'] - 0.1)
                + 0.2 * SQ(L10(p['wd']) + 5) + 0.1 * SQ(p['layers'] - 3) + MIXED_ML_OPT[o] + MIXED_ML_ACT[p['activation']])
    if name == 'mixed-wide-12':
        off, c = WIDE_CAT[p['cat1']]
        return (off + SQ(p['a'] - c[0]) + 0.5 * SQ(p['b'] - c[1]) + 2 * SQ(p['c1'] - 0.3) + SQ(p['c2'] + 0.5)
                + 0.1 * SQ(math.log(p['l1'] / 50)) + 0.1 * SQ(math.log(p['l2'] / 1e-4)) + 0.02 * SQ(p['qz'] - 3)
                + 0.3 * SQ(p['nz'] - 1) + 0.5 * SQ(math.log(p['ln'] / 3)) + 0.5 * SQ(math.log2(p['n']) - 4)
                + WIDE_CAT2[p['cat2']])
    if name == 'cond-branches':
        if p['model'] == 0:
            return 0.35 + 0.05 * SQ(L10(p['alpha']) + 1)
        if p['model'] == 1:
            return 0.2 + 0.01 * SQ(p['depth'] - 8) + 0.05 * SQ(math.log2(p['leaves']) - 5) + SQ(p['split'] - 0.2)
        return 1 - math.exp(-(SQ(L10(p['C']) - 1.5) + SQ(L10(p['gamma']) + 2)) / 4)
    if name == 'cond-nested':
        if p['optimizer'] == 0:
            return 0.25 + 0.1 * SQ(L10(p['sgd_lr']) + 1.5) + SQ(p['momentum'] - 0.9) + (0 if p['nesterov'] else 0.05)
        base = 0.1 * SQ(L10(p['adam_lr']) + 3) + 2 * SQ(p['beta1'] - 0.9)
        if p['schedule'] == 0:
            return base + 0.15
        if p['schedule'] == 1:
            return base + 0.01 * SQ(p['warmup'] - 5)
        return base + 0.1 + 0.3 * SQ(p['step_gamma'] - 0.5) + 0.0002 * SQ(p['step_every'] - 30)
    if name == 'cond-layers':
        u = lambda k: math.log2(p[k])
        if p['layers'] == 0:
            return 0.3 + 0.1 * SQ(u('l1_u1') - 8)
        if p['layers'] == 1:
            return 0.1 * SQ(u('l2_u1') - 7) + 0.1 * SQ(u('l2_u2') - 6) + 2 * SQ(p['l2_drop'] - 0.2)
        return (0.15 + 0.05 * (SQ(u('l3_u1') - 7) + SQ(u('l3_u2') - 7) + SQ(u('l3_u3') - 7))
                + SQ(p['l3_drop'] - 0.3))
    raise ValueError(name)


OPTIMAL_BRANCH = {
    'cond-branches': lambda p: p['model'] == 2,
    'cond-nested': lambda p: p['optimizer'] == 1 and p['schedule'] == 1,
    'cond-layers': lambda p: p['layers'] == 1,
}


def normal(t, label, mu, s):
    return t.suggest_float(label, mu - 3 * s, mu + 3 * s)


def lognormal(t, label, mu, s):
    return t.suggest_float(label, math.exp(mu - 3 * s), math.exp(mu + 3 * s), log=True)


def suggest(prob, t):
    """Draws a point with Optuna's trial `t`, returned in parzen's params format."""
    name = prob['name']
    if prob['instance'] is not None or name == 'noisy-hartmann6':
        lo, hi = (0, 1) if name == 'noisy-hartmann6' else (-5, 5)
        return {'x%d' % i: t.suggest_float('x%d' % i, lo, hi) for i in range(prob['dim'])}
    if name == 'mixed-small-5':
        return dict(x=t.suggest_float('x', -3, 3), c=t.suggest_float('c', 0.01, 100, log=True),
                    q=t.suggest_float('q', 0, 10, step=0.5), k=t.suggest_int('k', 0, 20),
                    color=t.suggest_categorical('color', ['red', 'green', 'blue']))
    if name == 'mixed-ml-8':
        return dict(lr=t.suggest_float('lr', 1e-5, 1, log=True), momentum=t.suggest_float('momentum', 0, 1),
                    units=t.suggest_float('units', 16, 512, step=16), dropout=normal(t, 'dropout', 0.3, 0.15),
                    wd=lognormal(t, 'wd', math.log(1e-4), 2), layers=t.suggest_int('layers', 1, 8),
                    optimizer=t.suggest_categorical('optimizer', ['sgd', 'adam', 'rmsprop']),
                    activation=t.suggest_categorical('activation', ['relu', 'tanh', 'gelu']))
    if name == 'mixed-wide-12':
        return dict(a=t.suggest_float('a', -5, 5), b=t.suggest_float('b', -5, 5),
                    cat1=t.suggest_categorical('cat1', ['a', 'b', 'c', 'd']), c1=t.suggest_float('c1', 0, 1),
                    c2=t.suggest_float('c2', -1, 1), l1=t.suggest_float('l1', 1e-3, 1e3, log=True),
                    l2=t.suggest_float('l2', 1e-6, 1e-1, log=True), qz=t.suggest_float('qz', -10, 10, step=1),
                    nz=normal(t, 'nz', 0, 2), ln=lognormal(t, 'ln', 0, 1), n=t.suggest_int('n', 1, 64),
                    cat2=t.suggest_categorical('cat2', ['x', 'y', 'z']))
    if name == 'cond-branches':
        m = ['linear', 'tree', 'kernel'].index(t.suggest_categorical('model', ['linear', 'tree', 'kernel']))
        if m == 0:
            return dict(model=0, alpha=t.suggest_float('alpha', 1e-4, 10, log=True))
        if m == 1:
            return dict(model=1, depth=t.suggest_int('depth', 1, 20), leaves=t.suggest_int('leaves', 2, 256),
                        split=t.suggest_float('split', 0, 1))
        return dict(model=2, C=t.suggest_float('C', 1e-3, 1e3, log=True), gamma=t.suggest_float('gamma', 1e-4, 10, log=True))
    if name == 'cond-nested':
        o = ['sgd', 'adam'].index(t.suggest_categorical('optimizer', ['sgd', 'adam']))
        if o == 0:
            return dict(optimizer=0, sgd_lr=t.suggest_float('sgd_lr', 1e-4, 1, log=True),
                        momentum=t.suggest_float('momentum', 0, 0.99), nesterov=t.suggest_categorical('nesterov', [False, True]))
        p = dict(optimizer=1, adam_lr=t.suggest_float('adam_lr', 1e-5, 1e-1, log=True), beta1=t.suggest_float('beta1', 0.5, 0.999))
        p['schedule'] = ['constant', 'cosine', 'step'].index(t.suggest_categorical('schedule', ['constant', 'cosine', 'step']))
        if p['schedule'] == 1:
            p['warmup'] = t.suggest_int('warmup', 0, 10)
        elif p['schedule'] == 2:
            p['step_gamma'] = t.suggest_float('step_gamma', 0.1, 0.9)
            p['step_every'] = t.suggest_int('step_every', 1, 50)
        return p
    if name == 'cond-layers':
        n = t.suggest_categorical('layers', [1, 2, 3])
        p = dict(layers=n - 1)
        for i in range(1, n + 1):
            p['l%d_u%d' % (n, i)] = t.suggest_float('l%d_u%d' % (n, i), 8, 512, step=8)
        if n > 1:
            p['l%d_drop' % n] = t.suggest_float('l%d_drop' % n, 0, 0.5)
        return p
    raise ValueError(name)


def check_ports(problems):
    for prob in problems:
        for c in prob['checks']:
            got, want = evaluate(prob, c['params']), c['value']
            if not abs(got - want) <= 1e-9 * max(1.0, abs(want)):
                sys.exit('%s: the port gives %r at %r, parzen %r' % (prob['name'], got, c['params'], want))


def make_sampler(name, seed):
    import optuna
    if name == 'tpe':
        return optuna.samplers.TPESampler(seed=seed)
    if name == 'tpe-mv':
        return optuna.samplers.TPESampler(seed=seed, multivariate=True, group=True)
    if name == 'cmaes':
        return optuna.samplers.CmaEsSampler(seed=seed, warn_independent_sampling=False)
    if name == 'random':
        return optuna.samplers.RandomSampler(seed=seed)
    raise ValueError(name)


def run(prob, sampler_name, seed):
    import optuna
    noise = np.random.RandomState(10_000 + seed)
    truth = {}

    def objective(t):
        p = suggest(prob, t)
        f = evaluate(prob, p)
        truth[t.number] = (f, p)
        return f + (prob['noise'] * noise.standard_normal() if prob['noise'] > 0 else 0.0)

    study = optuna.create_study(sampler=make_sampler(sampler_name, seed))
    study.optimize(objective, n_trials=prob['budget'])
    f, p = truth[study.best_trial.number]
    out = dict(problem=prob['name'], sampler=sampler_name, seed=seed, regret=f - prob['optimum'],
               bestEvaluatedRegret=min(v for v, _ in truth.values()) - prob['optimum'])
    if prob['name'] in OPTIMAL_BRANCH:
        out['optimalBranch'] = bool(OPTIMAL_BRANCH[prob['name']](p))
    return out


def collect(path, problems):
    runs = [json.loads(line) for line in open(path) if line.strip()]
    ref = {}
    for prob in problems:
        by = {}
        for s in ['tpe', 'tpe-mv', 'cmaes', 'random']:
            rs = sorted((r for r in runs if r['problem'] == prob['name'] and r['sampler'] == s), key=lambda r: r['seed'])
            if not rs:
                continue
            e = dict(seeds=[r['seed'] for r in rs], regret=[r['regret'] for r in rs])
            if prob['noise'] > 0:
                e['bestEvaluatedRegret'] = [r['bestEvaluatedRegret'] for r in rs]
            if 'optimalBranch' in rs[0]:
                e['optimalBranch'] = [r['optimalBranch'] for r in rs]
            by[s] = e
        ref[prob['name']] = by
    import optuna
    json.dump(dict(optuna=optuna.__version__, problems=ref), sys.stdout, indent=1)
    sys.stdout.write('\n')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--problems', default=os.path.join(HERE, 'broad-problems.json'))
    ap.add_argument('--out')
    ap.add_argument('--collect')
    ap.add_argument('--samplers', default='tpe,tpe-mv,cmaes,random')
    ap.add_argument('--only', help='comma-separated problem names')
    ap.add_argument('--seeds', type=int, default=10)
    ap.add_argument('--seed-list', help='comma-separated seeds to run (default 0..seeds-1)')
    a = ap.parse_args()
    problems = json.load(open(a.problems))['problems']
    check_ports(problems)
    if a.collect:
        return collect(a.collect, problems)
    import optuna
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.filterwarnings('ignore')
    only = a.only.split(',') if a.only else None
    seeds = [int(v) for v in a.seed_list.split(',')] if a.seed_list else range(a.seeds)
    claims = a.out + '.claims'
    os.makedirs(claims, exist_ok=True)
    if os.path.exists(a.out):
        # the runs already in --out are claimed (after an interruption, delete --out.claims and start again)
        for line in open(a.out):
            if line.strip():
                r = json.loads(line)
                open(os.path.join(claims, '%s.%s.%d' % (r['problem'], r['sampler'], r['seed'])), 'a').close()
    for s in a.samplers.split(','):
        for seed in seeds:
            for prob in problems:
                if only and prob['name'] not in only:
                    continue
                # several processes share the queue: a run is claimed by creating its file, and done runs are skipped
                try:
                    os.close(os.open(os.path.join(claims, '%s.%s.%d' % (prob['name'], s, seed)), os.O_CREAT | os.O_EXCL))
                except FileExistsError:
                    continue
                r = run(prob, s, seed)
                with open(a.out, 'a') as f:
                    f.write(json.dumps(r) + '\n')
                print('%s %s seed %d: regret %.4g' % (prob['name'], s, seed, r['regret']), file=sys.stderr, flush=True)


if __name__ == '__main__':
    main()
