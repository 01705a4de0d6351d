""""Show the code": a standalone PyTorch script that trains the FNN tab's current settings.

The dataset generator is copied from ``playground.data`` with ``inspect`` so the script and the app
make exactly the same points (your own points are written out, with the split and jitter they get);
the rest is the plain PyTorch a learner would write.
"""

from __future__ import annotations

import inspect

from playground.data import points

_FEATURES = '''FEATURES = {
    "x": lambda x, y: x, "y": lambda x, y: y, "x2": lambda x, y: x * x, "y2": lambda x, y: y * y,
    "xy": lambda x, y: x * y, "sinx": lambda x, y: np.sin(x), "siny": lambda x, y: np.sin(y),
}'''

_OPTIMIZERS = {
    "sgd": "torch.optim.SGD(model.parameters(), lr={lr})",
    "momentum": "torch.optim.SGD(model.parameters(), lr={lr}, momentum=0.9)",
    "adam": "torch.optim.Adam(model.parameters(), lr={lr})",
}
_ACTIVATIONS = {"relu": "nn.ReLU()", "tanh": "nn.Tanh()", "sigmoid": "nn.Sigmoid()", "gelu": "nn.GELU()"}


def script(cfg, epochs: int | None = None) -> str:
    """The runnable script for ``cfg`` (a ``playground.models.mlp.Config``)."""
    epochs = cfg.epochs if epochs is None else epochs
    feats = cfg.feature_list()
    layers = []
    width = len(feats)
    for _ in range(cfg.n_layers):
        layers.append(f"nn.Linear({width}, {cfg.units}), {_ACTIVATIONS[cfg.activation]},")
        width = cfg.units
    layers.append(f"nn.Linear({width}, {cfg.n_classes()}),  # one logit per class")
    body = "\n        ".join(layers)
    penalty = []
    if cfg.l1:
        penalty.append(f"{cfg.l1!r} * sum(w.abs().sum() for w in weights)")
    if cfg.l2:
        penalty.append(f"{cfg.l2!r} * sum((w * w).sum() for w in weights)")
    penalty_line = (" + ".join(["loss"] + penalty)) if penalty else "loss"
    data = _own_data(cfg) if cfg.dataset == "custom" else _toy_data(cfg)
    what = "your own points" if cfg.dataset == "custom" else f'the "{cfg.dataset}" toy dataset'
    return f'''"""Train a feed-forward network on {what} (Neural Playground's FNN tab)."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def main():
    torch.manual_seed({cfg.seed})
    model = nn.Sequential(
        {body}
    )
    optimizer = {_OPTIMIZERS[cfg.optimizer].format(lr=repr(cfg.lr))}
    weights = [m.weight for m in model if isinstance(m, nn.Linear)]
    x_train, y_train, x_test, y_test = load_data()

    for epoch in range({epochs}):
        for idx in torch.randperm(len(y_train)).split({cfg.batch_size}):
            loss = F.cross_entropy(model(x_train[idx]), y_train[idx])
            loss = {penalty_line}
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

    with torch.no_grad():
        accuracy = (model(x_test).argmax(1) == y_test).float().mean().item()
    print(f"test accuracy {{accuracy:.3f}}")


{data}
if __name__ == "__main__":
    main()
'''


def _toy_data(cfg) -> str:
    feats = cfg.feature_list()
    return f'''def load_data():
    """{cfg.n_points} points, noise {cfg.noise}, {cfg.train_fraction:.0%} for training; features {", ".join(feats)}."""
    points, labels = toy_dataset({cfg.dataset!r}, {cfg.n_points}, {cfg.noise!r}, seed={cfg.seed})
    order = np.random.default_rng({cfg.seed} + 1).permutation({cfg.n_points})
    cut = int(round({cfg.n_points} * {cfg.train_fraction!r}))
    features = {list(feats)!r}
    inputs = np.stack([FEATURES[f](points[:, 0], points[:, 1]) for f in features], axis=1).astype(np.float32)
    return (torch.from_numpy(inputs[order[:cut]]), torch.from_numpy(labels[order[:cut]]),
            torch.from_numpy(inputs[order[cut:]]), torch.from_numpy(labels[order[cut:]]))


TOY_DATASETS = {points.TOY_DATASETS!r}
TOY_RANGE = {points.TOY_RANGE!r}
{_FEATURES}


{inspect.getsource(points.toy_dataset)}
'''


def _own_data(cfg) -> str:
    feats = cfg.feature_list()
    rows = "".join("    " + " ".join(f"({x!r}, {y!r}, {c})," for x, y, c in cfg.points[i:i + 4]) + "\n"
                   for i in range(0, len(cfg.points), 4))
    helpers = "\n\n".join(inspect.getsource(f) for f in (points._mix, points._uniforms, points.own_split))
    return f'''def load_data():
    """Your {len(cfg.points)} points, noise {cfg.noise}, {cfg.train_fraction:.0%} for training;
    features {", ".join(feats)}."""
    x_train, y_train, x_test, y_test, _, _ = own_split(POINTS, {cfg.noise!r}, {cfg.train_fraction!r}, seed={cfg.seed})
    features = {list(feats)!r}

    def inputs(p):
        return torch.from_numpy(np.stack([FEATURES[f](p[:, 0], p[:, 1]) for f in features], axis=1).astype(np.float32))

    return inputs(x_train), torch.from_numpy(y_train), inputs(x_test), torch.from_numpy(y_test)


POINTS = [  # (x, y, label)
{rows}]
TOY_RANGE = {points.TOY_RANGE!r}
PLANE = {points.PLANE!r}
{_FEATURES}


class PointsError(ValueError):
    def __init__(self, code, **params):
        super().__init__(f"{{code}}: {{params}}")


{helpers}
'''
