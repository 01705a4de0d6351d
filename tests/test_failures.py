"""The failure lab's presets (playground/failures.py) and the FNN's init choices they use. Seconds, no
training runs beyond a few steps: whether each preset fails and its fix works is bench/failures.py's job."""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch
import torch.nn as nn

from playground import config, failures, models
from playground.models import mlp

NAMES = ["dead_relu", "vanishing", "bad_init", "exploding", "overfitting", "mode_collapse", "long_delay"]


def test_presets_are_the_seven_in_order():
    assert list(failures.PRESETS) == NAMES
    assert set(failures.HEADLINE) == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_broken_and_fixed_are_valid_configs_of_the_arch(name):
    preset = failures.PRESETS[name]
    assert preset.arch in models.ARCHS
    assert preset.watch in ("dead_fraction", "grad_norm", "update_ratio", "act_std", "curves")
    cls = models.get(preset.arch).Config
    broken = config.from_overrides(cls, preset.broken)
    fixed = config.from_overrides(cls, preset.fixed())
    assert fixed == config.from_overrides(cls, {**preset.broken, **preset.fix})
    # the fix changes exactly what it names, and each thing it names does change
    changed = {f.name for f in dataclasses.fields(cls) if getattr(broken, f.name) != getattr(fixed, f.name)}
    assert changed == set(preset.fix), (name, changed, preset.fix)
    assert len(preset.fix) <= 2


def test_the_fixes_are_the_ones_the_stories_tell():
    p = failures.PRESETS
    assert set(p["dead_relu"].fix) == {"lr"} and p["dead_relu"].fix["lr"] < p["dead_relu"].broken["lr"]
    assert p["exploding"].fix == {"clip": 1.0} and p["exploding"].broken["clip"] == 0
    assert p["bad_init"].broken["init"] == "normal" and p["bad_init"].fix == {"init": "kaiming"}
    assert p["long_delay"].broken["cell"] == "rnn" and p["long_delay"].fix == {"cell": "lstm"}
    assert p["mode_collapse"].broken["aux"] == 0 and p["mode_collapse"].broken["augment"] is False


def test_preset_is_frozen_and_fixed_does_not_touch_broken():
    preset = failures.PRESETS["dead_relu"]
    before = dict(preset.broken)
    assert preset.fixed()["lr"] == preset.fix["lr"]
    assert preset.broken == before
    with pytest.raises(dataclasses.FrozenInstanceError):
        preset.arch = "cnn"


@pytest.mark.parametrize("name", ["dead_relu", "vanishing", "bad_init", "overfitting"])
def test_mlp_presets_take_a_few_steps(name):
    from playground import engine
    preset = failures.PRESETS[name]
    for overrides in (preset.broken, preset.fixed()):
        cfg = config.from_overrides(mlp.Config, overrides)
        stepper = engine.Stepper(mlp, cfg, health_every=1)
        metrics = stepper.step()
        assert math.isfinite(metrics["train_loss"])
        if preset.watch != "curves":  # the stat the lab points at is there, with a number, on the first step
            values = [s[preset.watch][0] for s in stepper.monitor.history["stats"].values()]
            assert any(math.isfinite(v) for v in values), (name, values)


# --- the FNN's init choices ------------------------------------------------------------------------


def _weights(model):
    return [m.weight for m in model.modules() if isinstance(m, nn.Linear)]


def test_normal_init_has_std_one_whatever_the_fan_in():
    model = mlp.build(config.from_overrides(mlp.Config, {"n_layers": 6, "units": 32, "init": "normal"}))
    for w in _weights(model)[1:-1]:  # 32 × 32 = 1024 weights each
        assert abs(w.std().item() - 1.0) < 0.08, w.std()
    assert all(float(m.bias.detach().abs().max()) == 0 for m in model.modules() if isinstance(m, nn.Linear))


def test_kaiming_init_has_std_sqrt_2_over_fan_in():
    model = mlp.build(config.from_overrides(mlp.Config, {"n_layers": 6, "units": 32, "init": "kaiming"}))
    weights = _weights(model)
    for w in weights[1:-1]:
        expected = math.sqrt(2 / w.shape[1])
        assert abs(w.std().item() / expected - 1) < 0.08, (w.std(), expected)
    out = weights[-1]  # the output layer: no ReLU after it, gain 1
    assert abs(out.std().item() / math.sqrt(1 / out.shape[1]) - 1) < 0.5


def test_default_init_is_pytorchs_as_before():
    """"default" draws exactly what the MLP drew before the init choice existed: seed, then PyTorch's
    nn.Linear layers in the same order (the pre-change build, written out here)."""
    for overrides in ({}, {"n_layers": 6, "units": 32, "activation": "sigmoid", "seed": 3},
                      {"n_layers": 0, "features": "x,y,x2"}):
        cfg = config.from_overrides(mlp.Config, overrides)
        assert cfg.init == "default"
        torch.manual_seed(cfg.seed)
        sizes = [len(cfg.feature_list())] + [cfg.units] * cfg.n_layers
        reference = [nn.Linear(a, b) for a, b in zip(sizes, sizes[1:])] + [nn.Linear(sizes[-1], cfg.n_classes())]
        built = [m for m in mlp.build(cfg).modules() if isinstance(m, nn.Linear)]
        assert len(built) == len(reference)
        for ours, ref in zip(built, reference):
            assert torch.equal(ours.weight, ref.weight) and torch.equal(ours.bias, ref.bias)
    # and the other choices do draw something else
    a = mlp.build(config.from_overrides(mlp.Config, {"init": "kaiming"}))
    b = mlp.build(config.from_overrides(mlp.Config, {}))
    assert not torch.equal(a.out.weight, b.out.weight)


def test_init_is_a_bounded_choice_kept_off_the_train_panel():
    field = {f.name: f for f in dataclasses.fields(mlp.Config)}["init"]
    assert field.metadata["choices"] == ("default", "kaiming", "normal") and field.metadata["ui"] is False
    with pytest.raises(ValueError, match="init"):
        config.from_overrides(mlp.Config, {"init": "xavier"})


def test_collapse_counts_the_classes_the_judge_reads():
    """The mode-collapse measure on a stand-in judge that reads every digit as a 3: one class, entropy 0."""
    from playground.models import gan

    class AlwaysThree(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.zeros(1))

        def forward(self, x):
            out = torch.zeros(len(x), 10)
            out[:, 3] = 1
            return out

    model = gan.build(gan.TINY)
    got = failures.collapse(model, judge=AlwaysThree())
    assert got["classes"] == 1 and got["entropy"] == 0 and abs(got["agreement"] - 0.1) < 1e-6
    assert got["counts"][3] == failures.COLLAPSE_SAMPLES
