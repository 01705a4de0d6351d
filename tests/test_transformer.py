"""The Transformer, checked against PyTorch's own attention, and its pretrained models on their tasks."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from playground import checkpoint
from playground.data import text
from playground.models import transformer as tr


def test_written_out_attention_equals_pytorch_scaled_dot_product_attention():
    torch.manual_seed(0)
    q, k, v = (torch.randn(3, 4, 11, 8, dtype=torch.float64, requires_grad=True) for _ in range(3))
    ours, att = tr.causal_attention(q, k, v)
    theirs = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    assert torch.allclose(ours, theirs, atol=1e-5)
    # ...and the gradients through both agree too (micrograd-style check)
    g_ours = torch.autograd.grad(ours.square().sum(), (q, k, v))
    g_theirs = torch.autograd.grad(theirs.square().sum(), (q, k, v))
    for a, b in zip(g_ours, g_theirs):
        assert torch.allclose(a, b, atol=1e-5)


def _sdpa_forward(model: tr.Transformer, idx: torch.Tensor) -> torch.Tensor:
    """The same network, every attention computed by PyTorch's fused function instead of ours."""
    B, T = idx.shape
    x = model.tok_emb(idx) + model.pe[:T]
    for block in model.blocks:
        a = block.attn
        q, k, v = a.heads(block.ln_1(x))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(B, T, -1)
        x = x + a.W_O(y)
        x = x + block.mlp(block.ln_2(x))
    return model.head(model.ln_f(x))


@pytest.mark.parametrize("task", tr.TASKS)
def test_whole_model_matches_a_forward_pass_with_pytorch_attention(task):
    torch.manual_seed(1)
    cfg = tr.Config(task=task, n_layers=2, n_heads=4, d_model=32, block_size=16, seq_len=4)
    model = tr.build(cfg).eval()
    idx = torch.randint(0, len(tr.vocab(cfg)), (2, tr.context(cfg)))
    with torch.no_grad():
        assert torch.allclose(model(idx), _sdpa_forward(model, idx), atol=1e-5)


def test_attention_rows_sum_to_one_and_nothing_above_the_diagonal_is_seen():
    model = tr.build(tr.Config(task="text", n_layers=2, n_heads=2, d_model=16, block_size=12))
    ids, _ = tr.encode(model.cfg, "Call me Ishmael")
    att = tr.attention(model, ids[:12])
    assert att.shape == (2, 2, 12, 12)
    assert np.allclose(att.sum(-1), 1, atol=1e-6)
    assert (att[..., np.triu_indices(12, 1)[0], np.triu_indices(12, 1)[1]] == 0).all()
    assert (np.tril(att[0, 0]) > 0).sum() == 12 * 13 // 2  # and everything below it is


def test_a_later_token_never_changes_the_earlier_attention():
    model = tr.build(tr.Config(task="text", n_layers=2, n_heads=2, d_model=16, block_size=12))
    ids, _ = tr.encode(model.cfg, "the whale")
    short, long = tr.attention(model, ids[:5]), tr.attention(model, ids)
    assert np.allclose(short, long[:, :, :5, :5], atol=1e-6)


def test_positional_encoding_follows_the_sinusoid_formula():
    pe = tr.positional_encoding(50, 16).numpy()
    t, i = 7, 3
    assert pe[t, 2 * i] == pytest.approx(math.sin(t / 10000 ** (2 * i / 16)), abs=1e-6)
    assert pe[t, 2 * i + 1] == pytest.approx(math.cos(t / 10000 ** (2 * i / 16)), abs=1e-6)
    assert len({tuple(np.round(row, 4)) for row in pe}) == 50  # every position has its own code


def test_reading_user_text_cuts_to_the_context_and_reports_unknown_characters():
    cfg = tr.Config(task="text", block_size=16)
    ids, unknown, cut = tr.read(cfg, "Whale 🐳 ahoy\x07! " * 10)
    assert len(ids) == 16 and cut and "🐳" in unknown and "\x07" in unknown
    assert tr.decode(cfg, ids) == "Whale  ahoy! Wha"
    ids, unknown, cut = tr.read(cfg, "Whale ahoy", keep="last")
    assert tr.decode(cfg, ids) == "Whale ahoy" and not cut and not unknown
    assert tr.read(cfg, "x" * 100_000, keep="last")[2]
    rev = tr.Config(task="reverse")
    ids, unknown, cut = tr.read(rev, "12a34>")
    assert tr.decode(rev, ids) == "1234>" and unknown == ["a"] and not cut


def test_reverse_training_data_never_contains_a_held_out_number():
    seqs = tr.task_sequences(4000, 8, torch.Generator().manual_seed(5))
    digits = seqs[:, :8]
    assert not tr._held_out(digits).any()
    values = [int("".join(map(str, d))) for d in digits[:50].tolist()]
    assert all(v % 7 for v in values)
    held = tr.held_out_sequences(tr.Config(task="reverse"), 100)
    assert all(int("".join(map(str, d))) % 7 == 0 for d in held[:, :8].tolist())
    assert (held[:, 8] == tr.TASK_VOCAB.index(">")).all()
    assert torch.equal(held[:, 9:], held[:, :8].flip(1))


def test_reverse_loss_counts_only_the_answer():
    seqs = tr.task_sequences(4, 3, torch.Generator().manual_seed(0))
    x, y = tr._task_batch(seqs)
    assert x.shape == y.shape == (4, 6)
    assert (y[:, :3] == -100).all() and torch.equal(y[:, 3:], seqs[:, 4:])


def test_generation_is_greedy_at_temperature_zero_and_seeded_otherwise():
    torch.manual_seed(0)
    model = tr.build(tr.Config(task="text", n_layers=1, n_heads=2, d_model=16, block_size=8))
    ids, _ = tr.encode(model.cfg, "The sea")
    a = tr.generate(model, ids, 20, temperature=0)
    assert a == tr.generate(model, ids, 20, temperature=0) and len(a) == 20
    first = int(np.argmax(tr.next_probs(model, ids)))
    assert a[0] == first
    s1 = tr.generate(model, ids, 30, 1.5, torch.Generator().manual_seed(3))
    assert s1 == tr.generate(model, ids, 30, 1.5, torch.Generator().manual_seed(3))
    assert s1 != tr.generate(model, ids, 30, 1.5, torch.Generator().manual_seed(4))
    assert abs(tr.next_probs(model, ids * 5).sum() - 1) < 1e-5  # longer than the context: it slides


def test_bpc_scores_every_character_of_the_split_once(monkeypatch):
    torch.manual_seed(0)
    T = 8
    model = tr.build(tr.Config(task="text", n_layers=1, n_heads=1, d_model=16, block_size=T)).eval()
    ids = torch.randint(0, len(text.vocab()), (5 * T + 1,))
    monkeypatch.setattr(text, "split_ids", lambda split: ids)
    with torch.no_grad():
        # stride = block: independent chunks, each character predicted from the start of its chunk
        chunks = F.cross_entropy(model(ids[:-1].view(5, T)).transpose(1, 2), ids[1:].view(5, T))
        assert tr.bpc(model, "test", stride=T) == pytest.approx(chunks.item() / math.log(2), rel=1e-5)
        # stride = 1: after the first window, every character sees the full context of T characters
        nll = list(F.cross_entropy(model(ids[None, :T])[0], ids[1:T + 1], reduction="none"))
        for j in range(T + 1, len(ids)):
            nll.append(F.cross_entropy(model(ids[None, j - T:j])[0, -1:], ids[j:j + 1]))
        assert len(nll) == len(ids) - 1
        expected = torch.stack(nll).mean().item() / math.log(2)
        assert tr.bpc(model, "test", stride=1) == pytest.approx(expected, rel=1e-5)
        assert tr.bpc(model, "test", stride=3) != pytest.approx(expected, rel=1e-3)


def test_an_untrained_text_model_scores_about_log2_of_the_vocabulary():
    torch.manual_seed(0)
    model = tr.build(tr.Config(task="text", n_layers=1, n_heads=1, d_model=16, block_size=32)).eval()
    assert abs(tr.bpc(model, "val", stride=32) - math.log2(len(text.vocab()))) < 0.5


def test_preview_draws_the_attention_of_every_layer_and_head():
    model = tr.build(tr.QUICK).eval()
    out = tr.preview(model)
    img = out["image"]
    T = len(tr.PREVIEW_PROMPT["reverse"])
    L, nh = model.cfg.n_layers, model.cfg.n_heads
    assert img.dtype == np.uint8 and img.ndim == 3 and img.shape[0] >= L * T and img.shape[1] >= nh * T
    # one square per layer (row) and head (column): the top-left map is layer 1, head 1, masked above
    side = (img.shape[0] - 6 * (L - 1)) // L
    assert img.shape == (L * side + 6 * (L - 1), nh * side + 6 * (nh - 1), 3)
    assert (img[0, side - 1] == 220).all() and (img[side - 1, 0] != 220).any()
    assert out["text"].startswith("31415926>") and len(out["text"]) == 17  # its current answer


def test_shapes_are_read_from_the_real_module():
    model = tr.build(tr.Config(n_layers=2, n_heads=4, d_model=64, block_size=32))
    s = tr.shapes(model, 10)
    assert s["Q"] == s["K"] == s["V"] == (4, 10, 16) and s["A"] == (4, 10, 10) and s["d_k"] == 16
    assert s["W_Q"] == (64, 64) and s["context"] == 32 and s["n_layers"] == 2
    V, d, L = len(text.vocab()), 64, 2
    assert s["vocab"] == V
    # counted by hand from the architecture the module's docstring states: token embedding; per block two
    # LayerNorms (2d each), W_Q, W_K, W_V, W_O (d² + d each) and the MLP d → 4d → d; a final LayerNorm;
    # the head d → vocab. (The positional encoding is fixed: not a parameter.)
    block = 2 * (2 * d) + 4 * (d * d + d) + (d * 4 * d + 4 * d) + (4 * d * d + d)
    assert s["params"] == V * d + L * block + 2 * d + (d * V + V)
    # the masked entries are exactly those the real attention gives no weight at all
    att = tr.attention(model, torch.randint(0, V, (10,), generator=torch.Generator().manual_seed(0)).tolist())
    assert s["masked"] == int((att[0, 0] == 0).sum()) == 45


def test_heads_must_divide_the_width():
    with pytest.raises(ValueError, match="n_heads must divide d_model"):
        tr.Config(d_model=30, n_heads=4)


# -----------------------------------------------------------------------------
# The shipped models


@pytest.fixture(scope="module")
def reverse_model():
    model, cfg, meta = checkpoint.pretrained("transformer_reverse")
    return model


def test_pretrained_reverse_model_solves_held_out_sequences(reverse_model):
    _, acc = tr.task_accuracy(reverse_model, tr.held_out_sequences(reverse_model.cfg, 1000))
    assert acc >= 0.99
    # ...and by greedy generation, one sequence at a time, as the tab's Solve button does it
    g = torch.Generator().manual_seed(99)
    seqs = tr.task_sequences(40, 8, g, held_out=True)
    right = sum(tr.solve(reverse_model, tr.decode(reverse_model.cfg, s[:8].tolist()))["correct"] for s in seqs)
    assert right >= 39
    assert tr.solve(reverse_model, "31415926") == {"answer": "62951413", "expected": "62951413", "correct": True}


def test_pretrained_reverse_model_has_a_head_that_reads_the_anti_diagonal(reverse_model):
    ids, _ = tr.encode(reverse_model.cfg, "27182818>8182817")
    att = tr.attention(reverse_model, ids)  # (L, nh, 16, 16)
    # the query at position 8 + k predicts answer digit k, which is input digit 7 − k
    hits = [max(att[l, h, 8 + k, 7 - k] for l in range(att.shape[0]) for h in range(att.shape[1]))
            for k in range(8)]
    assert min(hits) > 0.5


def test_pretrained_text_model_beats_the_unigram_baseline_by_far():
    model, cfg, meta = checkpoint.pretrained("transformer_text")
    ids = text.split_ids("test")[:4000]
    x, y = ids[:-1].unfold(0, cfg.block_size, cfg.block_size), ids[1:].unfold(0, cfg.block_size, cfg.block_size)
    with torch.no_grad():
        bits = F.cross_entropy(model(x).transpose(1, 2), y).item() / math.log(2)
    assert bits < 2.6 < text.unigram_bpc()
    ids, _ = tr.encode(cfg, "The whale")
    out = tr.decode(cfg, tr.generate(model, ids, 80, temperature=0))
    assert len(out) == 80 and sum(c.isalpha() for c in out) > 40


def _generate_by_reading_everything(model, ids, length, temperature, generator):
    """generate() as it was: the whole window read again at every step."""
    seq = list(ids)
    with torch.no_grad():
        for _ in range(length):
            logits = model(torch.tensor([seq[-model.block_size:]]))[0, -1]
            seq.append(int(logits.argmax()) if temperature <= 0 else
                       int(torch.multinomial(F.softmax(logits / temperature, dim=-1), 1, generator=generator)))
    return seq[len(ids):]


def test_the_key_value_cache_reads_new_tokens_as_the_whole_sequence_would():
    torch.manual_seed(0)
    model = tr.build(tr.Config(task="text", n_layers=2, n_heads=4, d_model=32, block_size=16)).eval()
    ids = torch.randint(0, len(tr.vocab(model.cfg)), (2, 16))
    with torch.no_grad():
        whole = model(ids)
        past, pieces = None, []
        for a, b in [(0, 5), (5, 6), (6, 11), (11, 16)]:  # a prompt, then one token, then several at a time
            logits, past = model.extend(ids[:, a:b], past)
            pieces.append(logits)
    torch.testing.assert_close(torch.cat(pieces, dim=1), whole, atol=1e-5, rtol=1e-4)
    assert past[0][0].shape == (2, 4, 16, 8)
    with pytest.raises(ValueError, match="longer than the context"):
        model.extend(ids[:, :1], past)


@pytest.mark.parametrize("temperature", [0.0, 1.0])
def test_generation_with_the_cache_writes_what_reading_everything_writes(temperature):
    torch.manual_seed(1)
    model = tr.build(tr.Config(task="text", n_layers=2, n_heads=2, d_model=32, block_size=24)).eval()
    prompt, _ = tr.encode(model.cfg, "Call me Ishmael.")
    # 40 new characters after 16: the window fills (cache), then slides (whole window read again)
    cached = tr.generate(model, prompt, 40, temperature, generator=torch.Generator().manual_seed(7))
    plain = _generate_by_reading_everything(model, prompt, 40, temperature, torch.Generator().manual_seed(7))
    assert cached == plain


def test_a_head_switched_off_is_its_output_removed_before_W_O_and_the_model_itself_is_untouched():
    cfg = tr.Config(task="reverse", n_layers=2, n_heads=4, d_model=32, seq_len=4)
    model = tr.build(cfg).eval()
    idx = torch.randint(0, len(tr.vocab(cfg)), (3, 9))
    before = model(idx)
    assert torch.equal(tr.without_heads(model, [])(idx), before)
    d_k = cfg.d_model // cfg.n_heads

    def silence(module, args):  # the same head removed another way: its slice of W_O's input set to zero
        y = args[0].clone()
        y[..., 2 * d_k:3 * d_k] = 0
        return (y,)

    hook = model.blocks[1].attn.W_O.register_forward_pre_hook(silence)
    expected = model(idx)
    hook.remove()
    got = tr.without_heads(model, [(1, 2)])(idx)
    assert torch.allclose(got, expected, atol=1e-6) and not torch.allclose(got, before, atol=1e-4)
    assert torch.equal(model(idx), before)  # a copy was pruned, not the shared model


def test_the_reverse_models_heads_do_not_matter_equally():
    model, cfg, _ = checkpoint.pretrained("transformer_reverse")
    base = tr.held_out_score(model)
    effects = {(e["layer"], e["head"]): e for e in tr.head_effects(model)}
    assert len(effects) == cfg.n_layers * cfg.n_heads
    assert all(e["loss"] >= base["loss"] - 1e-3 for e in effects.values())  # no head's removal helps much
    worst = max(effects.values(), key=lambda e: e["loss"])
    least = min(effects.values(), key=lambda e: e["loss"])
    assert worst["acc"] < base["acc"] - 0.1 and least["acc"] >= base["acc"] - 0.01, effects
