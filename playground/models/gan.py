"""A class-conditional GAN that draws handwritten digits on request (MNIST, 28×28).

A generator G turns noise z and a class label y into a digit; a discriminator D scores how real a
(digit, label) pair looks. They play the minimax game of Goodfellow et al.

    min_G max_D  E_x[log D(x, y)] + E_z[log(1 − D(G(z, y), y))]

D is trained on real digits (target 1) and on G's fakes (target 0); G is trained with the
non-saturating loss −log D(G(z, y), y) (same fixed point, stronger gradients early on). D conditions
on y by projection (Miyato & Koyama 2018): D(x, y) = ψ(φ(x)) + e_y·φ(x). An auxiliary classifier on
φ(x) (AC-GAN, Odena et al. 2017) also asks G's digits to be recognisable as their class.

    G: z (B,Z) ⊕ embed(y) (B,Z) → linear (B,2g·7·7) → (B,2g,7,7) → convT → (B,g,14,14)
       → convT → (B,1,28,28) logits → sigmoid, pixels in [0, 1]
    D: x (B,1,28,28) → conv s2 → (B,d,14,14) → conv s2 → (B,2d,7,7) → linear φ (B,F)
       → ψ(φ) + e_y·φ (B,) real/fake logit;  aux(φ) (B,10) class logits

One optimiser trains both (the engine's one loop): D's loss sees the fakes detached, so it never
moves G; G's loss goes through D with D's parameters detached (``torch.func.functional_call``), so
it never moves D. Summed, one backward pass gives each player exactly its own gradient.
``forward(x)`` is D's verdict on x for each of the ten classes, (B, 10) logits.

Sources: Goodfellow et al. 2014 (GANs); Radford et al. 2015 (DCGAN: strided convolutions, batch
norm in G, LeakyReLU in D, Adam lr 2e-4 β1 0.5); Mirza & Osindero 2014 (conditional GANs); Odena et
al. 2017 (AC-GAN); Miyato & Koyama 2018 (projection discriminator); pytorch/examples dcgan (the
fixed noise for comparable sample grids). The GAN tab generates digits per class and seed and
trains this model live, showing both losses and a sample grid from fixed noise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.func import functional_call
from torch.nn.utils.parametrizations import spectral_norm

from playground.data import digits
from playground.config import bounded, choice, trainer


@dataclass
class Config:
    latent: int = bounded(64, 2, 128, "size of the noise vector z")
    g_ch: int = bounded(32, 4, 128, "channels of the generator's last hidden layer (the first has 2×)")
    d_ch: int = bounded(32, 4, 128, "channels of the discriminator's first conv (the second has 2×)")
    features: int = bounded(128, 8, 512, "size of the discriminator's feature vector φ(x)")
    aux: float = bounded(1.0, 0.0, 5.0, "weight of the auxiliary class loss (AC-GAN; 0 = off)")
    augment: bool = choice(True, (True, False), "D sees real AND fake digits randomly warped (DiffAugment)")
    optimizer: str = trainer("optimizer", "adam", help="Adam as in DCGAN")
    lr: float = trainer("lr", 2e-4, hi=1e-2, help="learning rate of both players")
    beta1: float = bounded(0.5, 0.0, 0.99, "Adam's β1 (DCGAN uses 0.5: less momentum in a moving game)")
    weight_decay: float = trainer("weight_decay", 0.0)
    schedule: str = trainer("schedule", "constant")
    clip: float = trainer("clip", 0.0)
    batch_size: int = trainer("batch_size", 64, hi=512, help="real digits (and as many fakes) per step")
    epochs: int = trainer("epochs", 18, hi=200, help="passes over the 8,000 training digits")
    seed: int = trainer("seed", 0)


# The Train panel's defaults: a couple of minutes on one CPU thread; digits take shape in the first epoch.
QUICK = Config(g_ch=16, d_ch=16, features=64, epochs=3)
# A model a test can train in about a second.
TINY = Config(latent=8, g_ch=4, d_ch=4, features=8, batch_size=32, epochs=1, augment=False)

N_CLASSES = 10
CHART_EXTRAS = ("d_loss", "g_loss")  # the Train panel charts both players' losses beside the total


# -----------------------------------------------------------------------------
# The two players


class Generator(nn.Module):
    """(z, y) → digit logits (B, 1, 28, 28): two stride-2 transposed convolutions, 7 → 14 → 28."""

    def __init__(self, cfg: Config):
        super().__init__()
        g = cfg.g_ch
        self.embed = nn.Embedding(N_CLASSES, cfg.latent)  # the label as a vector beside z
        self.fc = nn.Linear(2 * cfg.latent, 2 * g * 7 * 7, bias=False)
        self.bn0 = nn.BatchNorm1d(2 * g * 7 * 7)  # BN in G, as in DCGAN (its β is the bias)
        self.up1 = nn.ConvTranspose2d(2 * g, g, kernel_size=4, stride=2, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(g)
        self.up2 = nn.ConvTranspose2d(g, 1, kernel_size=4, stride=2, padding=1)
        self.g = g

    def forward(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        h = torch.cat([z, self.embed(y)], dim=1)  # (B, 2Z)
        h = F.relu(self.bn0(self.fc(h))).view(-1, 2 * self.g, 7, 7)  # (B, 2g, 7, 7)
        h = F.relu(self.bn1(self.up1(h)))  # (B, g, 14, 14)
        return self.up2(h)  # (B, 1, 28, 28) logits; sigmoid gives pixels in [0, 1]


class Discriminator(nn.Module):
    """(x, y) → (real/fake logit (B,), class logits (B, 10)).

    No batch norm (real and fake batches pass separately and must not leak statistics into each
    other); spectral normalisation instead (Miyato et al. 2018): each weight matrix is divided by its
    largest singular value, so D stays smooth and cannot win by an ever sharper verdict."""

    def __init__(self, cfg: Config):
        super().__init__()
        d = cfg.d_ch
        self.conv1 = spectral_norm(nn.Conv2d(1, d, kernel_size=4, stride=2, padding=1))  # 28 → 14
        self.conv2 = spectral_norm(nn.Conv2d(d, 2 * d, kernel_size=4, stride=2, padding=1))  # 14 → 7
        self.fc = spectral_norm(nn.Linear(2 * d * 7 * 7, cfg.features))  # φ(x)
        self.psi = spectral_norm(nn.Linear(cfg.features, 1))  # ψ: the unconditional part of the score
        self.embed = nn.Embedding(N_CLASSES, cfg.features)  # e_y: the projection
        self.aux = nn.Linear(cfg.features, N_CLASSES)  # AC-GAN's classifier

    def features(self, x: torch.Tensor) -> torch.Tensor:
        h = F.leaky_relu(self.conv1(2 * x - 1), 0.2)  # pixels to [-1, 1]; (B, d, 14, 14)
        h = F.leaky_relu(self.conv2(h), 0.2)  # (B, 2d, 7, 7)
        return F.leaky_relu(self.fc(h.flatten(1)), 0.2)  # (B, F)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        phi = self.features(x)
        score = self.psi(phi)[:, 0] + (self.embed(y) * phi).sum(1)  # (B,) ψ(φ) + e_y·φ
        return score, self.aux(phi)


class GAN(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.cfg = cfg
        self.G = Generator(cfg)
        self.D = Discriminator(cfg)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """D's verdict on digits x (B, 1, 28, 28) in [0, 1] as each class: (B, 10) logits."""
        phi = self.D.features(x)
        return self.D.psi(phi) + phi @ self.D.embed.weight.T  # (B, 10)


# -----------------------------------------------------------------------------
# The contract used by the engine, jobs, CLI and tests


def build(cfg: Config) -> GAN:
    return GAN(cfg)


def example_input(cfg: Config) -> torch.Tensor:
    """What ``forward`` takes: a batch of one digit-sized input (B, 1, 28, 28) in [0, 1] for D's verdict."""
    return torch.rand(1, 1, 28, 28)


def train_data(cfg: Config, device: torch.device | str = "cpu") -> digits.DigitBatches:
    """The 8,000 training digits as (x in [0, 1] (B, 1, 28, 28), y (B,)) batches; full batches only, as
    batch norm in G likes equal sizes."""
    return digits.DigitBatches(cfg.batch_size, device, labels=True, drop_last=True)


def loss(model: GAN, batch) -> tuple[torch.Tensor, dict[str, float]]:
    """d_loss + g_loss, each reaching only its own player (see the docstring at the top)."""
    x, y = batch
    B = x.shape[0]
    z = torch.randn(B, model.cfg.latent, device=x.device)
    y_fake = torch.randint(0, N_CLASSES, (B,), device=x.device)
    fake = torch.sigmoid(model.G(z, y_fake))  # (B, 1, 28, 28)
    ones, zeros = torch.ones(B, device=x.device), torch.zeros(B, device=x.device)

    # DiffAugment (Zhao et al. 2020): with 8,000 digits D would memorise the real ones; it sees real
    # and fake digits through the same random warps, differentiable, so G still gets its gradient.
    warp = _warp if model.cfg.augment else (lambda t: t)

    # ---- D: maximise log D(x, y) + log(1 − D(G(z, y), y)); plus classify the real digits ----
    real_score, real_class = model.D(warp(x), y)
    fake_score, _ = model.D(warp(fake.detach()), y_fake)  # detached: this term does not move G
    d_loss = (F.binary_cross_entropy_with_logits(real_score, ones)
              + F.binary_cross_entropy_with_logits(fake_score, zeros))
    d_aux = F.cross_entropy(real_class, y)

    # ---- G: maximise log D(G(z, y), y) (non-saturating); its digits should read as class y ----
    frozen = {k: v.detach() for k, v in model.D.named_parameters()}  # this term does not move D
    g_score, g_class = functional_call(model.D, frozen, (warp(fake), y_fake))
    g_loss = F.binary_cross_entropy_with_logits(g_score, ones)
    g_aux = F.cross_entropy(g_class, y_fake)

    total = d_loss + g_loss + model.cfg.aux * (d_aux + g_aux)
    return total, {"d_loss": d_loss.item(), "g_loss": g_loss.item(),
                   "d_x": torch.sigmoid(real_score).mean().item(),  # D(x): 1 = sure it is real
                   "d_g_z": torch.sigmoid(fake_score).mean().item()}  # D(G(z)): 0 = sure it is fake


def _warp(x: torch.Tensor) -> torch.Tensor:
    """Small random affine warps and stroke changes, milder than the CNN's (G copies what D accepts)."""
    return digits.augment(x, None, rotate=8, scale=0.08, shift=1.5, shear=0.1, thickness=0.2)


EVAL_PER_CLASS, EVAL_SEED = 100, 2026  # samples per class and their noise for the class-agreement check
JUDGE = "cnn"  # the pretrained model whose reading of the samples is ``val_acc``; callers load and pass it


@torch.no_grad()
def evaluate(model: GAN, cfg: Config, split: str = "test", batch_size: int = 500,
             judge: nn.Module | None = None) -> dict[str, float]:
    """D's loss on held-out digits vs fresh fakes (``val_loss``, log 4 ≈ 1.386 when D cannot tell),
    and, when a ``judge`` is given (a digit classifier: the pretrained CNN), ``val_acc``: the fraction of
    the samples of :func:`class_hits` that it reads as the class asked for."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    images, labels = digits.load_digits(split)
    g = torch.Generator().manual_seed(1)
    total, n = 0.0, 0
    for start in range(0, len(labels), batch_size):
        x = digits.to_float(images[start:start + batch_size].to(device))
        y = labels[start:start + batch_size].to(device)
        z = torch.randn(len(y), cfg.latent, generator=g).to(device)
        real, _ = model.D(x, y)
        fake, _ = model.D(torch.sigmoid(model.G(z, y)), y)
        total += (F.binary_cross_entropy_with_logits(real, torch.ones_like(real), reduction="sum")
                  + F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake), reduction="sum")).item()
        n += len(y)
    out = {"val_loss": total / n}
    if judge is not None:
        out["val_acc"] = float(class_hits(model, judge).float().mean())
    model.train(was_training)
    return out


def class_hits(model: GAN, judge: nn.Module, per_class: int = EVAL_PER_CLASS, seed: int = EVAL_SEED) -> torch.Tensor:
    """Which of ``per_class`` samples per class (noise of ``seed``) ``judge`` (a digit classifier taking
    normalised (N, 1, 28, 28) inputs, e.g. the pretrained CNN) reads as their class → (10, per_class) bool.

    The one measurement of how recognisable the GAN's digits are: training (``val_acc``), the tab and
    the README's figure (``playground.figures``) all use these defaults."""
    y = torch.arange(N_CLASSES).repeat_interleave(per_class)
    images = sample(model, y.tolist(), seed=seed)  # (N, 28, 28)
    with torch.no_grad():
        logits = judge(digits.normalize(torch.from_numpy(images)).to(next(judge.parameters()).device))
    return (logits.argmax(1).cpu() == y).view(N_CLASSES, per_class)


# -----------------------------------------------------------------------------
# Inference helpers for the tab and the API: numpy in, numpy out


def noise(n: int, latent: int, seed: int) -> torch.Tensor:
    """The z of sample i for ``seed``: the same seed always gives the same digits."""
    return torch.randn(n, latent, generator=torch.Generator().manual_seed(int(seed)))


@torch.no_grad()
def sample(model: GAN, digits: list[int], seed: int = 0, z: np.ndarray | None = None) -> np.ndarray:
    """Digits of the requested classes (N,) → images (N, 28, 28) float32 in [0, 1].

    z (N, latent) overrides the noise drawn from ``seed``.
    """
    model.eval()
    device = next(model.parameters()).device
    y = torch.as_tensor(digits, dtype=torch.long)
    if y.min() < 0 or y.max() >= N_CLASSES:
        raise ValueError(f"digits must be in 0..9, got {digits}")
    zz = noise(len(y), model.cfg.latent, seed) if z is None else torch.as_tensor(z, dtype=torch.float32)
    return torch.sigmoid(model.G(zz.to(device), y.to(device)))[:, 0].cpu().numpy()


def generate(model: GAN, digit: int, seed: int = 0, z: np.ndarray | None = None) -> np.ndarray:
    """One digit of class ``digit`` (28, 28) in [0, 1] from the noise of ``seed`` (or ``z`` (latent,))."""
    return sample(model, [int(digit)], seed, None if z is None else np.asarray(z, np.float32)[None])[0]


def seed_noise(model: GAN, seed: int) -> np.ndarray:
    """The z (latent,) that ``generate(model, d, seed)`` uses: the tab starts its sliders from it."""
    return noise(1, model.cfg.latent, seed)[0].numpy()


def grid(model: GAN, per_class: int = 10, seed: int = 0) -> np.ndarray:
    """A sample grid (10, per_class, 28, 28): row = class, column = noise vector, shared by every row,
    so a column shows one "style" written as each digit."""
    z = noise(per_class, model.cfg.latent, seed).repeat(N_CLASSES, 1)
    y = torch.arange(N_CLASSES).repeat_interleave(per_class)
    return sample(model, y.tolist(), z=z.numpy()).reshape(N_CLASSES, per_class, 28, 28)


def tile(images: np.ndarray, pad: int = 2) -> np.ndarray:
    """(R, C, h, w) → one (R·(h+pad)+pad, C·(w+pad)+pad) image, the grid lines dark grey."""
    R, C, h, w = images.shape
    out = np.full((R * (h + pad) + pad, C * (w + pad) + pad), 0.25, np.float32)
    for r in range(R):
        for c in range(C):
            out[pad + r * (h + pad):pad + r * (h + pad) + h, pad + c * (w + pad):pad + c * (w + pad) + w] = images[r, c]
    return out


@torch.no_grad()
def preview(model: GAN) -> dict[str, np.ndarray]:
    """What a training job shows live: samples from FIXED noise, one row per class (so the grid can
    be compared across steps, as in pytorch/examples dcgan; a row that stops varying is mode collapse)."""
    return {"image": tile(grid(model, per_class=8, seed=0))}
