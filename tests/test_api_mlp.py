"""The FNN tab's API and its "show the code" script."""

import json
import subprocess
import sys

import numpy as np
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


def _three_blobs(n_per_class: int = 30, seed: int = 0) -> list[list[float]]:
    """Three well-separated clusters of points, labels 0, 1, 2."""
    rng = np.random.default_rng(seed)
    return [[round(float(cx + rng.normal(0, 0.35)), 4), round(float(cy + rng.normal(0, 0.35)), 4), k]
            for k, (cx, cy) in enumerate([(-1.8, -1.2), (1.8, -1.2), (0.0, 1.8)]) for _ in range(n_per_class)]


def test_mlp_fit_trains_on_your_own_points_of_three_classes(client):
    pts = _three_blobs()
    out = client.predict(json.dumps({"points": pts, "steps": 300}), api_name="/mlp_fit")
    assert out["n_train"] == 63 and out["n_test"] == 27  # 70 % of the 90 points train, as for the presets
    assert len(out["class_accuracy"]) == 3 and all(a >= 0.9 for a in out["class_accuracy"]), out["class_accuracy"]
    assert out["test_accuracy"] >= 0.95 and out["diverged"] is None
    # the labels matter: the same points with the clusters' labels shuffled cannot be learnt as well
    rng = np.random.default_rng(1)
    shuffled = [[x, y, int(rng.integers(0, 3))] for x, y, _ in pts]
    noise = client.predict(json.dumps({"points": shuffled, "steps": 300}), api_name="/mlp_fit")
    assert noise["test_accuracy"] < 0.7


def test_mlp_fit_answers_per_class_accuracy_for_the_datasets_too(client):
    out = client.predict(json.dumps({"dataset": "blobs", "steps": 100}), api_name="/mlp_fit")
    assert len(out["class_accuracy"]) == 2 and all(0 <= a <= 1 for a in out["class_accuracy"])
    assert out["n_train"] + out["n_test"] == 500


TWO = [[0.5, 0.5, 0], [-0.5, -0.5, 1]]


@pytest.mark.parametrize("config, message", [
    (json.dumps({"points": [[0.1 * i, 0.0, 0] for i in range(10)]}), "at least two classes; these 10 points have 1"),
    (json.dumps({"points": []}), "at least two classes"),
    (json.dumps({"dataset": "custom"}), "at least two classes; these 0 points"),
    (json.dumps({"points": TWO + [[1.0, 1.0, 4]]}), r"points\[2\] has label 4: labels are whole numbers 0 to 3"),
    (json.dumps({"points": TWO + [[1.0, 1.0, -1]]}), r"points\[2\] has label -1"),
    (json.dumps({"points": TWO + [[1.0, 1.0, 1.5]]}), r"points\[2\] has label 1.5"),
    (json.dumps({"points": TWO + [[9.0, 0.0, 1]]}),
     r"points\[2\] is \(9.0, 0.0\): x and y must be numbers in \[-3.6, 3.6\]"),
    ('{"points": [[0.5, 0.5, 0], [NaN, 0, 1]]}', r"points\[1\] is \(nan, 0\)"),
    ('{"points": [[0.5, 0.5, 0], [0, Infinity, 1]]}', r"points\[1\] is \(0, inf\)"),
    (json.dumps({"points": [[0.0, 0.0, k % 2] for k in range(2001)]}), "that is 2001 points; at most 2000"),
    (json.dumps({"points": "here"}), "points must be a list of \\[x, y, label\\] rows"),
    (json.dumps({"points": TWO + [[1.0, 2.0]]}), r"got points\[2\] = \[1.0, 2.0\]"),
    (json.dumps({"points": TWO + [[1.0, 2.0, "a"]]}), r"got points\[2\]"),
    (json.dumps({"dataset": "xor", "points": TWO}), "your own points go with dataset \"custom\""),
    (json.dumps({"points": [[0.0, 0.0, 0]] * 8000}), "config must be a JSON object of at most 100000 characters"),
], ids=lambda v: v[:48])
def test_mlp_fit_refuses_bad_points_clearly(new_client, config, message):
    with pytest.raises(AppError, match=message):
        new_client.predict(config, api_name="/mlp_fit")
    assert new_client.predict(api_name="/ping") == "pong"


def test_bad_points_are_refused_in_chinese_too(app_url):
    from gradio_client import Client

    zh = Client(app_url, verbose=False, headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    with pytest.raises(AppError, match="训练至少需要两类点；这 3 个点只有 1 类"):
        zh.predict(json.dumps({"points": [[0.0, 0.0, 2]] * 3}), api_name="/mlp_fit")
    with pytest.raises(AppError, match=r"points\[0\] 的类别是 7：类别必须是 0 到 3 的整数"):
        zh.predict(json.dumps({"points": [[0.0, 0.0, 7]]}), api_name="/mlp_fit")
    assert zh.predict(api_name="/ping") == "pong"


def test_the_code_panel_script_trains_on_your_own_points(tmp_path):
    cfg = mlp.Config(dataset="custom", points=_three_blobs(20), noise=0.1, n_layers=1, units=8)
    path = tmp_path / "train.py"
    path.write_text(mlp_code.script(cfg, epochs=30))
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "nn.Linear(8, 3)" in path.read_text() and float(out.stdout.split()[-1]) > 0.9


def _health_is_complete(health: dict, n_layers: int) -> None:
    """Every layer (as the model names them) with every statistic, one value per measured step."""
    assert health["layers"] == [f"hidden.{k}.0" for k in range(n_layers)] + ["out"]
    steps = health["steps"]
    assert steps[0] == 1 and len(steps) >= 20 and all(a < b for a, b in zip(steps, steps[1:]))
    for name in health["layers"]:
        stats = health["stats"][name]
        assert set(stats) == {"act_mean", "act_std", "dead_fraction", "grad_norm", "update_ratio"}
        assert all(len(v) == len(steps) for v in stats.values())
        assert all(g is not None and g >= 0 for g in stats["grad_norm"])
    assert all(v is None for v in health["stats"]["out"]["dead_fraction"])  # no non-linearity after the output


def test_mlp_fit_answers_layer_health_that_shows_vanishing_gradients(client):
    """Six sigmoid layers on plain SGD: the first layer's gradient is far smaller than the output layer's;
    six ReLU layers on Adam: not so."""
    mean = lambda v: float(np.mean([x for x in v if x is not None]))  # noqa: E731
    ratios = {}
    for act, opt, lr in (("sigmoid", "sgd", 0.1), ("relu", "adam", 0.01)):
        out = client.predict(json.dumps({"n_layers": 6, "activation": act, "optimizer": opt, "lr": lr,
                                         "steps": 300}), api_name="/mlp_fit")
        _health_is_complete(out["health"], 6)
        assert out["health"]["steps"][-1] <= 300
        s = out["health"]["stats"]
        ratios[act] = mean(s["out"]["grad_norm"]) / mean(s["hidden.0.0"]["grad_norm"])
    assert ratios["sigmoid"] > 1000 and ratios["relu"] < 100, ratios


def test_mlp_fit_layer_health_shows_relus_killed_by_an_absurd_learning_rate(client):
    """Dead ReLUs, read on all the training points: SGD at lr 10 kills at least half of some layer; at lr 0.03
    far fewer die."""
    worst = {}
    for lr in (10.0, 0.03):
        out = client.predict(json.dumps({"n_layers": 4, "activation": "relu", "optimizer": "sgd", "lr": lr,
                                         "steps": 300}), api_name="/mlp_fit")
        _health_is_complete(out["health"], 4)
        s = out["health"]["stats"]
        worst[lr] = max(s[f"hidden.{k}.0"]["dead_fraction"][-1] for k in range(4))
        assert all(0 <= d <= 1 for k in range(4) for d in s[f"hidden.{k}.0"]["dead_fraction"])
    assert worst[10.0] >= 0.5 and worst[0.03] < worst[10.0] - 0.3, worst
