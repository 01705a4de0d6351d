"""Which model a session uses, and every read of a model directory the UI makes.

Each browser session keeps ``session_models``, a ``gr.State`` {slot: job id}: "Use this model" in a
Train panel or /use_model puts a finished training job in its architecture's slot ("cnn", "charlm",
"transformer", "vae", "ae", "gan", …), "Use the pretrained model" takes it out. :func:`model_for` turns
that into a model: the session's job in the slot, else the pretrained one. Tabs and API endpoints
call it with what differs between them (which pretrained model stands in, which jobs fit); the words
that describe the model on a status line stay in the tabs, in the page's language.

This is the one UI module that opens ``playground.checkpoint`` or a job's model files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, NamedTuple

from playground import checkpoint, jobs

PRETRAINED = "pretrained"  # the ``source`` of a model that is not the session's own

# A model directory that is missing, incomplete or broken; its message says which and why.
ModelError = checkpoint.CheckpointError


class SessionModel(NamedTuple):
    """A model ready for inference (eval mode), with its Config, its config.json contents (``meta``:
    arch, config, metrics) and where it came from: ``PRETRAINED`` or the id of the session's job."""

    model: object
    cfg: object
    meta: dict
    source: str

    @property
    def job(self) -> str | None:
        """The session's job id, or None for a pretrained model."""
        return None if self.source == PRETRAINED else self.source


def model_for(slot: str, session_models: dict | None, pretrained: str | None = None,
              accept: Callable[[object], bool] | None = None) -> SessionModel:
    """The model the session uses for ``slot``: its job there, if that job's model loads and
    ``accept(cfg)`` holds (e.g. a Transformer trained on the task shown), else the pretrained model
    ``pretrained`` (default: the slot's name), e.g. "charlm_gru" or "transformer_reverse".

    A job whose run is gone or broken falls back to the pretrained model. Pass ``session_models=None``
    for the pretrained model alone. Raises :data:`ModelError` when the pretrained model is missing.
    """
    job_id = (session_models or {}).get(slot)
    if job_id:
        try:
            model, cfg, meta = jobs.manager().load_model(job_id)
            if accept is None or accept(cfg):
                return SessionModel(model, cfg, meta, job_id)
        except (ValueError, ModelError):  # jobs.JobError is a ValueError: the run is gone
            pass
    return SessionModel(*checkpoint.pretrained(pretrained or slot), PRETRAINED)


def use_job(job_id: str, session_models: dict | None) -> tuple[dict, dict]:
    """Make a finished job's model the one its architecture's slot uses, for this session only.

    → (the job's status, the new ``session_models``). Raises ``jobs.JobError`` for an unknown job or
    one without a model, :data:`ModelError` when its model files are damaged.
    """
    st = jobs.manager().status(job_id)
    jobs.manager().load_model(job_id)  # refuse now what inference could not load later
    return st, {**(session_models or {}), st["arch"]: job_id}


def forget(slot: str, session_models: dict | None) -> dict:
    """``session_models`` without ``slot``: the pretrained model serves it again."""
    return {k: v for k, v in (session_models or {}).items() if k != slot}


# -----------------------------------------------------------------------------
# Reading model directories: the bundled pretrained models and finished jobs


def pretrained_meta(name: str) -> dict:
    """The config.json of the pretrained model ``name`` (arch, config, metrics), without loading
    weights. Raises :data:`ModelError` when it is missing or unreadable."""
    return checkpoint.read_meta(checkpoint.PRETRAINED / name)


def start_meta(start: str, arch: str = "cnn") -> dict:
    """The config.json (arch, config, metrics) of a model a job may start from (a model's ``Config.start``):
    "pretrained" (the bundled ``arch``) or a finished job's id. Raises ``jobs.JobError`` for an unknown job
    or one without a model, :data:`ModelError` when its files are missing or unreadable."""
    directory = checkpoint.PRETRAINED / arch if start == PRETRAINED else jobs.manager().model_dir(start)
    return checkpoint.read_meta(directory)


def downloadable() -> dict[str, tuple[Path, bool]]:
    """Every model that can be downloaded → {name: (its directory, pretrained?)}: the pretrained
    models by name, then finished jobs by id, newest first."""
    out = {}
    if checkpoint.PRETRAINED.is_dir():
        for d in sorted(checkpoint.PRETRAINED.iterdir()):
            if (d / checkpoint.WEIGHTS_FILE).is_file():
                out[d.name] = (d, True)
    for st in jobs.manager().jobs(curves=False):
        if st["has_model"]:
            out[st["id"]] = (jobs.manager().model_dir(st["id"]), False)
    return out


def load(directory: Path):
    """A model directory → (model, cfg, meta), loaded once and cached. Raises :data:`ModelError`."""
    return checkpoint.load_cached(directory)
