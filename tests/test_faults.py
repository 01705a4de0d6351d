"""Faults a real server meets: storage that cannot be written, a model file that went bad, a save cut
short. Each gives a clear message; pretrained models keep working; a model is never half-written.
(A training process killed mid-epoch: tests/test_jobs.py::test_a_worker_that_dies_is_reported_failed.)"""

import dataclasses
import queue
import threading

import pytest
import torch
from gradio_client import handle_file
from gradio_client.exceptions import AppError

from playground import checkpoint, jobs
from playground.jobs import records, scheduler, worker
from playground.models import cnn, mlp
from conftest import ROOT

TINY = dataclasses.asdict(cnn.TINY)


def test_unwritable_runs_storage_refuses_jobs_clearly_and_pretrained_still_loads(tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the runs directory should be")
    m = scheduler.JobManager(blocker / "runs")
    with pytest.raises(scheduler.JobError) as e:
        m.start("cnn", TINY)
    text = str(e.value)
    assert "cannot be written" in text and "pretrained models still work" in text
    assert str(tmp_path) not in text  # no path in a message for people
    assert m.jobs() == []
    model, cfg, meta = checkpoint.pretrained("cnn")
    acc = cnn.evaluate(model, cfg)["val_acc"]  # recomputed from the shipped weights on all 2,000 held-out digits
    assert acc >= 0.99
    # ...and it is the figure config.json shows (the same digits and weights; a BLAS may flip a borderline digit)
    assert acc == pytest.approx(meta["metrics"]["val_acc"], abs=3 / 2000)


def test_a_model_that_cannot_be_saved_ends_the_job_as_failed_with_the_reason(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    messages, stop = queue.Queue(), threading.Event()
    cfg = dataclasses.asdict(mlp.TINY)
    worker.run("mlp", "playground.models.mlp", cfg, "cpu", str(blocker / "run"), messages, stop, 1)
    kinds = []
    while not messages.empty():
        kinds.append(messages.get())
    kind, payload = kinds[-1]
    assert kind == "finished" and not payload["saved"] and payload["save_error"] == "Not a directory"
    m = scheduler.JobManager(tmp_path / "runs")
    job = records.Job(id="mlp-x", arch="mlp", config=cfg, state="running")
    m._jobs[job.id] = job
    m._handle(job, kind, payload)
    st = m.status(job.id)
    assert st["state"] == "failed" and not st["has_model"]
    assert st["error"] == "training ended but its model could not be saved (Not a directory)"


def test_a_save_cut_short_leaves_no_half_written_model(tmp_path, monkeypatch):
    model = cnn.build(cnn.TINY)
    target = checkpoint.save(tmp_path / "model", "cnn", cnn.TINY, model, metrics={"v": 1})
    before = (target / checkpoint.WEIGHTS_FILE).read_bytes()

    def dies_halfway(m, path, *a, **k):
        with open(path, "wb") as f:
            f.write(b"\x00" * 100)  # part of a file...
        raise OSError(28, "No space left on device")  # ...then the disk is full

    monkeypatch.setattr(checkpoint, "save_model", dies_halfway)
    with pytest.raises(OSError):
        checkpoint.save(tmp_path / "model", "cnn", cnn.TINY, cnn.build(cnn.TINY), metrics={"v": 2})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]  # no temporary leftovers
    assert (target / checkpoint.WEIGHTS_FILE).read_bytes() == before  # the old model is intact
    assert checkpoint.read_meta(target)["metrics"] == {"v": 1}


def test_a_damaged_trained_model_is_refused_clearly_and_the_app_keeps_serving(client, tmp_path):
    job_id = client.predict("cnn", '{"epochs": 1, "c1": 4, "c2": 8, "hidden": 16}', api_name="/start_training")
    for _ in range(1200):
        st = client.predict(job_id, api_name="/job_status")
        if st["state"] not in records.ACTIVE:
            break
        import time
        time.sleep(0.1)
    assert st["state"] == "done"
    weights = jobs.manager().model_dir(job_id) / checkpoint.WEIGHTS_FILE
    weights.write_bytes(b"this is not a safetensors file")
    with pytest.raises(AppError, match="damaged"):
        client.predict(job_id, api_name="/use_model")
    from playground.data import digits
    digit = digits.load_digits("test")[0][0].numpy()
    from PIL import Image
    Image.fromarray(255 - digit).save(tmp_path / "d.png")
    answer = client.predict(handle_file(str(tmp_path / "d.png")), api_name="/classify_digit")
    assert answer["label"] == int(digits.load_digits("test")[1][0])


def test_a_job_process_ends_when_the_server_that_started_it_is_killed():
    """A server killed (SIGKILL; SIGTERM skips its exit handlers too) must not leave a job training on: a job
    process of the local backend (``worker.child``) watches its parent. Here the job is a process that would
    sleep for ten minutes, watched the same way."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from playground.jobs import backends

    assert backends.Local()._ctx.Process(target=worker.child)._target is worker.child  # what the backend starts
    job_code = ("import sys, threading, time; from playground.jobs import worker; "
                "threading.Thread(target=worker._exit_with, args=(int(sys.argv[1]), 0.1), daemon=True).start(); "
                "time.sleep(600)")
    server = subprocess.Popen([sys.executable, "-c", f"""
import os, subprocess, sys, time
job = subprocess.Popen([sys.executable, "-c", {job_code!r}, str(os.getpid())], cwd={str(ROOT)!r})
print(job.pid, flush=True)
time.sleep(600)
"""], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    job = int(server.stdout.readline())
    time.sleep(1)
    assert open(f"/proc/{job}/stat").read().rsplit(")", 1)[1].split()[0] != "Z"  # alive while its server lives
    server.send_signal(signal.SIGKILL)
    server.wait()
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if open(f"/proc/{job}/stat").read().rsplit(")", 1)[1].split()[0] == "Z":
                break  # ended, not yet reaped by its new parent
        except FileNotFoundError:
            break
        time.sleep(0.1)
    else:
        os.kill(job, signal.SIGKILL)
        raise AssertionError("the job went on after its server was killed")
