"""The job scheduler: a fair queue, bounded pools of workers, per-session limits, and the records.

A :class:`JobManager` hands each job to a worker launched by its backend (``backends``: this machine's
processes by default, a Ray cluster when ``NP_RAY_ADDRESS`` is set), so training never blocks the web
server, cannot take it down when it fails, can be stopped at once, and gets its own torch thread count.
What users see is the same on either backend:

- **A queue that holds a class**: up to ``max_queued`` jobs wait (40 by default, ``NP_MAX_QUEUED_JOBS``),
  each owner (a browser session) at most ``max_per_owner`` queued or running. Jobs are served
  **round-robin across owners**: the owner served longest ago goes next, so one session's two jobs do
  not run back to back while others wait. Each queued job knows its place and an estimated wait
  (``plan.starts`` over the running jobs' remaining time and what jobs of the same kind took here; no
  estimate until one has run).
- **Pools that follow the machine**: CPU jobs run ``threads`` torch threads each, as many at once as the
  cores allow (one core is left to the web server: ``NP_MAX_RUNNING_JOBS`` and ``NP_JOB_THREADS``
  override); on a GPU, ``NP_GPU_JOBS`` jobs share it (4 per GPU by default), each held to its share of
  the memory, and no new one starts while less than ``NP_GPU_MIN_FREE_MB`` is free.
- **Stop** is cooperative first (the worker stops at its next step and saves what it learned), forced
  after ``stop_grace`` seconds. A worker that dies, or whose node leaves a cluster, ends its job as
  ``failed`` with the reason; nothing else is lost.

A thread per running job reads its messages into the job's record (``records.Job``).
"""

from __future__ import annotations

import json
import os
import queue
import secrets
import statistics
import threading
import time
from dataclasses import asdict, replace
from pathlib import Path

from playground import checkpoint, layer_health, models, zerogpu
from playground.config import from_overrides
from playground.errors import UserError
from playground.jobs import backends, plan, records
from playground.jobs.records import ACTIVE, Job

DEVICES = ("auto", "cpu", "cuda")
STOP_GRACE = 15.0  # seconds a stopped job may take to save its model before it is killed
MAX_QUEUED = 40  # a class
GPU_JOBS_PER_GPU = 4
HEALTH_FILE = "health.json"  # a finished job's layer health, beside its job.json
GPU_MIN_FREE_MB = 1024
RESCHEDULE_EVERY = 2.0  # seconds: while jobs wait, look again (a cluster grows, a GPU's memory frees up)


class JobError(UserError):
    """A request the job system refuses (unknown job, limits reached); the message is for the user."""


def _env_int(name: str) -> int | None:
    value = os.environ.get(name, "").strip()
    return int(value) if value else None


def default_threads(cores: int) -> int:
    """Torch threads per CPU job: 1 on small machines (several jobs at once beat one fast one for a
    class), up to 4 on big ones."""
    return max(1, min(4, (cores - 1) // 4))


class JobManager:
    def __init__(self, runs_dir: str | Path | None = None, max_running: int | None = None,
                 max_queued: int | None = None, max_per_owner: int = 2, threads: int | None = None,
                 device: str | None = None, backend=None, gpu_jobs: int | None = None,
                 stop_grace: float = STOP_GRACE):
        self.runs_dir = Path(runs_dir) if runs_dir is not None else records.default_runs_dir()
        self.backend = backend or backends.from_env()
        self._max_running = max_running or _env_int("NP_MAX_RUNNING_JOBS")  # None: follows the cores
        self._gpu_jobs = gpu_jobs if gpu_jobs is not None else _env_int("NP_GPU_JOBS")
        self.max_queued = max_queued or _env_int("NP_MAX_QUEUED_JOBS") or MAX_QUEUED
        self.max_per_owner = max_per_owner
        self._threads = threads or _env_int("NP_JOB_THREADS")  # None: follows the cores
        self.gpu_min_free_mb = _env_int("NP_GPU_MIN_FREE_MB") or GPU_MIN_FREE_MB
        self.stop_grace = stop_grace
        self.device = device or os.environ.get("NP_DEVICE", "auto")
        self._jobs: dict[str, Job] = {}
        self._queue: list[str] = []  # in order of arrival; _order() says who goes next
        self._served: dict[str, int] = {}  # owner → serial number of their last job launched
        self._serial = 0
        self._pools: dict[str, str] = {}  # running job id → "cpu" or "gpu"
        self._gpu_free_mb: int | None = None  # the latest a GPU job reported
        self._pace: dict[str, tuple[float, int]] = {}  # running job → (time, step) of its first progress
        self._previews: dict[str, dict] = {}
        self._health: dict[str, dict] = {}  # job → its layer health so far, and histograms of some steps
        self._curves: dict[tuple[str, str], dict] = {}  # (job id, metric) → its thinning state (records.append_point)
        self._handles: dict[str, backends.Handle] = {}
        self._resources: tuple[float, dict] | None = None
        self._pump: threading.Thread | None = None
        self._closed = False
        self._lock = threading.RLock()
        self._version = 0
        self._load()

    @property
    def threads(self) -> int:
        """Torch threads per CPU job: set, or from this machine's cores (1 on a Ray cluster's nodes)."""
        if self._threads:
            return self._threads
        return default_threads(self._backend_resources()["cpus"]) if self.backend.name == "local" else 1

    @property
    def max_running(self) -> int:
        return self.slots()["cpu"]

    def slots(self) -> dict:
        """How many jobs may run at once: {"cpu": n, "gpu": m} (m = 0 without a GPU)."""
        res = self._backend_resources()
        if res.get("unreachable"):
            return {"cpu": 0, "gpu": 0}
        if self._max_running:
            cpu = self._max_running
        elif self.backend.name == "local":
            cpu = max(1, (res["cpus"] - 1) // self.threads)  # a core for the web server
        else:
            cpu = res["cpus"] // self.threads  # 0 while the cluster has no CPU: jobs wait for a node
        gpu = self._gpu_jobs if self._gpu_jobs is not None else GPU_JOBS_PER_GPU * res["gpus"]
        return {"cpu": cpu, "gpu": gpu if res["gpus"] else 0}

    # ------------------------------------------------------------------ public API

    def start(self, arch: str, overrides: dict | None = None, owner: str = "", device: str | None = None) -> str:
        """Check the request, queue the job and return its id at once."""
        module = models.get(arch)  # ValueError naming the valid architectures
        overrides = dict(overrides or {})
        device = overrides.pop("device", None) or device or self.device
        if device not in DEVICES:
            raise UserError("setting_device", valid=", ".join(DEVICES), value=repr(device))
        cfg = from_overrides(module.Config, overrides)  # ValueError naming the field and its range
        self._check_writable()
        with self._lock:
            active = [j for j in self._jobs.values() if j.state in ACTIVE]
            if owner and sum(j.owner == owner for j in active) >= self.max_per_owner:
                raise JobError("job_per_owner", n=self.max_per_owner)
            if len(self._queue) >= self.max_queued:
                raise JobError("job_queue_full", n=self.max_queued)
            job_id = f"{arch}-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"
            job = Job(id=job_id, arch=arch, config=asdict(cfg), owner=owner, device=device)
            self._jobs[job_id] = job
            self._queue.append(job_id)
            self._save(job)
            self._schedule()
        return job_id

    def status(self, job_id: str, curves: bool = True) -> dict:
        """A JSON-safe copy of the job's record, with queue position and ETA (``curves=False``: without
        the metric curves, which are the bulk of it)."""
        with self._lock:
            job = self._get(job_id)
            out = asdict(job) if curves else asdict(replace(job, metrics={}))
            out.pop("owner")
            out["elapsed"] = ((job.finished or time.time()) - job.started) if job.started else 0.0
            out["queue_position"], out["wait"], out["eta"] = None, None, None
            if job.state == "queued":
                out["queue_position"], out["wait"], out["eta"] = self._estimates().get(job_id, (None, None, None))
            elif job.state == "running":
                out["eta"] = self._remaining(job)
            return json.loads(json.dumps(out))

    def cancel(self, job_id: str) -> dict:
        """Stop a job: a queued one is dropped, a running one stops and saves what it learned."""
        with self._lock:
            job = self._get(job_id)
            if job.state == "queued":
                self._queue.remove(job_id)
                self._finish(job, "cancelled")
            elif job.state == "running":
                job.stop_requested = True
                handle = self._handles.get(job_id)
                if handle is not None:
                    handle.stop()
        return self.status(job_id)

    def owner(self, job_id: str) -> str:
        with self._lock:
            return self._get(job_id).owner

    def jobs(self, owner: str | None = None, curves: bool = True) -> list[dict]:
        """Every job (newest first), or those of one owner."""
        with self._lock:
            ids = [j.id for j in sorted(self._jobs.values(), key=lambda j: j.created, reverse=True)
                   if owner is None or j.owner == owner]
        return [self.status(i, curves=curves) for i in ids]

    def version(self) -> int:
        """A number that changes whenever any job changes: pollers skip work while it stays the same."""
        return self._version

    def preview(self, job_id: str) -> dict:
        """The latest preview arrays the job sent (e.g. {"filters": (C, k, k)}), or {}."""
        with self._lock:
            self._get(job_id)
            return dict(self._previews.get(job_id, {}))

    def layer_health(self, job_id: str) -> dict:
        """The job's layer health: {"history": {"layers", "steps", "stats"}, "histograms": [{"step", layer: …}
        of up to ``layer_health.HIST_KEEP`` steps]} ({} when none)."""
        with self._lock:
            self._get(job_id)
            if job_id in self._health:
                return json.loads(json.dumps(self._health[job_id]))  # a copy, NaN as it came
        kept = records.load_json(self.runs_dir / job_id / HEALTH_FILE) or {}
        if isinstance(kept.get("histograms"), dict):  # saved before histograms were kept per step: the latest
            kept["histograms"] = [kept["histograms"]]
        return kept

    def model_dir(self, job_id: str) -> Path:
        """Where a finished job's model is; JobError when it has none (yet)."""
        with self._lock:
            job = self._get(job_id)
            if not job.has_model:
                raise JobError("job_no_model", job=job_id, state=job.state)
            return self.runs_dir / job_id / "model"

    def load_model(self, job_id: str):
        """(model, cfg, meta) of a finished job, loaded once and cached."""
        return checkpoint.load_cached(self.model_dir(job_id))

    def wait(self, job_id: str, timeout: float = 60.0) -> dict:
        """Block until the job is no longer queued or running (for tests and scripts)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            st = self.status(job_id)
            if st["state"] not in ACTIVE:
                return st
            time.sleep(0.1)
        raise TimeoutError(f"job {job_id} still {self.status(job_id)['state']} after {timeout}s")

    def shutdown(self) -> None:
        """Stop every running job (used when the server closes)."""
        with self._lock:
            self._closed = True
            for job_id in list(self._queue):
                self.cancel(job_id)
            handles = list(self._handles.items())
            for job_id, _ in handles:
                self.cancel(job_id)
        for _, handle in handles:
            handle.join(self.stop_grace)
            if handle.alive():
                handle.kill()

    def summary(self) -> dict:
        """Counts by state and the active jobs in brief (no curves): for the health page and polling."""
        with self._lock:
            counts = {}
            for j in self._jobs.values():
                counts[j.state] = counts.get(j.state, 0) + 1
            active = [{"id": j.id, "arch": j.arch, "state": j.state, "device": j.device, "step": j.step,
                       "total_steps": j.total_steps} for j in self._jobs.values() if j.state in ACTIVE]
            slots = self.slots()
            return {"counts": counts, "active": active, "max_running": slots["cpu"], "gpu_slots": slots["gpu"],
                    "running": self._running(),
                    "max_queued": self.max_queued, "max_per_owner": self.max_per_owner,
                    "threads_per_job": self.threads, "gpu_min_free_mb": self.gpu_min_free_mb,
                    "gpu_free_mb": self._gpu_free_mb, "fairness": "round-robin across sessions"}

    def cluster(self) -> dict:
        """Where jobs run: {"backend": "local" | "ray", "nodes": [{where, cpus, gpus}, …], "cpus", "gpus"};
        {"backend": …, "error": …} when a cluster cannot be reached."""
        try:
            return self.backend.describe()
        except Exception as e:  # a cluster that is down is a fact to show, not a crash
            return {"backend": self.backend.name, "error": f"cannot reach the cluster ({type(e).__name__})"}

    # ------------------------------------------------------------------ internals

    def _check_writable(self) -> None:
        """Refuse a job at once when its run could not be saved (read-only or full disk)."""
        try:
            self.runs_dir.mkdir(parents=True, exist_ok=True)
            probe = self.runs_dir / f".probe-{secrets.token_hex(4)}"
            with open(probe, "wb") as f:
                f.write(b"\0" * 65536)  # a little room, not just an inode
            probe.unlink()
        except OSError as e:
            raise JobError("job_storage", why=os.strerror(e.errno) if e.errno else type(e).__name__)

    def _get(self, job_id) -> Job:
        job = self._jobs.get(job_id) if isinstance(job_id, str) else None
        if job is None:
            raise JobError("job_unknown", job=repr(str(job_id)[:80]))
        return job

    def _backend_resources(self) -> dict:
        """The backend's CPUs and GPUs, asked at most every RESCHEDULE_EVERY seconds (a cluster's change)."""
        now = time.time()
        if self._resources is None or now - self._resources[0] > RESCHEDULE_EVERY:
            try:
                self._resources = (now, self.backend.resources())
            except Exception:  # a cluster that cannot be reached has no room: jobs wait, the Health tab says why
                self._resources = (now, {"cpus": 0, "gpus": 0, "unreachable": True})
        return self._resources[1]

    def _running(self) -> dict[str, int]:
        """Jobs running now in each pool: {"cpu": n, "gpu": m}."""
        return {pool: sum(p == pool for p in self._pools.values()) for pool in ("cpu", "gpu")}

    def _pool(self, job: Job) -> str:
        return "gpu" if job.device == "cuda" or (job.device == "auto" and self.slots()["gpu"]) else "cpu"

    def _order(self) -> list[str]:
        """The queue in the order it will be served: round-robin across owners (the owner whose last job
        was launched longest ago goes first; never served goes before served), first come first served
        within an owner. A job with no owner (a script's) is its own owner."""
        pending: dict[str, list[str]] = {}
        for job_id in self._queue:
            pending.setdefault(self._jobs[job_id].owner or job_id, []).append(job_id)
        turn, serial, arrival = dict(self._served), self._serial, {j: i for i, j in enumerate(self._queue)}
        order = []
        while pending:
            owner = min(pending, key=lambda o: (turn.get(o, 0), arrival[pending[o][0]]))
            order.append(pending[owner].pop(0))
            serial += 1
            turn[owner] = serial
            if not pending[owner]:
                del pending[owner]
        return order

    def _expected(self, job: Job) -> float | None:
        """Seconds a job like this one (same architecture and settings) takes here, start to end: the
        median of the last five that finished, else a running one's projection; None before any."""
        like = [j for j in self._jobs.values() if j.arch == job.arch and j.config == job.config and j.started]
        done = sorted((j for j in like if j.state == "done" and j.finished), key=lambda j: j.finished)[-5:]
        if done:
            return statistics.median(j.finished - j.started for j in done)
        running = [time.time() - j.started + left for j in like
                   if j.state == "running" and (left := self._pace_left(j)) is not None]
        return statistics.median(running) if running else None

    def _pace_left(self, job: Job) -> float | None:
        """Seconds of training left at the pace the job has kept since its first progress (its start-up,
        the process and the data, does not count: it is over), None until it has kept one for 10 steps."""
        t0, step0 = self._pace.get(job.id, (None, 0))
        if t0 is None or job.step - step0 < 10 or not job.total_steps:
            return None
        return (time.time() - t0) / (job.step - step0) * (job.total_steps - job.step)

    def _remaining(self, job: Job) -> float | None:
        """Seconds until a running job ends: at its own pace once it has one, else what jobs like it took."""
        left = self._pace_left(job)
        if left is not None:
            return left
        expected = self._expected(job)
        return None if expected is None else max(0.0, expected - (time.time() - job.started))

    def _estimates(self) -> dict[str, tuple[int, float | None, float | None]]:
        """Each queued job → (place in line, seconds until it starts, seconds until it ends)."""
        order = self._order()
        out = {job_id: (i + 1, None, None) for i, job_id in enumerate(order)}
        slots = self.slots()
        for pool in ("cpu", "gpu"):
            waiting = [j for j in order if self._pool(self._jobs[j]) == pool]
            if not waiting:
                continue
            free_at = [self._remaining(self._jobs[j]) for j, p in self._pools.items() if p == pool]
            free_at += [0.0] * max(0, slots[pool] - len(free_at))
            if any(f is None for f in free_at):
                continue
            def kind(job_id):  # jobs of one kind take alike: the records are looked through once per kind
                return self._jobs[job_id].arch, json.dumps(self._jobs[job_id].config, sort_keys=True)

            first = {kind(j): j for j in reversed(waiting)}  # a job of each kind
            expected = {k: self._expected(self._jobs[j]) for k, j in first.items()}
            durations = [expected[kind(j)] for j in waiting]
            for job_id, start, duration in zip(waiting, plan.starts(free_at, durations), durations):
                if start is not None:
                    out[job_id] = (out[job_id][0], start, None if duration is None else start + duration)
        return out

    def _schedule(self) -> None:
        with self._lock:
            if self._closed:
                return
            slots, running = self.slots(), self._running()
            for job_id in self._order():
                job = self._jobs[job_id]
                pool = self._pool(job)
                if running[pool] >= slots[pool] or (pool == "gpu" and not self._gpu_room(running["gpu"])):
                    continue
                self._queue.remove(job_id)
                running[pool] += 1
                self._launch(job, pool)
            if self._queue and (self._pump is None or not self._pump.is_alive()):
                self._pump = threading.Thread(target=self._pump_loop, daemon=True, name="jobs-pump")
                self._pump.start()

    def _pump_loop(self) -> None:
        """While jobs wait, schedule again now and then: a cluster may have grown, a GPU's memory freed."""
        while True:
            time.sleep(RESCHEDULE_EVERY)
            with self._lock:
                if self._closed or not self._queue:
                    self._pump = None
                    return
                self._schedule()

    def _gpu_room(self, running: int) -> bool:
        """The memory guard: a GPU job starts only when the GPU is idle or has enough memory free."""
        return running == 0 or self._gpu_free_mb is None or self._gpu_free_mb >= self.gpu_min_free_mb

    def _launch(self, job: Job, pool: str) -> None:
        out_dir = self.runs_dir / job.id
        if pool == "gpu":
            device, threads = "cuda", 1
            share = 1.0 / max(1, self.slots()["gpu"] // max(1, self._backend_resources()["gpus"]))
        else:  # "auto" here means the CPU; on ZeroGPU the worker itself finds the GPU it is lent
            device, threads, share = ("cpu" if job.device == "auto" and not zerogpu.enabled() else job.device,
                                      self.threads, None)
        args = (job.arch, models.get(job.arch).__name__, job.config, device, str(out_dir))
        self._serial += 1
        self._served[job.owner or job.id] = self._serial
        job.state, job.started, job.backend = "running", time.time(), self.backend.name
        try:
            handle = self.backend.launch(job.id, args, threads, share, out_dir)
        except Exception as e:  # a cluster that cannot be reached: this job fails, the server goes on
            self._finish(job, "failed", error=f"could not start its worker on the {self.backend.name} backend "
                                              f"({type(e).__name__}: {str(e)[:200]})")
            return
        job.where = handle.where
        self._handles[job.id], self._pools[job.id] = handle, pool
        self._save(job)
        threading.Thread(target=self._monitor, args=(job, handle), daemon=True, name=f"monitor-{job.id}").start()

    def _monitor(self, job: Job, handle: backends.Handle) -> None:
        ended = forced = False
        stop_seen = None
        while not ended:
            try:
                kind, payload = handle.get(timeout=0.5)
            except queue.Empty:
                if job.stop_requested:
                    stop_seen = stop_seen or time.time()
                    if time.time() - stop_seen > self.stop_grace and handle.alive():
                        forced = True
                        handle.kill()
                if not handle.alive():
                    try:  # the last words may still be on their way
                        kind, payload = handle.get(timeout=1.0)
                    except queue.Empty:
                        with self._lock:
                            if forced:
                                self._finish(job, "cancelled", error=f"it did not stop within {self.stop_grace:g} s "
                                                                     f"of Stop, so it was ended (nothing saved)")
                            else:
                                self._finish(job, "failed", error=handle.ended_because())
                        break
                else:
                    continue
            ended = self._handle(job, kind, payload)
        with self._lock:  # the next job starts now, while this worker's process exits (it has said its last)
            self._handles.pop(job.id, None)
            self._pools.pop(job.id, None)
            self._pace.pop(job.id, None)
            for key in [k for k in self._curves if k[0] == job.id]:
                del self._curves[key]
            self._schedule()
        handle.join(5)

    def _handle(self, job: Job, kind: str, payload) -> bool:
        with self._lock:
            self._version += 1
            if kind == "placed":
                job.where = payload["where"]
            elif kind == "started":
                job.device = payload["device"]
                job.total_steps = payload["total_steps"]
                self._gpu_free_mb = payload.get("gpu_free_mb", self._gpu_free_mb)
            elif kind == "progress":
                if payload["steps"] and job.id not in self._pace:
                    self._pace[job.id] = (time.time(), payload["steps"][-1][0])
                self._gpu_free_mb = payload.get("gpu_free_mb", self._gpu_free_mb)
                for step, metrics in payload["steps"]:
                    job.step = step
                    for name, value in metrics.items():
                        records.append_point(job.metrics.setdefault(name, []), [step, value],
                                self._curves.setdefault((job.id, name), {}))
                for step, metrics in payload["epochs"]:
                    for name, value in metrics.items():
                        records.append_point(job.metrics.setdefault(name, []), [step, value],
                                self._curves.setdefault((job.id, name), {}))
                if payload.get("preview"):
                    self._previews[job.id] = payload["preview"]
                if payload.get("health"):
                    kept = self._health.setdefault(job.id, {"history": {}, "histograms": []})
                    for step, stats in payload["health"]:
                        layer_health.append(kept["history"], list(stats), step, stats)
                    for histograms in payload.get("histograms") or []:
                        layer_health.keep_histograms(kept["histograms"], histograms)
            elif kind == "finished":
                job.final = payload["final"]
                job.has_model = payload["saved"]
                if payload.get("save_error"):
                    self._finish(job, "failed", error=f"training ended but its model could not be saved "
                                                      f"({payload['save_error']})")
                else:
                    self._finish(job, "cancelled" if payload["stopped"] else "done")
                return True
            elif kind == "failed":
                job.has_model = payload.get("saved", False)
                self._finish(job, "failed", error=payload["error"])
                return True
        return False

    def _finish(self, job: Job, state: str, error: str | None = None) -> None:
        job.state, job.error, job.finished = state, error, time.time()
        self._version += 1
        self._save(job)
        if job.id in self._health:  # kept beside job.json, so it outlives the server
            records.save_json(self.runs_dir / job.id / HEALTH_FILE, self._health[job.id])

    def _save(self, job: Job) -> None:
        self._version += 1
        records.save(self.runs_dir, job)

    def _load(self) -> None:
        """Jobs of earlier runs of the server: finished ones stay usable; interrupted ones failed."""
        for job in records.load(self.runs_dir):
            self._jobs[job.id] = job
