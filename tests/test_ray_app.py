"""The app on a real Ray cluster: ``python app.py`` with ``NP_RAY_ADDRESS`` set to a local cluster of two
worker nodes (``ray_cluster``), driven through its API and in Chromium exactly as the local app is."""

import json
import os
import re
import sys
import time

import numpy as np
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from conftest import RAY_NODES, ROOT, playwright_expect
from playground.data import digits
from test_api_jobs import HANG_GUARD, TINY, wait
from test_browser import draw, open_cnn_tab, set_number

expect = playwright_expect()


@pytest.fixture(scope="module")
def ray_app(ray_cluster, tmp_path_factory):
    """``python app.py`` in its own process (bench/served.py, as the benchmarks start it), its jobs on the Ray
    cluster; yields its URL."""
    sys.path.insert(0, str(ROOT / "bench"))
    from served import served
    env = {"NP_RAY_ADDRESS": ray_cluster.address, "NP_RUNS_DIR": str(tmp_path_factory.mktemp("ray-app-runs")),
           "RAY_USAGE_STATS_ENABLED": "0",
           "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")])}  # the test architectures, as here
    with served(env, timeout=HANG_GUARD) as (url, _):
        yield url


def test_a_job_runs_on_a_ray_node_and_its_model_serves_this_session(ray_app, tmp_path):
    client, other = Client(ray_app, verbose=False), Client(ray_app, verbose=False)
    job_id = client.predict("cnn", TINY, api_name="/start_training")
    st = client.predict(job_id, api_name="/job_status")
    assert st["state"] in ("queued", "running") and st["backend"] == "ray", st
    st = wait(client, job_id)
    assert st["state"] == "done" and st["error"] is None and st["step"] == st["total_steps"] == 250
    assert re.match(r"Ray node [\d.]+ \([0-9a-f]{8}\), pid \d+", st["where"]), st["where"]
    assert 0.6 < st["final"]["val_acc"] <= 1.0
    path = str(tmp_path / "digit.png")
    Image.fromarray(255 - digits.load_digits("test")[0][11].numpy()).resize((140, 140)).save(path)
    before = np.array(client.predict(handle_file(path), api_name="/classify_digit")["probabilities"])
    answer = client.predict(job_id, api_name="/use_model")  # the model came back from the node and was saved here
    assert answer["job_id"] == job_id and answer["val_acc"] == st["final"]["val_acc"]
    after = np.array(client.predict(handle_file(path), api_name="/classify_digit")["probabilities"])
    assert np.abs(after - before).max() > 1e-3
    np.testing.assert_allclose(np.array(other.predict(handle_file(path), api_name="/classify_digit")["probabilities"]),
                               before, atol=1e-6)  # the other session still has the pretrained model


def test_health_shows_the_cluster_and_limits_and_stop_hold_as_on_one_machine(ray_app):
    client = Client(ray_app, verbose=False)
    rep = client.predict(api_name="/health")
    backend = rep["backend"]
    assert backend["backend"] == "ray" and len(backend["nodes"]) == RAY_NODES + 1  # the head and the workers
    assert backend["cpus"] == RAY_NODES and rep["jobs"]["max_running"] == RAY_NODES
    long = json.dumps({**json.loads(TINY), "epochs": 30})
    first = client.predict("cnn", long, api_name="/start_training")
    second = client.predict("cnn", long, api_name="/start_training")
    with pytest.raises(AppError, match="already have 2 jobs"):  # per session, as on one machine
        client.predict("cnn", TINY, api_name="/start_training")
    deadline = time.time() + HANG_GUARD
    while client.predict(first, api_name="/job_status")["step"] < 20:
        assert time.time() < deadline, "the first job never reached step 20"
        time.sleep(0.3)
    for job_id in (first, second):
        client.predict(job_id, api_name="/cancel_job")
    st = wait(client, first)
    assert st["state"] == "cancelled" and st["has_model"] and 20 <= st["step"] < st["total_steps"]
    assert wait(client, second)["state"] == "cancelled"


@pytest.mark.browser
def test_training_from_the_page_on_the_cluster_then_drawing_with_the_new_model(page, ray_app):
    open_cnn_tab(page, ray_app)
    page.get_by_text("Train your own CNN").click()
    for field, value in (("epochs", 1), ("batch_size", 32), ("c1", 4), ("c2", 8)):
        set_number(page, f"cnn-cfg-{field}", value)
    page.locator("#cnn-train-start").click()
    status = page.locator("#cnn-train-status")
    expect(status).to_contain_text("Done in", timeout=HANG_GUARD * 1000)
    page.locator("#cnn-train-use").click()
    draw(page, 1)
    expect(page.locator("#cnn-status")).to_contain_text("your job cnn-")
    page.get_by_role("tab", name="Health").click()
    expect(page.locator("#health-text")).to_contain_text(f"Ray cluster: {RAY_NODES + 1} nodes")
