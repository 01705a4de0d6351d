"""Delayed recall: remember the first symbol of a sequence until its end — why gates matter.

Each sequence has ``seq_len`` symbols drawn uniformly from an alphabet of K (one-hot, x_t ∈ R^K); the
target is the FIRST one, asked for after the last (chance accuracy 1/K). Every later symbol is a
distractor the network must ignore, so the only information that matters has to survive seq_len − 1
steps of the recurrence. A vanilla RNN learns this for short sequences and fails as they grow; an
LSTM or GRU, whose additive, gated state lets information (and gradient) pass unchanged, keeps going.

The cells are those of ``charlm`` (ours, step by step, or PyTorch's, same weights). Training runs the
built-in; ``grad_norms`` runs ours to read the gradient of the loss with respect to each hidden state,

    ‖∂L/∂h_t‖ = ‖∂L/∂h_T · ∏_{s=t+1..T} ∂h_s/∂h_{s-1}‖,

a product of T − t Jacobians: for tanh RNNs it shrinks geometrically with T − t (vanishing gradients,
Bengio et al. 1994), for the LSTM the cell path f_T ⊙ … ⊙ f_{t+1} can stay near 1.

    x (B,T,K+1) → recurrent cell (B,T,H) → h_T (B,H) → head → (B,K) logits

Sources: Hochreiter & Schmidhuber 1997 (the LSTM's long-lag tasks); Bengio, Simard & Frasconi 1994
("Learning long-term dependencies with gradient descent is difficult"); Pascanu, Mikolov & Bengio 2013
(on the difficulty of training RNNs); "Dive into Deep Learning" §9.7 (backpropagation through time).
The RNN tab's "Why gates matter" shows accuracy by length for each cell and the gradient norm per step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from playground.config import bounded, choice, trainer
from playground.models.charlm import CELLS, IMPLS, make_recurrent


@dataclass
class Config:
    cell: str = choice("lstm", CELLS, "recurrent cell: vanilla RNN (tanh), LSTM or GRU")
    seq_len: int = bounded(50, 2, 200, "symbols per sequence: the first must be recalled after the last")
    n_symbols: int = bounded(8, 2, 32, "alphabet size K (chance accuracy = 1/K)", ui=False)
    hidden: int = bounded(64, 4, 256, "size H of the hidden state")
    init: str = choice("chrono", ("chrono", "pytorch"), "gate biases: chrono (memory time-scales up to "
                       "seq_len, Tallec & Ollivier 2018) or PyTorch's default (all zero-centred)")
    impl: str = choice("builtin", IMPLS, "our cells or PyTorch's (same weights); ours is slower", ui=False)
    optimizer: str = trainer("optimizer", "adam", help="Adam, AdamW, SGD + momentum, SGD")
    lr: float = trainer("lr", 3e-3, help="learning rate (constant)")
    schedule: str = trainer("schedule", "constant")
    clip: float = trainer("clip", 1.0, help="clip the gradient norm to this (0 = off)", ui=True)
    batch_size: int = trainer("batch_size", 64, lo=1, hi=512,
                              help="sequences per step (fresh random ones every step)")
    steps: int = trainer("steps", 250, help="steps per epoch")
    epochs: int = trainer("epochs", 6, help="epochs; accuracy on held-out sequences is measured after each")
    seed: int = trainer("seed", 0, help="random seed (weights and sequences)")


# The Train panel's defaults: well under a minute on a 2-core CPU (one training thread).
QUICK = Config(seq_len=50, steps=200, epochs=5)
# A model a test can train in about a second.
TINY = Config(seq_len=5, n_symbols=4, hidden=16, batch_size=16, steps=2, epochs=1, lr=1e-2)

EVAL_SEED, EVAL_SIZE = 12345, 1000  # the held-out sequences: drawn once from this seed


# -----------------------------------------------------------------------------
# Data


def sequences(cfg: Config, n: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """n random sequences → (x (n, seq_len, K + 1), y (n,) = the first symbol).

    x[:, t, :K] is the one-hot symbol; x[:, t, K] is a marker, 1 at t = 0 only ("remember this one"),
    as the adding problem marks its operands: the task is then purely about keeping it, not finding it.
    """
    symbols = torch.randint(0, cfg.n_symbols, (n, cfg.seq_len), generator=generator)
    x = torch.cat([F.one_hot(symbols, cfg.n_symbols).float(), torch.zeros(n, cfg.seq_len, 1)], dim=2)
    x[:, 0, cfg.n_symbols] = 1.0
    return x, symbols[:, 0]


class TrainData:
    """Fresh random sequences every step (the task has no fixed training set to overfit)."""

    def __init__(self, cfg: Config, device: torch.device | str = "cpu"):
        self.cfg, self.device = cfg, device

    def __len__(self) -> int:
        return self.cfg.steps

    def epoch(self, generator: torch.Generator):
        for _ in range(self.cfg.steps):
            x, y = sequences(self.cfg, self.cfg.batch_size, generator)
            yield x.to(self.device), y.to(self.device)


# -----------------------------------------------------------------------------
# The model


@torch.no_grad()
def chrono_init(rnn: nn.Module, cell: str, seq_len: int, generator: torch.Generator | None = None) -> None:
    """Chrono initialisation (Tallec & Ollivier 2018, "Can recurrent neural networks warp time?").

    A gate that keeps a fraction k of the old state each step forgets on a time-scale of about
    1/(1 − k); with k = σ(b) that is 1 + e^b. Drawing b = log U(1, seq_len − 1) spreads the units'
    memory spans over 1 … seq_len at the start of training. LSTM: forget bias b_f = log U, input bias
    b_i = −b_f; GRU: PyTorch's update gate z is the kept share, so b_z = log U. A vanilla RNN has no
    gate, hence no such knob: it keeps PyTorch's initialisation. (PyTorch's second bias b_h* is zeroed
    for these gates so that b_x* alone sets them.)
    """
    if cell == "rnn":
        return
    H = rnn.hidden_size
    b = torch.log(torch.empty(H).uniform_(1.0, max(seq_len - 1, 2.0), generator=generator))
    b_ih, b_hh = rnn.bias_ih_l0, rnn.bias_hh_l0
    if cell == "lstm":  # rows [i, f, g, o]
        b_ih[H:2 * H], b_hh[H:2 * H] = b, 0.0
        b_ih[:H], b_hh[:H] = -b, 0.0
    else:  # gru, rows [r, z, n]
        b_ih[H:2 * H], b_hh[H:2 * H] = b, 0.0


class Recall(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.cfg = cfg
        self.rnn = make_recurrent(cfg.cell, cfg.impl, cfg.n_symbols + 1, cfg.hidden, 1)
        self.head = nn.Linear(cfg.hidden, cfg.n_symbols)
        if cfg.init == "chrono":
            chrono_init(self.rnn, cfg.cell, cfg.seq_len)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(x)  # (B, T, H)
        return self.head(out[:, -1])  # (B, K): read only after the last symbol


# -----------------------------------------------------------------------------
# The contract used by the engine, jobs, CLI and tests


def build(cfg: Config) -> Recall:
    return Recall(cfg)


def example_input(cfg: Config) -> torch.Tensor:
    """What ``forward`` takes (for exported models): one sequence of one-hot symbols (1, T, K + 1)."""
    return F.one_hot(torch.randint(0, cfg.n_symbols + 1, (1, cfg.seq_len)), cfg.n_symbols + 1).float()


def train_data(cfg: Config, device: torch.device | str = "cpu") -> TrainData:
    return TrainData(cfg, device)


def loss(model: Recall, batch) -> tuple[torch.Tensor, dict[str, float]]:
    x, y = batch
    return F.cross_entropy(model(x), y), {}


@torch.no_grad()
def evaluate(model: Recall, cfg: Config) -> dict[str, float]:
    """Loss and recall accuracy on EVAL_SIZE held-out sequences (the same ones every time)."""
    was_training = model.training
    model.eval()
    x, y = sequences(cfg, EVAL_SIZE, torch.Generator().manual_seed(EVAL_SEED))
    device = model.head.weight.device
    logits = model(x.to(device))
    y = y.to(device)
    model.train(was_training)
    return {"val_loss": F.cross_entropy(logits, y).item(), "val_acc": (logits.argmax(1) == y).float().mean().item()}


# -----------------------------------------------------------------------------
# Inference helpers (the experiment that trains one model per cell and length: playground/experiments.py)


def grad_norms(model: Recall, cfg: Config, n: int = 256, seed: int = EVAL_SEED) -> np.ndarray:
    """‖∂L/∂h_t‖ for t = 1 … seq_len (mean over n held-out sequences of the per-sequence norm), shape (T,).

    Runs our cells step by step (on the model's own weights) so each h_t is a node of the graph;
    ``autograd.grad`` leaves the parameters' ``.grad`` alone. The loss is summed over sequences, so each
    sequence's gradient is its own.
    """
    was_training = model.training
    model.eval()
    x, y = sequences(cfg, n, torch.Generator().manual_seed(seed))
    device = model.head.weight.device
    x, y = x.to(device), y.to(device)
    rnn = make_recurrent(cfg.cell, "scratch", cfg.n_symbols + 1, cfg.hidden, 1).to(device)
    rnn.load_state_dict(model.rnn.state_dict())
    with torch.enable_grad():
        _, _, trace = rnn(x, record=True)
        hs = [state[0] for state, _ in trace]  # T tensors (n, H)
        loss_sum = F.cross_entropy(model.head(hs[-1]), y, reduction="sum")
        grads = torch.autograd.grad(loss_sum, hs)
    model.train(was_training)
    return torch.stack([g.norm(dim=1).mean() for g in grads]).detach().cpu().numpy()


@torch.no_grad()
def preview(model: Recall) -> dict[str, str]:
    """What a training job shows live: recall on a few held-out sequences."""
    cfg = model.cfg
    x, y = sequences(cfg, 200, torch.Generator().manual_seed(EVAL_SEED + 1))
    pred = model(x.to(model.head.weight.device)).argmax(1).cpu()
    acc = (pred == y).float().mean().item()
    shown = " ".join(f"{int(a)}→{int(b)}{'✓' if a == b else '✗'}" for a, b in zip(y[:8], pred[:8]))
    return {"text": f"recall accuracy on 200 fresh sequences of {cfg.seq_len}: {acc:.0%} "
                    f"(chance {1 / cfg.n_symbols:.0%})\nfirst symbol → answer: {shown}"}
