"""An autoencoder for handwritten digits: squeeze a digit through a small code and rebuild it.

The encoder f maps a digit x to a code h = f(x) of a few numbers; the decoder g maps it back,
x̂ = g(h). Training makes x̂ close to x. Two variants from our material share this file:

- denoising (``noise`` > 0, Vincent et al. 2008): the encoder reads a corrupted copy x̃ (Gaussian
  noise of standard deviation ``noise`` added, then clipped to [0, 1]) and the target is still the
  clean x, so the network must learn what digits look like, not copy pixels;
- sparse (``sparsity`` > 0): an L1 penalty λ·Σ|h_j| on the code, so few units are active per digit.

    loss = Σ_pixels KL(Bernoulli(x) ‖ Bernoulli(x̂)) + λ·Σ_j |h_j|

The first term is the pixel-wise binary cross-entropy minus the target's own entropy: the same
gradients as BCE, but 0 for a perfect reconstruction (grey pixels make plain BCE's floor ~46 nats).

    x (B,1,28,28) → flatten (B,784) → linear+ReLU (B,H) → linear (B,C) code h
                  → linear+ReLU (B,H) → linear (B,784) logits → sigmoid → x̂ (B,1,28,28)

Unlike the VAE, nothing asks the codes to fill a simple region: points between two codes need not
decode to anything digit-like. ``forward(x)`` is the reconstruction of x (no corruption).

Sources: Hinton & Salakhutdinov 2006 (autoencoders reduce dimensionality); Vincent et al. 2008
(denoising autoencoders); Ng, "Sparse autoencoder" lecture notes (CS294A); Goodfellow et al.,
"Deep Learning" ch. 14. The Autoencoder tab corrupts a digit with a noise slider and shows the
plain and the denoising autoencoder rebuild it side by side.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from playground.data import digits
from playground.config import bounded, trainer

MAX_NOISE = 1.0  # the noise slider's and the API's upper bound (std of the added Gaussian noise)


@dataclass
class Config:
    code: int = bounded(16, 2, 128, "size of the code h (the bottleneck)")
    hidden: int = bounded(256, 16, 1024, "units of the hidden layer of the encoder and of the decoder")
    noise: float = bounded(0.0, 0.0, MAX_NOISE, "std of the Gaussian noise on the input (0 = plain AE)")
    sparsity: float = bounded(0.0, 0.0, 1.0, "weight λ of the L1 penalty on the code (0 = off)")
    optimizer: str = trainer("optimizer", "adam", help="optimiser")
    lr: float = trainer("lr", 2e-3, hi=1e-1)
    weight_decay: float = trainer("weight_decay", 0.0)
    schedule: str = trainer("schedule", "onecycle")
    clip: float = trainer("clip", 0.0, hi=1000.0)
    batch_size: int = trainer("batch_size", 128, help="digits per step")
    epochs: int = trainer("epochs", 30, hi=500, help="passes over the 8,000 training digits")
    seed: int = trainer("seed", 0)


# The Train panel's defaults: about a minute on one CPU thread (a denoising AE: set noise to 0 for plain).
QUICK = Config(hidden=128, noise=0.5, epochs=10)
# A model a test can train in about a second.
TINY = Config(code=8, hidden=64, batch_size=8, epochs=1)


# -----------------------------------------------------------------------------
# The network


class AE(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.cfg = cfg
        self.encoder = nn.Sequential(nn.Flatten(), nn.Linear(784, cfg.hidden), nn.ReLU(),
                                     nn.Linear(cfg.hidden, cfg.code))
        self.decoder = nn.Sequential(nn.Linear(cfg.code, cfg.hidden), nn.ReLU(), nn.Linear(cfg.hidden, 784))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, 1, 28, 28) in [0, 1] → reconstruction (B, 1, 28, 28) in [0, 1]."""
        return torch.sigmoid(self.decoder(self.encoder(x))).view(-1, 1, 28, 28)


def corrupt(x: torch.Tensor, level: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """x̃ = clip(x + level·ε, 0, 1), ε ~ N(0, I): the denoising autoencoder's input."""
    if level <= 0:
        return x
    eps = torch.randn(x.shape, generator=generator).to(x.device)
    return (x + level * eps).clamp(0, 1)


def _bernoulli_kl(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Σ_pixels KL(Bernoulli(x) ‖ Bernoulli(sigmoid(logits))) per digit (B,): BCE − H(x)."""
    bce = F.binary_cross_entropy_with_logits(logits, x, reduction="none")
    entropy = -(torch.xlogy(x, x) + torch.xlogy(1 - x, 1 - x))
    return (bce - entropy).flatten(1).sum(1)


# -----------------------------------------------------------------------------
# The contract used by the engine, jobs, CLI and tests


def build(cfg: Config) -> AE:
    return AE(cfg)


class TrainData(digits.DigitBatches):
    """The 8,000 training digits as (x̃, x) batches: the (corrupted) input and the clean target."""

    def __init__(self, cfg: Config, device: torch.device | str = "cpu"):
        super().__init__(cfg.batch_size, device)
        self.cfg = cfg

    def epoch(self, generator: torch.Generator):
        for x in super().epoch(generator):
            yield corrupt(x, self.cfg.noise, generator), x


def example_input(cfg: Config) -> torch.Tensor:
    """What ``forward`` takes: a batch of one digit-sized input (B, 1, 28, 28) in [0, 1]."""
    return torch.rand(1, 1, 28, 28)


def train_data(cfg: Config, device: torch.device | str = "cpu") -> TrainData:
    return TrainData(cfg, device)


def loss(model: AE, batch) -> tuple[torch.Tensor, dict[str, float]]:
    """Reconstruction error of the clean digit (nats per digit above the perfect score) + sparsity."""
    x_in, x = batch
    h = model.encoder(x_in)
    recon = _bernoulli_kl(model.decoder(h).view_as(x), x).mean()
    l1 = h.abs().sum(1).mean()
    total = recon + model.cfg.sparsity * l1 if model.cfg.sparsity > 0 else recon
    return total, {"recon": recon.item(), "code_l1": l1.item()}


@torch.no_grad()
def evaluate(model: AE, cfg: Config, split: str = "test", batch_size: int = 500) -> dict[str, float]:
    """Held-out reconstruction error (``val_loss``, same units as the loss) and mean squared pixel
    error (``val_mse``), with the input corrupted as in training (fixed seed)."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    images, _ = digits.load_digits(split)
    g = torch.Generator().manual_seed(0)
    total, mse = 0.0, 0.0
    for start in range(0, len(images), batch_size):
        x = digits.to_float(images[start:start + batch_size].to(device))
        logits = model.decoder(model.encoder(corrupt(x, cfg.noise, g))).view_as(x)
        total += _bernoulli_kl(logits, x).sum().item()
        mse += (torch.sigmoid(logits) - x).pow(2).mean((1, 2, 3)).sum().item()
    model.train(was_training)
    return {"val_loss": total / len(images), "val_mse": mse / len(images)}


# -----------------------------------------------------------------------------
# Inference helpers for the tab and the API: numpy in, numpy out


@torch.no_grad()
def reconstruct(model: AE, digit: np.ndarray, noise_level: float = 0.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A digit (28, 28) in [0, 1] → (its corrupted copy, the reconstruction of that copy), both
    (28, 28) in [0, 1]. ``noise_level`` is clipped to [0, MAX_NOISE]; ``seed`` fixes the noise."""
    model.eval()
    level = float(np.clip(np.nan_to_num(noise_level), 0.0, MAX_NOISE))
    x = torch.as_tensor(np.asarray(digit, np.float32)).reshape(1, 1, 28, 28)
    noisy = corrupt(x, level, torch.Generator().manual_seed(int(seed)))
    out = model(noisy.to(next(model.parameters()).device))
    return noisy[0, 0].numpy(), out[0, 0].cpu().numpy()


def pixel_error(a: np.ndarray, b: np.ndarray) -> float:
    """Mean squared difference of two images in [0, 1]."""
    return float(np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2))


@torch.no_grad()
def interpolate(model: AE, digit_a: np.ndarray, digit_b: np.ndarray, steps: int = 8) -> np.ndarray:
    """Decode evenly spaced points on the line from the code of a to the code of b: (steps, 28, 28).
    Nothing made the codes in between meaningful, so midpoints often are not digits (cf. the VAE)."""
    model.eval()
    x = torch.as_tensor(np.stack([digit_a, digit_b]).astype(np.float32)).view(2, 1, 28, 28)
    h = model.encoder(x.to(next(model.parameters()).device))  # (2, C)
    t = torch.linspace(0, 1, steps, device=h.device)[:, None]
    return torch.sigmoid(model.decoder((1 - t) * h[0] + t * h[1])).view(steps, 28, 28).cpu().numpy()


@torch.no_grad()
def random_codes(model: AE, n: int = 8, seed: int = 0) -> np.ndarray:
    """Decode n random codes (n, 28, 28): each code unit drawn from a Gaussian with the mean and spread
    of that unit over the held-out digits. A VAE decodes N(0, I) draws into digits; an AE's codes
    fill an irregular region, and such draws mostly fall outside it."""
    model.eval()
    images, _ = digits.load_digits("test")
    device = next(model.parameters()).device
    h = model.encoder(digits.to_float(images).to(device))  # (N, C)
    eps = torch.randn(n, h.shape[1], generator=torch.Generator().manual_seed(int(seed))).to(device)
    return torch.sigmoid(model.decoder(h.mean(0) + h.std(0) * eps)).view(n, 28, 28).cpu().numpy()


@torch.no_grad()
def preview(model: AE) -> dict[str, np.ndarray]:
    """What a training job shows live: 8 fixed held-out digits, corrupted as in training (top row),
    and their reconstructions (bottom row)."""
    images, _ = digits.load_digits("test")
    x = digits.to_float(images[:8])
    noisy = corrupt(x, model.cfg.noise, torch.Generator().manual_seed(0))
    out = model(noisy.to(next(model.parameters()).device)).cpu()
    rows = torch.cat([noisy, out], 0)[:, 0].view(2, 8, 28, 28)
    return {"image": rows.permute(0, 2, 1, 3).reshape(2 * 28, 8 * 28).numpy()}
