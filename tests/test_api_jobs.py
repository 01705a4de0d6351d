"""Training jobs through the launched app's API, as a script would drive them."""

import json
import re
import time

import numpy as np
import pytest
import torch
from gradio_client import handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from playground import models
from playground.data import digits

TINY = json.dumps({"c1": 4, "c2": 8, "hidden": 16, "epochs": 1, "augment": False, "batch_size": 32})
HANG_GUARD = 600  # seconds: waits end on a state; this only turns a hang into a failure, on any machine


def wait_until(client, job_id, done, what):
    """Poll /job_status until ``done(status)``; fail (never pass) after HANG_GUARD seconds."""
    deadline = time.time() + HANG_GUARD
    while not done(st := client.predict(job_id, api_name="/job_status")):
        assert time.time() < deadline, f"job {job_id}: still waiting after {HANG_GUARD} s for {what}: {st}"
        time.sleep(0.3)
    return st


def wait(client, job_id):
    return wait_until(client, job_id, lambda st: st["state"] not in ("queued", "running"), "it to end")


def test_a_short_cnn_job_trains_in_the_background_and_its_loss_falls(client):
    job_id = client.predict("cnn", TINY, api_name="/start_training")
    assert isinstance(job_id, str) and job_id.startswith("cnn-")
    st = client.predict(job_id, api_name="/job_status")  # the answer came before the training: in the background
    assert st["state"] in ("queued", "running") and st["step"] == 0 and not st["has_model"], st
    st = wait(client, job_id)  # (that the curves stream while a job runs: the next test, on a long job)
    assert st["state"] == "done" and st["arch"] == "cnn" and st["error"] is None
    assert st["backend"] == "local" and re.search(r".+, pid \d+$", st["where"]), st["where"]
    assert st["device"] == ("cuda" if torch.cuda.is_available() else "cpu")
    assert st["step"] == st["total_steps"] == 250
    loss = [v for _, v in st["metrics"]["train_loss"]]
    assert len(loss) >= 20 and np.mean(loss[-5:]) < 0.5 * np.mean(loss[:3])
    assert 0.6 < st["metrics"]["val_acc"][-1][1] <= 1.0


def test_a_second_job_streams_its_curves_can_be_cancelled_and_keeps_what_it_learned(client):
    # 30 epochs, 7,500 steps: long enough by count of steps that it is still running when it is stopped
    job_id = client.predict("cnn", json.dumps({**json.loads(TINY), "epochs": 30}), api_name="/start_training")
    st = wait_until(client, job_id, lambda st: st["step"] >= 20 or st["state"] not in ("queued", "running"),
                    "step 20")
    assert st["state"] == "running" and 20 <= st["step"] < st["total_steps"], st
    loss = st["metrics"].get("train_loss")  # the curve so far, while the job runs
    assert loss, f"no training curve while the job runs at step {st['step']}"
    assert loss[-1][0] <= st["step"] and all(np.isfinite(v) for _, v in loss)
    st = client.predict(job_id, api_name="/cancel_job")
    assert st["state"] in ("running", "cancelled")
    st = wait(client, job_id)  # STOP_GRACE bounds it: a job that ignores Stop is killed and ends "failed"
    assert st["state"] == "cancelled" and 20 <= st["step"] < st["total_steps"] and st["has_model"]


def test_a_diverging_job_fails_cleanly_and_the_app_keeps_serving(client, monkeypatch):
    monkeypatch.setitem(models.ARCHS, "poisoned", "poisoned")  # tests/poisoned.py: loss NaN at step 9
    job_id = client.predict("poisoned", TINY, api_name="/start_training")
    st = wait(client, job_id)
    assert st["state"] == "failed" and st["error"].startswith("training diverged: the loss became nan")
    assert client.predict(api_name="/ping") == "pong"


def _probs(client, path):
    return np.array(client.predict(handle_file(path), api_name="/classify_digit")["probabilities"])


def test_use_model_switches_classify_digit_for_this_session_only(client, new_client, tmp_path):
    path = str(tmp_path / "digit.png")
    Image.fromarray(255 - digits.load_digits("test")[0][11].numpy()).resize((140, 140)).save(path)
    before, other_before = _probs(client, path), _probs(new_client, path)
    np.testing.assert_allclose(before, other_before, atol=1e-6)  # both start on the pretrained CNN
    job_id = client.predict("cnn", TINY, api_name="/start_training")
    assert wait(client, job_id)["state"] == "done"
    answer = client.predict(job_id, api_name="/use_model")
    assert answer["arch"] == "cnn" and answer["job_id"] == job_id and 0.6 < answer["val_acc"] <= 1
    after = _probs(client, path)
    assert np.abs(after - before).max() > 1e-3, "this session now classifies with its own model"
    np.testing.assert_allclose(_probs(new_client, path), other_before, atol=1e-6)  # others: unchanged


@pytest.mark.parametrize("arch, config, message", [
    ("resnet", "{}", "unknown architecture 'resnet'; valid: cnn"),
    ("cnn", "{bad json", "config is not valid JSON"),
    ("cnn", "[1, 2]", "config must be a JSON object"),
    ("cnn", '{"epochs": 1000}', r"epochs must be a number in \[1, 50\]"),
    ("cnn", '{"lr": -1}', r"lr must be a number in"),
    ("cnn", '{"batch_size": "many"}', "batch_size must be a number"),
    ("cnn", '{"colour": "red"}', "unknown setting"),
    ("cnn", '{"device": "tpu"}', "device must be one of auto, cpu, cuda"),
    ("cnn", "x" * 5000, "at most 4000 characters"),
])
def test_start_training_refuses_bad_requests_clearly(new_client, arch, config, message):
    with pytest.raises(AppError, match=message):
        new_client.predict(arch, config, api_name="/start_training")
    assert new_client.predict(api_name="/ping") == "pong"


@pytest.mark.parametrize("endpoint", ["/job_status", "/cancel_job", "/use_model"])
def test_unknown_jobs_get_a_clear_error(new_client, endpoint):
    with pytest.raises(AppError, match="unknown job 'cnn-00000000-000000-nope'"):
        new_client.predict("cnn-00000000-000000-nope", api_name=endpoint)


def test_a_session_cannot_stop_another_sessions_job(client, new_client):
    job_id = client.predict("cnn", json.dumps({**json.loads(TINY), "epochs": 30}), api_name="/start_training")
    try:
        with pytest.raises(AppError, match="started by another session"):
            new_client.predict(job_id, api_name="/cancel_job")
    finally:
        client.predict(job_id, api_name="/cancel_job")
        wait(client, job_id)
