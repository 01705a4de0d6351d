"""An FNN training session as the FNN tab runs it, and /mlp_fit's whole run: no Gradio here.

The tab trains in the browser session, not as a background job: a session holds a network, its
engine ``Stepper`` (the same loop body as every other training), the 2-D points and the curves so
far. Each Play tick advances it by one pass over the training points and records the losses on all
training and test points, as TensorFlow Playground does. ``plan`` and ``fit`` run the same session to
the end for the API.

The session's Stepper watches layer health at the rate jobs do (``layer_health.every``), reading the
activations on all the training points rather than the batch (``mlp.health_probe``, as its jobs do):
``sess["health"]``, thinned to ``layer_health.MAX_POINTS`` steps however long Play runs.

A learner's own points that cannot be trained on yet (none, or one class only, while they are being
placed) make a *draft*: a session without a network (``"stepper"`` None) that holds the points and says
why (``"problem"``, a ``PointsError``).
"""

from __future__ import annotations

import threading

import numpy as np

from playground import engine, layer_health
from playground.config import from_overrides
from playground.data.points import PointsError
from playground.errors import UserError
from playground.models import mlp

MAX_STEPS_PER_TICK = 60  # a tick's pass over the training points is cut here, so a redraw stays quick
MAX_FIT_STEPS = 5000  # the longest run /mlp_fit trains


def new_session(cfg: mlp.Config) -> dict:
    """A fresh network for ``cfg`` → the session: {"cfg", "stepper", "points" (xtr, ytr, xte, yte),
    "rows" (for own points: the indexes of the training and test points in ``cfg.points``, else None),
    "error" (why training stopped, or None), "history" {metric: [[step, value], …]}, "health" (layer
    health: {"layers", "steps", "stats"}, see ``playground.layer_health``), "class_acc" (the last test
    accuracy of each class), "lock"}. Hold "lock" to read a session that another thread may be
    advancing. Raises ``PointsError`` for own points of fewer than two classes (see :func:`draft`)."""
    data, rows = mlp.raw_split(cfg)
    stepper = engine.Stepper(mlp, cfg, health_every="auto")
    sess = {"cfg": cfg, "stepper": stepper, "points": data, "rows": rows, "error": None, "problem": None,
            "history": {"train_loss": [], "val_loss": [], "val_acc": []}, "health": stepper.monitor.history,
            "class_acc": [], "lock": threading.Lock()}
    record(sess)  # the curves start at step 0, before any training
    return sess


def draft(cfg: mlp.Config, problem: Exception) -> dict:
    """A session of own points that cannot be trained on yet: all of them shown as training points, no
    network. ``problem`` says why (e.g. the ``PointsError`` of :func:`new_session`)."""
    own = np.asarray(cfg.points, dtype=np.float64).reshape(-1, 3)
    empty = (np.zeros((0, 2), np.float32), np.zeros(0, np.int64))
    return {"cfg": cfg, "stepper": None, "points": (own[:, :2].astype(np.float32), own[:, 2].astype(np.int64),
                                                    *empty),
            "rows": (np.arange(len(own)), np.zeros(0, np.int64)), "error": None, "problem": problem,
            "history": {"train_loss": [], "val_loss": [], "val_acc": []}, "health": {}, "class_acc": [],
            "lock": threading.Lock()}


def session_or_draft(cfg: mlp.Config) -> dict:
    """:func:`new_session`, or :func:`draft` when ``cfg``'s own points cannot be trained on yet."""
    try:
        return new_session(cfg)
    except PointsError as e:
        return draft(cfg, e)


def advance(sess: dict, steps: int) -> None:
    """Train ``steps`` steps, then record the losses on all training and test points. A loss that
    is not finite stops the session: ``sess["error"]`` says why, and that step is not applied."""
    with sess["lock"]:
        stepper = sess["stepper"]
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
    sess["class_acc"] = mlp.class_accuracy(model, cfg, "test")


def steps_per_tick(sess: dict) -> int:
    """One pass over the training points (its number of batches), at most MAX_STEPS_PER_TICK."""
    return min(len(sess["stepper"].data), MAX_STEPS_PER_TICK)


def plan(overrides: dict, steps: int | None = None) -> tuple[mlp.Config, int]:
    """/mlp_fit's settings → (the Config, the steps to train). ``overrides`` are the tab's settings
    (``features`` a list or "x,y"; ``points`` [[x, y, label], …] for your own points, which makes the
    dataset "custom"); ``steps`` (1 … MAX_FIT_STEPS, checked by the caller) replaces ``epochs``. Raises
    ValueError naming a bad setting or point, for own points of one class, or when the run is longer than
    MAX_FIT_STEPS."""
    overrides = dict(overrides)
    if isinstance(overrides.get("features"), list):
        overrides["features"] = ",".join(map(str, overrides["features"]))
    if "points" in overrides and "dataset" not in overrides:
        overrides["dataset"] = "custom"
    cfg = from_overrides(mlp.Config, overrides)
    batches = -(-len(mlp.split(cfg)[1]) // cfg.batch_size)  # a pass over the training points
    if steps is None:
        steps = cfg.epochs * batches
    else:
        cfg = from_overrides(mlp.Config, {"epochs": min(2000, -(-int(steps) // batches))}, base=cfg)
    if steps > MAX_FIT_STEPS:
        raise UserError("fnn_too_long", steps=steps, max=MAX_FIT_STEPS)
    return cfg, steps


def fit(cfg: mlp.Config, steps: int) -> dict:
    """Train a fresh network ``steps`` steps (or until it diverges), a tick at a time as the tab does →
    {"train_loss": [...], "test_loss": [...], "steps_at": [...], "test_accuracy", "class_accuracy" (the test
    accuracy of each class 0 … K − 1, None for a class without test points), "diverged": reason or None}."""
    sess = new_session(cfg)
    while sess["stepper"].step_count < steps and not sess["error"]:
        advance(sess, min(steps_per_tick(sess), int(steps) - sess["stepper"].step_count))
    h = sess["history"]
    return {"train_loss": [v for _, v in h["train_loss"]], "test_loss": [v for _, v in h["val_loss"]],
            "steps_at": [s for s, _ in h["val_loss"]], "test_accuracy": h["val_acc"][-1][1],
            "class_accuracy": sess["class_acc"], "n_train": len(sess["points"][1]),
            "n_test": len(sess["points"][3]), "health": layer_health.jsonable(sess["health"]),
            "diverged": sess["error"]}
