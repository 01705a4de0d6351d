"""Bounded, typed configurations shared by every architecture.

Each model file declares a ``Config`` dataclass whose fields are made with :func:`bounded`
(numbers with a valid range) or :func:`choice` (one of a fixed set). The UI builds its sliders from
these bounds, the job system and the CLI check user overrides with :func:`from_overrides`, and a
``ValueError`` names the field and what is valid. Bounds are declared once, here used everywhere.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any


def bounded(default, lo, hi, help: str = "", ui: bool = True):
    """A numeric field valid in ``[lo, hi]``. ``ui=False`` keeps it out of the Train panel."""
    return dataclasses.field(default=default, metadata={"range": (lo, hi), "help": help, "ui": ui})


def choice(default, options, help: str = "", ui: bool = True):
    """A field that must be one of ``options``."""
    return dataclasses.field(default=default, metadata={"choices": tuple(options), "help": help, "ui": ui})


def fields(cfg_or_cls) -> list[dataclasses.Field]:
    return list(dataclasses.fields(cfg_or_cls))


def validate(cfg) -> None:
    """Raise ``ValueError`` naming the first field outside its declared range or choices."""
    for f in dataclasses.fields(cfg):
        value = getattr(cfg, f.name)
        if "range" in f.metadata:
            lo, hi = f.metadata["range"]
            ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
            if ok and f.type in ("int", int) and float(value) != int(value):
                ok = False  # 2.5 epochs
            if not ok or not lo <= value <= hi:
                raise ValueError(f"{f.name} must be a number in [{lo}, {hi}], got {value!r}")
        if "choices" in f.metadata and value not in f.metadata["choices"]:
            valid = ", ".join(map(repr, f.metadata["choices"]))
            raise ValueError(f"{f.name} must be one of {valid}, got {value!r}")


def from_overrides(cls, overrides: dict[str, Any] | None = None, base=None):
    """Build ``cls`` from ``base`` (or its defaults) with ``overrides`` applied and checked.

    Unknown keys and out-of-range values raise ``ValueError`` that says what is valid.
    """
    overrides = dict(overrides or {})
    names = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(overrides) - set(names))
    if unknown:
        raise ValueError(f"unknown setting(s) {', '.join(unknown)}; valid: {', '.join(names)}")
    for key, value in overrides.items():  # JSON gives floats for ints; accept 3.0 for an int field
        if names[key].type in ("int", int) and isinstance(value, float) and value.is_integer():
            overrides[key] = int(value)
    cfg = dataclasses.replace(base if base is not None else cls(), **overrides)
    validate(cfg)
    return cfg


def to_dict(cfg) -> dict[str, Any]:
    return dataclasses.asdict(cfg)
