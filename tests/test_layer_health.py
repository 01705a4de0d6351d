"""Layer health (issue 19): each statistic against a hand computation on a tiny network; a watched run
trains exactly as an unwatched one; the jobs' /layer_health through the launched app."""

import math

import numpy as np
import pytest
import torch
import torch.nn as nn
from gradio_client.exceptions import AppError

from playground import engine, layer_health
from playground.config import from_overrides
from playground.models import mlp


class Tiny(nn.Module):
    def __init__(self, act):
        super().__init__()
        self.fc1, self.act, self.fc2 = nn.Linear(3, 4), act, nn.Linear(4, 2)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


def test_layers_pair_each_weighted_module_with_the_non_linearity_after_it():
    found = layer_health.layers(Tiny(nn.ReLU()))
    assert [(l["name"], l["kind"]) for l in found] == [("fc1", "relu"), ("fc2", None)]
    assert layer_health.layers(Tiny(nn.Tanh()))[0]["kind"] == "tanh"


def test_each_statistic_is_what_a_hand_computation_gives():
    torch.manual_seed(0)
    model = Tiny(nn.ReLU())
    with torch.no_grad():
        model.fc1.bias[:2] = -100  # units 0 and 1 can never be positive: dead
    x, y = torch.randn(16, 3), torch.randint(0, 2, (16,))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    mon = layer_health.Monitor(model, every=1)
    mon.start()
    loss = nn.functional.cross_entropy(model(x), y)
    mon.stop()
    opt.zero_grad()
    loss.backward()
    mon.before_step()
    w_before, b_before, g = (t.detach().clone() for t in (model.fc1.weight, model.fc1.bias, model.fc1.weight.grad))
    opt.step()
    stats = mon.record(1)["fc1"]
    h = torch.relu(x @ w_before.T + b_before)  # fc1's output after ReLU, by hand
    assert stats["act_mean"] == pytest.approx(h.mean().item(), rel=1e-5)
    assert stats["act_std"] == pytest.approx(h.std().item(), rel=1e-5)
    assert stats["dead_fraction"] == pytest.approx(((h <= 0).all(0)).float().mean().item()) and stats["dead_fraction"] >= 0.5
    assert stats["grad_norm"] == pytest.approx(g.norm().item(), rel=1e-5)
    assert stats["update_ratio"] == pytest.approx(math.log10(0.1 * g.norm().item() / w_before.norm().item()), rel=1e-4)
    assert mon.history["steps"] == [1] and mon.history["stats"]["fc1"]["grad_norm"] == [stats["grad_norm"]]
    ten = layer_health.Monitor(model, every=10)
    assert [s for s in range(1, 31) if ten.wants(s)] == [1, 10, 20, 30]  # the first step, then one in ten
    assert sum(mon.histograms["fc1"]["act"]["counts"]) == h.numel()


def test_the_dead_fraction_on_all_points_counts_only_units_no_point_makes_positive():
    """A unit that one point of 64 wakes is quiet on a batch without that point, not dead: read on all the
    points (``activation_stats_on``, a Monitor with a ``probe``), only units no point makes positive count."""
    torch.manual_seed(0)
    model = Tiny(nn.ReLU())
    x = torch.randn(64, 3)
    with torch.no_grad():
        model.fc1.weight.zero_()
        model.fc1.weight[0, 0], model.fc1.bias[0] = 1.0, -float(x[:, 0].sort().values[-2])  # one point wakes it
        model.fc1.weight[1, 0], model.fc1.bias[1] = 1.0, -100.0  # none does: dead
        model.fc1.bias[2:] = torch.tensor([0.5, -0.5])  # always on; never on (dead)
    h = torch.relu(x @ model.fc1.weight.T + model.fc1.bias).detach()  # by hand: units 1 and 3 are dead
    assert ((h <= 0).all(0)).tolist() == [False, True, False, True]
    model.train()
    stats = layer_health.activation_stats_on(model, x)
    assert set(stats) == {"fc1", "fc2"} and model.training  # the model's mode is left as it was
    assert stats["fc1"]["dead_fraction"] == 0.5
    assert stats["fc1"]["act_mean"] == pytest.approx(h.mean().item()) and stats["fc1"]["act_std"] == pytest.approx(h.std().item())
    assert math.isnan(stats["fc2"]["dead_fraction"])  # no non-linearity after the output
    quiet = x[:, 0] < x[:, 0].sort().values[-2]  # a batch without the point that wakes unit 0 calls it dead too
    assert layer_health.activation_stats(torch.relu(x[quiet] @ model.fc1.weight.T + model.fc1.bias),
                                         "relu")["dead_fraction"] == 0.75
    # a Monitor with all the points as its probe reads them after the step, whatever the batch was
    mon = layer_health.Monitor(model, every=1, probe=x)
    mon.start()
    loss = nn.functional.cross_entropy(model(x[quiet][:16]), torch.zeros(16, dtype=torch.long))
    mon.stop()
    loss.backward()
    mon.before_step()
    assert mon.record(1)["fc1"]["dead_fraction"] == 0.5  # (no optimiser step: the weights are as above)


@pytest.mark.parametrize("act, kind, y, expected", [
    (nn.Tanh, "tanh", torch.tensor([[0.99, -0.98, 0.5, 0.0]]), 0.5),
    (nn.Sigmoid, "sigmoid", torch.tensor([[0.99, 0.01, 0.5, 0.6]]), 0.5),
])
def test_saturated_tanh_and_sigmoid_outputs_are_counted(act, kind, y, expected):
    assert layer_health.activation_stats(y, kind)["dead_fraction"] == pytest.approx(expected)


def test_a_watched_run_trains_exactly_as_an_unwatched_one():
    cfg = from_overrides(mlp.Config, {"epochs": 3, "n_points": 200})
    plain = engine.fit(mlp, cfg)
    seen = []
    watched = engine.fit(mlp, cfg, health_every=2, on_health=lambda step, stats, hist: seen.append(step))
    assert watched.history["train_loss"] == plain.history["train_loss"] and watched.final == plain.final
    assert plain.health is None and watched.health["steps"] == seen == [1, *range(2, watched.steps + 1, 2)]
    assert watched.health["layers"] == ["hidden.0.0", "hidden.1.0", "hidden.2.0", "out"]


def test_a_deep_sigmoid_network_on_sgd_shows_its_gradient_vanish_toward_the_input():
    cfg = from_overrides(mlp.Config, {"n_layers": 6, "activation": "sigmoid", "optimizer": "sgd", "lr": 0.1,
                                      "epochs": 5})
    h = engine.fit(mlp, cfg, health_every=5).health
    first, last = (np.nanmean(h["stats"][name]["grad_norm"]) for name in ("hidden.0.0", "out"))
    assert first * 100 < last


def test_history_is_thinned_but_keeps_its_first_and_last_steps():
    history = {}
    for step in range(1, 1001):
        layer_health.append(history, ["a"], step, {"a": {"grad_norm": float(step)}})
    assert len(history["steps"]) <= layer_health.MAX_POINTS and history["steps"][0] == 1
    assert history["steps"][-1] == 1000 and history["stats"]["a"]["grad_norm"][-1] == 1000.0


def test_a_jobs_layer_health_comes_through_the_api(client):
    job = client.predict("mlp", '{"epochs": 30, "n_points": 200}', api_name="/start_training")
    while client.predict(job, api_name="/job_status")["state"] in ("queued", "running"):
        pass  # each status call is a round trip to the server: the loop waits on the job's state
    out = client.predict(job, api_name="/layer_health")
    assert out["layers"] == ["hidden.0.0", "hidden.1.0", "hidden.2.0", "out"]
    assert len(out["steps"]) >= 20 and out["steps"] == sorted(out["steps"])
    for name in out["layers"]:
        s = out["stats"][name]
        assert set(s) == set(layer_health.STATS) and all(len(v) == len(out["steps"]) for v in s.values())
        assert all(g is not None and g >= 0 for g in s["grad_norm"])
    assert all(v is None for v in out["stats"]["out"]["dead_fraction"])  # no non-linearity after the output
    assert out["histograms"]["step"] in out["steps"]  # histograms: one watched step in a few, the latest
    assert sum(out["histograms"]["hidden.0.0"]["act"]["counts"]) > 0
    kept = out["histogram_steps"]  # kept for steps spread over the run, the newest last
    assert len(kept) >= 3 and kept == sorted(kept) and set(kept) <= set(out["steps"])
    assert out["histograms"]["step"] == kept[-1]
    middle = kept[len(kept) // 2]
    at = client.predict(job, middle + 1, api_name="/layer_health")["histograms"]  # the last kept at or before
    assert at["step"] == middle and at["hidden.0.0"] != out["histograms"]["hidden.0.0"]
    assert client.predict(job, 0, api_name="/layer_health")["histograms"]["step"] == kept[0]
    with pytest.raises(AppError, match="unknown job"):
        client.predict("no-such-job", api_name="/layer_health")
    with pytest.raises(AppError, match="whole number"):
        client.predict(job, -3, api_name="/layer_health")


def test_histograms_are_kept_spread_over_the_run_and_found_by_step():
    kept = []
    for step in range(1, 501):
        layer_health.keep_histograms(kept, {"step": step})
        layer_health.keep_histograms(kept, {"step": step})  # the same step again (a repeated record): kept once
    steps = [h["step"] for h in kept]
    assert len(steps) <= layer_health.HIST_KEEP and steps[0] == 1 and steps[-1] == 500
    assert steps == sorted(set(steps)) and max(b - a for a, b in zip(steps, steps[1:])) <= 4 * 500 / layer_health.HIST_KEEP
    assert layer_health.histograms_at(kept)["step"] == 500
    assert layer_health.histograms_at(kept, steps[3] + 1)["step"] == steps[3]
    assert layer_health.histograms_at(kept, 0)["step"] == 1 and layer_health.histograms_at([], 5) is None


def test_a_diverged_layers_histograms_skip_its_nan_and_inf():
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU())
    model(torch.randn(8, 3)).sum().backward()
    model[0].weight.grad[0, 0] = float("nan")
    acts = torch.tensor([[1.0, float("inf"), 2.0, float("nan")]])
    h = layer_health._histograms(acts, layer_health.layers(model)[0])
    assert sum(h["act"]["counts"]) == 2 and (h["act"]["lo"], h["act"]["hi"]) == (1.0, 2.0)
    assert sum(h["grad"]["counts"]) == 11  # 12 weights, one NaN
