"""The training loop: it learns, it stops when asked, and a diverging run fails clearly."""

import pytest
import torch

from playground import engine, models


def test_one_epoch_of_tiny_cnn_learns_and_reports():
    arch = models.get("cnn")
    steps, epochs = [], []
    result = engine.fit(arch, arch.TINY, on_step=lambda s, t, m: steps.append((s, t, m)),
                        on_epoch=lambda e, m: epochs.append(m))
    assert result.steps == result.total_steps == 250 and not result.stopped
    assert steps[-1][0] == 250 and all(t == 250 for _, t, _ in steps)
    first, last = steps[0][2]["train_loss"], steps[-1][2]["train_loss"]
    assert last < 0.5 * first
    assert epochs[0]["val_acc"] > 0.6, "a tiny CNN learns well above chance (0.1) in one epoch"


def test_should_stop_ends_the_run_early_and_keeps_the_model():
    arch = models.get("cnn")
    calls = {"n": 0}

    def stop():
        calls["n"] += 1
        return calls["n"] > 20

    result = engine.fit(arch, arch.TINY, should_stop=stop)
    assert result.stopped and result.steps == 20
    assert "val_acc" in result.final and not result.model.training


class PoisonedCNN:
    """The CNN whose loss turns NaN at the 7th step, as a diverging run's does."""

    def __init__(self):
        self.arch, self.calls = models.get("cnn"), 0

    def __getattr__(self, name):
        return getattr(self.arch, name)

    def loss(self, model, batch):
        self.calls += 1
        loss, extra = self.arch.loss(model, batch)
        return (loss * float("nan") if self.calls >= 7 else loss), extra


def test_a_non_finite_loss_stops_the_run_with_a_clear_error():
    arch = PoisonedCNN()
    with pytest.raises(engine.NonFiniteLoss, match="loss became nan at step 7"):
        engine.fit(arch, arch.TINY)


def test_pick_device():
    assert engine.pick_device("cpu").type == "cpu"
    assert engine.pick_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(ValueError):
        engine.pick_device("tpu")
