"""Every model downloads as a zip that runs on its own: outside the repository, with plain PyTorch, it
gives the same output as the app's copy of the model."""

import io
import json
import os
import subprocess
import sys
import time
import zipfile

import pytest
import torch
from gradio_client.exceptions import AppError

from playground import checkpoint, models

PRETRAINED = sorted(d.name for d in checkpoint.PRETRAINED.iterdir() if (d / checkpoint.WEIGHTS_FILE).is_file())


def _run_exported(zip_path, name, tmp_path) -> dict:
    with zipfile.ZipFile(zip_path) as z:
        names = z.namelist()
        assert f"{name}/config.json" in names and f"{name}/model.safetensors" in names and f"{name}/run.py" in names
        assert not any(n.endswith((".pt", ".pth", ".pkl")) or "/ui/" in n for n in names)
        z.extractall(tmp_path)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)}  # no PYTHONPATH: only the zip
    done = subprocess.run([sys.executable, "run.py"], cwd=tmp_path / name, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _checksum(model_dir) -> float:
    model, cfg, meta = checkpoint.load(model_dir)
    torch.manual_seed(0)
    x = models.get(meta["arch"]).example_input(cfg)
    with torch.no_grad():
        y = model(x)
    out = y[0] if isinstance(y, (tuple, list)) else y
    return float(out.double().sum())


def test_every_architecture_makes_a_seeded_example_input_its_model_answers_with_finite_numbers():
    """run.py's checksum: seed 0, example_input, forward, sum. It means something only when the input is
    the same for the same seed, other for another seed, and the model's answer to it is finite."""
    for arch in models.ARCHS:
        module = models.get(arch)
        model = module.build(module.TINY).eval()
        inputs, outputs = [], []
        for seed in (0, 0, 1):
            torch.manual_seed(seed)
            x = module.example_input(module.TINY)
            with torch.no_grad():
                y = model(x)
            y = y[0] if isinstance(y, (tuple, list)) else y
            assert y.is_floating_point() and torch.isfinite(y).all(), f"{arch}: non-finite output"
            assert y.shape[0] == x.shape[0], f"{arch}: {tuple(x.shape)} in, {tuple(y.shape)} out"
            inputs.append(x)
            outputs.append(y)
        assert torch.equal(inputs[0], inputs[1]) and torch.equal(outputs[0], outputs[1]), f"{arch}: not seeded"
        assert not torch.equal(inputs[0], inputs[2]), f"{arch}: the same example input for every seed"
        assert not torch.equal(outputs[0], outputs[2]), f"{arch}: the output does not depend on the input"


@pytest.mark.parametrize("name", PRETRAINED)
def test_a_pretrained_model_exports_and_runs_outside_the_app(client, name, tmp_path):
    path = client.predict(name, api_name="/export_model")
    result = _run_exported(path, name, tmp_path)
    assert result["checksum"] == pytest.approx(_checksum(checkpoint.PRETRAINED / name), rel=1e-4, abs=1e-4)


def test_a_model_trained_here_exports_too(client, tmp_path):
    from playground import jobs
    from playground.jobs import records
    job_id = client.predict("mlp", '{"epochs": 2, "n_points": 200}', api_name="/start_training")
    deadline = time.time() + 600  # a guard against a hang, not a speed requirement
    while (st := client.predict(job_id, api_name="/job_status"))["state"] in records.ACTIVE:
        assert time.time() < deadline, f"job {job_id} still {st['state']} after 600 s"
        time.sleep(0.2)
    assert st["state"] == "done" and st["has_model"], st
    path = client.predict(job_id, api_name="/export_model")
    result = _run_exported(path, job_id, tmp_path)
    assert result["checksum"] == pytest.approx(_checksum(jobs.manager().model_dir(job_id)), rel=1e-4, abs=1e-4)


def test_unknown_models_are_refused_clearly(client):
    for name in ("", "resnet", "../pretrained/cnn", "/etc/passwd", "x" * 5000):
        with pytest.raises(AppError, match="no model called|没有名为"):
            client.predict(name, api_name="/export_model")
