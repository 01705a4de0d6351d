"""The job system driven directly: it trains in the background, stops, fails cleanly, has limits and
keeps finished models across a restart. The contract tests run against both backends: this machine's
processes and a real local Ray cluster (``ray_cluster``: two worker nodes)."""

import dataclasses
import os
import signal
import time

import pytest
import torch

from playground import models
from playground.jobs import backends, records, scheduler
from playground.models import cnn

TINY = dataclasses.asdict(cnn.TINY)
HANG_GUARD = 600  # seconds: waits end on a state; this only turns a hang into a failure, on any machine


def _wait_for(predicate, what: str) -> None:
    """Poll until ``predicate()`` holds; fail (never pass) when it has not after HANG_GUARD seconds."""
    deadline = time.time() + HANG_GUARD
    while not predicate():
        assert time.time() < deadline, f"still waiting after {HANG_GUARD} s for {what}"
        time.sleep(0.05)


def _backend(request, name: str):
    return backends.Local() if name == "local" else backends.Ray(request.getfixturevalue("ray_cluster").address)


@pytest.fixture(params=["local", "ray"])
def manager(request, tmp_path):
    m = scheduler.JobManager(tmp_path / "runs", max_running=1, max_queued=3, max_per_owner=2,
                             backend=_backend(request, request.param), stop_grace=3.0)
    yield m
    m.shutdown()


def _placed(manager, job_id):
    """The running job's worker, once the backend knows its process."""
    _wait_for(lambda: job_id in manager._handles and manager._handles[job_id].pid, f"{job_id}'s worker to start")
    return manager._handles[job_id]


def test_a_job_trains_in_the_background_and_saves_its_model(manager):
    job_id = manager.start("cnn", TINY, owner="alice")
    st = manager.status(job_id)  # start returned before any training: its job is waiting or starting
    assert st["state"] in records.ACTIVE and st["step"] == 0 and not st["has_model"], st
    st = manager.wait(job_id, timeout=HANG_GUARD)
    assert st["state"] == "done" and st["error"] is None
    assert st["backend"] == manager.backend.name and st["where"]
    assert ("Ray node" in st["where"]) == (manager.backend.name == "ray")
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
    assert st["state"] == "cancelled" and 80 <= st["step"] < st["total_steps"] and st["error"] is None
    assert st["has_model"] and st["final"]["val_acc"] > 0.2
    manager.load_model(job_id)


def test_a_job_deaf_to_stop_is_ended_by_force_after_the_grace(manager, monkeypatch):
    monkeypatch.setitem(models.ARCHS, "stubborn", "stubborn")  # tests/stubborn.py: hangs after 5 steps
    job_id = manager.start("stubborn", TINY, owner="alice")
    _wait_for(lambda: manager.status(job_id)["step"] >= 5, "the job to reach step 5")
    pid = _placed(manager, job_id).pid
    asked = time.time()
    manager.cancel(job_id)
    st = manager.wait(job_id, timeout=HANG_GUARD)
    assert time.time() - asked >= manager.stop_grace  # it was given its grace first
    assert st["state"] == "cancelled" and not st["has_model"]
    assert st["error"] == "it did not stop within 3 s of Stop, so it was ended (nothing saved)"
    _wait_for(lambda: not _alive(pid), f"the stuck worker (pid {pid}) to be gone")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is gone for our purposes
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


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


def test_a_worker_that_dies_is_reported_failed_and_the_next_job_runs(manager):
    job_id = manager.start("cnn", {**TINY, "epochs": 20}, owner="alice")
    after = manager.start("cnn", TINY, owner="bob")
    _wait_for(lambda: manager.status(job_id)["step"] >= 5, "the job to reach step 5")
    os.kill(_placed(manager, job_id).pid, signal.SIGKILL)  # as the OOM killer would
    st = manager.wait(job_id, timeout=HANG_GUARD)
    expected = {"local": "the training process stopped unexpectedly (exit code -9)",
                "ray": "its Ray worker process died, or the node running it left the cluster (WorkerCrashedError)"}
    assert st["state"] == "failed" and st["error"] == expected[manager.backend.name] and not st["has_model"]
    assert manager.wait(after, timeout=HANG_GUARD)["state"] == "done"  # nothing else is lost


def test_a_job_whose_ray_node_leaves_the_cluster_fails_with_the_reason(request, tmp_path, ray_cluster):
    m = scheduler.JobManager(tmp_path / "runs", backend=_backend(request, "ray"))
    try:
        job_id = m.start("cnn", {**TINY, "epochs": 20}, owner="alice")
        _wait_for(lambda: m.status(job_id)["step"] >= 5, "the job to reach step 5")
        node = next(n for n in ray_cluster.worker_nodes if n.node_id == _placed(m, job_id).node_id)
        ray_cluster.remove_node(node)  # as a machine that is switched off or preempted
        st = m.wait(job_id, timeout=HANG_GUARD)
        assert st["state"] == "failed" and not st["has_model"]
        assert "node running it left the cluster" in st["error"], st["error"]
        _wait_for(lambda: m.cluster()["cpus"] == conftest_ray_nodes() - 1, "the cluster to count one node less")
    finally:
        m.shutdown()
        ray_cluster.add_node(num_cpus=1, object_store_memory=ray_cluster.store)  # back to full size for later tests
        ray_cluster.wait_for_nodes()


def conftest_ray_nodes() -> int:
    from conftest import RAY_NODES
    return RAY_NODES


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


def test_a_class_queues_and_is_served_in_turn_with_its_place_and_wait(tmp_path):
    m = scheduler.JobManager(tmp_path / "runs", max_running=1, backend=backends.Local())
    try:
        first = m.start("cnn", TINY, owner="teacher")  # runs: the one slot of this test
        ann1, ann2 = m.start("cnn", TINY, owner="ann"), m.start("cnn", TINY, owner="ann")
        ben, cat = m.start("cnn", TINY, owner="ben"), m.start("cnn", TINY, owner="cat")
        place = {j: m.status(j)["queue_position"] for j in (ann1, ann2, ben, cat)}
        assert place == {ann1: 1, ben: 2, cat: 3, ann2: 4}  # ann's second job waits for ben's and cat's
        assert m.status(ben)["wait"] is None  # nothing like it has run here yet: no promise is made
        _wait_for(lambda: m.status(first)["step"] >= 10, "the first job to reach step 10")
        st = {j: m.status(j) for j in (ann1, ben, cat, ann2)}
        waits = [s["wait"] for s in st.values()]  # in line with one slot: each waits for those before it
        assert all(w is not None for w in waits) and waits == sorted(waits) and waits[0] < waits[1] < waits[3]
        assert all(s["eta"] > s["wait"] for s in st.values())
        m.cancel(first)
        _wait_for(lambda: m.status(ann1)["state"] == "running", "ann's first job to start")
        assert [m.status(j)["queue_position"] for j in (ben, cat, ann2)] == [1, 2, 3]
        # the class: forty waiting (two per session) are all accepted, the forty-first is told why not
        for i in range(40 - 3):
            m.start("cnn", TINY, owner=f"student{i // 2}")
        with pytest.raises(scheduler.JobError, match="queue is full"):
            m.start("cnn", TINY, owner="late")
        assert m.summary()["counts"]["queued"] == 40
    finally:
        m.shutdown()


class _Machine(backends.Local):
    """This machine's backend as if it had other resources (the pools' arithmetic, without the hardware)."""

    def __init__(self, cpus: int, gpus: int):
        super().__init__()
        self._res = {"cpus": cpus, "gpus": gpus}

    def resources(self):
        return dict(self._res)


def test_running_jobs_follow_the_cores_and_share_a_gpu_with_a_memory_guard(tmp_path, monkeypatch):
    def slots(cpus, gpus, **kw):
        return scheduler.JobManager(tmp_path / "runs", backend=_Machine(cpus, gpus), **kw).slots()

    assert slots(2, 0) == {"cpu": 1, "gpu": 0}  # this machine: one job, one core left to the web server
    assert slots(16, 0) == {"cpu": 5, "gpu": 0}  # three threads each on fifteen cores
    assert slots(16, 1) == {"cpu": 5, "gpu": scheduler.GPU_JOBS_PER_GPU}
    monkeypatch.setenv("NP_MAX_RUNNING_JOBS", "3")
    monkeypatch.setenv("NP_GPU_JOBS", "2")
    assert slots(16, 1) == {"cpu": 3, "gpu": 2}
    m = scheduler.JobManager(tmp_path / "runs", backend=_Machine(16, 1))
    job = records.Job(id="j", arch="cnn", config={}, device="auto")
    assert m._pool(job) == "gpu" and m._pool(dataclasses.replace(job, device="cpu")) == "cpu"
    assert m._gpu_room(0)  # an idle GPU takes a job whatever was last reported
    m._gpu_free_mb = scheduler.GPU_MIN_FREE_MB - 1
    assert not m._gpu_room(1)  # a busy one only while enough memory is free
    m._gpu_free_mb = scheduler.GPU_MIN_FREE_MB
    assert m._gpu_room(1)
    assert m.summary()["gpu_slots"] == 2 and m.cluster()["backend"] == "local"


def test_the_wait_estimate_is_list_scheduling_and_says_nothing_it_cannot_know():
    from playground.jobs import plan
    assert plan.starts([0.0, 10.0], [5.0, 5.0, 5.0]) == [0.0, 5.0, 10.0]
    assert plan.starts([3.0], [4.0, None, 1.0]) == [3.0, 7.0, None]
    assert plan.starts([], [1.0]) == [None]
    assert plan.makespan(3, [10.0] * 7) == 30.0
    assert plan.makespan(2, [10.0] * 4, slowdown=lambda k: 1.5 if k > 1 else 1.0) == 30.0


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


def test_the_train_panel_says_place_wait_and_node_in_both_languages():
    from types import SimpleNamespace

    from playground.ui import train

    def say(st, lang):
        return train.describe({"step": 0, "total_steps": 0, **st}, SimpleNamespace(cookies={"np_lang": lang}, headers={}))[1]

    queued = {"state": "queued", "queue_position": 3, "wait": 125.0, "eta": 190.0}
    assert say(queued, "en") == ("Queued: position 3 in line (sessions take turns) · starts in about 2 min 05 s, "
                                 "done in about 3 min 10 s.")
    assert say(queued, "zh") == "排队中：第 3 位（各会话轮流）· 约 2 min 05 s 后开始，约 3 min 10 s 后完成。"
    assert "no wait estimate yet" in say({**queued, "wait": None, "eta": None}, "en")
    running = {"state": "running", "step": 50, "total_steps": 250, "device": "cpu", "eta": 20.0, "backend": "ray",
               "where": "Ray node 10.0.0.7 (1a2b3c4d), pid 99"}
    assert say(running, "en").startswith("Training on **cpu** (Ray node 10.0.0.7 (1a2b3c4d), pid 99): step 50 of 250")
    assert say(running, "zh").startswith("正在 **cpu** 上训练（Ray node 10.0.0.7 (1a2b3c4d), pid 99）：第 50 / 250 步")
    assert say({**running, "backend": "local"}, "en").startswith("Training on **cpu**: step 50")


UNREACHABLE = r"""
import json, sys, time
from playground.jobs import backends, scheduler
m = scheduler.JobManager(sys.argv[1], backend=backends.Ray("127.0.0.1:9"), max_running=2)
t = time.time()
job = m.start("cnn", {"epochs": 1})
st = m.status(job)
print(json.dumps({"start_s": time.time() - t, "state": st["state"], "slots": m.slots(), "cluster": m.cluster(),
                  "summary_s": (lambda t0: (m.summary(), time.time() - t0)[1])(time.time())}), flush=True)
import os; os._exit(0)  # the connection attempt may still be waiting inside ray.init
"""


def test_a_ray_cluster_that_does_not_answer_never_stalls_the_server(tmp_path):
    import json
    import subprocess
    import sys

    from conftest import ROOT, _needed
    _needed("ray", "Ray backend tests")
    out = subprocess.run([sys.executable, "-c", UNREACHABLE, str(tmp_path)], cwd=ROOT, capture_output=True, text=True,
                         timeout=HANG_GUARD, env={**os.environ, "RAY_USAGE_STATS_ENABLED": "0"})
    answer = json.loads(out.stdout.strip().splitlines()[-1])
    assert answer["state"] == "queued" and answer["slots"] == {"cpu": 0, "gpu": 0}  # it waits in line, not failed
    assert answer["start_s"] < 60 and answer["summary_s"] < 60  # about a second, where ray.init alone waits minutes
    assert answer["cluster"]["backend"] == "ray" and "cannot reach the cluster" in answer["cluster"]["error"]


def test_the_health_tab_says_the_pools_and_where_jobs_run_in_both_languages():
    from types import SimpleNamespace

    from playground.ui import health

    def say(rep, lang):
        return health.describe(rep, SimpleNamespace(cookies={"np_lang": lang}, headers={}))

    rep = health.health_report()  # this server: local backend, the pools of this machine
    assert rep["backend"]["backend"] == "local" and rep["backend"]["cpus"] >= 1
    assert "CPU jobs: 0 of" in say(rep, "en") and "GPU jobs" not in say(rep, "en")
    rep["jobs"].update(gpu_slots=4, running={"cpu": 0, "gpu": 1}, gpu_min_free_mb=1024)
    assert "GPU jobs: 1 of 4 sharing it (a new one starts only with 1024 MB free)" in say(rep, "en")
    assert "GPU 任务：1 / 4 个共享 GPU" in say(rep, "zh")
    rep["backend"] = {"backend": "ray", "cpus": 8, "gpus": 1, "nodes": [
        {"where": "10.0.0.5", "id": "1a2b3c4d", "cpus": 0, "gpus": 0},
        {"where": "10.0.0.6", "id": "5e6f7a8b", "cpus": 8, "gpus": 1}]}
    assert ("Ray cluster: 2 nodes, 8 CPUs, 1 GPUs · 10.0.0.5 (1a2b3c4d: 0 CPU, 0 GPU), "
            "10.0.0.6 (5e6f7a8b: 8 CPU, 1 GPU)") in say(rep, "en")
    rep["backend"] = {"backend": "ray", "error": "cannot reach the cluster (ConnectionError)"}
    assert "Ray 集群：无法连接（cannot reach the cluster (ConnectionError)）" in say(rep, "zh")


SERVER_SCRIPT = r"""
import os, sys, tempfile
sys.path.insert(0, os.getcwd())
with open(os.environ["NP_TEST_MARK"], "a") as f:
    f.write(__name__ + "\n")  # each run of this file, as the main script or again in a child
if __name__ == "__main__":
    import queue
    from playground.jobs import backends
    handle = backends.Local().launch("main-test", ("mlp", "playground.models.mlp", {"epochs": 1}, "cpu",
                                                   tempfile.mkdtemp()), 1, None, None)
    while handle.proc.is_alive() or not handle.messages.empty():
        try:
            handle.get(0.2)  # read its reports, as the manager does
        except queue.Empty:
            pass
    print("exit", handle.proc.exitcode, flush=True)
"""


def test_a_job_process_does_not_run_the_servers_main_script_again(tmp_path):
    """``python app.py`` is a script: spawning would run it again in each job's process (the whole web app,
    three times the CPU the job needs to start). The job trains all the same without it."""
    import subprocess
    import sys

    from conftest import ROOT
    script, mark = tmp_path / "server.py", tmp_path / "mark.txt"
    script.write_text(SERVER_SCRIPT)
    out = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True, timeout=HANG_GUARD,
                         env={**os.environ, "NP_TEST_MARK": str(mark)})
    assert "exit 0" in out.stdout, out.stderr[-3000:]
    assert mark.read_text().split() == ["__main__"]  # not "__mp_main__": the child did not run it
