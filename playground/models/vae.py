"""A variational autoencoder (VAE) for handwritten digits: a smooth map of digits you can walk.

The encoder reads a digit x and gives a Gaussian over latent codes, q(z|x) = N(μ, diag σ²); the
decoder turns a code z back into 784 pixel probabilities p(x|z) (a Bernoulli per pixel). Training
maximises the evidence lower bound (ELBO) on log p(x):

    log p(x) ≥ ELBO = E_q[log p(x|z)] − KL(q(z|x) ‖ N(0, I))
                      (reconstruction)   (keep codes near the prior)

so the loss is −ELBO in nats per digit. z is sampled with the reparameterisation trick,
z = μ + σ·ε with ε ~ N(0, I), so the gradient flows through μ and σ. The KL term pulls every code
towards N(0, I): the latent space is packed and smooth, and any z in about [−3, 3] decodes to a digit.

    x (B,1,28,28) → flatten (B,784) → linear+ReLU (B,H) → linear+ReLU (B,H) → μ, log σ² (B,L) each
    z = μ + σ·ε (B,L) → linear+ReLU (B,H) → linear+ReLU (B,H) → linear (B,784) logits → (B,1,28,28)

Pixels are binarised (each pixel is 1 with probability its grey level, redrawn every epoch; the
held-out digits once with a fixed seed), as in the papers whose nats we compare with.
``forward(x)`` is the deterministic reconstruction (z = μ), pixel probabilities (B, 1, 28, 28).

Sources: Kingma & Welling 2013, "Auto-Encoding Variational Bayes" (the ELBO, the trick, the KL in
closed form in appendix B); Rezende et al. 2014; Burda et al. 2015 (the importance-sampled
log-likelihood bound, ``importance_nll``); pytorch/examples vae. The VAE tab has a slider per
latent dimension, the 2-D latent map with the held-out digits on it, encoding of a drawing and
interpolation between digits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from playground.data import digits
from playground.config import bounded, trainer

Z_RANGE = 3.0  # latent sliders and the API clip z to [−3, 3]: 99.7 % of the prior N(0, 1)
BINARIZE_SEED = 1234  # the held-out digits are binarised once, with this seed


@dataclass
class Config:
    latent: int = bounded(2, 2, 20, "latent dimensions (2 draws a map; more reconstruct better)")
    hidden: int = bounded(256, 16, 1024, "units of each of the two hidden layers (encoder and decoder)")
    optimizer: str = trainer("optimizer", "adam", help="optimiser")
    lr: float = trainer("lr", 1e-3, hi=1e-1)
    weight_decay: float = trainer("weight_decay", 0.0)
    schedule: str = trainer("schedule", "onecycle")
    clip: float = trainer("clip", 0.0, hi=1000.0)
    batch_size: int = trainer("batch_size", 128, help="digits per step")
    epochs: int = trainer("epochs", 40, hi=500, help="passes over the 8,000 training digits")
    seed: int = trainer("seed", 0)


# The Train panel's defaults: about a minute on one CPU thread.
QUICK = Config(hidden=128, epochs=15)
# A model a test can train in about a second.
TINY = Config(latent=2, hidden=128, batch_size=8, epochs=1)


# -----------------------------------------------------------------------------
# The network


class Encoder(nn.Module):
    """x (B, 784) → μ, log σ² (B, L): the parameters of q(z|x)."""

    def __init__(self, cfg: Config):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(784, cfg.hidden), nn.ReLU(), nn.Linear(cfg.hidden, cfg.hidden), nn.ReLU())
        self.mu = nn.Linear(cfg.hidden, cfg.latent)
        self.logvar = nn.Linear(cfg.hidden, cfg.latent)  # log σ²: any real number is a valid variance

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.body(x.flatten(1))  # (B, H)
        return self.mu(h), self.logvar(h)  # (B, L), (B, L)


class Decoder(nn.Module):
    """z (B, L) → pixel logits (B, 1, 28, 28) of p(x|z)."""

    def __init__(self, cfg: Config):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(cfg.latent, cfg.hidden), nn.ReLU(),
                                  nn.Linear(cfg.hidden, cfg.hidden), nn.ReLU(), nn.Linear(cfg.hidden, 784))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.body(z).view(-1, 1, 28, 28)


class VAE(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.cfg = cfg
        self.encoder = Encoder(cfg)
        self.decoder = Decoder(cfg)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The reconstruction of x (B, 1, 28, 28) through the mean code z = μ: probabilities in [0, 1]."""
        mu, _ = self.encoder(x)
        return torch.sigmoid(self.decoder(mu))


def reparameterize(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """z = μ + σ·ε, ε ~ N(0, I): the sample is a differentiable function of μ and σ."""
    return mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)


def neg_elbo(model: VAE, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per digit: reconstruction −log p(x|z) and KL(q(z|x) ‖ N(0, I)), both (B,) in nats."""
    mu, logvar = model.encoder(x)
    logits = model.decoder(reparameterize(mu, logvar))
    recon = F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)
    # KL(N(μ, σ²) ‖ N(0, 1)) in closed form, Kingma & Welling 2013, appendix B:
    # −½ Σ_j (1 + log σ_j² − μ_j² − σ_j²)
    kl = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(1)
    return recon, kl


# -----------------------------------------------------------------------------
# The contract used by the engine, jobs, CLI and tests


def build(cfg: Config) -> VAE:
    return VAE(cfg)


class TrainData(digits.DigitBatches):
    """The 8,000 training digits, binarised afresh each time (dynamic binarisation): (x,) batches."""

    def __init__(self, cfg: Config, device: torch.device | str = "cpu"):
        super().__init__(cfg.batch_size, device)

    def epoch(self, generator: torch.Generator):
        for grey in super().epoch(generator):
            yield (torch.bernoulli(grey, generator=generator) if grey.device.type == "cpu"
                   else (torch.rand(grey.shape, generator=generator).to(grey.device) < grey).float(),)


def example_input(cfg: Config) -> torch.Tensor:
    """What ``forward`` takes: a batch of one digit-sized input (B, 1, 28, 28) in [0, 1]."""
    return torch.rand(1, 1, 28, 28)


def train_data(cfg: Config, device: torch.device | str = "cpu") -> TrainData:
    return TrainData(cfg, device)


def loss(model: VAE, batch) -> tuple[torch.Tensor, dict[str, float]]:
    """−ELBO per digit, in nats: reconstruction + KL."""
    (x,) = batch
    recon, kl = neg_elbo(model, x)
    return (recon + kl).mean(), {"recon": recon.mean().item(), "kl": kl.mean().item()}


def held_out(split: str = "test") -> tuple[torch.Tensor, torch.Tensor]:
    """The held-out digits binarised once with a fixed seed (N, 1, 28, 28) in {0, 1}, and labels."""
    images, labels = digits.load_digits(split)
    grey = digits.to_float(images)
    return torch.bernoulli(grey, generator=torch.Generator().manual_seed(BINARIZE_SEED)), labels


@torch.no_grad()
def evaluate(model: VAE, cfg: Config, split: str = "test", batch_size: int = 500) -> dict[str, float]:
    """−ELBO (``val_loss``), its reconstruction and KL parts, in nats per held-out digit.

    The ELBO's expectation is estimated with one z per digit, drawn with a fixed seed.
    """
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    x_all, _ = held_out(split)
    torch.manual_seed(0)
    recon_sum, kl_sum = 0.0, 0.0
    for start in range(0, len(x_all), batch_size):
        recon, kl = neg_elbo(model, x_all[start:start + batch_size].to(device))
        recon_sum, kl_sum = recon_sum + recon.sum().item(), kl_sum + kl.sum().item()
    model.train(was_training)
    n = len(x_all)
    return {"val_loss": (recon_sum + kl_sum) / n, "recon": recon_sum / n, "kl": kl_sum / n}


@torch.no_grad()
def importance_nll(model: VAE, k: int = 100, split: str = "test", limit: int | None = None,
                   batch_size: int = 100) -> float:
    """−log p(x) estimated with k importance samples (Burda et al. 2015), nats per held-out digit:

        log p(x) ≈ log (1/k) Σ_i p(x|z_i) p(z_i) / q(z_i|x),  z_i ~ q(z|x)

    a tighter bound than the ELBO (k = 1), approaching the true −log p(x) as k grows.
    """
    model.eval()
    device = next(model.parameters()).device
    x_all, _ = held_out(split)
    x_all = x_all[:limit] if limit else x_all
    torch.manual_seed(0)
    total = 0.0
    for start in range(0, len(x_all), batch_size):
        x = x_all[start:start + batch_size].to(device)
        mu, logvar = model.encoder(x)
        std = torch.exp(0.5 * logvar)
        eps = torch.randn(k, *mu.shape, device=device)  # (k, B, L)
        z = mu + std * eps
        log_q = (-0.5 * (eps.pow(2) + logvar + math.log(2 * math.pi))).sum(-1)  # (k, B)
        log_prior = (-0.5 * (z.pow(2) + math.log(2 * math.pi))).sum(-1)
        logits = model.decoder(z.flatten(0, 1)).view(k, len(x), -1)
        log_lik = -F.binary_cross_entropy_with_logits(logits, x.flatten(1).expand(k, -1, -1),
                                                      reduction="none").sum(-1)
        total += -(torch.logsumexp(log_lik + log_prior - log_q, 0) - math.log(k)).sum().item()
    return total / len(x_all)


# -----------------------------------------------------------------------------
# Inference helpers for the tab and the API: numpy in, numpy out


def _device(model: nn.Module) -> torch.device:
    return next(model.parameters()).device


def clip_z(z, latent: int) -> np.ndarray:
    """A list of numbers → z (latent,) float32 clipped to [−Z_RANGE, Z_RANGE]; NaN → 0.

    Raises ``ValueError`` when the length is not ``latent``.
    """
    a = np.asarray(z, dtype=np.float64).reshape(-1)
    if a.size != latent:
        raise ValueError(f"z must have {latent} numbers (the latent size), got {a.size}")
    a = np.nan_to_num(a, nan=0.0, posinf=Z_RANGE, neginf=-Z_RANGE)
    return np.clip(a, -Z_RANGE, Z_RANGE).astype(np.float32)


@torch.no_grad()
def encode(model: VAE, digit28: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A digit (28, 28) in [0, 1] → (μ, log σ²), each (latent,)."""
    model.eval()
    x = torch.as_tensor(np.asarray(digit28, np.float32)).reshape(1, 1, 28, 28).to(_device(model))
    mu, logvar = model.encoder(x)
    return mu[0].cpu().numpy(), logvar[0].cpu().numpy()


@torch.no_grad()
def decode(model: VAE, z: np.ndarray) -> np.ndarray:
    """z (latent,) or (N, latent) → pixel probabilities (28, 28) or (N, 28, 28) in [0, 1]."""
    model.eval()
    zz = torch.as_tensor(np.asarray(z, np.float32)).to(_device(model))
    out = torch.sigmoid(model.decoder(zz.reshape(-1, model.cfg.latent)))[:, 0].cpu().numpy()
    return out[0] if zz.dim() == 1 else out


def reconstruct(model: VAE, digit28: np.ndarray) -> np.ndarray:
    """A digit (28, 28) → its reconstruction through the mean code, (28, 28) in [0, 1]."""
    mu, _ = encode(model, digit28)
    return decode(model, mu)


def latent_map(model: VAE, n: int = 15, span: float = Z_RANGE) -> tuple[np.ndarray, np.ndarray]:
    """The decoded manifold: an n×n grid of z over [−span, span]² in the first two dimensions (the
    others 0) → (images (n, n, 28, 28), the grid's coordinates (n,)). Row 0 is the top: z₂ = +span."""
    ticks = np.linspace(-span, span, n, dtype=np.float32)
    z = np.zeros((n, n, model.cfg.latent), np.float32)
    z[..., 0] = ticks[None, :]
    z[..., 1] = ticks[::-1, None]
    return decode(model, z.reshape(n * n, -1)).reshape(n, n, 28, 28), ticks


@torch.no_grad()
def scatter(model: VAE, n: int = 1000, split: str = "test") -> tuple[np.ndarray, np.ndarray]:
    """``n`` held-out digits' mean codes (n, latent) and their labels (n,). The digits are a fixed
    random choice: the stored order is sorted by class, so the first n would miss whole classes."""
    model.eval()
    images, labels = digits.load_digits(split)
    idx = torch.randperm(len(labels), generator=torch.Generator().manual_seed(0))[:n]
    x = digits.to_float(images[idx].to(_device(model)))
    mu, _ = model.encoder(x)
    return mu.cpu().numpy(), labels[idx].numpy()


def interpolate(model: VAE, digit_a: np.ndarray, digit_b: np.ndarray, steps: int = 8) -> np.ndarray:
    """Decode evenly spaced points on the line from μ(a) to μ(b): (steps, 28, 28) in [0, 1]."""
    za, _ = encode(model, digit_a)
    zb, _ = encode(model, digit_b)
    t = np.linspace(0, 1, steps, dtype=np.float32)[:, None]
    return decode(model, (1 - t) * za + t * zb)


def prior_samples(model: VAE, n: int = 8, seed: int = 0) -> np.ndarray:
    """Decode n draws z ~ N(0, I) (n, 28, 28): the prior the KL term pulled the codes towards."""
    z = torch.randn(n, model.cfg.latent, generator=torch.Generator().manual_seed(int(seed)))
    return decode(model, z.numpy())


PREVIEW_Z = 8  # a fixed 8×8 set of codes for the live preview


@torch.no_grad()
def preview(model: VAE) -> dict[str, np.ndarray]:
    """What a training job shows live: decodings of FIXED codes, an 8×8 grid (the manifold's
    [−2, 2]² for a 2-D latent, else fixed draws from the prior), so frames compare across steps."""
    if model.cfg.latent == 2:
        imgs, _ = latent_map(model, PREVIEW_Z, span=2.0)
    else:
        z = torch.randn(PREVIEW_Z * PREVIEW_Z, model.cfg.latent, generator=torch.Generator().manual_seed(0))
        imgs = decode(model, z.numpy()).reshape(PREVIEW_Z, PREVIEW_Z, 28, 28)
    return {"image": imgs.transpose(0, 2, 1, 3).reshape(PREVIEW_Z * 28, PREVIEW_Z * 28)}
