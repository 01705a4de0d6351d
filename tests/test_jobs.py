"""The job system driven directly: it trains in the background, stops, fails cleanly, has limits and
keeps finished models across a restart."""

import dataclasses
import time

import pytest
import torch

from playground import models
from playground.jobs import records, scheduler
from playground.models import cnn

TINY = dataclasses.asdict(cnn.TINY)
HANG_GUARD = 600  # seconds: waits end on a state; this only turns a hang into a failure, on any machine


def _wait_for(predicate, what: str) -> None:
    """Poll until ``predicate()`` holds; fail (never pass) when it has not after HANG_GUARD seconds."""
    deadline = time.time() + HANG_GUARD
    while not predicate():
        assert time.time() < deadline, f"still waiting after {HANG_GUARD} s for {what}"
        time.sleep(0.05)


@pytest.fixture
def manager(tmp_path):
    m = scheduler.JobManager(tmp_path / "runs", max_running=1, max_queued=3, max_per_owner=2)
    yield m
    m.shutdown()


def test_a_job_trains_in_the_background_and_saves_its_model(manager):
    job_id = manager.start("cnn", TINY, owner="alice")
    st = manager.status(job_id)  # start returned before any training: its job is waiting or starting
    assert st["state"] in records.ACTIVE and st["step"] == 0 and not st["has_model"], st
    st = manager.wait(job_id, timeout=HANG_GUARD)
    assert st["state"] == "done" and st["error"] is None
    assert st["device"] == ("cuda" if torch.cuda.is_available() else "cpu")  # auto: the GPU when there is one
    assert st["step"] == st["total_steps"] == 250
    losses = [v for _, v in st["metrics"]["train_loss"]]
    assert losses[-1] < 0.6 * losses[0]
    assert st["final"]["val_acc"] > 0.6 and st["metrics"]["val_acc"][-1][0] == 250
    assert manager.preview(job_id)["filters"].shape == (4, 3, 3)
    model, cfg, meta = manager.load_model(job_id)
    assert cfg == cnn.TINY and meta["metrics"]["val_acc"] == st["final"]["val_acc"]


def test_stop_ends_a_running_job_within_seconds_and_keeps_what_it_learned(manager):
    job_id = manager.start("cnn", {**TINY, "epochs": 20}, owner="alice")  # 5,000 steps: it is stopped long before
    _wait_for(lambda: manager.status(job_id)["step"] >= 80, "the job to reach step 80")
    manager.cancel(job_id)
    st = manager.wait(job_id, timeout=HANG_GUARD)
    # "within seconds" is the job system's own bound: a job that has not saved and exited STOP_GRACE seconds
    # after Stop is killed and ends "failed" without a model. Cancelled with a model means it stopped in time.
    assert st["state"] == "cancelled" and 80 <= st["step"] < st["total_steps"]
    assert st["has_model"] and st["final"]["val_acc"] > 0.2
    manager.load_model(job_id)


def test_a_diverging_job_fails_with_a_reason_and_others_keep_running(manager, monkeypatch):
    monkeypatch.setitem(models.ARCHS, "poisoned", "poisoned")  # tests/poisoned.py: NaN after 8 steps
    bad = manager.start("poisoned", TINY, owner="alice")
    good = manager.start("cnn", TINY, owner="bob")
    assert manager.status(good)["state"] == "queued" and manager.status(good)["queue_position"] == 1
    st = manager.wait(bad, timeout=HANG_GUARD)
    assert st["state"] == "failed" and st["error"] == "training diverged: the loss became nan at step 9 " \
        "(learning rate 0.003 is probably too high)"
    assert not st["has_model"]
    assert manager.wait(good, timeout=HANG_GUARD)["state"] == "done"


def test_a_worker_that_dies_is_reported_failed(manager, monkeypatch):
    job_id = manager.start("cnn", {**TINY, "epochs": 20}, owner="alice")
    _wait_for(lambda: manager.status(job_id)["step"] >= 5, "the job to reach step 5")
    manager._procs[job_id].kill()  # as the OOM killer would
    st = manager.wait(job_id, timeout=HANG_GUARD)
    assert st["state"] == "failed" and "stopped unexpectedly" in st["error"]


def test_limits_and_bad_requests_are_refused_with_a_clear_message(manager):
    with pytest.raises(ValueError, match="unknown architecture 'resnet'; valid: cnn"):
        manager.start("resnet", {})
    with pytest.raises(ValueError, match=r"epochs must be a number in \[1, 50\]"):
        manager.start("cnn", {"epochs": 500})
    with pytest.raises(ValueError, match="device must be one of"):
        manager.start("cnn", {"device": "tpu"})
    with pytest.raises(scheduler.JobError, match="unknown job"):
        manager.status("no-such-job")
    first = manager.start("cnn", {**TINY, "epochs": 20}, owner="carol")
    manager.start("cnn", TINY, owner="carol")
    with pytest.raises(scheduler.JobError, match="already have 2 jobs"):
        manager.start("cnn", TINY, owner="carol")
    manager.start("cnn", TINY, owner="dave")
    manager.start("cnn", TINY, owner="erin")
    with pytest.raises(scheduler.JobError, match="queue is full"):
        manager.start("cnn", TINY, owner="frank")
    assert manager.cancel(first)["state"] in ("running", "cancelled")


def test_finished_models_survive_a_restart_and_interrupted_jobs_are_marked(tmp_path):
    m1 = scheduler.JobManager(tmp_path / "runs")
    done = m1.start("cnn", TINY)
    m1.wait(done, timeout=HANG_GUARD)
    m1._jobs[done].state = "running"  # pretend the server died while another job ran...
    m1._save(m1._jobs[done])
    m1._jobs[done].state = "done"
    (tmp_path / "runs" / "ghost").mkdir()
    (tmp_path / "runs" / "ghost" / "job.json").write_text("{not json")
    m2 = scheduler.JobManager(tmp_path / "runs")
    st = m2.status(done)
    assert st["state"] == "failed" and "restarted" in st["error"]
    assert st["has_model"]  # ...its saved model is still there and usable
    model, cfg, meta = m2.load_model(done)
    assert cfg == cnn.TINY


def test_a_long_run_keeps_bounded_curves_from_first_to_latest_point():
    curve, state = [], {}
    for step in range(1, 50_001):  # a 2000-epoch toy run logs tens of thousands of steps
        records.append_point(curve, [step, 1.0 / step], state)
        assert curve[-1][0] == step and len(curve) <= 2 * records.CURVE_POINTS
    assert curve[0] == [1, 1.0] and curve[-1] == [50_000, 1.0 / 50_000]
    steps = [s for s, _ in curve]
    assert steps == sorted(set(steps))  # still in order, no repeats
    assert max(b - a for a, b in zip(steps, steps[1:])) <= 64  # thinned evenly, not cut off


def test_every_extra_curve_a_model_charts_is_named_in_both_languages():
    import importlib
    from types import SimpleNamespace

    from playground.ui import i18n, live_chart
    extras = {e for name in models.ARCHS.values()
              for e in getattr(importlib.import_module(name), "CHART_EXTRAS", ())}
    assert extras  # the GAN charts both players' losses
    names = {lang: live_chart.chart_labels(SimpleNamespace(cookies={"np_lang": lang}, headers={}), tuple(extras))
             for lang in i18n.LANGS}
    for e in extras:
        assert len({names[lang][e] for lang in i18n.LANGS}) == len(i18n.LANGS)  # a translated name each
        assert all(names[lang][e] != e for lang in i18n.LANGS)
