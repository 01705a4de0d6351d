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


def test_every_architecture_can_make_an_example_input():
    for arch in models.ARCHS:
        module = models.get(arch)
        model = module.build(module.TINY).eval()
        with torch.no_grad():
            model(module.example_input(module.TINY))


@pytest.mark.parametrize("name", PRETRAINED)
def test_a_pretrained_model_exports_and_runs_outside_the_app(client, name, tmp_path):
    path = client.predict(name, api_name="/export_model")
    result = _run_exported(path, name, tmp_path)
    assert result["checksum"] == pytest.approx(_checksum(checkpoint.PRETRAINED / name), rel=1e-4, abs=1e-4)


def test_a_model_trained_here_exports_too(client, tmp_path):
    from playground import jobs
    from playground.jobs import records
    job_id = client.predict("mlp", '{"epochs": 2, "n_points": 200}', api_name="/start_training")
    deadline = time.time() + 120
    while client.predict(job_id, api_name="/job_status")["state"] in records.ACTIVE and time.time() < deadline:
        time.sleep(0.2)
    path = client.predict(job_id, api_name="/export_model")
    result = _run_exported(path, job_id, tmp_path)
    assert result["checksum"] == pytest.approx(_checksum(jobs.manager().model_dir(job_id)), rel=1e-4, abs=1e-4)


def test_unknown_models_are_refused_clearly(client):
    for name in ("", "resnet", "../pretrained/cnn", "/etc/passwd", "x" * 5000):
        with pytest.raises(AppError, match="no model called|没有名为"):
            client.predict(name, api_name="/export_model")
