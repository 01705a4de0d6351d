"""Our RNN, LSTM and GRU cells against PyTorch's (micrograd style), the character model and the long-range task."""

import json
import math

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from playground import checkpoint
from playground.data import text
from playground.models import charlm, longrange

CELLS = ["rnn", "lstm", "gru"]
BUILTIN_CELL = {"rnn": nn.RNNCell, "lstm": nn.LSTMCell, "gru": nn.GRUCell}
TOL = dict(atol=1e-5, rtol=1e-5)


def _cell_weights(cell: nn.Module):
    return cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh


# -----------------------------------------------------------------------------
# From scratch == built-in, on the same weights


@pytest.mark.parametrize("name", CELLS)
def test_one_step_of_our_cell_equals_the_builtin_cell_with_gradients(name):
    torch.manual_seed(0)
    D, H, B = 5, 7, 3
    ref = BUILTIN_CELL[name](D, H)
    ours = charlm.SCRATCH_CELLS[name]()
    x = torch.randn(B, D, requires_grad=True)
    h = torch.randn(B, H, requires_grad=True)
    c = torch.randn(B, H, requires_grad=True)
    state = (h, c) if name == "lstm" else (h,)
    expected = ref(x, (h, c)) if name == "lstm" else (ref(x, h),)
    got = ours(x, state, *_cell_weights(ref))
    for e, g in zip(expected, got):
        torch.testing.assert_close(g, e, **TOL)
    # gradients of the same scalar with respect to the input, the state and every weight
    inputs = [x, h, c] if name == "lstm" else [x, h]
    wrt = inputs + list(_cell_weights(ref))
    g_ref = torch.autograd.grad(sum((e * (k + 1)).sum() for k, e in enumerate(expected)), wrt)
    g_ours = torch.autograd.grad(sum((e * (k + 1)).sum() for k, e in enumerate(got)), wrt)
    for a, b in zip(g_ours, g_ref):
        torch.testing.assert_close(a, b, **TOL)


@pytest.mark.parametrize("name", CELLS)
def test_our_two_layer_recurrence_over_a_sequence_equals_the_builtin(name):
    torch.manual_seed(1)
    D, H, B, T, L = 6, 9, 4, 23, 2
    ref = charlm.BUILTIN[name](D, H, L, batch_first=True)
    ours = charlm.ScratchRecurrent(name, D, H, L)
    # same parameter names and shapes: the built-in's state dict loads strictly into ours
    assert [(k, v.shape) for k, v in ours.state_dict().items()] == \
           [(k, v.shape) for k, v in ref.state_dict().items()]
    ours.load_state_dict(ref.state_dict(), strict=True)
    x = torch.randn(B, T, D)
    h0 = torch.randn(L, B, H)
    state0 = (h0, torch.randn(L, B, H)) if name == "lstm" else h0
    out_ref, s_ref = ref(x, state0)
    out, s = ours(x, state0)
    torch.testing.assert_close(out, out_ref, **TOL)
    for a, b in zip(s if name == "lstm" else [s], s_ref if name == "lstm" else [s_ref]):
        torch.testing.assert_close(a, b, **TOL)
    # backprop through time gives the same weight gradients
    (out_ref.pow(2).sum() + out_ref[:, -1].sum()).backward()
    (out.pow(2).sum() + out[:, -1].sum()).backward()
    for (k, p_ref), (_, p) in zip(ref.named_parameters(), ours.named_parameters()):
        torch.testing.assert_close(p.grad, p_ref.grad, **TOL, msg=f"gradient of {k}")


@pytest.mark.parametrize("name", CELLS)
def test_a_checkpoint_runs_the_same_with_our_cells_or_the_builtin(name, tmp_path):
    torch.manual_seed(2)
    cfg = charlm.Config(cell=name, impl="builtin", hidden=32, d_embed=16, n_layers=2)
    model = charlm.build(cfg).eval()
    checkpoint.save(tmp_path / "m", "charlm", cfg, model)
    meta = json.loads((tmp_path / "m" / "config.json").read_text())
    meta["config"]["impl"] = "scratch"
    (tmp_path / "m" / "config.json").write_text(json.dumps(meta))
    scratch, cfg2, _ = checkpoint.load(tmp_path / "m")
    assert isinstance(scratch.rnn, charlm.ScratchRecurrent) and isinstance(model.rnn, nn.GRU | nn.LSTM | nn.RNN)
    idx = torch.tensor([text.encode("Call me Ishmael.")[0]])
    with torch.no_grad():
        torch.testing.assert_close(scratch(idx), model(idx), **TOL)
        # and within one model, the other implementation runs on the very same weights
        torch.testing.assert_close(model.run(idx, impl="scratch")[0], model(idx), **TOL)
        torch.testing.assert_close(scratch.run(idx, impl="builtin")[0], model(idx), **TOL)


# -----------------------------------------------------------------------------
# Parameter counts: computed from the real modules, equal to the formulas


@pytest.mark.parametrize("name,k", [("rnn", 1), ("lstm", 4), ("gru", 3)])
def test_parameter_counts_follow_the_formula_with_pytorchs_second_bias(name, k):
    D, H = 64, 256
    real = sum(p.numel() for p in charlm.BUILTIN[name](D, H).parameters())
    formula = charlm.param_formula(name, D, H)
    # The material counts one bias per gate: k·(D·H + H² + H). PyTorch adds b_hh to b_ih (the same role,
    # learned twice), so its modules hold k·H more: k·(D·H + H² + 2H).
    assert formula["material"] == k * (D * H + H * H + H)
    assert real == formula["pytorch"] == formula["material"] + k * H
    model = charlm.build(charlm.Config(cell=name, d_embed=D, hidden=H))
    counts = charlm.param_counts(model)
    assert counts["layer0"] == counts["recurrent"] == real
    V = len(text.vocab())
    assert counts["total"] == V * D + real + H * V + V == sum(p.numel() for p in model.parameters())


def test_lstm_has_four_thirds_of_the_gru_recurrent_parameters():
    lstm, gru = charlm.param_formula("lstm", 10, 20), charlm.param_formula("gru", 10, 20)
    assert lstm["material"] * 3 == gru["material"] * 4 and lstm["pytorch"] * 3 == gru["pytorch"] * 4


# -----------------------------------------------------------------------------
# The character model: states, probabilities, generation and bad input


@pytest.fixture(scope="module")
def tiny_models():
    torch.manual_seed(0)
    return {name: charlm.build(charlm.Config(cell=name, hidden=24, d_embed=8)).eval() for name in CELLS}


@pytest.mark.parametrize("name", CELLS)
def test_states_give_per_character_hidden_states_gates_and_cell(tiny_models, name):
    model = tiny_models[name]
    ids = text.encode("the sea")[0]
    st = charlm.states(model, ids)
    assert st["hidden"].shape == (7, 24)
    with torch.no_grad():
        out, _ = model.rnn(model.embed(torch.tensor([ids])))
    np.testing.assert_allclose(st["hidden"], out[0].numpy(), atol=1e-5)  # the built-in's h_t
    if name == "rnn":
        assert "gates" not in st and "cell" not in st
    elif name == "lstm":
        g = st["gates"]
        assert set(g) == {"i", "f", "g", "o"} and "cell" in st
        np.testing.assert_allclose(st["hidden"], g["o"] * np.tanh(st["cell"]), atol=1e-5)  # h = o ⊙ tanh(c)
        c_prev = np.vstack([np.zeros((1, 24)), st["cell"][:-1]])
        np.testing.assert_allclose(st["cell"], g["f"] * c_prev + g["i"] * g["g"], atol=1e-5)
        assert all((v > 0).all() and (v < 1).all() for k, v in g.items() if k != "g")
    else:
        g = st["gates"]
        assert set(g) == {"r", "z", "n"} and "cell" not in st
        h_prev = np.vstack([np.zeros((1, 24)), st["hidden"][:-1]])
        np.testing.assert_allclose(st["hidden"], (1 - g["z"]) * g["n"] + g["z"] * h_prev, atol=1e-5)


def test_next_probs_is_a_distribution_that_depends_on_the_prompt(tiny_models):
    model = tiny_models["lstm"]
    p1 = charlm.next_probs(model, text.encode("whal")[0])
    p2 = charlm.next_probs(model, text.encode("ship")[0])
    assert p1.shape == (len(text.vocab()),) and abs(p1.sum() - 1) < 1e-5 and (p1 >= 0).all()
    assert not np.allclose(p1, p2)
    np.testing.assert_allclose(charlm.next_probs(model, text.encode("whal")[0], impl="scratch"), p1, atol=1e-6)


def test_generation_is_reproducible_and_starts_from_a_newline_when_the_prompt_is_empty(tiny_models):
    model = tiny_models["gru"]
    a = charlm.generate(model, text.encode("Ahab")[0], 40, 1.0, torch.Generator().manual_seed(3))
    b = charlm.generate(model, text.encode("Ahab")[0], 40, 1.0, torch.Generator().manual_seed(3))
    assert a == b and len(a) == 40 and all(0 <= i < len(text.vocab()) for i in a)
    empty = charlm.generate(model, [], 20, 1.0, torch.Generator().manual_seed(3))
    newline = charlm.generate(model, text.encode("\n")[0], 20, 1.0, torch.Generator().manual_seed(3))
    assert empty == newline
    assert charlm.generate(model, [], 0, 1.0) == []


def test_a_cold_temperature_picks_the_most_likely_character(tiny_models):
    import copy

    model = copy.deepcopy(tiny_models["lstm"])
    with torch.no_grad():  # an untrained model is near uniform: spread its logits so one clearly leads
        model.head.weight.mul_(30.0)
        model.head.bias.mul_(30.0)
    prompt = text.encode("The whale")[0]
    first = charlm.generate(model, prompt, 1, 0.05, torch.Generator().manual_seed(0))[0]
    assert first == int(charlm.next_probs(model, prompt).argmax())


@pytest.mark.parametrize("length,temperature,match", [
    (-1, 1.0, "length"), (charlm.MAX_LENGTH + 1, 1.0, "length"), (2.5, 1.0, "length"), (True, 1.0, "length"),
    (10, 0.0, "temperature"), (10, 100.0, "temperature"), (10, float("nan"), "temperature"),
    (10, float("inf"), "temperature"), (10, "hot", "temperature"),
])
def test_out_of_range_length_or_temperature_is_refused_by_name(tiny_models, length, temperature, match):
    with pytest.raises(ValueError, match=match):
        charlm.generate(tiny_models["rnn"], text.encode("a")[0], length, temperature)


def test_ids_outside_the_vocabulary_are_refused(tiny_models):
    with pytest.raises(ValueError, match="ids must be in"):
        charlm.next_probs(tiny_models["rnn"], [0, 999])
    with pytest.raises(ValueError, match="cell must be one of rnn, lstm, gru"):
        charlm.build(charlm.Config(cell="transformer"))


def test_held_out_loss_reads_the_split_as_one_stream_with_state_carried_across_chunks(tiny_models):
    model = tiny_models["lstm"]
    n = 2 * charlm.EVAL_CHUNK + 300  # three chunks
    nats, count = charlm.split_loss(model, "val", limit=n)
    ids = text.split_ids("val")[:n]
    with torch.no_grad():
        logits = model(ids[None, :-1])  # one pass over everything: the reference
    expected = F.cross_entropy(logits[0], ids[1:]).item()
    assert count == n - 1 and nats == pytest.approx(expected, rel=1e-5)


def test_evaluate_reports_nats_and_bits_per_character(tiny_models):
    m = charlm.evaluate(tiny_models["rnn"], charlm.TINY)
    assert m["val_bpc"] == pytest.approx(m["val_loss"] / math.log(2))
    assert 5.5 < m["val_bpc"] < 7.0  # an untrained model is near uniform: log2(80) = 6.32


def test_preview_is_a_text_sample_from_a_fixed_prompt(tiny_models):
    shown = charlm.preview(tiny_models["gru"])
    assert shown["text"].startswith("The whale") and len(shown["text"]) == len("The whale") + 120
    assert shown == charlm.preview(tiny_models["gru"])


# -----------------------------------------------------------------------------
# The shipped models and the ready-made long-range table

PRETRAINED = checkpoint.PRETRAINED


@pytest.mark.skipif(not (PRETRAINED / "charlm_lstm").is_dir(), reason="pretrained char models not built yet")
def test_pretrained_lstm_and_gru_beat_the_vanilla_rnn_and_the_unigram_baseline_on_held_out_text():
    bpc = {name: charlm.bpc(checkpoint.pretrained(f"charlm_{name}")[0], "test") for name in CELLS}
    unigram = text.unigram_bpc("test")
    assert bpc["lstm"] < bpc["rnn"] and bpc["gru"] < bpc["rnn"]
    assert max(bpc.values()) < unigram
    assert bpc["lstm"] < 2.3
    cfgs = [checkpoint.pretrained(f"charlm_{name}")[1] for name in CELLS]
    assert len({(c.hidden, c.d_embed, c.block, c.batch_size, c.steps, c.epochs) for c in cfgs}) == 1  # a fair race


@pytest.mark.skipif(not (PRETRAINED / "longrange" / "results.json").is_file(), reason="no long-range table yet")
def test_ready_made_long_range_table_covers_every_cell_and_length():
    table = json.loads((PRETRAINED / "longrange" / "results.json").read_text())
    runs = {(r["cell"], r["seq_len"]): r for r in table["runs"]}
    assert set(runs) == {(c, T) for c in CELLS for T in table["lengths"]}
    for (cell, T), r in runs.items():
        assert 0.0 <= r["val_acc"] <= 1.0
        assert len(r["grad_norm_init"]) == len(r["grad_norm_trained"]) == T
    longest = max(table["lengths"])
    # the lesson the tab tells: the gated cells remember across the longest gap, the vanilla RNN does not
    assert runs[("lstm", longest)]["val_acc"] > runs[("rnn", longest)]["val_acc"] + 0.3


# -----------------------------------------------------------------------------
# The long-range task


def test_the_target_is_the_first_symbol_of_each_sequence():
    cfg = longrange.Config(seq_len=12, n_symbols=5)
    x, y = longrange.sequences(cfg, 50, torch.Generator().manual_seed(0))
    assert x.shape == (50, 12, 6) and torch.equal(x[:, :, :5].sum(-1), torch.ones(50, 12))
    assert torch.equal(x[:, 0, :5].argmax(-1), y)
    assert torch.equal(x[:, :, 5], (torch.arange(12) == 0).float().expand(50, 12))  # the marker: t = 0 only
    assert not torch.equal(x[:, 1, :5].argmax(-1), y)  # later symbols are random distractors


def test_the_untrained_vanilla_rnn_gradient_vanishes_with_distance_but_the_gated_cells_keep_it():
    ratio = {}
    for cell in ("rnn", "lstm", "gru"):
        cfg = longrange.Config(cell=cell, seq_len=60)
        torch.manual_seed(0)
        norms = longrange.grad_norms(longrange.build(cfg), cfg)
        assert norms.shape == (60,) and (norms >= 0).all() and norms[-1] > 0
        ratio[cell] = norms[0] / norms[-1]  # ‖∂L/∂h_1‖ / ‖∂L/∂h_60‖
    assert ratio["rnn"] < 1e-9  # 59 steps back, the signal is gone
    assert ratio["lstm"] > 1e4 * ratio["rnn"] and ratio["gru"] > 1e4 * ratio["rnn"]


def test_without_chrono_initialisation_the_gated_cells_start_out_vanishing_too():
    cfg = longrange.Config(cell="lstm", seq_len=60, init="pytorch")
    torch.manual_seed(0)
    norms = longrange.grad_norms(longrange.build(cfg), cfg)
    assert norms[0] / norms[-1] < 1e-6


def test_grad_norms_match_autograd_through_the_builtin_for_the_first_input():
    """‖∂L/∂h_t‖ read from our step-by-step run is the real gradient: check t = T against the head alone."""
    cfg = longrange.Config(cell="gru", seq_len=8, hidden=16)
    torch.manual_seed(0)
    model = longrange.build(cfg)
    norms = longrange.grad_norms(model, cfg, n=32)
    x, y = longrange.sequences(cfg, 32, torch.Generator().manual_seed(longrange.EVAL_SEED))
    out, _ = model.rnn(x)
    h_T = out[:, -1].detach().requires_grad_(True)
    (g,) = torch.autograd.grad(F.cross_entropy(model.head(h_T), y, reduction="sum"), h_T)
    assert norms[-1] == pytest.approx(g.norm(dim=1).mean().item(), rel=1e-4)


def test_an_lstm_learns_to_recall_across_a_short_gap_and_evaluate_reports_accuracy():
    from playground import engine

    cfg = longrange.Config(cell="lstm", seq_len=6, n_symbols=4, hidden=32, steps=150, epochs=1, lr=1e-2)
    before = longrange.evaluate(longrange.build(cfg), cfg)["val_acc"]
    result = engine.fit(longrange, cfg)
    assert before < 0.4 and result.final["val_acc"] > 0.95


# -----------------------------------------------------------------------------
# A GRU with one gate (d2l's exercise)


@pytest.mark.parametrize("gates", ["update_only", "reset_only"])
def test_a_gru_with_one_gate_holds_the_other_fixed_and_still_learns(gates, tmp_path):
    cfg = charlm.Config(cell="gru", impl="builtin", gates=gates, hidden=24, d_embed=8, block=8)
    model = charlm.build(cfg)
    assert isinstance(model.rnn, charlm.ScratchRecurrent)  # PyTorch's GRU has both gates: ours runs it
    assert model.recurrent("builtin") is model.rnn
    ids = text.encode("call me ishmael")[0]
    st = charlm.states(model, ids)
    g, h_prev = st["gates"], np.vstack([np.zeros((1, 24)), st["hidden"][:-1]])
    if gates == "update_only":
        assert (g["r"] == 1).all() and not (g["z"] == 0).all()
    else:
        assert (g["z"] == 0).all() and not (g["r"] == 1).all()
        np.testing.assert_allclose(st["hidden"], g["n"], atol=1e-6)  # nothing carried over but the candidate
    np.testing.assert_allclose(st["hidden"], (1 - g["z"]) * g["n"] + g["z"] * h_prev, atol=1e-5)
    x, y = text.windows(text.split_ids("train"), 8, 4, torch.Generator().manual_seed(0))
    loss, _ = charlm.loss(model, (x, y))
    loss.backward()
    held = {"update_only": slice(0, 24), "reset_only": slice(24, 48)}[gates]  # the fixed gate's rows
    assert model.rnn.weight_hh_l0.grad[held].abs().max() == 0 and model.rnn.weight_hh_l0.grad.abs().max() > 0
    checkpoint.save(tmp_path / "m", "charlm", cfg, model)
    back, back_cfg, _ = checkpoint.load(tmp_path / "m")
    assert back_cfg.gates == gates
    np.testing.assert_allclose(charlm.states(back, ids)["hidden"], st["hidden"], atol=1e-6)


def test_one_gate_is_a_gru_setting_only():
    from playground.config import from_overrides
    with pytest.raises(ValueError, match="GRU only"):
        from_overrides(charlm.Config, {"cell": "lstm", "gates": "reset_only"})
