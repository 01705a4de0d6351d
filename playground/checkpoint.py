"""Saving and loading models: ``config.json`` + ``model.safetensors``, never pickle.

``save`` writes both files into a temporary directory beside the target and renames it into place,
so a reader never sees a half-written model. ``load`` reads the JSON, rejects unknown settings,
builds the model and loads the weights strictly. The same code serves ``pretrained/``, finished
training runs and downloads.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
from collections import OrderedDict
from functools import partial
from pathlib import Path

import torch.nn as nn
from safetensors.torch import load_model, save_model

from playground import config as config_mod
from playground import models

ROOT = Path(__file__).resolve().parent.parent
PRETRAINED = ROOT / "pretrained"
CONFIG_FILE, WEIGHTS_FILE = "config.json", "model.safetensors"


class CheckpointError(RuntimeError):
    """A model directory that is missing, incomplete or corrupt; the message is for the user."""


def save(directory: str | Path, arch: str, cfg, model: nn.Module, metrics: dict | None = None,
         command: str | None = None) -> Path:
    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    meta = {"arch": arch, "config": config_mod.to_dict(cfg), "metrics": metrics or {}}
    if command:
        meta["command"] = command
    tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    try:
        save_model(model, str(tmp / WEIGHTS_FILE))
        (tmp / CONFIG_FILE).write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
        os.chmod(tmp, 0o755)  # mkdtemp makes it private; a model directory is ordinary data
        os.chmod(tmp / WEIGHTS_FILE, 0o644)
        old = None
        if directory.exists():
            old = directory.with_name(f".{directory.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(directory, old)
        os.replace(tmp, directory)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return directory


def read_meta(directory: str | Path) -> dict:
    path = Path(directory) / CONFIG_FILE
    try:
        meta = json.loads(path.read_text())
    except FileNotFoundError:
        raise CheckpointError(f"no {CONFIG_FILE} in model directory {Path(directory).name!r}")
    except (OSError, ValueError) as e:
        raise CheckpointError(f"{CONFIG_FILE} of {Path(directory).name!r} is unreadable: {e}")
    if not isinstance(meta, dict) or "arch" not in meta or "config" not in meta:
        raise CheckpointError(f"{CONFIG_FILE} of {Path(directory).name!r} lacks 'arch' or 'config'")
    return meta


def load(directory: str | Path, device: str = "cpu"):
    """→ (model in eval mode, cfg, meta). Raises ``CheckpointError`` with a readable reason."""
    directory = Path(directory)
    meta = read_meta(directory)
    try:
        arch = models.get(meta["arch"])
        cfg = config_mod.from_overrides(arch.Config, meta["config"])
    except ValueError as e:
        raise CheckpointError(f"model {directory.name!r}: {e}")
    model = arch.build(cfg)
    try:
        missing, unexpected = load_model(model, str(directory / WEIGHTS_FILE), strict=True, device=device)
    except FileNotFoundError:
        raise CheckpointError(f"no {WEIGHTS_FILE} in model directory {directory.name!r}")
    except Exception as e:  # a truncated or corrupt file, or weights of another shape
        raise CheckpointError(f"the weights of {directory.name!r} cannot be loaded ({type(e).__name__})")
    return model.to(device).eval(), cfg, meta


_cache: OrderedDict[tuple, tuple] = OrderedDict()
_cache_lock = threading.Lock()
CACHE_SIZE = 8  # models kept in memory; the CNN is 1.9 MB


def load_cached(directory: str | Path):
    """``load`` once per directory (and version of its weights) → (model, cfg, meta). Thread-safe."""
    directory = Path(directory).resolve()
    try:
        key = (str(directory), (directory / WEIGHTS_FILE).stat().st_mtime_ns)
    except OSError:
        key = (str(directory), None)
    with _cache_lock:
        if key not in _cache:
            _cache[key] = load(directory)
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
        _cache.move_to_end(key)
        return _cache[key]


def pretrained(arch: str):
    """The bundled pretrained model of ``arch`` → (model, cfg, meta), loaded once."""
    return load_cached(PRETRAINED / arch)


def start_dir(arch: str, start: str) -> Path:
    """Where a job that starts from ``start`` (a model's ``Config.start``) finds its weights:
    "pretrained" → ``pretrained/<arch>``; a job's id → ``<runs>/<id>/model`` (``playground.runs_dir()``)."""
    import playground

    return PRETRAINED / arch if start == "pretrained" else playground.runs_dir() / start / "model"


def load_start(arch: str, start: str, device: str = "cpu"):
    """The model a job starts from (see :func:`start_dir`) → (model, cfg, meta); a ``ValueError`` with a
    readable reason when it is missing or broken (the job fails with it)."""
    try:
        return load(start_dir(arch, start), device=device)
    except CheckpointError as e:
        raise ValueError(f"the start model {start} cannot be loaded: {e}") from None


def evaluator(arch):
    """``arch.evaluate`` as a function of (model, cfg), with its judge bound when the model module names
    one (``arch.JUDGE``: the pretrained model that reads its samples, the CNN for the GAN's digits).
    When that model is not on this machine the judged metric is left out and training goes on."""
    name = getattr(arch, "JUDGE", None)
    if name is None:
        return arch.evaluate
    try:
        judge, _, _ = pretrained(name)
    except CheckpointError:
        return arch.evaluate
    return partial(arch.evaluate, judge=judge)
