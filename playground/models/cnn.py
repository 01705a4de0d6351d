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

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from playground.data import collections, digits
from playground.config import bounded, choice, trainer
from playground.errors import UserError

START_PATTERN = re.compile(r"pretrained|cnn-\d{8}-\d{6}-[0-9a-f]{6}")  # "pretrained" or a CNN job's id


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
    # Fine-tuning (not in the Train panel; the fine-tune API sets them): where the job starts and what it
    # learns from besides the bundled digits. "" and "": an ordinary training from scratch.
    start: str = field(default="", metadata={"ui": False, "help": 'the model the job starts from: "" (from '
                                              'scratch), "pretrained" or a finished CNN job\'s id'})
    personal: str = field(default="", metadata={"ui": False, "help": "the id of a stored collection of the "
                                                 "learner's digits to fine-tune on (data.collections); \"\" = none"})
    holdout: float = bounded(0.2, 0.0, 0.5, "fraction of the learner's digits held out to measure the fine-tune "
                             "(at least one of each class that has two or more)", ui=False)
    replay: float = bounded(0.5, 0.0, 0.9, "fraction of each fine-tune batch that is bundled training digits, "
                            "replayed so the model does not forget them", ui=False)

    def __post_init__(self):  # config.from_overrides checks ranges and choices; these two are ids
        if not isinstance(self.start, str) or (self.start and not START_PATTERN.fullmatch(self.start)):
            raise UserError("setting_start", value=repr(self.start)[:80])
        if not isinstance(self.personal, str) or (self.personal
                                                  and not collections.ID_PATTERN.fullmatch(self.personal)):
            raise UserError("setting_personal", value=repr(self.personal)[:80])


# The Train panel's defaults: about a minute on a 2-core CPU (one training thread), ~98.5 % held-out.
QUICK = Config(c1=16, c2=32, hidden=64, epochs=8)
# A model a test can train in about a second.
TINY = Config(c1=4, c2=8, hidden=16, dropout=0.0, batch_size=32, epochs=1, augment=False)
# A fine-tune's training settings (the fine-tune API's defaults, each overridable and bounded as usual): a
# gentler rate than from scratch, three short epochs (see FineTuneData): 120 steps for 50 drawings (40
# trained on) and four evaluations (before, after each epoch). With the pretrained CNN on one thread: a step
# of 32 ≈ 0.08 s, an evaluation ≈ 2.5 s on an idle 2-core CPU, so ≈ 25–30 s a job; measured through the API
# on a shared 2-core machine (load average 4–7): 45–75 s (bench/finetune.py).
FINETUNE = dict(lr=2e-3, epochs=3, batch_size=32)
ARCH_FIELDS = ("c1", "c2", "hidden")  # a fine-tune's must equal its start model's: the weights' shapes
CHART_EXTRAS = ("personal_acc",)  # a fine-tune's accuracy on the learner's held-out digits, after each epoch


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


def train_data(cfg: Config, device: torch.device | str = "cpu") -> TrainData | FineTuneData:
    return FineTuneData(cfg, device) if cfg.personal else TrainData(cfg, device)


# -----------------------------------------------------------------------------
# Fine-tuning on a learner's own digits


def holdout_mask(labels: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """Which of the learner's digits are held out (True) to measure the fine-tune, never trained on.

    In each class with k ≥ 2 digits, round(k·fraction) of them, at least 1 and at most k − 1, drawn with
    ``seed`` (the same digits for the same labels and seed); a class with one digit keeps it for
    training. ``fraction`` 0 holds out nothing."""
    labels = np.asarray(labels)
    held = np.zeros(len(labels), dtype=bool)
    if fraction <= 0:
        return held
    rng = np.random.default_rng(seed)
    for c in range(10):
        idx = np.flatnonzero(labels == c)
        if len(idx) < 2:
            continue
        n = min(len(idx) - 1, max(1, int(round(len(idx) * fraction))))
        held[rng.permutation(idx)[:n]] = True
    return held


@lru_cache(maxsize=16)  # collections are content-addressed: an id's digits never change
def _personal(cid: str, holdout: float, seed: int) -> tuple[np.ndarray, ...]:
    images, labels = collections.load(cid)
    held = holdout_mask(labels, holdout, seed)
    return images[~held], labels[~held], images[held], labels[held]


def personal_digits(cfg: Config) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The learner's digits of ``cfg.personal`` → (train images uint8 (N, 28, 28), train labels,
    held-out images, held-out labels), split by :func:`holdout_mask`. Raises ``CollectionError``."""
    return _personal(cfg.personal, float(cfg.holdout), int(cfg.seed))


class FineTuneData:
    """A fine-tune's batches: ``1 − replay`` of each batch the learner's training digits (each epoch
    shows every one ``REPEATS`` times, in a new order and, with ``augment``, a new warp each time), the
    rest bundled training digits drawn at random, replayed so the model keeps reading MNIST. An epoch is
    ⌈N·REPEATS / personal-per-batch⌉ steps: 40 for 40 training drawings in batches of 32 at replay 0.5."""

    REPEATS = 16

    def __init__(self, cfg: Config, device: torch.device | str = "cpu"):
        x, y, _, _ = personal_digits(cfg)
        self.cfg, self.device = cfg, device
        self.x, self.y = torch.from_numpy(x).to(device), torch.from_numpy(y).to(device)
        self.mine = max(1, min(cfg.batch_size, int(round(cfg.batch_size * (1 - cfg.replay)))))
        self.replayed = cfg.batch_size - self.mine
        if self.replayed:
            images, labels = digits.load_digits("train", cfg.data)
            self.rx, self.ry = images.to(device), labels.to(device)
        self.steps = max(1, math.ceil(len(self.x) * self.REPEATS / self.mine))

    def __len__(self) -> int:
        return self.steps

    def epoch(self, generator: torch.Generator):
        n, need = len(self.x), self.steps * self.mine
        order = torch.cat([torch.randperm(n, generator=generator) for _ in range(-(-need // n))])[:need]
        order = order.to(self.device)
        for s in range(self.steps):
            idx = order[s * self.mine:(s + 1) * self.mine]
            x, y = digits.to_float(self.x[idx]), self.y[idx]
            if self.replayed:
                r = torch.randint(len(self.rx), (self.replayed,), generator=generator).to(self.device)
                x, y = torch.cat([x, digits.to_float(self.rx[r])]), torch.cat([y, self.ry[r]])
            if self.cfg.augment:
                x = digits.augment(x, generator)
            yield digits.normalize(x), y


def initial(cfg: Config, load: Callable[[str], tuple]) -> CNN | None:
    """The model a job starts from: None (build a fresh one) unless ``cfg.start`` names one; then a new
    CNN of ``cfg`` holding the start model's weights. ``load(start)`` → (model, cfg, meta) is the
    caller's (the jobs worker reads checkpoints; a model module does not). The architecture fields
    (``ARCH_FIELDS``) must equal the start's; a ``ValueError`` says which differ."""
    if not cfg.start:
        return None
    start_model, start_cfg, meta = load(cfg.start)
    if meta.get("arch") != "cnn":
        raise ValueError(f"the start model {cfg.start} is not a CNN")
    differ = [f"{f} {getattr(cfg, f)} ≠ {getattr(start_cfg, f)}" for f in ARCH_FIELDS
              if getattr(cfg, f) != getattr(start_cfg, f)]
    if differ:
        raise ValueError(f"the settings must match the start model {cfg.start}: {', '.join(differ)}")
    model = build(cfg)
    model.load_state_dict(start_model.state_dict())
    return model


def comparison(cfg: Config, before: dict, after: dict) -> dict:
    """Two evaluations (:func:`evaluate`'s metrics, before and after a fine-tune) side by side:
    {"personal": {"before", "after", "n"}, "held_out": {"before", "after", "n"}}, accuracies in [0, 1]
    (None where not measured: no held-out digits of the learner's) and how many digits each is over."""
    n_mine = len(personal_digits(cfg)[3]) if cfg.personal else 0
    n_held = len(digits.load_digits("test", cfg.data)[1])
    return {"personal": {"before": before.get("personal_acc") if n_mine else None,
                         "after": after.get("personal_acc") if n_mine else None, "n": n_mine},
            "held_out": {"before": before.get("val_acc"), "after": after.get("val_acc"), "n": n_held}}


def compare(before_model: CNN, after_model: CNN, cfg: Config) -> dict:
    """Accuracy of two models on the learner's held-out digits of ``cfg`` and on the held-out MNIST
    digits, side by side (:func:`comparison`)."""
    return comparison(cfg, evaluate(before_model, cfg), evaluate(after_model, cfg))


def loss(model: CNN, batch) -> tuple[torch.Tensor, dict[str, float]]:
    x, y = batch
    logits = model(x)
    return F.cross_entropy(logits, y), {}


@torch.no_grad()
def evaluate(model: CNN, cfg: Config, split: str = "test", batch_size: int = 1000) -> dict[str, float]:
    """Loss and accuracy on the held-out digits (``split="test"``) or the training digits; with
    ``cfg.personal``, ``personal_acc`` too: the accuracy on the learner's held-out digits."""
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
    out = {"val_loss": total_loss / len(labels), "val_acc": correct / len(labels)}
    if cfg.personal:
        _, _, mine, mine_labels = personal_digits(cfg)
        if len(mine_labels):
            logits = model(digits.normalize(torch.from_numpy(mine).to(device)))
            out["personal_acc"] = (logits.argmax(1).cpu() == torch.from_numpy(mine_labels)).sum().item() / len(mine_labels)
    model.train(was_training)
    return out


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
