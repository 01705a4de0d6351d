"""The bundled corpus (playground/data/text.py): normalising, encoding what users type, the splits, the baseline."""

import math
from collections import Counter

import pytest
import torch

from playground.data import text


def test_normalize_turns_typography_into_ascii_and_folds_accents():
    assert text.normalize("\u201cCall me Ishmael\u201d \u2014 he said\u2026") == '"Call me Ishmael" -- he said...'
    assert text.normalize("caf\u00e9 na\u00efve \u2018x\u2019") == "cafe naive 'x'"


def test_normalize_joins_the_lines_of_a_paragraph_and_keeps_one_line_per_paragraph():
    assert text.normalize("one\ntwo  three\n\n\nnext\tpara\r\n") == "one two three\nnext para"
    assert text.normalize("   \n\n  ") == ""


def test_vocabulary_is_every_character_of_the_corpus_sorted():
    vocab = text.vocab()
    assert list(vocab) == sorted(set(text.corpus()))
    assert len(vocab) == len(set(vocab)) == 80
    assert "\n" in vocab and " " in vocab and "e" in vocab


def test_encode_then_decode_gives_back_the_normalized_text():
    ids, unknown = text.encode("Call me Ishmael.\n\nSome years ago")
    assert unknown == []
    assert text.decode(ids) == "Call me Ishmael.\nSome years ago"
    assert all(0 <= i < len(text.vocab()) for i in ids)


def test_unknown_characters_are_dropped_and_reported_once_each():
    ids, unknown = text.encode("whale 🐋 鲸 🐋 whale\x00")
    assert text.decode(ids) == "whale    whale"  # dropped after normalising: the spaces around them stay
    assert unknown == ["🐋", "鲸", "\x00"]


def test_encode_of_nothing_is_empty_and_never_raises():
    assert text.encode("") == ([], [])
    assert text.encode("🐋🐋") == ([], ["🐋"])


def test_splits_are_contiguous_disjoint_and_cover_the_corpus_in_order():
    corpus_ids = torch.tensor([text.vocab().index(c) for c in text.corpus()])
    parts = [text.split_ids(s) for s in ("train", "val", "test")]
    assert sum(len(p) for p in parts) == len(corpus_ids)
    assert torch.equal(torch.cat(parts), corpus_ids)  # train, then val, then test: no overlap, no gap
    n = len(corpus_ids)
    assert abs(len(parts[0]) / n - 0.90) < 1e-3 and abs(len(parts[2]) / n - 0.05) < 1e-3


def test_unknown_split_is_refused_with_the_valid_names():
    with pytest.raises(ValueError, match="train, val, test"):
        text.split_ids("dev")


def test_windows_are_aligned_next_character_pairs_from_the_given_ids():
    ids = torch.arange(1000)
    x, y = text.windows(ids, block=16, batch=8, generator=torch.Generator().manual_seed(0))
    assert x.shape == y.shape == (8, 16)
    assert torch.equal(y[:, :-1], x[:, 1:]) and torch.equal(y[:, -1], x[:, -1] + 1)
    again = text.windows(ids, block=16, batch=8, generator=torch.Generator().manual_seed(0))[0]
    assert torch.equal(x, again)  # the generator decides


def test_unigram_baseline_matches_a_direct_count_and_beats_a_uniform_guess():
    counts = Counter(text.split_ids("train").tolist())
    V = len(text.vocab())
    total = sum(counts.values()) + V
    test_ids = text.split_ids("test").tolist()
    expected = -sum(math.log2((counts[i] + 1) / total) for i in test_ids) / len(test_ids)
    bpc = text.unigram_bpc("test")
    assert bpc == pytest.approx(expected)
    assert 3.5 < bpc < math.log2(V)  # better than uniform over 80 characters (6.32 bits)
