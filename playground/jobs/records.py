"""A job's record: its settings, state and metric curves, and how it is kept on disk.

Every job lives in ``<runs>/<job id>/``: ``job.json`` (this record) and, once trained, ``model/``
(config.json + model.safetensors), so finished models survive a restart of the server. A record is
written to a temporary file and renamed, so a reader never sees half of one; a full disk loses the
record, never the server.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import playground
from playground import checkpoint

ACTIVE = ("queued", "running")  # states of a job that is not over yet
CURVE_POINTS = 1000  # a curve that reaches twice this keeps every other point: bounded memory and replies
JOB_FILE = "job.json"


@dataclass
class Job:
    id: str
    arch: str
    config: dict
    owner: str = ""
    device: str = "auto"  # as asked; becomes the real device ("cpu", "cuda") when it starts
    state: str = "queued"
    step: int = 0
    total_steps: int = 0
    metrics: dict = field(default_factory=dict)  # name → [[step, value], …]
    final: dict = field(default_factory=dict)
    error: str | None = None
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    has_model: bool = False
    stop_requested: bool = False
    backend: str = ""  # "local" or "ray", once launched
    where: str = ""  # the machine (or Ray node) and process that ran it


def append_point(curve: list, point: list, state: dict) -> None:
    """Add a point to a metric curve, keeping it to at most 2·CURVE_POINTS for a run of any length: one point in
    every ``stride`` is kept (the stride doubles when the curve is full), evenly over the whole run, and the
    newest point is always last. ``state`` is this curve's bookkeeping (points seen, stride)."""
    if state.pop("extra", False):
        curve.pop()  # the previous point was only kept because it was the newest
    i = state["seen"] = state.get("seen", -1) + 1
    stride = state.setdefault("stride", 1)
    curve.append(point)
    if i % stride:
        state["extra"] = True
    elif len(curve) >= 2 * CURVE_POINTS:
        del curve[1::2]  # keeps every (2·stride)-th point seen; the newest goes back on the end
        state["stride"] = 2 * stride
        curve.append(point)
        state["extra"] = True


def default_runs_dir() -> Path:
    """Where jobs live: ``$NP_RUNS_DIR``, else ``runs/`` in the repository."""
    return playground.runs_dir()


def save(runs_dir: Path, job: Job) -> None:
    """``<runs>/<id>/job.json``, written then renamed; a full disk loses the record, never the server."""
    save_json(runs_dir / job.id / JOB_FILE, asdict(job))


def save_json(path: Path, data) -> None:
    """``data`` as JSON at ``path``, written then renamed; a full disk loses it, never the server."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps(data))
        os.replace(tmp, path)
    except OSError:
        pass


def load_json(path: Path):
    """What :func:`save_json` wrote, or None when it is missing or unreadable."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def load(runs_dir: Path) -> list[Job]:
    """The jobs of earlier runs of the server: finished ones stay usable; those that were still queued or
    running are marked failed (and saved so). Unreadable records are skipped."""
    if not runs_dir.is_dir():
        return []
    found = []
    for path in sorted(runs_dir.glob(f"*/{JOB_FILE}")):
        try:
            data = json.loads(path.read_text())
            job = Job(**{k: v for k, v in data.items() if k in Job.__dataclass_fields__})
        except (OSError, ValueError, TypeError):
            continue
        if job.state in ACTIVE:
            job.state, job.error = "failed", "interrupted: the server restarted while it ran"
            job.finished = job.finished or time.time()
            save(runs_dir, job)
        job.has_model = job.has_model and (path.parent / "model" / checkpoint.WEIGHTS_FILE).is_file()
        found.append(job)
    return found
