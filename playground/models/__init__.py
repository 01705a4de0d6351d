"""The registry of architectures: a name → its model module, imported on first use.

Each module follows one contract (see ``cnn.py``): ``Config``, ``TINY``, ``build(cfg)``,
``train_data(cfg, device)``, ``loss(model, batch)``, ``evaluate(model, cfg)`` and its own inference
helpers. Engine, jobs, CLI, tabs and tests reach models only through :func:`get`.
"""

from __future__ import annotations

import importlib
from types import ModuleType

ARCHS: dict[str, str] = {
    "cnn": "playground.models.cnn",
    "mlp": "playground.models.mlp",
    "charlm": "playground.models.charlm",
    "longrange": "playground.models.longrange",
    "vae": "playground.models.vae", "ae": "playground.models.ae", "gan": "playground.models.gan",
    "transformer": "playground.models.transformer",
}


def get(arch: str) -> ModuleType:
    """The model module of ``arch``; ``ValueError`` listing the valid names otherwise."""
    if arch not in ARCHS:
        raise ValueError(f"unknown architecture {arch!r}; valid: {', '.join(ARCHS)}")
    return importlib.import_module(ARCHS[arch])
