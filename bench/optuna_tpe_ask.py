"""Optuna 3.1 TPE: time of one ask at about n trials on the sphere in d dims ([-5.12, 5.12]^d, as parzen's bench speed).

The study is filled with n - 5 random trials (create_trial), then 10 ask/tell pairs are timed: the median ask, in
wall time and in the process's CPU time (steadier on a shared machine), is printed as JSON
{"optuna": version, "rows": [{"dim": d, "trials": n, "askMs": ms, "askCpuMs": ms}]}. Usage: optuna_tpe_ask.py N D1,D2,...
"""
import json
import random
import statistics
import sys
import time

import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)
n = int(sys.argv[1])
dims = [int(d) for d in sys.argv[2].split(",")]
rows = []
for d in dims:
    rnd = random.Random(0)
    dist = {f"x{j}": optuna.distributions.FloatDistribution(-5.12, 5.12) for j in range(d)}
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0))
    pre = []
    for _ in range(n - 5):
        params = {k: rnd.uniform(-5.12, 5.12) for k in dist}
        pre.append(optuna.trial.create_trial(params=params, distributions=dist, value=sum(v * v for v in params.values())))
    study.add_trials(pre)
    times = []
    cpu = []
    for _ in range(10):
        c0 = time.process_time()
        t0 = time.perf_counter()
        trial = study.ask(dist)
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        study.tell(trial, sum(v * v for v in trial.params.values()))
    rows.append({"dim": d, "trials": n, "askMs": statistics.median(times), "askCpuMs": statistics.median(cpu)})
print(json.dumps({"optuna": optuna.__version__, "rows": rows}))
