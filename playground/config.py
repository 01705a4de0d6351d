"""Bounded, typed configurations shared by every architecture.

Each model file declares a ``Config`` dataclass whose fields are made with :func:`bounded`
(numbers with a valid range) or :func:`choice` (one of a fixed set); the training settings that every
model has (optimiser, learning rate, clipping, batch size, epochs, seed …) with :func:`trainer`, which
knows their valid values, so a model states only its default and what it does differently. The UI
builds its sliders from these bounds, the job system and the CLI check user overrides with
:func:`from_overrides`, and a ``ValueError`` names the field and what is valid. Bounds are declared
once, here used everywhere.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from playground.errors import UserError


def bounded(default, lo, hi, help: str = "", ui: bool = True):
    """A numeric field valid in ``[lo, hi]``. ``ui=False`` keeps it out of the Train panel."""
    return dataclasses.field(default=default, metadata={"range": (lo, hi), "help": help, "ui": ui})


def choice(default, options, help: str = "", ui: bool = True):
    """A field that must be one of ``options``."""
    return dataclasses.field(default=default, metadata={"choices": tuple(options), "help": help, "ui": ui})


OPTIMIZERS = ("adamw", "adam", "momentum", "sgd")  # what engine.make_optimizer builds
SCHEDULES = ("onecycle", "constant")  # what engine.make_schedule builds

# The training settings, as most models declare them. The engine reads optimizer, lr, weight_decay,
# schedule and clip; a model's train_data reads batch_size and steps (per epoch); epochs and seed drive
# the loop. Numbers: their usual range; choices: every option the engine has.
TRAINER = {
    "optimizer": {"choices": OPTIMIZERS, "help": "AdamW, Adam, SGD + momentum, SGD"},
    "lr": {"range": (1e-5, 1.0), "help": "peak learning rate (one-cycle schedule)"},
    "weight_decay": {"range": (0.0, 0.1), "help": "weight decay", "ui": False},
    "schedule": {"choices": SCHEDULES, "help": "learning-rate schedule", "ui": False},
    "clip": {"range": (0.0, 100.0), "help": "clip the gradient norm (0 = off)", "ui": False},
    "batch_size": {"range": (8, 1024)},
    "steps": {"range": (1, 5000)},
    "epochs": {"range": (1, 50)},
    "seed": {"range": (0, 2**31 - 1), "help": "random seed", "ui": False},
}


def trainer(name: str, default, *, lo=None, hi=None, help: str | None = None, ui: bool | None = None,
            options: tuple | None = None):
    """The training setting ``name`` (a key of ``TRAINER``) with this model's ``default``.

    Anything else the model does differently is a keyword: ``lo`` / ``hi`` bounds, ``help``, ``ui``
    (shown in the Train panel), ``options`` (a subset of the choices, in the order to show them; by
    default every choice, the model's default first). ``batch_size``, ``steps`` and ``epochs`` have no
    usual help: the model says what one of its steps or epochs is.
    """
    spec = TRAINER[name]
    help = spec.get("help") if help is None else help
    if help is None:
        raise TypeError(f"trainer({name!r}, ...) needs a help text: say what it means for this model")
    ui = spec.get("ui", True) if ui is None else ui
    if "choices" in spec:
        options = options or (default,) + tuple(o for o in spec["choices"] if o != default)
        return choice(default, options, help, ui=ui)
    spec_lo, spec_hi = spec["range"]
    return bounded(default, spec_lo if lo is None else lo, spec_hi if hi is None else hi, help, ui=ui)


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
                raise UserError("setting_range", name=f.name, lo=lo, hi=hi, value=repr(value))
        if "choices" in f.metadata and value not in f.metadata["choices"]:
            valid = ", ".join(map(repr, f.metadata["choices"]))
            raise UserError("setting_choice", name=f.name, valid=valid, value=repr(value))


def from_overrides(cls, overrides: dict[str, Any] | None = None, base=None):
    """Build ``cls`` from ``base`` (or its defaults) with ``overrides`` applied and checked.

    Unknown keys and out-of-range values raise ``ValueError`` that says what is valid.
    """
    overrides = dict(overrides or {})
    names = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(overrides) - set(names))
    if unknown:
        raise UserError("setting_unknown", names=', '.join(unknown), valid=', '.join(names))
    for key, value in overrides.items():  # JSON gives floats for ints; accept 3.0 for an int field
        if names[key].type in ("int", int) and isinstance(value, float) and value.is_integer():
            overrides[key] = int(value)
    cfg = dataclasses.replace(base if base is not None else cls(), **overrides)
    validate(cfg)
    return cfg


def to_dict(cfg) -> dict[str, Any]:
    return dataclasses.asdict(cfg)
