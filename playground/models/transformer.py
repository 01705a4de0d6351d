"""A tiny decoder-only Transformer (GPT style) that reads characters and predicts the next one.

Tokens are embedded, a fixed sinusoidal positional encoding is added, then ``n_layers`` pre-LayerNorm
blocks, each

    x = x + MultiHeadAttention(LN(x))        per head: A = softmax(Q Kᵀ / √d_k + M),  out = A V
    x = x + MLP(LN(x))                       MLP(x) = W_2 GELU(W_1 x),  d_model → 4·d_model → d_model

with Q = x W_Q, K = x W_K, V = x W_V split into ``n_heads`` heads of d_k = d_model / n_heads, and the
causal mask M (0 on and below the diagonal, −∞ above: a token sees only itself and what came before).
A final LayerNorm and a linear layer give the logits of the next token.

    (B, T) ids → embed + PE (B, T, d_model) → blocks → LN → head → (B, T, vocab) logits
    inside a block: Q, K, V (B, n_heads, T, d_k); A (B, n_heads, T, T)

Positional encoding (Vaswani et al. 2017, §3.5), fixed, not learned, so the tab can show it:
PE[t, 2i] = sin(t / 10000^(2i/d_model)), PE[t, 2i+1] = cos(t / 10000^(2i/d_model)).

Two tasks (``Config.task``):
- "text": a character language model on the bundled Moby-Dick corpus (``playground.text``), scored in
  bits per character on held-out text, the same figure as the RNN tab's models;
- "reverse": read ``seq_len`` digits and a separator, write them backwards ("31415926>62951413"); the
  loss is on the answer only. Held-out sequences (the numbers divisible by 7) never occur in training,
  and are scored by exact match. Its attention is easy to read: an anti-diagonal.

Sources: Vaswani et al. 2017, "Attention Is All You Need"; Radford et al. 2019 (GPT-2, pre-LayerNorm);
Karpathy, nanoGPT ``model.py`` and makemore; "Dive into Deep Learning" ch. 11 (attention, transformers).
The Transformer tab shows its attention per layer and head, next-token probabilities, continuations
and the positional encoding.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from playground.config import bounded, choice, trainer
from playground.data import text
from playground.pictures import colorize, upscale

TASKS = ("text", "reverse")
DIGITS = "0123456789"
SEP = ">"  # between the digits and their reverse
TASK_VOCAB = DIGITS + SEP


@dataclass
class Config:
    task: str = choice("text", TASKS, "text: next character of Moby-Dick; reverse: write digits backwards")
    n_layers: int = bounded(4, 1, 8, "transformer blocks")
    n_heads: int = bounded(4, 1, 8, "attention heads per block (must divide d_model)")
    d_model: int = bounded(128, 16, 512, "width of the residual stream")
    block_size: int = bounded(64, 8, 256, "context length of the text model, in characters")
    seq_len: int = bounded(8, 2, 16, "digits per sequence of the reverse task")
    dropout: float = bounded(0.0, 0.0, 0.5, "dropout on attention weights and residual branches")
    optimizer: str = trainer("optimizer", "adamw")
    lr: float = trainer("lr", 4e-3)
    weight_decay: float = trainer("weight_decay", 0.01, help="AdamW weight decay", ui=True)
    clip: float = trainer("clip", 1.0, help="clip the gradient norm to this (0 = no clipping)", ui=True)
    batch_size: int = trainer("batch_size", 32, lo=4, hi=512, help="sequences per step")
    steps: int = trainer("steps", 800, hi=10000, help="steps per epoch (the data is drawn at random)")
    epochs: int = trainer("epochs", 3, help="epochs: an evaluation after each")
    seed: int = trainer("seed", 0)

    def __post_init__(self):
        if isinstance(self.n_heads, int) and isinstance(self.d_model, int) and (
                self.n_heads < 1 or self.d_model % self.n_heads):
            raise ValueError(f"n_heads must divide d_model, got d_model={self.d_model}, n_heads={self.n_heads}")


# The defaults above are the shipped text model (pretrained/transformer_text). The shipped reverse model:
#   --set task=reverse n_layers=2 n_heads=2 d_model=64 batch_size=128 steps=200 epochs=3 lr=3e-3
# The Train panel's defaults: the reverse task, 600 steps, about 30 s of one CPU thread, 100 % exact match.
QUICK = Config(task="reverse", n_layers=2, n_heads=2, d_model=64, lr=3e-3, batch_size=64, steps=150, epochs=4)
# A model a test can train in about a second.
TINY = Config(task="reverse", n_layers=1, n_heads=2, d_model=16, seq_len=3, batch_size=8, steps=2, epochs=1)


# -----------------------------------------------------------------------------
# Tokens: characters of the corpus, or the digits and separator of the reverse task


def vocab(cfg: Config) -> tuple[str, ...]:
    return text.vocab() if cfg.task == "text" else tuple(TASK_VOCAB)


def context(cfg: Config) -> int:
    """Longest sequence the model reads: ``block_size`` for text; digits, separator, answer for the task."""
    return cfg.block_size if cfg.task == "text" else 2 * cfg.seq_len + 1


def encode(cfg: Config, s: str) -> tuple[list[int], list[str]]:
    """Text → (token ids, distinct characters dropped as unknown). Never raises."""
    if cfg.task == "text":
        return text.encode(s)
    ids, unknown = [], []
    for c in s or "":
        if c in TASK_VOCAB:
            ids.append(TASK_VOCAB.index(c))
        elif not c.isspace() and c not in unknown:
            unknown.append(c)
    return ids, unknown


def read(cfg: Config, s: str, keep: str = "first") -> tuple[list[int], list[str], bool]:
    """What a user typed → (ids, characters dropped as unknown, whether it was cut). Never raises.

    At most ``context(cfg)`` tokens are kept: the first ones (``keep="first"``, to look at) or the last
    ones (``keep="last"``, to continue). Huge inputs are cut to ``text.MAX_PROMPT`` characters first.
    """
    s = s if isinstance(s, str) else ""
    cut = len(s) > text.MAX_PROMPT
    s = s[: text.MAX_PROMPT] if keep == "first" else s[-text.MAX_PROMPT:]
    ids, unknown = encode(cfg, s)
    n = context(cfg)
    cut = cut or len(ids) > n
    return (ids[:n] if keep == "first" else ids[-n:]), unknown, cut


def decode(cfg: Config, ids) -> str:
    chars = vocab(cfg)
    return "".join(chars[int(i)] for i in ids)


# -----------------------------------------------------------------------------
# The network, leaves first


def positional_encoding(T: int, d: int) -> torch.Tensor:
    """Sinusoidal positions (T, d): PE[t, 2i] = sin(t·ω_i), PE[t, 2i+1] = cos(t·ω_i), ω_i = 10000^(−2i/d)."""
    t = torch.arange(T, dtype=torch.float32)[:, None]  # (T, 1)
    omega = torch.exp(-math.log(10000.0) * torch.arange(0, d, 2, dtype=torch.float32) / d)  # (d/2,)
    pe = torch.zeros(T, d)
    pe[:, 0::2] = torch.sin(t * omega)
    pe[:, 1::2] = torch.cos(t * omega[: d // 2])
    return pe


def causal_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, dropout: nn.Module | None = None):
    """softmax(Q Kᵀ / √d_k + M) V, written out. q, k, v: (B, nh, T, d_k) → (out (B, nh, T, d_k), A (B, nh, T, T)).

    M is −∞ above the diagonal, so after the softmax those weights are exactly 0 and each row sums to 1.
    """
    T, d_k = q.size(-2), q.size(-1)
    scores = q @ k.transpose(-2, -1) / math.sqrt(d_k)  # (B, nh, T, T)
    mask = torch.ones(T, T, dtype=torch.bool, device=q.device).triu(1)  # True above the diagonal
    att = F.softmax(scores.masked_fill(mask, float("-inf")), dim=-1)  # (B, nh, T, T)
    return (dropout(att) if dropout is not None else att) @ v, att


class CausalSelfAttention(nn.Module):
    """Multi-head causal self-attention; returns the attention weights beside its output."""

    def __init__(self, cfg: Config):
        super().__init__()
        self.n_heads = cfg.n_heads
        self.W_Q = nn.Linear(cfg.d_model, cfg.d_model)
        self.W_K = nn.Linear(cfg.d_model, cfg.d_model)
        self.W_V = nn.Linear(cfg.d_model, cfg.d_model)
        self.W_O = nn.Linear(cfg.d_model, cfg.d_model)  # mixes the heads back into the residual stream
        self.attn_drop = nn.Dropout(cfg.dropout)
        self.resid_drop = nn.Dropout(cfg.dropout)

    def heads(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """x (B, T, d_model) → Q, K, V, each (B, nh, T, d_k)."""
        B, T, C = x.shape
        split = lambda y: y.view(B, T, self.n_heads, C // self.n_heads).transpose(1, 2)  # noqa: E731
        return split(self.W_Q(x)), split(self.W_K(x)), split(self.W_V(x))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        B, T, C = x.shape
        q, k, v = self.heads(x)  # (B, nh, T, d_k)
        y, att = causal_attention(q, k, v, self.attn_drop)  # (B, nh, T, d_k), (B, nh, T, T)
        y = y.transpose(1, 2).contiguous().view(B, T, C)  # heads side by side again
        return self.resid_drop(self.W_O(y)), att

    def extend(self, x: torch.Tensor, past: tuple[torch.Tensor, torch.Tensor] | None):
        """Attention for new positions only (generation, in eval mode): x (B, T, d_model) follows the
        positions whose keys and values are ``past`` ((B, nh, T_past, d_k) each, or None) → (output
        (B, T, d_model), the keys and values with x's appended). Each new position attends to every earlier
        one and to itself, as in forward() on the whole sequence, whose rows for these positions it equals."""
        B, T, C = x.shape
        q, k, v = self.heads(x)
        if past is not None:
            k, v = torch.cat([past[0], k], dim=2), torch.cat([past[1], v], dim=2)
        T_all = k.size(2)
        scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))  # (B, nh, T, T_all)
        later = torch.ones(T, T_all, dtype=torch.bool, device=x.device).triu(T_all - T + 1)  # keys after each query
        y = F.softmax(scores.masked_fill(later, float("-inf")), dim=-1) @ v
        return self.W_O(y.transpose(1, 2).contiguous().view(B, T, C)), (k, v)


class MLP(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.fc = nn.Linear(cfg.d_model, 4 * cfg.d_model)
        self.gelu = nn.GELU()
        self.proj = nn.Linear(4 * cfg.d_model, cfg.d_model)
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.drop(self.proj(self.gelu(self.fc(x))))


class Block(nn.Module):
    """Pre-LayerNorm block (GPT-2): normalise, transform, add back to the residual stream."""

    def __init__(self, cfg: Config):
        super().__init__()
        self.ln_1 = nn.LayerNorm(cfg.d_model)
        self.attn = CausalSelfAttention(cfg)
        self.ln_2 = nn.LayerNorm(cfg.d_model)
        self.mlp = MLP(cfg)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        a, att = self.attn(self.ln_1(x))
        x = x + a
        return x + self.mlp(self.ln_2(x)), att

    def extend(self, x: torch.Tensor, past):
        """forward() for new positions after ``past`` (see CausalSelfAttention.extend) → (x, keys and values)."""
        a, kept = self.attn.extend(self.ln_1(x), past)
        x = x + a
        return x + self.mlp(self.ln_2(x)), kept


class Transformer(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.cfg = cfg
        self.block_size = context(cfg)
        self.tok_emb = nn.Embedding(len(vocab(cfg)), cfg.d_model)
        # Fixed, so not a parameter, and not saved: it is rebuilt from the config.
        self.register_buffer("pe", positional_encoding(self.block_size, cfg.d_model), persistent=False)
        self.drop = nn.Dropout(cfg.dropout)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layers))
        self.ln_f = nn.LayerNorm(cfg.d_model)
        self.head = nn.Linear(cfg.d_model, len(vocab(cfg)))
        self.apply(self._init_weights)
        # Scaled init of the projections into the residual stream (GPT-2 paper, §2.3): the sum of
        # 2·n_layers branches keeps the variance of the stream from growing with depth.
        for name, p in self.named_parameters():
            if name.endswith("W_O.weight") or name.endswith("mlp.proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * cfg.n_layers))

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
            nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            # Unit scale, like the positional encoding it is added to (whose entries lie in [−1, 1]).
            nn.init.normal_(module.weight, mean=0.0, std=1.0)

    def trunk(self, idx: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """ids (B, T) → (final hidden states (B, T, d_model), attention of each layer [(B, nh, T, T)])."""
        B, T = idx.shape
        if T > self.block_size:
            raise ValueError(f"sequence of {T} tokens is longer than the context of {self.block_size}")
        x = self.drop(self.tok_emb(idx) + self.pe[:T])  # (B, T, d_model)
        atts = []
        for block in self.blocks:
            x, att = block(x)
            atts.append(att)
        return self.ln_f(x), atts

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        return self.head(self.trunk(idx)[0])  # (B, T, vocab) logits

    def extend(self, idx: torch.Tensor, past: list | None = None) -> tuple[torch.Tensor, list]:
        """Read only what is new (a key-value cache, for generation in eval mode): ids (B, T) that follow the
        positions whose keys and values ``past`` holds (one pair per layer, None at the start) → (logits
        (B, T, vocab), the keys and values with these positions added). Equal to forward() on the whole
        sequence, at the cost of the new positions. Positions are absolute, so once the sequence outgrows
        the context and the window slides, every position changes and the whole window must be read again."""
        start = 0 if past is None else past[0][0].size(2)
        T = idx.size(1)
        if start + T > self.block_size:
            raise ValueError(f"sequence of {start + T} tokens is longer than the context of {self.block_size}")
        x = self.tok_emb(idx) + self.pe[start:start + T]
        kept = []
        for i, block in enumerate(self.blocks):
            x, kv = block.extend(x, None if past is None else past[i])
            kept.append(kv)
        return self.head(self.ln_f(x)), kept


# -----------------------------------------------------------------------------
# The reverse task's data


def _held_out(digits: torch.Tensor) -> torch.Tensor:
    """(N, L) digits → (N,) bool: the number they spell is divisible by 7. These are never trained on."""
    rem = torch.zeros(digits.size(0), dtype=torch.long)
    for j in range(digits.size(1)):
        rem = (rem * 10 + digits[:, j]) % 7
    return rem == 0


def task_sequences(n: int, seq_len: int, generator: torch.Generator, held_out: bool = False) -> torch.Tensor:
    """``n`` sequences (n, 2·seq_len+1) of ids: digits, separator, the digits reversed.

    ``held_out=False`` draws from the training numbers, ``True`` from the held-out ones (disjoint).
    """
    out = []
    while sum(len(o) for o in out) < n:
        d = torch.randint(0, 10, (2 * n + 16, seq_len), generator=generator)
        out.append(d[_held_out(d) == held_out])
    d = torch.cat(out)[:n]  # (n, L)
    sep = torch.full((n, 1), TASK_VOCAB.index(SEP), dtype=torch.long)
    return torch.cat([d, sep, d.flip(1)], dim=1)  # (n, 2L+1)


HELD_OUT_SEED, HELD_OUT_N = 1234, 2000  # the held-out sequences: drawn once with their own seed


def held_out_sequences(cfg: Config, n: int = HELD_OUT_N) -> torch.Tensor:
    return task_sequences(n, cfg.seq_len, torch.Generator().manual_seed(HELD_OUT_SEED), held_out=True)


# -----------------------------------------------------------------------------
# The contract used by the engine, jobs, CLI and tests


def build(cfg: Config) -> Transformer:
    return Transformer(cfg)


def example_input(cfg: Config) -> torch.Tensor:
    """What ``forward`` takes (for exported models): a batch of one sequence of token ids (1, T)."""
    return torch.randint(0, len(vocab(cfg)), (1, context(cfg)))


class TrainData:
    """Random batches: windows of the training text (x, y), or task sequences with a loss mask."""

    def __init__(self, cfg: Config, device: torch.device | str = "cpu"):
        self.cfg, self.device = cfg, device
        self.ids = text.split_ids("train") if cfg.task == "text" else None

    def __len__(self) -> int:
        return self.cfg.steps

    def epoch(self, generator: torch.Generator):
        B = self.cfg.batch_size
        for _ in range(self.cfg.steps):
            if self.cfg.task == "text":
                x, y = text.windows(self.ids, self.cfg.block_size, B, generator)
                yield x.to(self.device), y.to(self.device)
            else:
                yield tuple(t.to(self.device) for t in _task_batch(task_sequences(B, self.cfg.seq_len, generator)))


def _task_batch(seqs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(B, 2L+1) sequences → x (B, 2L), y (B, 2L) with −100 (ignored) everywhere but the answer."""
    L = (seqs.size(1) - 1) // 2
    x, y = seqs[:, :-1], seqs[:, 1:].clone()
    y[:, : L] = -100  # the digits themselves are random: only the answer after the separator is learnable
    return x, y


def train_data(cfg: Config, device: torch.device | str = "cpu") -> TrainData:
    return TrainData(cfg, device)


def loss(model: Transformer, batch) -> tuple[torch.Tensor, dict[str, float]]:
    x, y = batch
    logits = model(x)  # (B, T, vocab)
    return F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1), ignore_index=-100), {}


@torch.no_grad()
def bpc(model: Transformer, split: str = "test", stride: int | None = None, batch_size: int = 64,
        limit: int | None = None) -> float:
    """Bits per character of the text model on the WHOLE ``split``, read with a sliding window.

    Windows of ``block_size`` characters start every ``stride`` characters; each character is scored
    once, by the first window that holds it after the window's first ``block_size − stride`` characters
    (all of the first window), so every prediction but the first few sees at least that much context.
    ``stride = block_size`` reads the split in independent chunks. Default: half the block. ``limit``:
    only the split's first ``limit`` characters.
    """
    T = model.block_size
    stride = stride or max(1, T // 2)
    ids = text.split_ids(split)[:limit]
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    starts = list(range(0, max(len(ids) - T - 1, 0) + 1, stride))
    if starts[-1] + T + 1 < len(ids):
        starts.append(len(ids) - T - 1)  # a last window so the tail is scored too
    total, count, scored_to = 0.0, 0, 0  # scored_to: targets ids[1:scored_to+1] are already scored
    for i in range(0, len(starts), batch_size):
        chunk = starts[i:i + batch_size]
        x = torch.stack([ids[s:s + T] for s in chunk]).to(device)  # (b, T)
        y = torch.stack([ids[s + 1:s + T + 1] for s in chunk]).to(device)
        nll = F.cross_entropy(model(x).transpose(1, 2), y, reduction="none")  # (b, T)
        for row, s in zip(nll, chunk):
            first = max(scored_to - s, 0)  # skip targets an earlier window already scored
            total += row[first:].sum().item()
            count += T - first
            scored_to = s + T
    model.train(was_training)
    return total / count / math.log(2)


@torch.no_grad()
def task_accuracy(model: Transformer, seqs: torch.Tensor, batch_size: int = 500) -> tuple[float, float]:
    """(loss on the answers, exact-match accuracy) of the reverse task on ``seqs`` (N, 2L+1).

    Exact match under teacher forcing equals greedy decoding: if every answer digit is the argmax given
    the right digits before it, greedy generation writes exactly those digits.
    """
    device = next(model.parameters()).device
    total, correct, n_tok = 0.0, 0, 0
    for i in range(0, len(seqs), batch_size):
        x, y = (t.to(device) for t in _task_batch(seqs[i:i + batch_size]))
        logits = model(x)
        keep = y != -100
        total += F.cross_entropy(logits[keep], y[keep], reduction="sum").item()
        n_tok += keep.sum().item()
        correct += ((logits.argmax(-1) == y) | ~keep).all(1).sum().item()
    return total / n_tok, correct / len(seqs)


@torch.no_grad()
def evaluate(model: Transformer, cfg: Config) -> dict[str, float]:
    """text: val_loss (nats/char) and val_bpc on the validation text, read in independent chunks;
    reverse: val_loss on the answers and val_acc = exact match on the held-out sequences."""
    was_training = model.training
    model.eval()
    if cfg.task == "text":
        bits = bpc(model, "val", stride=model.block_size)
        metrics = {"val_loss": bits * math.log(2), "val_bpc": bits}
    else:
        val_loss, acc = task_accuracy(model, held_out_sequences(cfg))
        metrics = {"val_loss": val_loss, "val_acc": acc}
    model.train(was_training)
    return metrics


# -----------------------------------------------------------------------------
# Inference helpers for the tab and the API: plain values in, plain values out


def _device(model: nn.Module) -> torch.device:
    return next(model.parameters()).device


@torch.no_grad()
def attention(model: Transformer, ids: list[int]) -> np.ndarray:
    """Attention weights of every layer and head for one sequence: (n_layers, n_heads, T, T), rows sum to 1.

    ``ids`` must be 1..context tokens long. Each block is called directly (no hooks), so concurrent
    requests sharing one model cannot see each other's maps.
    """
    model.eval()
    idx = torch.tensor([list(ids)], dtype=torch.long, device=_device(model))
    _, atts = model.trunk(idx)
    return torch.stack([a[0] for a in atts]).cpu().numpy()  # (L, nh, T, T)


@torch.no_grad()
def next_probs(model: Transformer, ids: list[int]) -> np.ndarray:
    """Probabilities (vocab,) of the token after ``ids`` (the last ``context`` tokens are read)."""
    model.eval()
    idx = torch.tensor([list(ids)[-model.block_size:]], dtype=torch.long, device=_device(model))
    return F.softmax(model(idx)[0, -1], dim=-1).cpu().numpy()


@torch.inference_mode()
def generate(model: Transformer, ids: list[int], length: int, temperature: float = 1.0,
             generator: torch.Generator | None = None) -> list[int]:
    """``length`` new token ids after ``ids``, sampled at ``temperature`` (0 = always the most likely).

    The context slides: only the last ``context`` tokens are read at each step. While the sequence fits
    the context, each step reads only the new token (``Transformer.extend``); once it slides, the whole
    window, as positions have moved.
    """
    model.eval()
    seq, past = list(ids), None
    for _ in range(int(length)):
        if len(seq) <= model.block_size:
            new = seq[0 if past is None else past[0][0].size(2):]  # what the cache has not read yet
            logits, past = model.extend(torch.tensor([new], dtype=torch.long, device=_device(model)), past)
        else:
            logits = model(torch.tensor([seq[-model.block_size:]], dtype=torch.long, device=_device(model)))
        logits = logits[0, -1].float().cpu()  # (vocab,)
        if temperature <= 0:
            nxt = int(logits.argmax())
        else:
            nxt = int(torch.multinomial(F.softmax(logits / temperature, dim=-1), 1, generator=generator))
        seq.append(nxt)
    return seq[len(ids):]


def solve(model: Transformer, digits: str) -> dict:
    """The reverse task on a string of ``seq_len`` digits: greedy answer, expected answer, right or not."""
    cfg = model.cfg
    ids, _ = encode(cfg, digits)
    answer = decode(cfg, generate(model, ids + [TASK_VOCAB.index(SEP)], cfg.seq_len, temperature=0))
    expected = digits[::-1]
    return {"answer": answer, "expected": expected, "correct": answer == expected}


# -----------------------------------------------------------------------------
# Switching heads off: which heads matter (Michel, Levy & Neubig 2019, "Are Sixteen Heads Really Better
# than One?"; d2l's multi-head attention exercise)

ABLATION_CHARS = 16_384  # validation characters a text model's head switch-off is scored on (quick, fixed)


def without_heads(model: Transformer, heads) -> Transformer:
    """A copy of ``model`` in which each (layer, head) of ``heads`` (0-based) is switched off.

    A head's output reaches the residual stream only through its d_k columns of W_O (the heads' outputs
    sit side by side before W_O mixes them), so zeroing those columns removes exactly that head's
    contribution, at every position; its attention map is still computed, and no longer read.
    """
    pruned = copy.deepcopy(model).eval()
    for layer, head in heads:
        attn = pruned.blocks[layer].attn
        d_k = attn.W_O.in_features // attn.n_heads
        with torch.no_grad():
            attn.W_O.weight[:, head * d_k:(head + 1) * d_k] = 0
    return pruned


@torch.no_grad()
def held_out_score(model: Transformer) -> dict[str, float]:
    """What a head switch-off is judged by, on fixed held-out data: the reverse task's answer loss and
    exact-match accuracy on its held-out sequences; for text, the loss (nats/char) and bits per
    character on the first ABLATION_CHARS validation characters, read in independent windows."""
    cfg = model.cfg
    if cfg.task == "reverse":
        val_loss, acc = task_accuracy(model.eval(), held_out_sequences(cfg))
        return {"loss": val_loss, "acc": acc}
    bits = bpc(model.eval(), "val", stride=model.block_size, limit=ABLATION_CHARS)
    return {"loss": bits * math.log(2), "bpc": bits}


def head_effects(model: Transformer) -> list[dict]:
    """Each head switched off alone → [{"layer", "head" (0-based), score…}] in the model's order."""
    return [{"layer": l, "head": h, **held_out_score(without_heads(model, [(l, h)]))}
            for l in range(len(model.blocks)) for h in range(model.blocks[l].attn.n_heads)]


def shapes(model: Transformer, T: int) -> dict[str, tuple | int]:
    """The sizes in the attention formula for a sequence of T tokens, read from the real module."""
    attn = model.blocks[0].attn
    q, k, v = attn.heads(torch.zeros(1, T, model.cfg.d_model, device=_device(model)))
    return {"T": T, "d_model": model.cfg.d_model, "n_heads": attn.n_heads, "n_layers": len(model.blocks),
            "d_k": q.size(-1), "Q": tuple(q.shape[1:]), "K": tuple(k.shape[1:]), "V": tuple(v.shape[1:]),
            "W_Q": tuple(attn.W_Q.weight.T.shape), "A": (attn.n_heads, T, T), "vocab": model.head.out_features,
            "masked": T * (T - 1) // 2,  # entries above the diagonal of each T × T map
            "context": model.block_size, "params": sum(p.numel() for p in model.parameters())}


PREVIEW_PROMPT = {"text": "Call me Ishmael. The whale", "reverse": "31415926>62951413"}
PREVIEW_CHARS = 30  # greedy characters written after the text prompt at each preview (they cost training time)


@torch.no_grad()
def preview(model: Transformer) -> dict:
    """What a training job shows live: the attention of every layer (rows) and head (columns) on a fixed
    prompt, and what the model writes after the prompt now (greedy).

    Each map is query (rows, top to bottom) × key (columns); the masked upper triangle is grey.
    """
    cfg = model.cfg
    prompt = PREVIEW_PROMPT[cfg.task][: context(cfg)]
    ids, _ = encode(cfg, prompt)
    att = attention(model, ids)  # (L, nh, T, T)
    L, nh, T = att.shape[0], att.shape[1], att.shape[-1]
    cell, gap = max(2, 128 // T), 6
    side = T * cell
    img = np.full((L * (side + gap) - gap, nh * (side + gap) - gap, 3), 255, np.uint8)
    upper = np.triu(np.ones((T, T), bool), 1)
    for layer in range(L):
        for h in range(nh):
            a = att[layer, h]
            rgb = colorize(a, "Viridis", 0.0, max(float(a.max()), 1e-9))
            rgb[upper] = 220
            y0, x0 = layer * (side + gap), h * (side + gap)
            img[y0:y0 + side, x0:x0 + side] = upscale(rgb, cell)
    # ...and what it writes now: the reverse task's answer, or a short greedy continuation of the text
    if cfg.task == "reverse":
        head_ids = ids[: cfg.seq_len + 1]
        sample = decode(cfg, head_ids) + decode(cfg, generate(model, head_ids, cfg.seq_len, temperature=0))
    else:
        sample = prompt + decode(cfg, generate(model, ids, PREVIEW_CHARS, temperature=0))
    return {"image": img, "text": sample}
