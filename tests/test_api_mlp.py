"""The FNN tab's API and its "show the code" script."""

import json
import subprocess
import sys

import pytest
from gradio_client.exceptions import AppError

from playground.models import mlp
from playground.ui import mlp_code


def test_mlp_fit_solves_the_spirals_with_the_default_settings(client):
    out = client.predict("{}", api_name="/mlp_fit")
    assert set(out) >= {"train_loss", "test_loss", "test_accuracy"}
    assert out["test_accuracy"] >= 0.95 and out["diverged"] is None
    assert out["steps_at"][-1] == 2200 and len(out["train_loss"]) == len(out["test_loss"]) > 10
    assert out["train_loss"][-1] < 0.3 * out["train_loss"][0]


def test_mlp_fit_follows_the_settings(client):
    linear = client.predict(json.dumps({"n_layers": 0, "steps": 800}), api_name="/mlp_fit")
    assert linear["test_accuracy"] < 0.75  # no line separates two spirals
    xor = client.predict(json.dumps({"dataset": "xor", "features": ["x", "y", "xy"], "n_layers": 0,
                                     "steps": 400}), api_name="/mlp_fit")
    assert xor["test_accuracy"] > 0.95  # ...but the product feature x·y makes XOR linear
    assert xor["steps_at"][-1] == 400


@pytest.mark.parametrize("config, message", [
    ("not json", "config is not valid JSON"),
    ('["x"]', "config must be a JSON object"),
    ('{"steps": 0}', r"steps must be a whole number in \[1, 5000\]"),
    ('{"steps": 1e9}', r"steps must be a whole number"),
    ('{"steps": 2.5}', r"steps must be a whole number"),
    ('{"dataset": "mnist"}', "dataset must be one of 'circles', 'xor', 'spirals', 'blobs', 'moons'"),
    ('{"features": ["x", "z"]}', "features must be"),
    ('{"n_layers": 60}', r"n_layers must be a number in \[0, 6\]"),
    ('{"lr": NaN}', "lr must be a number"),
    ('{"epochs": 2000, "batch_size": 1}', "at most 5000"),
])
def test_mlp_fit_refuses_bad_settings_clearly(new_client, config, message):
    with pytest.raises(AppError, match=message):
        new_client.predict(config, api_name="/mlp_fit")
    assert new_client.predict(api_name="/ping") == "pong"


def test_the_code_panel_script_runs_on_its_own_and_learns(tmp_path):
    cfg = mlp.Config(dataset="xor", n_layers=1, units=8, l1=0.0001, l2=0.001, optimizer="momentum")
    path = tmp_path / "train.py"
    path.write_text(mlp_code.script(cfg, epochs=30))
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120,
                         cwd=tmp_path)  # outside the repository: nothing of ours is imported
    assert out.returncode == 0, out.stderr
    assert float(out.stdout.split()[-1]) > 0.9
