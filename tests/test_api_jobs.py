"""Training jobs through the launched app's API, as a script would drive them."""

import json
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


def wait(client, job_id, timeout=180):
    deadline = time.time() + timeout
    while time.time() < deadline:
        st = client.predict(job_id, api_name="/job_status")
        if st["state"] not in ("queued", "running"):
            return st
        time.sleep(0.5)
    raise AssertionError(f"job {job_id} did not finish in {timeout}s: {st}")


def test_a_short_cnn_job_trains_in_the_background_and_its_loss_falls(client):
    t0 = time.time()
    job_id = client.predict("cnn", TINY, api_name="/start_training")
    assert isinstance(job_id, str) and job_id.startswith("cnn-") and time.time() - t0 < 5
    seen_running = False
    deadline = time.time() + 180
    while time.time() < deadline:
        st = client.predict(job_id, api_name="/job_status")
        seen_running |= st["state"] == "running" and st["step"] > 0
        if st["state"] not in ("queued", "running"):
            break
        time.sleep(0.3)
    assert seen_running, "the curves must stream while the job runs"
    assert st["state"] == "done" and st["arch"] == "cnn" and st["error"] is None
    assert st["device"] == ("cuda" if torch.cuda.is_available() else "cpu")
    assert st["step"] == st["total_steps"] == 250
    loss = [v for _, v in st["metrics"]["train_loss"]]
    assert len(loss) >= 20 and np.mean(loss[-5:]) < 0.5 * np.mean(loss[:3])
    assert 0.6 < st["metrics"]["val_acc"][-1][1] <= 1.0


def test_a_second_job_can_be_cancelled_and_keeps_what_it_learned(client):
    job_id = client.predict("cnn", json.dumps({**json.loads(TINY), "epochs": 30}), api_name="/start_training")
    deadline = time.time() + 60
    while client.predict(job_id, api_name="/job_status")["step"] < 20 and time.time() < deadline:
        time.sleep(0.2)
    st = client.predict(job_id, api_name="/cancel_job")
    assert st["state"] in ("running", "cancelled")
    st = wait(client, job_id, timeout=30)
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
        wait(client, job_id, timeout=60)
