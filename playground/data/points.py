"""Two-dimensional toy datasets for the feed-forward network tab: TensorFlow Playground's, in numpy.

Two classes of points in the plane (circles, xor, spirals, blobs, moons), the input features a network
may read from a point's coordinates (x, y, x², y², xy, sin x, sin y), and one seeded train/test split.
"""

from __future__ import annotations

import numpy as np

TOY_DATASETS = ("circles", "xor", "spirals", "blobs", "moons")
TOY_RANGE = 3.0  # points lie in about [-3, 3]²
FEATURES = {  # name → function of the coordinates (x, y); "sin x" is sin of the coordinate itself
    "x": lambda x, y: x, "y": lambda x, y: y, "x2": lambda x, y: x * x, "y2": lambda x, y: y * y,
    "xy": lambda x, y: x * y, "sinx": lambda x, y: np.sin(x), "siny": lambda x, y: np.sin(y),
}


def toy_dataset(name: str, n: int = 400, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points (n, 2) float32 in about [-3, 3]² with labels (n,) int64 in {0, 1}.

    ``noise`` in [0, 0.5] is the standard deviation of the jitter as a fraction of the range's half-width.
    """
    if name not in TOY_DATASETS:
        raise ValueError(f"dataset must be one of {', '.join(TOY_DATASETS)}, got {name!r}")
    rng = np.random.default_rng(seed)
    half = n // 2
    y = np.concatenate([np.zeros(n - half), np.ones(half)]).astype(np.int64)
    if name == "circles":  # class 1 inside a disk, class 0 on a ring around it
        r = np.where(y == 1, rng.uniform(0, 0.45, n), rng.uniform(0.65, 1.0, n))
        t = rng.uniform(0, 2 * np.pi, n)
        pts = np.stack([r * np.cos(t), r * np.sin(t)], axis=1)
    elif name == "xor":  # class 1 where x and y have the same sign
        pts = rng.uniform(-1, 1, (n, 2))
        pts += np.sign(pts) * 0.05  # a small margin around the axes
        y = (pts[:, 0] * pts[:, 1] > 0).astype(np.int64)
    elif name == "spirals":  # two interleaved arms, 1.75 turns each
        i = np.concatenate([np.arange(n - half), np.arange(half)]) / max(half, 1)
        r = 0.05 + 0.95 * i
        t = 1.75 * 2 * np.pi * i + np.pi * y
        pts = np.stack([r * np.sin(t), r * np.cos(t)], axis=1)
    elif name == "blobs":
        centres = np.where(y[:, None] == 1, 0.45, -0.45)
        pts = centres + rng.normal(0, 0.25, (n, 2))
    else:  # moons: two interleaved half circles
        t = rng.uniform(0, np.pi, n)
        upper = np.stack([np.cos(t) - 0.5, np.sin(t) - 0.25], axis=1)
        lower = np.stack([0.5 - np.cos(t), 0.25 - np.sin(t)], axis=1)
        pts = np.where(y[:, None] == 0, upper, lower) * 0.8
    pts = pts + rng.normal(0, noise, pts.shape)
    return (pts * TOY_RANGE).astype(np.float32), y


def featurize(points: np.ndarray, features: tuple[str, ...]) -> np.ndarray:
    """(n, 2) coordinates → (n, len(features)) inputs, e.g. ("x", "y", "sinx")."""
    unknown = [f for f in features if f not in FEATURES]
    if unknown or not features:
        raise ValueError(f"features must be a non-empty list from {', '.join(FEATURES)}, got {list(features)}")
    x, y = points[:, 0], points[:, 1]
    return np.stack([FEATURES[f](x, y) for f in features], axis=1).astype(np.float32)


def toy_split(name: str, n: int, noise: float, train_fraction: float, seed: int = 0):
    """(x_train, y_train, x_test, y_test): one dataset, shuffled once by ``seed`` and split."""
    pts, y = toy_dataset(name, n, noise, seed)
    order = np.random.default_rng(seed + 1).permutation(n)
    cut = int(round(n * train_fraction))
    return pts[order[:cut]], y[order[:cut]], pts[order[cut:]], y[order[cut:]]
