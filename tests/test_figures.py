"""Every stated figure is true: recomputed from the shipped weights (the quick part), and the README's
generated tables equal their rendering from the stored values."""

from pathlib import Path

from playground import figures

ROOT = Path(__file__).resolve().parent.parent


def test_the_quick_figures_recompute_to_their_stored_values():
    values = figures.measure(quick=True)
    assert len(values) >= 20
    assert figures.stale(values) == []


def test_a_changed_stored_value_is_reported_stale(monkeypatch):
    store = dict(figures.stored())
    store["cnn.held_out_acc"] += 0.01  # what a retrained model without --write would look like
    monkeypatch.setattr(figures, "stored", lambda: store)
    assert figures.stale({"cnn.held_out_acc": figures.FIGURES["cnn.held_out_acc"].measure()}) == ["cnn.held_out_acc"]


def test_the_readme_figure_tables_are_rendered_from_the_stored_values():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert figures.readme_mismatches(text) == []
    edited = text.replace(f"{figures.stored()['bpc.gru']:.2f} |", "1.99 |", 1)  # a hand edit drifts
    assert figures.readme_mismatches(edited) == ["bpc"]


def test_delayed_recall_is_stored_over_at_least_three_seeds_per_cell():
    assert min(figures.recall_seeds().values()) >= 3


def test_the_gru_equation_the_theory_shows_is_the_one_the_cell_computes():
    """The panel shows h_t = (1 − z_t) ⊙ h̃_t + z_t ⊙ h_{t−1} (Cho et al., PyTorch): z is the share kept."""
    import torch

    from playground.models import charlm
    from playground.ui.strings import markdown

    for lang in ("en", "zh"):
        assert r"$$h_t = (1-z_t)\odot \tilde h_t + z_t \odot h_{t-1}$$" in markdown(lang, "rnn_theory")
    torch.manual_seed(0)
    D, H = 3, 4
    weights = [torch.randn(3 * H, D), torch.randn(3 * H, H), torch.randn(3 * H), torch.randn(3 * H)]
    x, h = torch.randn(2, D), torch.randn(2, H)
    (h_new,), gates = charlm.GRUCell().step(x, (h,), *weights)
    z, n = gates["z"], gates["n"]
    assert torch.allclose(h_new, (1 - z) * n + z * h)
    assert not torch.allclose(h_new, z * n + (1 - z) * h)  # the material's convention would differ here
    builtin = torch.nn.GRUCell(D, H)
    with torch.no_grad():
        for p, w in zip((builtin.weight_ih, builtin.weight_hh, builtin.bias_ih, builtin.bias_hh), weights):
            p.copy_(w)
    assert torch.allclose(h_new, builtin(x, h), atol=1e-6)
