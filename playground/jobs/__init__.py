"""Background training jobs: one job system for every architecture, in five roles.

- ``scheduler``: the :class:`~playground.jobs.scheduler.JobManager`: a fair queue (round-robin across
  sessions), pools of workers that follow the machine (cores, a shared GPU), per-owner limits,
  start / status (with place in line and estimated wait) / cancel;
- ``backends``: where a worker runs: this machine's processes (default) or a Ray cluster
  (``NP_RAY_ADDRESS``); only "launch a worker" differs;
- ``worker``: the body of one job: the engine's ``fit``, progress and previews sent back,
  the model saved, the end reported (a job whose loss becomes NaN/inf, that runs out of memory or
  raises ends as ``failed`` with a readable reason; a stopped one keeps what it learned);
- ``records``: a job's record (settings, state, metric curves) and its ``job.json`` on disk, so
  finished models survive a restart;
- ``plan``: when queued jobs will start (the estimates users see, and the benchmark's simulation).

The server has one JobManager, made on first use by :func:`manager`: the one deliberate process-wide
object. No Gradio here: the UI and the API read ``manager().status(...)`` (JSON-safe dicts). What callers
outside the package use is named here: ``manager()``, ``JobError`` and ``ACTIVE`` (the states of a live job).
"""

from __future__ import annotations

import threading

from playground.jobs import scheduler
from playground.jobs.records import ACTIVE  # noqa: F401  the package's public names, for its callers
from playground.jobs.scheduler import JobError  # noqa: F401

_manager: scheduler.JobManager | None = None
_manager_lock = threading.Lock()


def manager() -> scheduler.JobManager:
    """The server's one JobManager, made on first use."""
    global _manager
    with _manager_lock:
        if _manager is None:
            _manager = scheduler.JobManager()
        return _manager
