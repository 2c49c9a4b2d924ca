#!/usr/bin/env python3
"""A trainer in Python asking a `parzen serve` for hyperparameters, with the standard library only.

    parzen serve --token-file token.txt &          # in one shell
    PARZEN_TOKEN=$(cat token.txt) python3 examples/serve/trainer.py --trials 20

Each trial: ask for a config, "train" (here a quadratic with a log-scale learning rate), report per epoch (the
server answers whether to stop early), then tell the final loss.
"""
import argparse
import json
import math
import os
import urllib.error
import urllib.request


class Parzen:
    def __init__(self, url, token):
        self.url = url.rstrip("/")
        self.token = token

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("content-type", "application/json")
        if self.token:
            req.add_header("authorization", "Bearer " + self.token)
        try:
            with urllib.request.urlopen(req, timeout=30) as res:
                return json.loads(res.read() or b"{}")
        except urllib.error.HTTPError as e:
            raise RuntimeError(f"{e.code}: {e.read().decode()}") from None


def train(config, epochs=5):
    """Stands in for a training loop: yields the validation loss after each epoch."""
    best = (config["x"] - 1) ** 2 + (math.log10(config["lr"]) + 2) ** 2 / 4
    for epoch in range(epochs):
        yield best + 1.0 / (epoch + 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", default=os.environ.get("PARZEN_URL", "http://127.0.0.1:8470"))
    ap.add_argument("--study", default="python-trainer")
    ap.add_argument("--trials", type=int, default=20)
    args = ap.parse_args()
    api = Parzen(args.url, os.environ.get("PARZEN_TOKEN"))
    space = {"x": {"uniform": [-5, 5]}, "lr": {"loguniform": [math.log(1e-5), math.log(1)]}}
    try:
        api.call("POST", "/studies", {"name": args.study, "space": space, "algo": "tpe", "seed": 1})
    except RuntimeError as e:
        if not str(e).startswith("409"):
            raise
    study = "/studies/" + urllib.request.quote(args.study, safe="")
    for _ in range(args.trials):
        trial = api.call("POST", study + "/ask", {"n": 1, "leaseSeconds": 600})["trials"][0]
        loss = None
        for epoch, loss in enumerate(train(trial["config"])):
            if api.call("POST", study + "/report", {"number": trial["number"], "step": epoch, "value": loss})["prune"]:
                break
        api.call("POST", study + "/tell", {"number": trial["number"], "value": loss})
    best = api.call("GET", study + "/best")["trial"]
    print(json.dumps({"best": best["value"], "params": best["params"]}))


if __name__ == "__main__":
    main()
