"""A feed-forward network (multilayer perceptron) that separates classes of points in the plane.

The inputs are features of a point's coordinates (x, y, x², y², xy, sin x, sin y: any subset); then
``n_layers`` hidden layers of ``units`` neurons, each computing

    h = σ(W h_prev + b)          σ ∈ {ReLU, tanh, sigmoid, GELU}

and a linear output of K logits, one per class (softmax, cross-entropy): K = 2 for the toy datasets, up
to 4 for a learner's own points (``dataset="custom"``, ``points`` [(x, y, label), …]). L1 and L2
penalties on the weights (λ₁ Σ|w| + λ₂ Σw², biases excluded) are added to the loss. Without hidden
layers this is logistic regression: a straight boundary in feature space.

    (B, F) → [Linear(F→U) → σ] × n_layers → Linear(→K) → (B, K)

Sources: Rumelhart, Hinton & Williams 1986 (backpropagation); Smilkov & Carter, TensorFlow Playground
(2016); "Dive into Deep Learning" ch. 5 (multilayer perceptrons). The FNN tab trains it live.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from playground import data
from playground.data import points
from playground.config import bounded, choice, trainer

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "gelu": nn.GELU}
INITS = ("default", "kaiming", "normal")  # see Config.init and MLP.init_weights


@dataclass
class Config:
    dataset: str = choice("spirals", points.TOY_DATASETS + ("custom",),
                          "which two-class problem, or your own points (\"custom\")")
    noise: float = bounded(0.05, 0.0, 0.5, "jitter of the points (fraction of the range)")
    n_points: int = bounded(500, 20, 2000, "points in the dataset")
    train_fraction: float = bounded(0.7, 0.1, 0.9, "share of the points used for training")
    features: str = "x,y"  # comma-separated subset of x, y, x2, y2, xy, sinx, siny
    n_layers: int = bounded(3, 0, 6, "hidden layers")
    units: int = bounded(24, 1, 32, "neurons per hidden layer")
    activation: str = choice("relu", tuple(ACTIVATIONS), "non-linearity of the hidden layers")
    init: str = choice("default", INITS, "initial weights: PyTorch's default (uniform, std 1/√(3·fan_in)), "
                       "Kaiming (normal, std √(2/fan_in) in hidden layers, √(1/fan_in) in the output; biases 0) "
                       "or N(0, 1) (std 1 whatever the layer's size; biases 0)", ui=False)
    optimizer: str = trainer("optimizer", "adam", options=("sgd", "momentum", "adam"),
                             help="SGD, SGD with momentum 0.9, or Adam")
    lr: float = trainer("lr", 0.01, lo=1e-4, hi=10.0, help="learning rate (constant)")
    l1: float = bounded(0.0, 0.0, 0.1, "L1 penalty λ₁ on the weights")
    l2: float = bounded(0.0, 0.0, 0.1, "L2 penalty λ₂ on the weights")
    batch_size: int = trainer("batch_size", 16, lo=1, hi=512, help="points per step")
    epochs: int = trainer("epochs", 100, hi=2000, help="passes over the training points")
    schedule: str = trainer("schedule", "constant")
    clip: float = trainer("clip", 0.0)
    seed: int = trainer("seed", 0, help="random seed (data and weights)")
    points: tuple = ()  # dataset "custom": the learner's points ((x, y, label), …), labels 0 … 3, ≤ 2000

    def __post_init__(self):
        self.feature_list()  # ValueError for an unknown or empty feature list
        self.points = points.check_points(self.points)  # lists from JSON → a tuple (hashable), or PointsError
        if self.points and self.dataset != "custom":
            raise points.PointsError("points_preset", dataset=self.dataset)

    def feature_list(self) -> tuple[str, ...]:
        names = tuple(f.strip() for f in str(self.features).split(",") if f.strip())
        if not names or any(f not in points.FEATURES for f in names) or len(set(names)) != len(names):
            raise ValueError(f"features must be a comma-separated list of distinct names from "
                             f"{', '.join(points.FEATURES)}, got {self.features!r}")
        return names

    def n_classes(self) -> int:
        """K: 2 for the toy datasets, the largest label + 1 for your own points (at least 2)."""
        return max(2, points.n_classes(self.points)) if self.dataset == "custom" else 2


QUICK = Config()  # two seconds on a 2-core CPU; solves the spirals (≥ 95 % test accuracy)
TINY = Config(dataset="blobs", n_points=64, n_layers=1, units=4, batch_size=16, epochs=2)


class MLP(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        act = ACTIVATIONS[cfg.activation]
        sizes = [len(cfg.feature_list())] + [cfg.units] * cfg.n_layers
        self.hidden = nn.ModuleList(nn.Sequential(nn.Linear(a, b), act()) for a, b in zip(sizes, sizes[1:]))
        self.out = nn.Linear(sizes[-1], cfg.n_classes())
        if cfg.init != "default":  # "default" draws nothing more: the weights stay PyTorch's, as before
            self.init_weights(cfg.init)

    @torch.no_grad()
    def init_weights(self, init: str) -> None:
        """Redraw every weight: "kaiming" (He et al. 2015: N(0, 2/fan_in) before a ReLU keeps the
        activations' spread from layer to layer; N(0, 1/fan_in) for the output) or "normal" (N(0, 1):
        √fan_in times too large, so each layer multiplies the spread). Biases start at 0."""
        linears = [seq[0] for seq in self.hidden] + [self.out]
        for i, layer in enumerate(linears):
            if init == "kaiming":
                nn.init.kaiming_normal_(layer.weight, nonlinearity="relu" if i < len(linears) - 1 else "linear")
            elif init == "normal":
                nn.init.normal_(layer.weight, 0.0, 1.0)
            else:
                raise ValueError(f"init must be one of {', '.join(INITS)}, got {init!r}")
            nn.init.zeros_(layer.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.hidden:
            x = layer(x)  # (B, units)
        return self.out(x)  # (B, K) logits


# -----------------------------------------------------------------------------
# The contract used by the engine, jobs, CLI and tests


def build(cfg: Config) -> MLP:
    torch.manual_seed(cfg.seed)
    return MLP(cfg)


def example_input(cfg: Config) -> torch.Tensor:
    """A batch the model accepts (for exported models): 8 points' features."""
    return torch.randn(8, len(cfg.feature_list()))


def split(cfg: Config):
    """(x_train, y_train, x_test, y_test) as tensors of features (made once per data settings).
    Raises ``points.PointsError`` for own points of fewer than two classes."""
    return _split(cfg.dataset, cfg.n_points, cfg.noise, cfg.train_fraction, cfg.seed, cfg.feature_list(),
                  cfg.points)


def raw_split(cfg: Config):
    """(x_train, y_train, x_test, y_test) as points in the plane (numpy), and (train_rows, test_rows): for
    your own points the indexes into ``cfg.points``, else None."""
    if cfg.dataset == "custom":
        *data, tr, te = points.own_split(cfg.points, cfg.noise, cfg.train_fraction, cfg.seed)
        return tuple(data), (tr, te)
    return points.toy_split(cfg.dataset, cfg.n_points, cfg.noise, cfg.train_fraction, cfg.seed), None


@lru_cache(maxsize=32)
def _split(dataset, n_points, noise, train_fraction, seed, feats, own):
    cfg = Config(dataset=dataset, n_points=n_points, noise=noise, train_fraction=train_fraction, seed=seed,
                 points=own)
    (xtr, ytr, xte, yte), _ = raw_split(cfg)
    return (torch.from_numpy(points.featurize(xtr, feats)), torch.from_numpy(ytr),
            torch.from_numpy(points.featurize(xte, feats)), torch.from_numpy(yte))


class TrainData:
    def __init__(self, cfg: Config, device: torch.device | str = "cpu"):
        xtr, ytr, _, _ = split(cfg)
        self.x, self.y, self.cfg, self.device = xtr.to(device), ytr.to(device), cfg, device

    def __len__(self) -> int:
        return -(-len(self.y) // self.cfg.batch_size)

    def epoch(self, generator: torch.Generator):
        for idx in data.batch_indices(len(self.y), self.cfg.batch_size, generator, device=self.device):
            yield self.x[idx], self.y[idx], self.cfg


def train_data(cfg: Config, device: torch.device | str = "cpu") -> TrainData:
    return TrainData(cfg, device)


def health_probe(data: TrainData) -> torch.Tensor:
    """Layer health reads this network's activations on all its training points (at most 1,800): a unit is
    dead when no point makes it positive, not merely when a batch of 16 happens to leave it quiet."""
    return data.x


def penalty(model: MLP, cfg: Config) -> torch.Tensor:
    """λ₁ Σ|w| + λ₂ Σw² over the weight matrices (biases are not penalised)."""
    weights = [m.weight for m in model.modules() if isinstance(m, nn.Linear)]
    total = torch.zeros((), device=weights[0].device)
    if cfg.l1:
        total = total + cfg.l1 * sum(w.abs().sum() for w in weights)
    if cfg.l2:
        total = total + cfg.l2 * sum((w * w).sum() for w in weights)
    return total


def loss(model: MLP, batch) -> tuple[torch.Tensor, dict[str, float]]:
    x, y, cfg = batch
    return F.cross_entropy(model(x), y) + penalty(model, cfg), {}


@torch.no_grad()
def class_accuracy(model: MLP, cfg: Config, split_name: str = "test") -> list[float | None]:
    """Accuracy on the test (or training) points of each class 0 … K − 1; None for a class with none."""
    was_training = model.training
    model.eval()
    xtr, ytr, xte, yte = split(cfg)
    x, y = (xte, yte) if split_name == "test" else (xtr, ytr)
    right = model(x.to(next(model.parameters()).device)).argmax(1).cpu() == y
    model.train(was_training)
    return [right[y == k].float().mean().item() if (y == k).any() else None for k in range(cfg.n_classes())]


@torch.no_grad()
def evaluate(model: MLP, cfg: Config, split_name: str = "test") -> dict[str, float]:
    """Loss (without the penalty) and accuracy on the test points (or the training points)."""
    was_training = model.training
    model.eval()
    xtr, ytr, xte, yte = split(cfg)
    x, y = (xte, yte) if split_name == "test" else (xtr, ytr)
    device = next(model.parameters()).device
    logits = model(x.to(device))
    out = {"val_loss": F.cross_entropy(logits, y.to(device)).item(),
           "val_acc": (logits.argmax(1).cpu() == y).float().mean().item()}
    model.train(was_training)
    return out


# -----------------------------------------------------------------------------
# Inference helpers for the tab and the API


@torch.no_grad()
def boundary(model: MLP, cfg: Config, resolution: int = 80) -> dict[str, np.ndarray]:
    """Each class's probability over a grid of the plane, and each hidden neuron's output over the same grid.

    → {"xs": (R,), "ys": (R,), "probs": (K, R, R), "prob": P(class 1) (R, R),
       "neurons": [(units, R, R) per hidden layer]}
    """
    model.eval()
    lim = points.PLANE
    xs = np.linspace(-lim, lim, resolution, dtype=np.float32)
    gx, gy = np.meshgrid(xs, xs)
    pts = np.stack([gx.ravel(), gy.ravel()], axis=1)
    h = torch.from_numpy(points.featurize(pts, cfg.feature_list())).to(next(model.parameters()).device)
    neurons = []
    for layer in model.hidden:
        h = layer(h)
        neurons.append(h.T.reshape(-1, resolution, resolution).cpu().numpy())
    probs = F.softmax(model.out(h), dim=1).T.reshape(-1, resolution, resolution).cpu().numpy()
    return {"xs": xs, "ys": xs, "probs": probs, "prob": probs[1], "neurons": neurons}


def param_count(model: MLP) -> int:
    return sum(p.numel() for p in model.parameters())
