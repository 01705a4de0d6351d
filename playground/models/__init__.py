"""The registry of architectures: a name → its model module, imported on first use.

Every model module follows one contract, :class:`Architecture`; engine, jobs, CLI, tabs and tests reach
models only through :func:`get` and never ask which model they hold.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING, Any, Iterator, Protocol, runtime_checkable

if TYPE_CHECKING:  # only for the annotations: importing the registry loads no torch
    import torch
    import torch.nn as nn

ARCHS: dict[str, str] = {
    "cnn": "playground.models.cnn",
    "mlp": "playground.models.mlp",
    "charlm": "playground.models.charlm",
    "longrange": "playground.models.longrange",
    "vae": "playground.models.vae", "ae": "playground.models.ae", "gan": "playground.models.gan",
    "transformer": "playground.models.transformer",
}


class TrainData(Protocol):
    """What ``train_data`` returns: the training set on its device, served one pass at a time."""

    def __len__(self) -> int:
        """Batches per epoch (the engine plans ``len × epochs`` steps for the schedule and progress)."""

    def epoch(self, generator: torch.Generator) -> Iterator[Any]:
        """One pass of batches, in the order ``generator`` draws (the engine seeds it with ``cfg.seed``).
        A batch is whatever this module's ``loss`` takes; ``batch[0]`` is what ``forward`` takes."""


@runtime_checkable
class Architecture(Protocol):
    """The module-level contract of ``playground/models/<arch>.py``, written once.

    Required (the engine, jobs, checkpoints, export and the contract tests use them all):

    - ``Config``: a dataclass whose fields are made with ``config.bounded`` / ``config.choice`` (bounds
      for sliders and API checks), its training settings with ``config.trainer``; its defaults describe
      the shipped model, its field order is the Train panel's;
    - ``QUICK``: the Train panel's defaults (about a minute on a 2-core CPU); ``TINY``: a model a test
      trains in about a second;
    - ``build(cfg)`` → the ``nn.Module``; ``example_input(cfg)`` → a batch its ``forward`` accepts
      (the exported ``run.py`` feeds it);
    - ``train_data(cfg, device)`` → a :class:`TrainData`;
    - ``loss(model, batch)`` → (scalar loss tensor, dict of float extras); the engine does backward, clip
      and step;
    - ``evaluate(model, cfg)`` → held-out metrics, floats keyed ``val_loss``, ``val_acc`` and named extras.

    Optional, looked up with ``getattr`` by the one place that uses each:

    - ``preview(model)`` → what a training job shows live (jobs worker): ``{"filters": (C, k, k)}``,
      ``{"image": (H, W) in [0, 1]}`` and/or ``{"text": str}``;
    - ``initial(cfg, load)`` → the ``nn.Module`` a job starts from, or None to build a fresh one (jobs
      worker): a warm start (a fine-tune) from the model its ``cfg`` names, read with ``load(name)`` →
      (model, cfg, meta) that the caller passes in (``checkpoint.load_start``). Not ``build``'s job:
      loading a finished job builds it and loads its own weights, so its start may be gone by then;
    - ``CHART_EXTRAS``: names of per-step or per-epoch metrics the Train panel charts beside the loss, those
      named ``*_acc`` on the accuracy axis (ui/train.py, ui/live_chart.py);
    - ``health_probe(data)`` → inputs on which layer health reads the activations after a watched step,
      instead of the batch (engine): a small network's training points (the FNN's: a unit is dead when no
      training point makes it positive, not merely quiet on a batch of 16);
    - ``JUDGE``: the architecture whose pretrained model ``evaluate(..., judge=)`` reads the samples with
      (``checkpoint.evaluator`` loads and binds it; a model file loads no other model).

    Beyond these, each module has its own inference helpers (``predict``, ``generate``, ``encode`` …)
    that its tab calls: plain arrays, strings and floats in and out.
    """

    Config: type
    QUICK: Any
    TINY: Any

    def build(self, cfg: Any) -> nn.Module: ...

    def example_input(self, cfg: Any) -> torch.Tensor: ...

    def train_data(self, cfg: Any, device: torch.device | str = "cpu") -> TrainData: ...

    def loss(self, model: nn.Module, batch: Any) -> tuple[torch.Tensor, dict[str, float]]: ...

    def evaluate(self, model: nn.Module, cfg: Any) -> dict[str, float]: ...


def get(arch: str) -> ModuleType:
    """The model module of ``arch``; a ``UserError`` (a ValueError) listing the valid names otherwise."""
    if arch not in ARCHS:
        from playground.errors import UserError
        raise UserError("arch_unknown", value=repr(arch), valid=", ".join(ARCHS))
    return importlib.import_module(ARCHS[arch])
