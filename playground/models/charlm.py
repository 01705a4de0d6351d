"""A character-level language model with a vanilla RNN, LSTM or GRU cell: read text, predict the next character.

Each character id is embedded (x_t ∈ R^D), a recurrent cell turns (x_t, h_{t-1}) into h_t ∈ R^H, and a
linear head gives the logits of the next character. The three cells, in the notation of the theory panel
(σ = logistic sigmoid, ⊙ = element-wise product; PyTorch keeps two bias vectors, b_i* and b_h*):

    RNN   h_t = tanh(W_xh x_t + b_xh + W_hh h_{t-1} + b_hh)
    LSTM  i = σ(W_xi x_t + b_xi + W_hi h_{t-1} + b_hi)      input gate
          f = σ(W_xf x_t + b_xf + W_hf h_{t-1} + b_hf)      forget gate
          g = tanh(W_xg x_t + b_xg + W_hg h_{t-1} + b_hg)   candidate cell (C̃_t)
          o = σ(W_xo x_t + b_xo + W_ho h_{t-1} + b_ho)      output gate
          c_t = f ⊙ c_{t-1} + i ⊙ g,   h_t = o ⊙ tanh(c_t)
    GRU   r = σ(W_xr x_t + b_xr + W_hr h_{t-1} + b_hr)      reset gate
          z = σ(W_xz x_t + b_xz + W_hz h_{t-1} + b_hz)      update gate (PyTorch's z keeps the old state)
          n = tanh(W_xn x_t + b_xn + r ⊙ (W_hn h_{t-1} + b_hn))   candidate h̃_t
          h_t = (1 − z) ⊙ n + z ⊙ h_{t-1}

Parameters per layer: the material's k·(D·H + H² + H) with k = 1, 4, 3 (one bias per gate), plus k·H for
PyTorch's second bias vector: k·(D·H + H² + 2H). ``param_counts`` computes both from the real module.

    idx (B,T) → embedding (B,T,D) → cell × n_layers (B,T,H) → head (B,T,V) logits

Two implementations share one set of weights, laid out and named as in ``nn.RNN``/``nn.LSTM``/``nn.GRU``
(``rnn.weight_ih_l0`` holds [W_xi; W_xf; W_xg; W_xo] stacked, etc.), so a checkpoint loads into either:
``impl="scratch"`` runs our cells below step by step, ``impl="builtin"`` calls PyTorch's fused modules.

Sources: Elman 1990 (simple recurrent networks); Hochreiter & Schmidhuber 1997 and Gers et al. 2000
(LSTM, forget gate); Cho et al. 2014 (GRU); Karpathy 2015, "The Unreasonable Effectiveness of Recurrent
Neural Networks" (char-rnn); "Dive into Deep Learning" ch. 9–10 (RNN, LSTM and GRU from scratch and
concise); karpathy/makemore (RNN/GRU cells); pytorch/examples word_language_model.
The RNN tab continues typed text, shows next-character probabilities and per-character heatmaps of the
hidden state, gates and cell state.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from playground.data import text
from playground.config import bounded, choice, trainer

CELLS = ("rnn", "lstm", "gru")
IMPLS = ("scratch", "builtin")
GATES = {"rnn": (), "lstm": ("i", "f", "g", "o"), "gru": ("r", "z", "n")}  # in PyTorch's row order
GATE_ROWS = {"rnn": 1, "lstm": 4, "gru": 3}  # blocks of H rows stacked in weight_ih / weight_hh
GRU_GATES = ("both", "update_only", "reset_only")  # d2l's exercise: a GRU with one of its two gates


@dataclass
class Config:
    cell: str = choice("lstm", CELLS, "recurrent cell: vanilla RNN (tanh), LSTM or GRU")
    impl: str = choice("builtin", IMPLS, "our from-scratch cells or PyTorch's nn.RNN/nn.LSTM/nn.GRU (same weights)")
    d_embed: int = bounded(64, 8, 256, "size D of a character's embedding x_t")
    hidden: int = bounded(128, 8, 512, "size H of the hidden state h_t (and cell state c_t)")
    n_layers: int = bounded(1, 1, 3, "stacked recurrent layers")
    gates: str = choice("both", GRU_GATES, "GRU only: keep both gates, or only the update gate z (r = 1: the "
                        "whole past enters the candidate), or only the reset gate r (z = 0: the state is the "
                        "candidate, nothing is carried over); our cells run it")
    forget_bias: float = bounded(1.0, 0.0, 5.0, "LSTM only: initial forget-gate bias (Jozefowicz et al. 2015)",
                                 ui=False)
    block: int = bounded(64, 8, 512, "characters per training window (truncated backprop through time)")
    optimizer: str = trainer("optimizer", "adamw")
    lr: float = trainer("lr", 1e-2, hi=3.0)  # 1e-2: the recipe of the pretrained RNN, LSTM and GRU; up to 3
    # for plain SGD (the failure lab's exploding RNN runs SGD at 2 without clipping)
    weight_decay: float = trainer("weight_decay", 0.0, help="AdamW weight decay")
    clip: float = trainer("clip", 1.0, help="clip the gradient norm to this (0 = off); RNNs need it", ui=True)
    batch_size: int = trainer("batch_size", 64, lo=1, hi=512, help="windows per step")
    steps: int = trainer("steps", 300, help="steps per epoch (each draws fresh random windows)")
    epochs: int = trainer("epochs", 12, help="epochs; the validation text is scored after each")
    seed: int = trainer("seed", 0, help="random seed (windows and weights)")

    def __post_init__(self):
        if self.gates != "both" and self.cell != "gru":
            from playground.errors import UserError
            raise UserError("gates_gru_only", gates=self.gates, cell=self.cell)


# The Train panel's defaults: about a minute on a 2-core CPU (one training thread).
QUICK = Config(hidden=128, d_embed=32, block=64, batch_size=32, steps=100, epochs=3)
# A model a test can train in about a second.
TINY = Config(hidden=64, d_embed=16, block=16, batch_size=4, steps=2, epochs=1, lr=1e-2)


def check_choice(name: str, value: str, valid: tuple[str, ...]) -> str:
    if value not in valid:
        raise ValueError(f"{name} must be one of {', '.join(valid)}, got {value!r}")
    return value


# -----------------------------------------------------------------------------
# From-scratch cells. Each is handed its layer's four tensors in PyTorch's layout (weight_ih (kH, D),
# weight_hh (kH, H), bias_ih (kH,), bias_hh (kH,)) and splits them into the per-gate matrices of the
# equations. ``step`` returns the new state and the gate activations (what the tab draws); ``forward``
# returns the new state only. They own no parameters: the layer that calls them does.


class RNNCell(nn.Module):
    """Elman cell: the new memory is a squashed mix of the input and the previous memory."""

    def step(self, x, state, weight_ih, weight_hh, bias_ih, bias_hh):
        (h,) = state
        h = torch.tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)  # (B, H)
        return (h,), {}

    def forward(self, x, state, *weights):
        return self.step(x, state, *weights)[0]


class LSTMCell(nn.Module):
    """Long short-term memory: a cell state c_t that gates write to (i), erase (f) and read from (o)."""

    def step(self, x, state, weight_ih, weight_hh, bias_ih, bias_hh):
        h, c = state
        W_xi, W_xf, W_xg, W_xo = weight_ih.chunk(4)  # each (H, D)
        W_hi, W_hf, W_hg, W_ho = weight_hh.chunk(4)  # each (H, H)
        b_xi, b_xf, b_xg, b_xo = bias_ih.chunk(4)
        b_hi, b_hf, b_hg, b_ho = bias_hh.chunk(4)
        i = torch.sigmoid(x @ W_xi.T + b_xi + h @ W_hi.T + b_hi)  # input gate: how much new to write
        f = torch.sigmoid(x @ W_xf.T + b_xf + h @ W_hf.T + b_hf)  # forget gate: how much old to keep
        g = torch.tanh(x @ W_xg.T + b_xg + h @ W_hg.T + b_hg)  # candidate content C̃_t
        o = torch.sigmoid(x @ W_xo.T + b_xo + h @ W_ho.T + b_ho)  # output gate: how much to show
        c = f * c + i * g  # the conveyor belt: additive update, so gradients pass through f
        h = o * torch.tanh(c)  # (B, H)
        return (h, c), {"i": i, "f": f, "g": g, "o": o}

    def forward(self, x, state, *weights):
        return self.step(x, state, *weights)[0]


class GRUCell(nn.Module):
    """Gated recurrent unit: an update gate z blends the old state with a candidate that a reset gate r shapes.

    ``gates`` "update_only" holds r at 1 (the candidate always sees the whole past), "reset_only" holds z at 0
    (the new state is the candidate: nothing is carried over unless the candidate carries it); the weights
    of a gate held fixed stay in the layout, unused (their gradient is 0)."""

    def __init__(self, gates: str = "both"):
        super().__init__()
        self.gates = check_choice("gates", gates, GRU_GATES)

    def step(self, x, state, weight_ih, weight_hh, bias_ih, bias_hh):
        (h,) = state
        W_xr, W_xz, W_xn = weight_ih.chunk(3)  # each (H, D)
        W_hr, W_hz, W_hn = weight_hh.chunk(3)  # each (H, H)
        b_xr, b_xz, b_xn = bias_ih.chunk(3)
        b_hr, b_hz, b_hn = bias_hh.chunk(3)
        r = torch.sigmoid(x @ W_xr.T + b_xr + h @ W_hr.T + b_hr)  # reset: how much past enters the candidate
        z = torch.sigmoid(x @ W_xz.T + b_xz + h @ W_hz.T + b_hz)  # update: how much of the old state stays
        if self.gates == "update_only":
            r = torch.ones_like(r)
        elif self.gates == "reset_only":
            z = torch.zeros_like(z)
        n = torch.tanh(x @ W_xn.T + b_xn + r * (h @ W_hn.T + b_hn))  # candidate h̃_t (r inside, as PyTorch)
        h = (1 - z) * n + z * h  # (B, H); the material writes z for the share of the candidate (z ↔ 1 − z)
        return (h,), {"r": r, "z": z, "n": n}

    def forward(self, x, state, *weights):
        return self.step(x, state, *weights)[0]


SCRATCH_CELLS = {"rnn": RNNCell, "lstm": LSTMCell, "gru": GRUCell}
BUILTIN = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


class ScratchRecurrent(nn.Module):
    """A stack of our cells run over time, with parameters named and shaped exactly as the built-in's.

    ``weight_ih_l{k}``, ``weight_hh_l{k}``, ``bias_ih_l{k}``, ``bias_hh_l{k}`` for layer k, initialised as
    PyTorch does (uniform ±1/√H), so the same state dict loads into this or ``nn.LSTM`` (``batch_first``).
    """

    def __init__(self, cell: str, input_size: int, hidden_size: int, num_layers: int = 1, gates: str = "both"):
        super().__init__()
        self.mode, self.hidden_size, self.num_layers = cell, hidden_size, num_layers
        self.cell = GRUCell(gates) if cell == "gru" else SCRATCH_CELLS[cell]()
        rows = GATE_ROWS[cell] * hidden_size
        for k in range(num_layers):
            d = input_size if k == 0 else hidden_size
            self.register_parameter(f"weight_ih_l{k}", nn.Parameter(torch.empty(rows, d)))
            self.register_parameter(f"weight_hh_l{k}", nn.Parameter(torch.empty(rows, hidden_size)))
            self.register_parameter(f"bias_ih_l{k}", nn.Parameter(torch.empty(rows)))
            self.register_parameter(f"bias_hh_l{k}", nn.Parameter(torch.empty(rows)))
        bound = 1.0 / math.sqrt(hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def weights(self, k: int):
        return tuple(getattr(self, f"{n}_l{k}") for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))

    def forward(self, x, state=None, record: bool = False):
        """x (B, T, D), state as the built-in's ((L, B, H) or a pair for LSTM) → (out (B, T, H), state).

        With ``record=True`` also returns per-step lists of the top layer's states and gates.
        """
        B, T, _ = x.shape
        if state is None:
            zeros = x.new_zeros(self.num_layers, B, self.hidden_size)
            state = (zeros, zeros.clone()) if self.mode == "lstm" else zeros
        layers = [(state[0][k], state[1][k]) if self.mode == "lstm" else (state[k],)
                  for k in range(self.num_layers)]
        outs, trace = [], []
        for t in range(T):
            inp = x[:, t]
            for k in range(self.num_layers):
                layers[k], gates = self.cell.step(inp, layers[k], *self.weights(k))
                inp = layers[k][0]
            outs.append(inp)
            if record:
                trace.append((layers[-1], gates))
        out = torch.stack(outs, 1)  # (B, T, H)
        if self.mode == "lstm":
            state = (torch.stack([s[0] for s in layers]), torch.stack([s[1] for s in layers]))
        else:
            state = torch.stack([s[0] for s in layers])
        return (out, state, trace) if record else (out, state)


def make_recurrent(cell: str, impl: str, input_size: int, hidden_size: int, num_layers: int,
                   gates: str = "both") -> nn.Module:
    """The recurrent stack of ``cell`` ("rnn", "lstm", "gru"), ours or PyTorch's; same parameter names.
    A GRU with one gate (``gates``) is ours whatever ``impl`` says: PyTorch's has both."""
    check_choice("cell", cell, CELLS)
    if check_choice("impl", impl, IMPLS) == "scratch" or gates != "both":
        return ScratchRecurrent(cell, input_size, hidden_size, num_layers, gates)
    return BUILTIN[cell](input_size, hidden_size, num_layers, batch_first=True)


# -----------------------------------------------------------------------------
# The language model


class CharLM(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.cfg = cfg
        self.vocab_size = len(text.vocab())
        self.embed = nn.Embedding(self.vocab_size, cfg.d_embed)
        self.rnn = make_recurrent(cfg.cell, cfg.impl, cfg.d_embed, cfg.hidden, cfg.n_layers, cfg.gates)
        self.head = nn.Linear(cfg.hidden, self.vocab_size)
        if cfg.cell == "lstm":  # start with f ≈ σ(1) = 0.73: remember by default (Gers et al. 2000; Jozefowicz et al. 2015)
            with torch.no_grad():
                for k in range(cfg.n_layers):
                    H = cfg.hidden
                    getattr(self.rnn, f"bias_ih_l{k}")[H:2 * H] += cfg.forget_bias
        # The other implementation, sharing the same Parameter objects (not registered: one state dict).
        self._twin: nn.Module | None = None

    def recurrent(self, impl: str | None = None) -> nn.Module:
        """The recurrent stack to run: ours or the built-in, on the very same weights."""
        if impl is None or impl == self.cfg.impl or self.cfg.gates != "both":  # one gate: ours only
            return self.rnn
        check_choice("impl", impl, IMPLS)
        if self._twin is None:
            twin = make_recurrent(self.cfg.cell, impl, self.cfg.d_embed, self.cfg.hidden, self.cfg.n_layers)
            for name, _ in list(twin.named_parameters()):
                delattr(twin, name)
                setattr(twin, name, getattr(self.rnn, name))  # shared, so training one trains both
            if isinstance(twin, nn.RNNBase):
                twin._flat_weights = [getattr(twin, n) for n in twin._flat_weights_names]
            self.__dict__["_twin"] = twin.to(self.head.weight.device)
        return self._twin

    def run(self, idx: torch.Tensor, state=None, impl: str | None = None):
        """idx (B, T) → (logits (B, T, V), final state), starting from ``state`` (None = zeros)."""
        x = self.embed(idx)  # (B, T, D)
        out, state = self.recurrent(impl)(x, state)  # (B, T, H)
        return self.head(out), state

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        return self.run(idx)[0]  # (B, T, V)


# -----------------------------------------------------------------------------
# The contract used by the engine, jobs, CLI and tests


def build(cfg: Config) -> CharLM:
    return CharLM(cfg)


def example_input(cfg: Config) -> torch.Tensor:
    """What ``forward`` takes (for exported models): a batch of one sequence of character ids (1, T)."""
    return torch.randint(0, len(text.vocab()), (1, cfg.block))


class TrainData:
    """Random windows of the training text: each step draws ``batch_size`` windows of ``block`` characters."""

    def __init__(self, cfg: Config, device: torch.device | str = "cpu"):
        self.ids = text.split_ids("train")
        self.cfg, self.device = cfg, device

    def __len__(self) -> int:
        return self.cfg.steps

    def epoch(self, generator: torch.Generator):
        for _ in range(self.cfg.steps):
            x, y = text.windows(self.ids, self.cfg.block, self.cfg.batch_size, generator)
            yield x.to(self.device), y.to(self.device)


def train_data(cfg: Config, device: torch.device | str = "cpu") -> TrainData:
    return TrainData(cfg, device)


def loss(model: CharLM, batch) -> tuple[torch.Tensor, dict[str, float]]:
    x, y = batch
    logits = model(x)  # (B, T, V)
    return F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1)), {}


EVAL_CHUNK = 1024  # characters per forward pass when scoring a split; the state is carried across chunks


@torch.no_grad()
def split_loss(model: CharLM, split: str = "test", limit: int | None = None) -> tuple[float, int]:
    """Mean cross-entropy (nats per character) of predicting each character of ``split`` from all of the
    text before it in that split, and the number of characters scored.

    The split is read in order as one stream: chunks of ``EVAL_CHUNK`` characters, the final state of one
    chunk being the initial state of the next (the model has seen every earlier character of the split,
    none of the other splits). The first character is not scored (nothing predicts it). Runs the built-in
    implementation, which gives the same numbers as ours (see tests) much faster.
    """
    was_training = model.training
    model.eval()
    device = model.head.weight.device
    ids = text.split_ids(split)
    if limit is not None:
        ids = ids[:limit]
    total, state = 0.0, None
    for start in range(0, len(ids) - 1, EVAL_CHUNK):
        x = ids[start:start + EVAL_CHUNK][None].to(device)  # (1, T)
        y = ids[start + 1:start + EVAL_CHUNK + 1][None].to(device)
        x = x[:, :y.size(1)]
        logits, state = model.run(x, state, impl="builtin")
        total += F.cross_entropy(logits[0], y[0], reduction="sum").item()
    model.train(was_training)
    return total / (len(ids) - 1), len(ids) - 1


def bpc(model: CharLM, split: str = "test") -> float:
    """Bits per character on the whole ``split`` (read in order, state carried): nats / ln 2."""
    return split_loss(model, split)[0] / math.log(2)


def evaluate(model: CharLM, cfg: Config, split: str = "val") -> dict[str, float]:
    """val_loss (nats per character) and val_bpc (bits per character) on the whole validation text."""
    nats, _ = split_loss(model, split)
    return {"val_loss": nats, "val_bpc": nats / math.log(2)}


# -----------------------------------------------------------------------------
# Inference helpers for the tab and the API: plain ids/str in, numpy/str out

START = "\n"  # what an empty prompt starts from: the corpus puts one paragraph per line


def _ids_tensor(model: CharLM, ids) -> torch.Tensor:
    ids = [int(i) for i in ids]
    if not ids:
        raise ValueError("the prompt has no characters the model knows")
    if min(ids) < 0 or max(ids) >= model.vocab_size:
        raise ValueError(f"character ids must be in [0, {model.vocab_size - 1}]")
    return torch.tensor(ids, dtype=torch.long, device=model.head.weight.device)[None]  # (1, T)


def start_ids() -> list[int]:
    return [text.vocab().index(START)]  # not encode(): normalising a lone newline leaves nothing


@torch.no_grad()
def next_probs(model: CharLM, prompt_ids, impl: str | None = None) -> np.ndarray:
    """Probabilities (V,) of the character that follows ``prompt_ids`` (an empty prompt = the start symbol)."""
    model.eval()
    logits, _ = model.run(_ids_tensor(model, list(prompt_ids) or start_ids()), impl=impl)
    return F.softmax(logits[0, -1], dim=-1).cpu().numpy()


MAX_LENGTH = 2000  # characters one call may generate
TEMPERATURE = (0.05, 3.0)  # valid sampling temperatures


@torch.no_grad()
def generate(model: CharLM, prompt_ids, length: int, temperature: float = 1.0,
             generator: torch.Generator | None = None, impl: str | None = None) -> list[int]:
    """Sample ``length`` characters after ``prompt_ids`` (empty = start from a newline) → their ids.

    temperature divides the logits before the softmax: < 1 sharper (safer), > 1 flatter (wilder).
    Raises ``ValueError`` for a length outside [0, MAX_LENGTH] or a temperature outside TEMPERATURE.
    """
    if isinstance(length, bool) or not isinstance(length, (int, np.integer)) or not 0 <= length <= MAX_LENGTH:
        raise ValueError(f"length must be an integer in [0, {MAX_LENGTH}], got {length!r}")
    lo, hi = TEMPERATURE
    if not isinstance(temperature, (int, float)) or not math.isfinite(temperature) or not lo <= temperature <= hi:
        raise ValueError(f"temperature must be a number in [{lo}, {hi}], got {temperature!r}")
    model.eval()
    logits, state = model.run(_ids_tensor(model, list(prompt_ids) or start_ids()), impl=impl)
    last = logits[0, -1]  # (V,)
    out = []
    for _ in range(int(length)):
        probs = F.softmax(last / temperature, dim=-1)
        nxt = torch.multinomial(probs, 1, generator=generator)  # (1,)
        out.append(int(nxt))
        logits, state = model.run(nxt[None], state, impl=impl)
        last = logits[0, -1]
    return out


@torch.no_grad()
def states(model: CharLM, ids) -> dict[str, np.ndarray]:
    """Per-step internals of the top layer for ``ids`` (T,): {"hidden": (T, H), "cell": (T, H) for LSTM,
    "gates": {"i"/"f"/"g"/"o" or "r"/"z"/"n": (T, H)}} — computed by our cells (the built-ins hide gates)."""
    model.eval()
    x = model.embed(_ids_tensor(model, ids))  # (1, T, D)
    rnn = model.recurrent("scratch")
    _, _, trace = rnn(x, record=True)
    out = {"hidden": torch.stack([s[0][0] for s, _ in trace]).cpu().numpy()}
    if model.cfg.cell == "lstm":
        out["cell"] = torch.stack([s[1][0] for s, _ in trace]).cpu().numpy()
    gates = {g: torch.stack([gs[g][0] for _, gs in trace]).cpu().numpy() for g in GATES[model.cfg.cell]}
    if gates:
        out["gates"] = gates
    return out


def top_units(hidden: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` units whose hidden state varies most over the text (hidden (T, H)), in order."""
    var = np.asarray(hidden).var(axis=0) if len(hidden) > 1 else np.abs(np.asarray(hidden)).sum(axis=0)
    return np.sort(np.argsort(-var, kind="stable")[:k])


@torch.no_grad()
def preview(model: CharLM, length: int = 120) -> dict[str, str]:
    """What a training job shows live: a sample from a fixed prompt and seed, so samples compare over time."""
    prompt = text.encode("The whale")[0]
    ids = generate(model, prompt, length, temperature=0.8, generator=torch.Generator().manual_seed(0))
    return {"text": text.decode(prompt) + text.decode(ids)}


def param_formula(cell: str, D: int, H: int) -> dict[str, int]:
    """The textbook count k·(D·H + H² + H) (one bias per gate) and PyTorch's k·(D·H + H² + 2H) (b_ih and b_hh)."""
    k = GATE_ROWS[check_choice("cell", cell, CELLS)]
    return {"gates": k, "material": k * (D * H + H * H + H), "pytorch": k * (D * H + H * H + 2 * H)}


def param_counts(model: CharLM) -> dict[str, int]:
    """Parameters of each part, counted on the real module: embedding, recurrent (per layer), head, total."""
    rnn = model.rnn
    counts = {"embedding": sum(p.numel() for p in model.embed.parameters()),
              "head": sum(p.numel() for p in model.head.parameters())}
    for k in range(model.cfg.n_layers):
        counts[f"layer{k}"] = sum(getattr(rnn, f"{n}_l{k}").numel()
                                  for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))
    counts["recurrent"] = sum(p.numel() for p in rnn.parameters())
    counts["total"] = sum(p.numel() for p in model.parameters())
    return counts
