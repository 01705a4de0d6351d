"""Two-dimensional toy datasets for the feed-forward network tab: TensorFlow Playground's, in numpy.

Two classes of points in the plane (circles, xor, spirals, blobs, moons), the input features a network
may read from a point's coordinates (x, y, x², y², xy, sin x, sin y), and one seeded train/test split.
A learner's own points (up to four classes, placed by clicking or read from a CSV file) are checked
here (``check_points``, ``read_csv``) and split and jittered like the presets (``own_split``).
"""

from __future__ import annotations

import math

import numpy as np

from playground.errors import UserError

TOY_DATASETS = ("circles", "xor", "spirals", "blobs", "moons")
TOY_RANGE = 3.0  # points lie in about [-3, 3]²
PLANE = round(TOY_RANGE * 1.2, 6)  # the plane the FNN tab shows, [-3.6, 3.6]²: a learner's points must lie in it
MAX_CLASSES = 4  # labels 0 … 3
MAX_POINTS = 2000  # as many as the largest preset
MAX_CSV_BYTES = 200_000  # a CSV of MAX_POINTS rows "x,y,label" is about 40 kB

ERRORS = {  # user-facing messages about a learner's own points, by code (the UI translates them)
    "points_form": "points must be a list of [x, y, label] rows, e.g. [[0.5, -1.2, 0], [1, 1, 1]]; got {value}",
    "points_range": "points[{row}] is ({x}, {y}): x and y must be numbers in [-{lim}, {lim}], the plane shown",
    "points_label": "points[{row}] has label {value}: labels are whole numbers 0 to {top} (at most {k} classes)",
    "points_many": "that is {n} points; at most {max}",
    "points_classes": "training needs points of at least two classes; these {n} points have {k}",
    "points_preset": "your own points go with dataset \"custom\" (or no dataset), not {dataset!r}",
    "csv_size": "the CSV file is {kb} kB; at most {max} kB ({points} points)",
    "csv_empty": "no usable row in this file: each line must be x,y,label (e.g. 0.5,-1.2,0); "
                 "{bad} line(s) could not be read",
}
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


class PointsError(UserError):
    """A learner's points (or CSV file) that cannot be used. ``code`` and ``params`` let the UI translate it."""

    messages = ERRORS


def toy_split(name: str, n: int, noise: float, train_fraction: float, seed: int = 0):
    """(x_train, y_train, x_test, y_test): one dataset, shuffled once by ``seed`` and split."""
    pts, y = toy_dataset(name, n, noise, seed)
    order = np.random.default_rng(seed + 1).permutation(n)
    cut = int(round(n * train_fraction))
    return pts[order[:cut]], y[order[:cut]], pts[order[cut:]], y[order[cut:]]


# -----------------------------------------------------------------------------
# A learner's own points


def check_points(rows) -> tuple[tuple[float, float, int], ...]:
    """[[x, y, label], …] (lists or tuples, from JSON, a CSV or the page) → a tuple of (x, y, label).

    Raises ``PointsError`` naming the first bad row: not three numbers, a coordinate outside the plane
    (or NaN), a label that is not a whole number in 0 … MAX_CLASSES − 1; or more than MAX_POINTS rows.
    An empty list is fine here: whether the points can be trained on is ``own_split``'s question.
    """
    if not isinstance(rows, (list, tuple)):
        raise PointsError("points_form", value=_show(rows))
    if len(rows) > MAX_POINTS:
        raise PointsError("points_many", n=len(rows), max=MAX_POINTS)
    out = []
    for i, row in enumerate(rows):
        if (not isinstance(row, (list, tuple)) or len(row) != 3
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in row)):
            raise PointsError("points_form", value=f"points[{i}] = {_show(row)}")
        x, y, label = row
        if not (math.isfinite(x) and math.isfinite(y) and abs(x) <= PLANE and abs(y) <= PLANE):
            raise PointsError("points_range", row=i, x=_show(x), y=_show(y), lim=f"{PLANE:g}")
        if not math.isfinite(label) or label != int(label) or not 0 <= label < MAX_CLASSES:
            raise PointsError("points_label", row=i, value=_show(label), top=MAX_CLASSES - 1, k=MAX_CLASSES)
        out.append((float(x), float(y), int(label)))
    return tuple(out)


def _show(value) -> str:
    """A value as a message may quote it: short."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "…"


def n_classes(rows) -> int:
    """The classes K of checked points: labels are 0 … K − 1 (a label never used still has its output)."""
    return max((r[2] for r in rows), default=0) + 1


def _mix(k: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser: uint64 → well-mixed uint64, elementwise."""
    k = (k ^ (k >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    k = (k ^ (k >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return k ^ (k >> np.uint64(31))


def _uniforms(rows: np.ndarray, seed: int, salt: int) -> np.ndarray:
    """One number in (0, 1) per point, a function of the point itself (x, y to 1/10000, label) and the seed:
    adding or erasing a point leaves every other point's number as it was."""
    q = np.round(rows * np.array([1e4, 1e4, 1])).astype(np.int64).astype(np.uint64)
    k = np.full(len(rows), np.uint64(seed * 4 + salt))
    for column in q.T:
        k = _mix(k ^ column)
    return ((k >> np.uint64(11)).astype(np.float64) + 0.5) / 2.0**53


def own_split(rows, noise: float, train_fraction: float, seed: int = 0):
    """A learner's checked points → (x_train, y_train, x_test, y_test, train_rows, test_rows), like ``toy_split``.

    As for the presets, round(n · train_fraction) points train (at least one, and one left to test) and
    ``noise`` jitters every point by N(0, noise · TOY_RANGE) in each coordinate. Both are drawn per point
    from the point itself and ``seed``, so an edit moves no other point and swaps at most one other between
    training and test. ``train_rows`` / ``test_rows`` are the indexes of the points in ``rows``.
    Raises ``PointsError`` when the points have fewer than two classes.
    """
    arr = np.asarray(rows, dtype=np.float64).reshape(-1, 3)
    k = len(np.unique(arr[:, 2]))
    if k < 2:
        raise PointsError("points_classes", n=len(arr), k=k)
    u1, u2 = _uniforms(arr, seed, 1), _uniforms(arr, seed, 2)
    jitter = np.sqrt(-2 * np.log(u1))[:, None] * np.stack([np.cos(2 * np.pi * u2), np.sin(2 * np.pi * u2)], 1)
    pts = np.clip(arr[:, :2] + noise * TOY_RANGE * jitter, -PLANE, PLANE).astype(np.float32)  # Box–Muller
    y = arr[:, 2].astype(np.int64)
    order = np.argsort(_uniforms(arr, seed, 3), kind="stable")
    cut = min(max(int(round(len(arr) * train_fraction)), 1), len(arr) - 1)
    tr, te = order[:cut], order[cut:]
    return pts[tr], y[tr], pts[te], y[te], tr, te


def read_csv(text: str) -> tuple[tuple[tuple[float, float, int], ...], list[int]]:
    """The text of a CSV file of x,y,label lines → (the good points, the line numbers of the bad ones).

    A first line that is a header (x,y,label or any words) and blank lines are skipped; separators may
    be commas, semicolons, tabs or spaces. Raises ``PointsError`` when no line is good, or when the good
    ones are more than MAX_POINTS.
    """
    good, bad = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        fields = [f for f in line.replace(";", ",").replace("\t", ",").replace(" ", ",").split(",") if f]
        if not fields:
            continue
        try:
            row = [float(f) for f in fields]
            if len(row) != 3:
                raise ValueError
            good.append(check_points([row])[0])
        except (ValueError, PointsError):
            if number == 1 and any(c.isalpha() for c in line) and not any(c.isdigit() for c in line):
                continue  # a header
            bad.append(number)
    if not good:
        raise PointsError("csv_empty", bad=len(bad))
    return check_points(good), bad

