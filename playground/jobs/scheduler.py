"""The job scheduler: a bounded pool of training processes, a FIFO queue, limits, and the records.

A :class:`JobManager` runs each job in its own process (``worker.run``), so training never blocks the
web server, cannot take the server down when it fails, can be stopped at once, and gets its own torch
thread count (``torch.set_num_threads`` is per process). Jobs beyond ``max_running`` wait in a FIFO
queue; each owner (a browser session) may have at most ``max_per_owner`` jobs queued or running, and
the queue holds at most ``max_queued``. A thread per running job reads its messages into the job's
record (``records.Job``). On ZeroGPU, where CUDA exists only inside a ``spaces.GPU`` call of the
server's own process, a job runs in a thread of the server instead.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import queue
import secrets
import threading
import time
from dataclasses import asdict, replace
from pathlib import Path

from playground import checkpoint, models, zerogpu
from playground.config import from_overrides
from playground.errors import UserError
from playground.jobs import records, worker
from playground.jobs.records import ACTIVE, Job

DEVICES = ("auto", "cpu", "cuda")
STOP_GRACE = 15.0  # seconds a stopped job may take to save its model before it is killed


class JobError(UserError):
    """A request the job system refuses (unknown job, limits reached); the message is for the user."""


class JobManager:
    def __init__(self, runs_dir: str | Path | None = None, max_running: int | None = None,
                 max_queued: int = 8, max_per_owner: int = 2, threads: int | None = None,
                 device: str | None = None):
        self.runs_dir = Path(runs_dir) if runs_dir is not None else records.default_runs_dir()
        cores = os.cpu_count() or 1
        self.max_running = max_running or int(os.environ.get("NP_MAX_RUNNING_JOBS", "1"))
        self.max_queued = max_queued
        self.max_per_owner = max_per_owner
        # Leave a core to the server on small machines, so inference stays quick while jobs train.
        self.threads = threads or max(1, cores - 1)
        self.device = device or os.environ.get("NP_DEVICE", "auto")
        self._jobs: dict[str, Job] = {}
        self._queue: list[str] = []
        self._previews: dict[str, dict] = {}
        self._curves: dict[tuple[str, str], dict] = {}  # (job id, metric) → its thinning state (records.append_point)
        self._stops: dict[str, object] = {}
        self._procs: dict[str, object] = {}
        self._lock = threading.RLock()
        self._version = 0
        self._ctx = mp.get_context("spawn")  # a fresh interpreter: no forked locks, CUDA-safe
        self._load()

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
            out["queue_position"] = self._queue.index(job_id) + 1 if job_id in self._queue else None
            out["elapsed"] = ((job.finished or time.time()) - job.started) if job.started else 0.0
            out["eta"] = (out["elapsed"] / job.step * (job.total_steps - job.step)
                          if job.state == "running" and job.step else None)
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
                stop = self._stops.get(job_id)
                if stop is not None:
                    stop.set()
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
            for job_id in list(self._queue):
                self.cancel(job_id)
            procs = list(self._procs.items())
            for job_id, _ in procs:
                self.cancel(job_id)
        for _, proc in procs:
            proc.join(STOP_GRACE)
            if proc.is_alive():
                proc.kill()

    def summary(self) -> dict:
        """Counts by state and the active jobs in brief (no curves): for the health page and polling."""
        with self._lock:
            counts = {}
            for j in self._jobs.values():
                counts[j.state] = counts.get(j.state, 0) + 1
            active = [{"id": j.id, "arch": j.arch, "state": j.state, "device": j.device, "step": j.step,
                       "total_steps": j.total_steps} for j in self._jobs.values() if j.state in ACTIVE]
            return {"counts": counts, "active": active, "max_running": self.max_running,
                    "max_queued": self.max_queued, "max_per_owner": self.max_per_owner,
                    "threads_per_job": self.threads}

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

    def _schedule(self) -> None:
        with self._lock:
            while self._queue and len(self._procs) < self.max_running:
                job = self._jobs[self._queue.pop(0)]
                self._launch(job)

    def _launch(self, job: Job) -> None:
        out_dir = self.runs_dir / job.id
        messages, stop = self._ctx.Queue(), self._ctx.Event()
        args = (job.arch, models.get(job.arch).__name__, job.config, job.device, str(out_dir))
        if zerogpu.enabled():  # CUDA exists only inside a spaces.GPU call of this process: train in a thread
            messages, stop = queue.Queue(), threading.Event()
            proc = _ThreadRun(zerogpu.gpu(worker.run), args + (messages, stop, torch_threads()), f"job-{job.id}")
        else:
            proc = self._ctx.Process(target=worker.run, name=f"job-{job.id}", daemon=True,
                                     args=args + (messages, stop, self.threads))
        job.state, job.started = "running", time.time()
        self._stops[job.id], self._procs[job.id] = stop, proc
        self._save(job)
        proc.start()
        threading.Thread(target=self._monitor, args=(job, proc, messages), daemon=True,
                         name=f"monitor-{job.id}").start()

    def _monitor(self, job: Job, proc, messages) -> None:
        ended = False
        stop_seen = None
        while not ended:
            try:
                kind, payload = messages.get(timeout=0.5)
            except queue.Empty:
                if job.stop_requested:
                    stop_seen = stop_seen or time.time()
                    if time.time() - stop_seen > STOP_GRACE and proc.is_alive():
                        proc.kill()
                if not proc.is_alive():
                    try:  # the last words may still be in the pipe
                        kind, payload = messages.get(timeout=1.0)
                    except queue.Empty:
                        with self._lock:
                            self._finish(job, "failed", error=f"the training process stopped "
                                                              f"unexpectedly (exit code {proc.exitcode})")
                        break
                else:
                    continue
            ended = self._handle(job, kind, payload)
        proc.join(5)
        with self._lock:
            self._procs.pop(job.id, None)
            self._stops.pop(job.id, None)
            for key in [k for k in self._curves if k[0] == job.id]:
                del self._curves[key]
            self._schedule()

    def _handle(self, job: Job, kind: str, payload) -> bool:
        with self._lock:
            self._version += 1
            if kind == "started":
                job.device = payload["device"]
                job.total_steps = payload["total_steps"]
            elif kind == "progress":
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

    def _save(self, job: Job) -> None:
        self._version += 1
        records.save(self.runs_dir, job)

    def _load(self) -> None:
        """Jobs of earlier runs of the server: finished ones stay usable; interrupted ones failed."""
        for job in records.load(self.runs_dir):
            self._jobs[job.id] = job


def torch_threads() -> int:
    import torch
    return torch.get_num_threads()


class _ThreadRun(threading.Thread):
    """A job run in a thread of the server (ZeroGPU), with the few methods of a Process the monitor uses.
    It cannot be killed: the stop flag ends it at the next step."""

    exitcode = None

    def __init__(self, fn, args, name):
        super().__init__(target=fn, args=args, name=name, daemon=True)

    def kill(self) -> None:
        pass
