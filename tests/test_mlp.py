"""The feed-forward network on the 2-D toy datasets: the lessons of the FNN tab hold."""

import numpy as np
import pytest
import torch

from playground import engine, models
from playground.data import points
from playground.config import from_overrides

mlp = models.get("mlp")


@pytest.mark.parametrize("name", points.TOY_DATASETS)
def test_toy_datasets_are_balanced_seeded_and_in_range(name):
    pts, y = points.toy_dataset(name, 300, noise=0.1, seed=3)
    assert pts.shape == (300, 2) and pts.dtype == np.float32 and set(np.unique(y)) == {0, 1}
    assert 0.3 < y.mean() < 0.7 and np.abs(pts).max() < 2 * points.TOY_RANGE
    again, _ = points.toy_dataset(name, 300, noise=0.1, seed=3)
    assert np.array_equal(pts, again)


def test_features_are_computed_and_checked():
    pts = np.array([[1.0, 2.0]], np.float32)
    assert points.featurize(pts, ("x", "y", "x2", "y2", "xy", "sinx", "siny")).tolist()[0] == \
        pytest.approx([1, 2, 1, 4, 2, np.sin(1), np.sin(2)])
    with pytest.raises(ValueError, match="features must be"):
        from_overrides(mlp.Config, {"features": "x,z"})
    with pytest.raises(ValueError, match="features must be"):
        from_overrides(mlp.Config, {"features": ""})


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_default_network_solves_the_spirals(seed):
    cfg = from_overrides(mlp.Config, {"seed": seed})
    result = engine.fit(mlp, cfg)
    assert result.final["val_acc"] >= 0.95, result.final


def test_without_hidden_layers_the_spirals_are_not_solved():
    cfg = from_overrides(mlp.Config, {"n_layers": 0})
    assert engine.fit(mlp, cfg).final["val_acc"] < 0.75


def test_the_boundary_covers_the_plane_with_probabilities_and_neuron_maps():
    cfg = mlp.Config(n_layers=2, units=5)
    out = mlp.boundary(mlp.build(cfg), cfg, resolution=30)
    assert out["prob"].shape == (30, 30) and 0 <= out["prob"].min() and out["prob"].max() <= 1
    assert [n.shape for n in out["neurons"]] == [(5, 30, 30), (5, 30, 30)]
    assert out["xs"][0] < -points.TOY_RANGE and out["xs"][-1] > points.TOY_RANGE


def _weight_matrices(model):
    return [m.weight.detach() for m in model.modules() if isinstance(m, torch.nn.Linear)]


def test_l1_and_l2_penalties_are_added_to_the_loss():
    cfg = mlp.Config(n_layers=1, units=4)
    model = mlp.build(cfg)
    with torch.no_grad():  # biases far from zero: a penalty that counted them would be seen
        for m in model.modules():
            if isinstance(m, torch.nn.Linear):
                m.bias.fill_(3.0)
    batch = next(mlp.train_data(cfg).epoch(torch.Generator().manual_seed(0)))
    base, _ = mlp.loss(model, batch)
    # by hand, over the weight matrices only: Σ|w| and Σw²
    abs_sum = sum(float(w.abs().sum()) for w in _weight_matrices(model))
    sq_sum = sum(float((w * w).sum()) for w in _weight_matrices(model))
    assert abs_sum > 0 and sq_sum > 0

    def with_penalty(**lam):
        return mlp.loss(model, (batch[0], batch[1], from_overrides(mlp.Config, lam, base=cfg)))[0].item()

    assert with_penalty(l1=0.01) == pytest.approx(base.item() + 0.01 * abs_sum, rel=1e-5)
    assert with_penalty(l2=0.01) == pytest.approx(base.item() + 0.01 * sq_sum, rel=1e-5)
    assert with_penalty(l1=0.02, l2=0.05) == pytest.approx(base.item() + 0.02 * abs_sum + 0.05 * sq_sum, rel=1e-5)


def test_l2_shrinks_the_weights_relative_to_no_penalty():
    sizes = {}
    for l2 in (0.0, 0.01):  # the same data, seed and initial weights; only λ₂ differs
        cfg = from_overrides(mlp.Config, {"n_points": 200, "n_layers": 1, "units": 8, "epochs": 30, "l2": l2})
        model = engine.fit(mlp, cfg).model
        sizes[l2] = sum(float((w * w).sum()) for w in _weight_matrices(model))
    assert sizes[0.01] < 0.5 * sizes[0.0], sizes


def test_a_diverging_run_in_the_tab_stops_with_a_message(monkeypatch):
    from playground import fnn_session
    from playground.ui import mlp as tab

    sess = fnn_session.new_session(mlp.Config())
    fnn_session.advance(sess, 5)
    assert sess["error"] is None and sess["stepper"].step_count == 5

    def nan_loss(model, batch):
        value, extra = mlp.penalty(model, batch[2]), {}
        return value * float("nan"), extra

    monkeypatch.setattr(mlp, "loss", nan_loss)
    fnn_session.advance(sess, 5)
    assert sess["error"].startswith("the loss became nan at step 6")
    assert sess["stepper"].step_count == 5  # the diverged step was not applied
    shown = tab.frame(sess, None)
    assert shown["error"] and "Training stopped" in shown["stats"] and "press **Reset**" in shown["stats"]


# -----------------------------------------------------------------------------
# Your own points: up to four classes


def test_own_points_split_like_the_presets_and_an_edit_moves_no_other_point():
    rng = np.random.default_rng(0)
    rows = [[round(float(x), 4), round(float(y), 4), int(c)]
            for (x, y), c in zip(rng.uniform(-3, 3, (50, 2)), rng.integers(0, 3, 50))]
    xtr, ytr, xte, yte, tr, te = points.own_split(rows, noise=0.0, train_fraction=0.7, seed=0)
    assert len(ytr) == 35 and len(yte) == 15 and sorted([*tr, *te]) == list(range(50))
    assert np.allclose(xtr, np.array(rows)[tr, :2])  # no noise: the points stay where they were placed
    *_, tr2, te2 = points.own_split(rows + [[0.5, 0.5, 1]], noise=0.0, train_fraction=0.7, seed=0)
    moved = set(tr) ^ set(t for t in tr2 if t < 50)
    assert len(moved) <= 1, "adding a point swaps at most one other between training and test"
    jittered = points.own_split(rows, noise=0.1, train_fraction=0.7, seed=0)[0]
    shift = np.abs(jittered - xtr)
    assert 0.01 < shift.mean() < 0.6 and np.abs(jittered).max() <= points.PLANE  # N(0, 0.3), kept in the plane
    with pytest.raises(points.PointsError, match="at least two classes; these 3 points have 1"):
        points.own_split([[0, 0, 2]] * 3, 0.0, 0.7)


def test_csv_files_are_read_with_bad_lines_counted():
    text = "x,y,label\n0.5,1,0\n\n1;2;1\nbad line\n9,0,1\n1,1,4\n-1\t-1\t2\n1,2\n"
    rows, bad = points.read_csv(text)
    assert rows == ((0.5, 1.0, 0), (1.0, 2.0, 1), (-1.0, -1.0, 2)) and bad == [5, 6, 7, 9]
    with pytest.raises(points.PointsError, match="no usable row"):
        points.read_csv("a,b\nc,d\n")
    with pytest.raises(points.PointsError, match="at most 2000"):
        points.read_csv("".join(f"0,0,{k % 2}\n" for k in range(2001)))


def test_a_network_for_four_classes_has_four_outputs_and_a_probability_per_class():
    rows = [[x, y, c] for c, (x, y) in enumerate([(-2, -2), (2, -2), (-2, 2), (2, 2)]) for _ in range(3)]
    cfg = mlp.Config(dataset="custom", points=rows, n_layers=1, units=4)
    assert cfg.n_classes() == 4 and cfg.points[0] == (-2.0, -2.0, 0)  # lists from JSON become a tuple
    model = mlp.build(cfg)
    out = mlp.boundary(model, cfg, resolution=12)
    assert out["probs"].shape == (4, 12, 12) and np.allclose(out["probs"].sum(0), 1, atol=1e-5)
    assert len(mlp.class_accuracy(model, cfg)) == 4
    assert mlp.Config().n_classes() == 2 and mlp.build(mlp.Config()).out.out_features == 2


def test_the_two_class_surface_colours_are_the_many_class_ones_for_two_classes():
    from playground.ui import plots

    p = np.random.default_rng(0).uniform(0, 1, (20, 20))
    assert np.allclose(plots._two_class(p), plots.class_surface(np.stack([1 - p, p])))
    three = plots.class_surface(np.array([[[0.1]], [[0.1]], [[0.8]]]))[0, 0]
    assert three[1] > three[0] and three[1] > three[2]  # class 2 is green
