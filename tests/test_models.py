"""Every architecture in the registry, at its TINY size: the contract the engine and tabs rely on."""


import pytest
import torch

from playground import checkpoint, models
from playground.data import digits
from playground.config import from_overrides

ARCHS = list(models.ARCHS)
# Architectures whose loss is a game between players, not a quantity to minimise: it does not fall to 5 % of
# its start on one batch even when training works. tests/test_generative.py checks the game instead
# (D learns to tell real from fake, G learns to fool D).
GAME_LOSS = {"gan": "a GAN's summed loss is a game between two players, not a quantity that falls to ~0"}


@pytest.mark.parametrize("arch_name", ARCHS)
def test_every_model_module_follows_the_written_contract(arch_name):
    arch = models.get(arch_name)
    assert isinstance(arch, models.Architecture)
    assert isinstance(arch.TINY, arch.Config) and isinstance(arch.QUICK, arch.Config)


def test_unknown_architecture_lists_the_valid_ones():
    with pytest.raises(ValueError, match="valid: cnn"):
        models.get("resnet")


@pytest.mark.parametrize("arch_name", ARCHS)
def test_loss_is_finite_and_reaches_every_parameter(arch_name):
    arch = models.get(arch_name)
    torch.manual_seed(0)
    model = arch.build(arch.TINY)
    batch = next(arch.train_data(arch.TINY).epoch(torch.Generator().manual_seed(0)))
    loss, metrics = arch.loss(model, batch)
    assert loss.dim() == 0 and torch.isfinite(loss)
    loss.backward()
    for name, p in model.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, f"no gradient reaches {name}"


@pytest.mark.parametrize("arch_name", ARCHS)
def test_model_overfits_one_batch(arch_name):
    arch = models.get(arch_name)
    if arch_name in GAME_LOSS:
        pytest.skip(GAME_LOSS[arch_name])
    torch.manual_seed(0)
    model = arch.build(arch.TINY)
    batch = next(arch.train_data(arch.TINY).epoch(torch.Generator().manual_seed(0)))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    first = None
    for _ in range(150):
        loss, _ = arch.loss(model, batch)
        first = first if first is not None else loss.item()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.05 * first


@pytest.mark.parametrize("arch_name", ARCHS)
def test_save_then_load_gives_identical_outputs(arch_name, tmp_path):
    arch = models.get(arch_name)
    torch.manual_seed(0)
    model = arch.build(arch.TINY).eval()
    checkpoint.save(tmp_path / "m", arch_name, arch.TINY, model, metrics={"val_acc": 0.5})
    loaded, cfg, meta = checkpoint.load(tmp_path / "m")
    assert cfg == arch.TINY and meta["arch"] == arch_name and meta["metrics"] == {"val_acc": 0.5}
    batch = next(arch.train_data(arch.TINY).epoch(torch.Generator().manual_seed(0)))
    with torch.no_grad():
        assert torch.equal(model(batch[0]), loaded(batch[0]))
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == ["config.json", "model.safetensors"]


def test_corrupt_or_missing_weights_give_a_checkpoint_error(tmp_path):
    arch = models.get("cnn")
    checkpoint.save(tmp_path / "m", "cnn", arch.TINY, arch.build(arch.TINY))
    (tmp_path / "m" / "model.safetensors").write_bytes(b"garbage")
    with pytest.raises(checkpoint.CheckpointError, match="cannot be loaded"):
        checkpoint.load(tmp_path / "m")
    with pytest.raises(checkpoint.CheckpointError, match="no config.json"):
        checkpoint.load(tmp_path / "nowhere")


def test_config_overrides_are_checked_with_a_message_naming_the_field():
    Config = models.get("cnn").Config
    assert from_overrides(Config, {"epochs": 2.0}).epochs == 2
    with pytest.raises(ValueError, match=r"epochs must be a number in \[1, 50\]"):
        from_overrides(Config, {"epochs": 1000})
    with pytest.raises(ValueError, match="lr must be"):
        from_overrides(Config, {"lr": float("nan")})
    with pytest.raises(ValueError, match="unknown setting.*colour.*valid: c1"):
        from_overrides(Config, {"colour": "red"})
    with pytest.raises(ValueError, match="data must be one of"):
        from_overrides(Config, {"data": "/etc/passwd"})


def test_cnn_shape_table_follows_the_real_model():
    cnn = models.get("cnn")
    cfg = cnn.Config()
    model = cnn.build(cfg)
    rows = cnn.shape_table(model)
    shapes = {r["layer"]: r["shape"] for r in rows}
    assert shapes["input"] == (1, 1, 28, 28)
    assert shapes["conv2"] == (1, cfg.c1, 28, 28) and shapes["pool1"] == (1, cfg.c1, 14, 14)
    assert shapes["pool2"] == (1, cfg.c2, 7, 7) and shapes["fc2"] == (1, 10)
    assert sum(r["params"] for r in rows) == sum(p.numel() for p in model.parameters())
    k = 3  # (k·k·C_in + 1)·C_out for a conv with bias; ours has none (BN's β is the bias) and BN adds 2·C
    conv3 = next(r for r in rows if r["layer"] == "conv3")
    assert conv3["params"] == k * k * cfg.c1 * cfg.c2 + 2 * cfg.c2


def test_cnn_inference_helpers_return_arrays_of_the_right_shape():
    cnn = models.get("cnn")
    model = cnn.build(cnn.TINY).eval()
    digit = digits.load_digits("test")[0][0].numpy() / 255
    probs = cnn.predict(model, digit)
    assert probs.shape == (10,) and abs(probs.sum() - 1) < 1e-5
    maps = cnn.feature_maps(model, digit)
    assert [m.shape for m in maps.values()] == [(4, 28, 28), (4, 28, 28), (8, 14, 14), (8, 14, 14)]
    sal = cnn.saliency(model, digit)
    assert sal.shape == (28, 28) and sal.max() == pytest.approx(1.0) and sal.min() >= 0
    assert all(p.grad is None for p in model.parameters())
