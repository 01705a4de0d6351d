"""What layer health costs a training job, and what it shows in the classic failures.

Speed: the same runs (the CNN's and the FNN's Train-panel defaults, a character GRU) timed with and
without layer health at the rate jobs use (``layer_health.every``: about 200 watched steps a run),
alternating, ``--repeats`` times each; the ratio is steps/s with ÷ without (issue 19 asks ≥ 0.9). The FNN
tab's session too (``fnn_session.advance`` a tick at a time, as Play does, with its losses on all points
after each tick; with health, the activations read on all the training points at each watched step).

What it shows, over ``--seeds`` seeds: the FNN with 6 sigmoid layers on plain SGD (the first layer's
gradient norm against the output layer's: vanishing), the same with ReLU and Adam, and a ReLU network
pushed by too high a learning rate (the dead fraction of its worst layer) against its fix.
The last line is one JSON object.

    python bench/health.py
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from playground import engine, fnn_session, layer_health  # noqa: E402
from playground.config import from_overrides  # noqa: E402
from playground.models import charlm, cnn, mlp  # noqa: E402

RUNS = {  # name → (model module, settings): a minute or less each on 2 cores
    "cnn": (cnn, {**{f: getattr(cnn.QUICK, f) for f in ("c1", "c2", "hidden")}, "epochs": 1}),
    "mlp": (mlp, {"epochs": 100}),
    "gru": (charlm, {"cell": "gru", "hidden": 128, "d_embed": 32, "block": 64, "batch_size": 32, "steps": 100,
                     "epochs": 1}),
}


def speed(arch, overrides: dict, watched: bool) -> float:
    """Training steps per second of one run (evaluation after each epoch left out of the clock)."""
    cfg = from_overrides(arch.Config, overrides)
    stepper = engine.Stepper(arch, cfg, health_every="auto" if watched else None)
    t0 = time.perf_counter()
    for _ in range(stepper.total):
        stepper.step()
    return stepper.total / (time.perf_counter() - t0)


def session_speed(watched: bool, ticks: int = 60) -> float:
    """Training steps per second of the FNN tab's session at its defaults, ``ticks`` Play ticks."""
    sess = fnn_session.new_session(mlp.Config())
    if not watched:
        sess["stepper"].monitor = None
    per_tick = fnn_session.steps_per_tick(sess)
    t0 = time.perf_counter()
    for _ in range(ticks):
        fnn_session.advance(sess, per_tick)
    return ticks * per_tick / (time.perf_counter() - t0)


def grad_ratio(activation: str, optimizer: str, lr: float, seed: int) -> float:
    """The output layer's mean gradient norm ÷ the first hidden layer's, over a 6-layer FNN's run."""
    cfg = from_overrides(mlp.Config, {"n_layers": 6, "activation": activation, "optimizer": optimizer, "lr": lr,
                                      "epochs": 20, "seed": seed})
    h = engine.fit(mlp, cfg, health_every=5).health
    first, last = (float(np.nanmean(h["stats"][n]["grad_norm"])) for n in ("hidden.0.0", "out"))
    return last / first


def worst_dead(lr: float, seed: int) -> float:
    """The largest dead-ReLU fraction of any layer at the end of a ReLU FNN's run at ``lr`` (SGD), read on
    all its training points (a small batch would call units dead that are merely quiet on it)."""
    cfg = from_overrides(mlp.Config, {"n_layers": 4, "activation": "relu", "optimizer": "sgd", "lr": lr,
                                      "epochs": 30, "seed": seed})
    model = engine.fit(mlp, cfg).model
    x, _, _, _ = mlp.split(cfg)
    return max(s["dead_fraction"] for n, s in layer_health.activation_stats_on(model, x).items() if n != "out")


def main(repeats: int, seeds: int):
    torch.set_num_threads(1)  # as one job: ratios, not absolute speeds
    out = {"speed": {}}
    for name, (arch, overrides) in RUNS.items():
        plain, watched = [], []
        for _ in range(repeats):  # alternating, so a busy moment of the machine hits both
            plain.append(speed(arch, overrides, False))
            watched.append(speed(arch, overrides, True))
        out["speed"][name] = {"steps_per_s": round(float(np.median(plain)), 1),
                              "with_health": round(float(np.median(watched)), 1),
                              "ratio": round(float(np.median(watched) / np.median(plain)), 3)}
        print(name, out["speed"][name], flush=True)
    plain, watched = [], []
    for _ in range(repeats):
        plain.append(session_speed(False))
        watched.append(session_speed(True))
    out["speed"]["fnn_session"] = {"steps_per_s": round(float(np.median(plain)), 1),
                                   "with_health": round(float(np.median(watched)), 1),
                                   "ratio": round(float(np.median(watched) / np.median(plain)), 3)}
    print("fnn_session", out["speed"]["fnn_session"], flush=True)
    out["sigmoid_sgd_grad_ratio"] = [round(grad_ratio("sigmoid", "sgd", 0.1, s), 1) for s in range(seeds)]
    out["relu_adam_grad_ratio"] = [round(grad_ratio("relu", "adam", 0.01, s), 2) for s in range(seeds)]
    out["dead_high_lr"] = [round(worst_dead(3.0, s), 3) for s in range(seeds)]
    out["dead_fixed_lr"] = [round(worst_dead(0.03, s), 3) for s in range(seeds)]
    out["min_speed_ratio"] = min(v["ratio"] for v in out["speed"].values())
    print(json.dumps(out))


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--session", action="store_true", help="only the FNN session's speed, with and without")
    a = p.parse_args()
    if a.session:
        torch.set_num_threads(1)
        runs = [(session_speed(False), session_speed(True)) for _ in range(a.repeats)]  # alternating
        plain, watched = (float(np.median(v)) for v in zip(*runs))
        print(json.dumps({"fnn_session": {"steps_per_s": round(plain, 1), "with_health": round(watched, 1),
                                          "ratio": round(watched / plain, 3)}}))
    else:
        main(a.repeats, a.seeds)
