#!/usr/bin/python3
"""Optuna 3.1's side of `parzen bench pruning`: the learning-curve family of src/bench/learning-curves.ts, ported line
for line, run with TPE and MedianPruner / SuccessiveHalvingPruner / HyperbandPruner (and no pruning) under the same step
budget, settings and seeds as parzen's bench. Prints one JSON document {"rows": [...]} with rows
{library: "optuna", pruner, sampler, budget, steps, trials, regret: {median, q25, q75}}.

    nice -n 10 /usr/bin/python3 bench/pruning_optuna.py --seeds 10 --budget 3000 > src/bench/optuna-pruning.json
"""
import argparse
import json
import math
import sys

import numpy as np
import optuna

STEPS = 50
NOISE = 0.02
M32 = 0xFFFFFFFF


def hash32(x):
    x &= M32
    x = (x ^ (x >> 16)) & M32
    x = (x * 0x7FEB352D) & M32
    x = (x ^ (x >> 15)) & M32
    x = (x * 0x846CA68B) & M32
    return (x ^ (x >> 16)) & M32


def gaussian(seed, number, step):
    h = hash32((hash32(hash32(seed) ^ number) ^ step) & M32)
    u1 = (hash32((h * 2) & M32) + 0.5) / 4294967296
    u2 = (hash32((h * 2 + 1) & M32) + 0.5) / 4294967296
    return math.sqrt(-2 * math.log(u1)) * math.cos(2 * math.pi * u2)


def floor_of(c):
    u = math.log10(c["lr"])
    f = 0.1 + 0.04 * (u + 2.5) ** 2 + 0.03 * ((math.log2(c["width"]) - 7) / 2) ** 2 + 0.2 * (c["dropout"] - 0.2) ** 2
    if c["opt"] == "sgd":
        f += 0.05 * (c["momentum"] - 0.9) ** 2
    else:
        f += 0.02 + 0.1 * (c["beta1"] - 0.9) ** 2
    return f


def decay(kind, u, t):
    r = 10 ** (u + 2) / 4
    return (1 + r * t) ** -0.7 if kind == "sgd" else math.exp(-2 * r * t)


def curve_at(c, t):
    return floor_of(c) + decay(c["opt"], math.log10(c["lr"]), t)


def final_value(c):
    return curve_at(c, STEPS - 1)


def observed(c, seed, number, t):
    return curve_at(c, t) + NOISE * gaussian(seed, number, t)


def final_optimum():
    best = math.inf
    for i in range(100001):
        u = -4 + (4 * i) / 100000
        base = 0.1 + 0.04 * (u + 2.5) ** 2
        best = min(best, base + decay("sgd", u, STEPS - 1), base + 0.02 + decay("adam", u, STEPS - 1))
    return best


FINAL_OPTIMUM = final_optimum()


def config_of(trial):
    c = {
        "lr": trial.suggest_float("lr", 1e-4, 1, log=True),
        "width": trial.suggest_int("width", 16, 512, log=True),
        "dropout": trial.suggest_float("dropout", 0, 0.5),
        "opt": trial.suggest_categorical("opt", ["sgd", "adam"]),
    }
    if c["opt"] == "sgd":
        c["momentum"] = trial.suggest_float("momentum", 0, 0.99)
    else:
        c["beta1"] = trial.suggest_float("beta1", 0.8, 0.999)
    return c


# The same settings as parzen's bench (src/bench/pruning.ts, PRUNERS).
def make_pruner(name):
    if name == "none":
        return optuna.pruners.NopPruner()
    if name == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=5)
    if name == "asha":
        return optuna.pruners.SuccessiveHalvingPruner(min_resource=3, reduction_factor=3)
    if name == "hyperband":
        return optuna.pruners.HyperbandPruner(min_resource=3, max_resource=STEPS, reduction_factor=3)
    raise ValueError(name)


def run(pruner, seed, budget):
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed), pruner=make_pruner(pruner), direction="minimize")
    spent = 0
    configs = {}
    while spent < budget:
        trial = study.ask()
        c = config_of(trial)
        configs[trial.number] = c
        v = None
        pruned = False
        cut = False
        for step in range(STEPS):
            if spent >= budget:
                cut = True
                break
            v = observed(c, seed, trial.number, step)
            spent += 1
            trial.report(v, step)
            if trial.should_prune():
                pruned = True
                break
        # as parzen's bench: a trial the budget cuts off before its last step is lost
        if cut:
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
        elif pruned:
            study.tell(trial, state=optuna.trial.TrialState.PRUNED)
        else:
            study.tell(trial, v)
    best = study.best_trial
    return final_value(configs[best.number]) - FINAL_OPTIMUM, spent, len(study.trials)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--budget", type=int, default=3000)
    ap.add_argument("--pruners", default="none,median,asha,hyperband")
    ap.add_argument("--first-seed", type=int, default=0, help="seeds first-seed .. first-seed + seeds - 1")
    a = ap.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    rows = []
    for pruner in a.pruners.split(","):
        regrets, steps, trials = [], [], []
        for seed in range(a.first_seed, a.first_seed + a.seeds):
            r, s, n = run(pruner, seed, a.budget)
            regrets.append(r)
            steps.append(s)
            trials.append(n)
            print(f"{pruner} seed {seed}: regret {r:.4g}, {s} steps, {n} trials", file=sys.stderr)
        q = np.percentile(regrets, [25, 50, 75])
        rows.append({
            "library": "optuna", "pruner": pruner, "sampler": "tpe", "budget": a.budget,
            "steps": float(np.median(steps)), "trials": float(np.median(trials)),
            "regret": {"median": float(q[1]), "q25": float(q[0]), "q75": float(q[2])},
        })
    json.dump({"optuna": optuna.__version__, "seeds": a.seeds, "budget": a.budget, "rows": rows}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
