"""An FNN training session as the FNN tab runs it, and /mlp_fit's whole run: no Gradio here.

The tab trains in the browser session, not as a background job: a session holds a network, its
engine ``Stepper`` (the same loop body as every other training), the 2-D points and the curves so
far. Each Play tick advances it by one pass over the training points and records the losses on all
training and test points, as TensorFlow Playground does. ``plan`` and ``fit`` run the same session to
the end for the API.
"""

from __future__ import annotations

import threading

from playground import engine
from playground.data import points
from playground.config import from_overrides
from playground.errors import UserError
from playground.models import mlp

MAX_STEPS_PER_TICK = 60  # a tick's pass over the training points is cut here, so a redraw stays quick
MAX_FIT_STEPS = 5000  # the longest run /mlp_fit trains


def new_session(cfg: mlp.Config) -> dict:
    """A fresh network for ``cfg`` → the session: {"cfg", "stepper", "points" (xtr, ytr, xte, yte),
    "error" (why training stopped, or None), "history" {metric: [[step, value], …]}, "lock"}. Hold
    "lock" to read a session that another thread may be advancing."""
    stepper = engine.Stepper(mlp, cfg)
    xtr, ytr, xte, yte = points.toy_split(cfg.dataset, cfg.n_points, cfg.noise, cfg.train_fraction, cfg.seed)
    sess = {"cfg": cfg, "stepper": stepper, "points": (xtr, ytr, xte, yte), "error": None,
            "history": {"train_loss": [], "val_loss": [], "val_acc": []}, "lock": threading.Lock()}
    record(sess)  # the curves start at step 0, before any training
    return sess


def advance(sess: dict, steps: int) -> None:
    """Train ``steps`` steps, then record the losses on all training and test points. A loss that
    is not finite stops the session: ``sess["error"]`` says why, and that step is not applied."""
    stepper = sess["stepper"]
    with sess["lock"]:
        try:
            for _ in range(steps):
                stepper.step()
        except engine.NonFiniteLoss as e:
            sess["error"] = str(e)
        record(sess)


def record(sess: dict) -> None:
    """Append the loss on every training point, and the loss and accuracy on every test point."""
    cfg, model, step = sess["cfg"], sess["stepper"].model, sess["stepper"].step_count
    train = mlp.evaluate(model, cfg, "train")
    test = mlp.evaluate(model, cfg, "test")
    h = sess["history"]
    h["train_loss"].append([step, train["val_loss"]])
    h["val_loss"].append([step, test["val_loss"]])
    h["val_acc"].append([step, test["val_acc"]])


def steps_per_tick(sess: dict) -> int:
    """One pass over the training points (its number of batches), at most MAX_STEPS_PER_TICK."""
    return min(len(sess["stepper"].data), MAX_STEPS_PER_TICK)


def plan(overrides: dict, steps: int | None = None) -> tuple[mlp.Config, int]:
    """/mlp_fit's settings → (the Config, the steps to train). ``overrides`` are the tab's settings
    (``features`` a list or "x,y"); ``steps`` (1 … MAX_FIT_STEPS, checked by the caller) replaces
    ``epochs``. Raises ValueError naming a bad setting, or when the run is longer than MAX_FIT_STEPS."""
    overrides = dict(overrides)
    if isinstance(overrides.get("features"), list):
        overrides["features"] = ",".join(map(str, overrides["features"]))
    cfg = from_overrides(mlp.Config, overrides)
    batches = -(-round(cfg.n_points * cfg.train_fraction) // cfg.batch_size)
    if steps is None:
        steps = cfg.epochs * batches
    else:
        cfg = from_overrides(mlp.Config, {"epochs": min(2000, -(-int(steps) // batches))}, base=cfg)
    if steps > MAX_FIT_STEPS:
        raise UserError("fnn_too_long", steps=steps, max=MAX_FIT_STEPS)
    return cfg, steps


def fit(cfg: mlp.Config, steps: int) -> dict:
    """Train a fresh network ``steps`` steps (or until it diverges), a tick at a time as the tab does →
    {"train_loss": [...], "test_loss": [...], "steps_at": [...], "test_accuracy", "diverged": reason or None}."""
    sess = new_session(cfg)
    while sess["stepper"].step_count < steps and not sess["error"]:
        advance(sess, min(steps_per_tick(sess), int(steps) - sess["stepper"].step_count))
    h = sess["history"]
    return {"train_loss": [v for _, v in h["train_loss"]], "test_loss": [v for _, v in h["val_loss"]],
            "steps_at": [s for s, _ in h["val_loss"]], "test_accuracy": h["val_acc"][-1][1],
            "diverged": sess["error"]}
