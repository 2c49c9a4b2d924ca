#!/usr/bin/python3
"""Optuna 3.1's side of `parzen bench moo`: the problems of src/bench/moo-problems.ts (ZDT1, ZDT2, ZDT3 in 30
dimensions, DTLZ2 and C2-DTLZ2 with 3 objectives and 12 variables, ported line for line; nas-digits, a look-up in the
same table src/bench/nas-digits.json over the same conditional space, asked define-by-run), each run with the same
budget and seeds as parzen's bench, by NSGAIISampler, TPESampler (univariate and multivariate, the multi-objective
TPE of Optuna 3.1; "tpe-group" adds group=True, for nas-digits' branches), MOTPESampler (a deprecated subclass of
TPESampler that only changes its defaults: univariate, gamma floor(0.1 n) uncapped, weights of the above group all 1,
no constraints_func) and RandomSampler. The hypervolume of the feasible trials at the end, against the problem's fixed
reference point, is computed by Optuna's exact WFG.
Prints one JSON document {"optuna", "seeds", "rows": [...]} with rows
{library: "optuna", sampler, problem, trials, hypervolume: {median, q25, q75}, perSeed: [...]}.

    nice -n 10 /usr/bin/python3 bench/moo_optuna.py --seeds 10 > optuna-moo.json
"""
import argparse
import json
import math
import sys
import time
import warnings

import os

import numpy as np
import optuna
from optuna._hypervolume import WFG


def zdt_g(x):
    return 1 + 9 * sum(x[1:]) / (len(x) - 1)


def zdt1(x):
    g = zdt_g(x)
    return [x[0], g * (1 - math.sqrt(x[0] / g))]


def zdt2(x):
    g = zdt_g(x)
    return [x[0], g * (1 - (x[0] / g) ** 2)]


def zdt3(x):
    g = zdt_g(x)
    h = 1 - math.sqrt(x[0] / g) - (x[0] / g) * math.sin(10 * math.pi * x[0])
    return [x[0], g * h]


def dtlz2(x, m=3):
    g = sum((xi - 0.5) ** 2 for xi in x[m - 1 :])
    f = []
    for i in range(m):
        v = 1 + g
        for j in range(m - 1 - i):
            v *= math.cos(x[j] * math.pi / 2)
        if i > 0:
            v *= math.sin(x[m - 1 - i] * math.pi / 2)
        f.append(v)
    return f


def c2_violation(f):
    """C2-DTLZ2 (Jain and Deb 2014), M = 3, r = 0.4: <= 0 is feasible."""
    m = len(f)
    r = 0.4
    s = sum(v * v for v in f)
    near_axis = min((f[i] - 1) ** 2 + (s - f[i] * f[i]) - r * r for i in range(m))
    near_centre = sum((v - 1 / math.sqrt(m)) ** 2 for v in f) - r * r
    return min(near_axis, near_centre)


NAS_TABLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "bench", "nas-digits.json")
_nas = None


def nas_digits_table():
    global _nas
    if _nas is None:
        with open(NAS_TABLE) as fh:
            t = json.load(fh)
        _nas = (t, {a["key"]: a for a in t["architectures"]})
    return _nas


def nas_digits_objectives(trial):
    """src/bench/nas-digits.ts's space, define-by-run: a depth's parameters exist only when it is drawn. Widths are
    asked as log2 (an integer, 3..7 for 8..128 units), as parzen's uniformint. Objectives: the mean validation error
    over the table's training seeds and log10 of the weight count."""
    t, rows = nas_digits_table()
    widths = t["space"]["widths"]
    lo, hi = int(round(math.log2(widths[0]))), int(round(math.log2(widths[-1])))
    depth = trial.suggest_categorical("depth", t["space"]["depths"])
    if depth == 0:
        key = "0"
    else:
        act = trial.suggest_categorical(f"d{depth}.act", t["space"]["activations"])
        units = [2 ** trial.suggest_int(f"d{depth}.units{i + 1}", lo, hi) for i in range(depth)]
        key = act + ":" + "-".join(str(u) for u in units)
    row = rows[key]
    return [sum(row["valError"]) / len(row["valError"]), math.log10(row["params"])]


# name: (dimension, objectives function, constrained, reference point, budget); the same as moo-problems.ts.
# A dimension of None: the objectives function takes the trial and asks its own space (nas-digits).
PROBLEMS = {
    "zdt1": (30, zdt1, False, [11.0, 11.0], 200),
    "zdt2": (30, zdt2, False, [11.0, 11.0], 200),
    "zdt3": (30, zdt3, False, [11.0, 11.0], 200),
    "dtlz2": (12, dtlz2, False, [1.1, 1.1, 1.1], 200),
    "c2dtlz2": (12, dtlz2, True, [1.1, 1.1, 1.1], 200),
    "nas-digits": (None, nas_digits_objectives, False, [0.25, 5.0], 200),
}

CONSTRAINTS_KEY = "c"


def constraints_func(trial):
    return trial.user_attrs[CONSTRAINTS_KEY]


def make_sampler(name, seed, constrained):
    cf = constraints_func if constrained else None
    if name == "nsga2":
        return optuna.samplers.NSGAIISampler(seed=seed, constraints_func=cf)
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed, constraints_func=cf)
    if name == "tpe-mv":
        return optuna.samplers.TPESampler(seed=seed, multivariate=True, constraints_func=cf)
    if name == "tpe-group":
        # multivariate over each branch of a conditional space (Optuna's advice for define-by-run branches)
        return optuna.samplers.TPESampler(seed=seed, multivariate=True, group=True, constraints_func=cf)
    if name == "motpe":
        if constrained:
            return None  # MOTPESampler takes no constraints_func
        return optuna.samplers.MOTPESampler(seed=seed)
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    raise ValueError(name)


def hypervolume(study, ref):
    pts = []
    for t in study.trials:
        if t.state != optuna.trial.TrialState.COMPLETE:
            continue
        if CONSTRAINTS_KEY in t.user_attrs and any(c > 0 for c in t.user_attrs[CONSTRAINTS_KEY]):
            continue
        if all(v < r for v, r in zip(t.values, ref)):
            pts.append(t.values)
    if not pts:
        return 0.0
    return float(WFG().compute(np.asarray(pts, dtype=float), np.asarray(ref, dtype=float)))


def run(problem, sampler_name, seed, budget):
    dim, f, constrained, ref, _ = PROBLEMS[problem]
    sampler = make_sampler(sampler_name, seed, constrained)
    if sampler is None:
        return None
    study = optuna.create_study(directions=["minimize"] * len(ref), sampler=sampler)

    def objective(trial):
        if dim is None:
            return f(trial)
        x = [trial.suggest_float(f"x{i}", 0, 1) for i in range(dim)]
        values = f(x)
        if constrained:
            trial.set_user_attr(CONSTRAINTS_KEY, [c2_violation(values)])
        return values

    study.optimize(objective, n_trials=budget)
    return hypervolume(study, ref)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--problems", default=",".join(PROBLEMS))
    ap.add_argument("--samplers", default="nsga2,tpe,tpe-mv,tpe-group,motpe,random")
    ap.add_argument("--budget", type=int, default=0, help="trials per run (0: each problem's own budget)")
    a = ap.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.simplefilter("ignore")
    rows = []
    for problem in a.problems.split(","):
        budget = a.budget or PROBLEMS[problem][4]
        for sampler in a.samplers.split(","):
            hvs = []
            start = time.time()
            for seed in range(a.seeds):
                hv = run(problem, sampler, seed, budget)
                if hv is None:
                    break
                hvs.append(hv)
                print(f"{problem} {sampler} seed {seed}: hypervolume {hv:.6g}", file=sys.stderr)
            if not hvs:
                continue
            q = np.percentile(hvs, [25, 50, 75])
            rows.append({
                "library": "optuna", "sampler": sampler, "problem": problem, "trials": budget,
                "hypervolume": {"median": float(q[1]), "q25": float(q[0]), "q75": float(q[2])},
                "perSeed": hvs, "seconds": round(time.time() - start, 1),
            })
            print(json.dumps(rows[-1]), file=sys.stderr)
    json.dump({"optuna": optuna.__version__, "seeds": a.seeds, "rows": rows}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
