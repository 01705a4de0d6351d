"""A small convolutional network that reads handwritten digits (MNIST, 28×28 grayscale).

Two blocks of two 3×3 convolutions (padding 1, so the size is kept), each followed by batch
normalisation and ReLU, then 2×2 max pooling that halves height and width; then a two-layer
classifier. A conv layer computes, for each output channel o and position (i, j),

    Y[o, i, j] = b[o] + Σ_c Σ_u Σ_v  X[c, i+u, j+v] · K[o, c, u, v]

and has (k·k·C_in + 1)·C_out parameters; the output size is ⌊(n + 2p − k)/s⌋ + 1.

    (B,1,28,28) → conv1 → (B,32,28,28) → conv2 → (B,32,28,28) → pool1 → (B,32,14,14)
                → conv3 → (B,64,14,14) → conv4 → (B,64,14,14) → pool2 → (B,64,7,7)
                → flatten (B,3136) → fc1 (B,128) → fc2 → (B,10)

Sources: LeCun et al. 1998 (LeNet, MNIST); Simonyan & Zisserman 2014 (stacked 3×3 convolutions);
Ioffe & Szegedy 2015 (batch norm); Simonyan et al. 2013 and Smilkov et al. 2017 (saliency,
SmoothGrad); "Dive into Deep Learning" ch. 7 (convolutions, padding, stride, pooling).
The CNN tab shows its input, probabilities, feature maps, saliency and shape table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from playground.data import digits
from playground.config import bounded, choice, trainer


@dataclass
class Config:
    c1: int = bounded(32, 4, 64, "channels of the first conv block")
    c2: int = bounded(64, 8, 128, "channels of the second conv block")
    hidden: int = bounded(128, 16, 512, "units of the hidden fully connected layer")
    dropout: float = bounded(0.3, 0.0, 0.8, "dropout before each linear layer")
    optimizer: str = trainer("optimizer", "adamw")
    lr: float = trainer("lr", 3e-3, hi=10.0)
    weight_decay: float = trainer("weight_decay", 1e-4, help="AdamW weight decay", ui=True)
    clip: float = trainer("clip", 1.0, help="clip the gradient norm to this (0 = no clipping)", ui=True)
    batch_size: int = trainer("batch_size", 64, help="images per step")
    epochs: int = trainer("epochs", 20, help="passes over the training digits")
    augment: bool = choice(True, (True, False), "random warps and stroke widths while training")
    data: str = choice("bundled", ("bundled", "mnist"), "bundled 8k digits, or full MNIST if it downloads")
    seed: int = trainer("seed", 0)


# The Train panel's defaults: about a minute on a 2-core CPU (one training thread), ~98.5 % held-out.
QUICK = Config(c1=16, c2=32, hidden=64, epochs=8)
# A model a test can train in about a second.
TINY = Config(c1=4, c2=8, hidden=16, dropout=0.0, batch_size=32, epochs=1, augment=False)


# -----------------------------------------------------------------------------
# The network


class ConvBlock(nn.Sequential):
    """conv 3×3 (padding 1) → batch norm → ReLU. Its output is what the tab shows as a feature map."""

    def __init__(self, c_in: int, c_out: int):
        super().__init__(
            nn.Conv2d(c_in, c_out, kernel_size=3, padding=1, bias=False),  # BN's shift is the bias
            nn.BatchNorm2d(c_out),
            nn.ReLU(inplace=True),
        )


class CNN(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.conv1 = ConvBlock(1, cfg.c1)
        self.conv2 = ConvBlock(cfg.c1, cfg.c1)
        self.pool1 = nn.MaxPool2d(2)
        self.conv3 = ConvBlock(cfg.c1, cfg.c2)
        self.conv4 = ConvBlock(cfg.c2, cfg.c2)
        self.pool2 = nn.MaxPool2d(2)
        self.flatten = nn.Flatten()
        self.drop1 = nn.Dropout(cfg.dropout)
        self.fc1 = nn.Linear(cfg.c2 * 7 * 7, cfg.hidden)
        self.relu = nn.ReLU(inplace=True)
        self.drop2 = nn.Dropout(cfg.dropout)
        self.fc2 = nn.Linear(cfg.hidden, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool1(self.conv2(self.conv1(x)))  # (B, c1, 14, 14)
        x = self.pool2(self.conv4(self.conv3(x)))  # (B, c2, 7, 7)
        x = self.relu(self.fc1(self.drop1(self.flatten(x))))  # (B, hidden)
        return self.fc2(self.drop2(x))  # (B, 10) logits


FEATURE_LAYERS = ("conv1", "conv2", "conv3", "conv4")


# -----------------------------------------------------------------------------
# The contract used by the engine, jobs, CLI and tests


def build(cfg: Config) -> CNN:
    return CNN(cfg)


def example_input(cfg: Config) -> torch.Tensor:
    """A batch the model accepts (for exported models): one normalized 28×28 image."""
    return torch.randn(1, 1, 28, 28)


class TrainData(digits.DigitBatches):
    """The training digits on ``device`` as normalised (x, y) batches, augmented when asked."""

    def __init__(self, cfg: Config, device: torch.device | str = "cpu"):
        super().__init__(cfg.batch_size, device, labels=True, source=cfg.data)
        self.cfg = cfg

    def epoch(self, generator: torch.Generator):
        for x, y in super().epoch(generator):
            if self.cfg.augment:
                x = digits.augment(x, generator)
            yield digits.normalize(x), y


def train_data(cfg: Config, device: torch.device | str = "cpu") -> TrainData:
    return TrainData(cfg, device)


def loss(model: CNN, batch) -> tuple[torch.Tensor, dict[str, float]]:
    x, y = batch
    logits = model(x)
    return F.cross_entropy(logits, y), {}


@torch.no_grad()
def evaluate(model: CNN, cfg: Config, split: str = "test", batch_size: int = 1000) -> dict[str, float]:
    """Loss and accuracy on the held-out digits (``split="test"``) or the training digits."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    images, labels = digits.load_digits(split, cfg.data)
    total_loss, correct = 0.0, 0
    for start in range(0, len(labels), batch_size):
        x = digits.normalize(images[start:start + batch_size].to(device))
        y = labels[start:start + batch_size].to(device)
        logits = model(x)
        total_loss += F.cross_entropy(logits, y, reduction="sum").item()
        correct += (logits.argmax(1) == y).sum().item()
    model.train(was_training)
    return {"val_loss": total_loss / len(labels), "val_acc": correct / len(labels)}


# -----------------------------------------------------------------------------
# Inference helpers for the tab and the API: numpy in, numpy out


def _input(digit: np.ndarray, model: nn.Module) -> torch.Tensor:
    """(28, 28) float in [0, 1] → normalised (1, 1, 28, 28) on the model's device."""
    x = torch.as_tensor(np.asarray(digit, dtype=np.float32)).reshape(1, 28, 28)
    return digits.normalize(x).to(next(model.parameters()).device)


@torch.no_grad()
def predict(model: CNN, digit: np.ndarray) -> np.ndarray:
    """Class probabilities (10,) for one MNIST-style digit (28, 28) in [0, 1]."""
    model.eval()
    return F.softmax(model(_input(digit, model)), dim=1)[0].cpu().numpy()


@torch.no_grad()
def predict_many(model: CNN, images: torch.Tensor, batch_size: int = 500) -> np.ndarray:
    """Class probabilities (N, 10) for uint8 MNIST digits (N, 28, 28), as :func:`evaluate` reads them."""
    model.eval()
    device = next(model.parameters()).device
    out = [F.softmax(model(digits.normalize(images[i:i + batch_size].to(device))), dim=1).cpu()
           for i in range(0, len(images), batch_size)]
    return torch.cat(out).numpy() if out else np.zeros((0, 10), np.float32)


def confusion(probs: np.ndarray, labels: np.ndarray, classes: int = 10) -> np.ndarray:
    """Counts (classes, classes): row = the true digit, column = the one the model read."""
    m = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(m, (np.asarray(labels), np.asarray(probs).argmax(1)), 1)
    return m


# Hand-designed 3×3 kernels a learner can try on their own drawing (d2l ch. 7.2: edge detection).
KERNELS = {
    "edge_horizontal": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],  # Sobel: ink starting below (a top edge) > 0
    "edge_vertical": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],  # Sobel: ink starting to the right > 0
    "blur": [[1 / 9] * 3] * 3,  # the mean of the 3×3 neighbourhood
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "laplacian": [[0, 1, 0], [1, -4, 1], [0, 1, 0]],  # ≈ 0 where the ink is flat, large at its borders
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
}


def convolve(digit: np.ndarray, kernel) -> np.ndarray:
    """A 28×28 digit in [0, 1] convolved with a k×k kernel, padding k // 2 → (28, 28), as a conv layer
    does (cross-correlation: the kernel is not flipped). Raises ValueError for a kernel that is not a
    square of finite numbers with an odd side."""
    k = torch.as_tensor(np.asarray(kernel, dtype=np.float32))
    if k.dim() != 2 or k.shape[0] != k.shape[1] or k.shape[0] % 2 == 0 or not torch.isfinite(k).all():
        raise ValueError("a kernel is a square of finite numbers with an odd side, e.g. 3×3")
    x = torch.as_tensor(np.asarray(digit, dtype=np.float32)).reshape(1, 1, 28, 28)
    return F.conv2d(x, k[None, None], padding=k.shape[0] // 2)[0, 0].numpy()


@torch.no_grad()
def first_filters(model: CNN, digit: np.ndarray, n: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """The first conv layer's first ``n`` learned 3×3 kernels (n, 3, 3) and what each makes of the
    digit before batch norm and ReLU (n, 28, 28): the same operation as a hand-designed kernel."""
    conv = model.conv1[0]
    out = conv(_input(digit, model))[0, :n].cpu().numpy()
    return conv.weight[:n, 0].cpu().numpy(), out


@torch.no_grad()
def feature_maps(model: CNN, digit: np.ndarray) -> dict[str, np.ndarray]:
    """The output of each conv block for one digit: {"conv1": (C, H, W), …} after ReLU.

    The blocks are called one by one rather than hooked, so concurrent requests sharing one model
    cannot see each other's activations.
    """
    model.eval()
    x = _input(digit, model)
    maps = {}
    for name in FEATURE_LAYERS:
        if name == "conv3":
            x = model.pool1(x)
        x = getattr(model, name)(x)
        maps[name] = x[0].cpu().numpy()
    return maps


def saliency(model: CNN, digit: np.ndarray, target: int | None = None, samples: int = 16,
             noise: float = 0.15, seed: int = 0) -> np.ndarray:
    """SmoothGrad saliency (28, 28) in [0, 1]: |∂ score_target / ∂ pixel|, averaged over noisy copies.

    ``target`` defaults to the predicted class. Noise is in normalised-input units; a fixed seed makes
    the map the same for the same drawing. ``autograd.grad`` leaves the parameters' ``.grad`` alone,
    so it is safe while other requests use the same model.
    """
    model.eval()
    x = _input(digit, model)
    if target is None:
        with torch.no_grad():
            target = int(model(x).argmax(1))
    g = torch.Generator().manual_seed(seed)
    noisy = (x + noise * torch.randn((samples, 1, 28, 28), generator=g).to(x.device)).requires_grad_(True)
    with torch.enable_grad():
        (grad,) = torch.autograd.grad(model(noisy)[:, target].sum(), noisy)
    sal = grad.abs().mean(0)[0].cpu().numpy()
    peak = sal.max()
    return sal / peak if peak > 0 else sal


@torch.no_grad()
def preview(model: CNN) -> dict[str, np.ndarray]:
    """What a training job shows live: the first layer's 3×3 filters (C, 3, 3)."""
    return {"filters": model.conv1[0].weight[:, 0].detach().cpu().numpy().copy()}


def shape_table(model: CNN) -> list[dict]:
    """One row per layer of a real forward pass: name, type, output shape (B=1) and parameters.

    Uses forward hooks: call it on a model no other thread is using (the tab builds its own).
    """
    rows = [{"layer": "input", "type": "", "shape": (1, 1, 28, 28), "params": 0}]
    hooks = []
    for name, module in model.named_children():
        def record(mod, inputs, output, name=name):
            rows.append({"layer": name, "type": _describe(mod), "shape": tuple(output.shape),
                         "params": sum(p.numel() for p in mod.parameters())})
        hooks.append(module.register_forward_hook(record))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(torch.zeros(1, 1, 28, 28, device=next(model.parameters()).device))
    finally:
        for h in hooks:
            h.remove()
        model.train(was_training)
    return rows


def _describe(module: nn.Module) -> str:
    if isinstance(module, ConvBlock):
        conv = module[0]
        k, p = conv.kernel_size[0], conv.padding[0]
        return f"Conv2d {conv.in_channels}→{conv.out_channels}, {k}×{k}, pad {p} + BatchNorm + ReLU"
    if isinstance(module, nn.MaxPool2d):
        return f"MaxPool2d {module.kernel_size}×{module.kernel_size}"
    if isinstance(module, nn.Linear):
        return f"Linear {module.in_features}→{module.out_features}"
    if isinstance(module, nn.Dropout):
        return f"Dropout p={module.p:g}"
    return type(module).__name__
