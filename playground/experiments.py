"""Experiments that train one model per setting and tabulate the results, beside the engine they drive.

Delayed recall (``models/longrange.py``): the same task, settings and seed for every recurrent cell
(RNN, LSTM, GRU) at every sequence length, recording held-out accuracy and the gradient norm per step
before and after training. ``python bench/rnn.py --longrange`` runs it and stores the table in
``pretrained/longrange/results.json``; the RNN tab's "Why gates matter" reads it with
:func:`load_longrange`, so no one waits for the experiment.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path

import torch

from playground import checkpoint, engine
from playground.models import longrange

LONGRANGE_FILE = checkpoint.PRETRAINED / "longrange" / "results.json"
LONGRANGE_LENGTHS = (10, 25, 50, 100)  # the ready-made table's sequence lengths


def load_longrange(path: Path = LONGRANGE_FILE) -> dict | None:
    """The ready-made table written by ``bench/rnn.py`` (see ``run_longrange``), or None if absent/broken."""
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None


LONGRANGE_SEEDS = (0, 1, 2)  # every (cell, T) is trained with each; one seed could mislead


def run_longrange(lengths=LONGRANGE_LENGTHS, cells=longrange.CELLS, base: longrange.Config | None = None,
                  seeds=LONGRANGE_SEEDS, on_run=None) -> dict:
    """Train every (cell, length) pair with the same settings, once per seed; return the table.

    → {"config": base settings, "lengths": [...], "chance": 1/K, "seeds": [...],
       "runs": [{"cell", "seq_len", "seed", "val_acc", "val_loss", "seconds", "steps",
                 "grad_norm_init": [T floats], "grad_norm_trained": [T floats]}, ...]}
    ``on_run(run)`` is called after each run (for a progress line). Uses the engine like any training.
    """
    base = base or longrange.Config()
    runs = []
    for seed, cell, T in ((s, c, T) for s in seeds for c in cells for T in lengths):
        cfg = replace(base, cell=cell, seq_len=int(T), seed=int(seed))
        torch.manual_seed(cfg.seed)
        model = longrange.build(cfg)
        init = longrange.grad_norms(model, cfg)
        t0 = time.perf_counter()
        result = engine.fit(longrange, cfg, model=model)
        run = {"cell": cell, "seq_len": int(T), "seed": int(seed), **result.final, "steps": result.steps,
               "seconds": round(time.perf_counter() - t0, 1),
               "grad_norm_init": [float(v) for v in init],
               "grad_norm_trained": [float(v) for v in longrange.grad_norms(result.model, cfg)]}
        runs.append(run)
        if on_run is not None:
            on_run(run)
    return {"config": {k: v for k, v in vars(base).items() if k not in ("cell", "seq_len", "seed")},
            "lengths": [int(T) for T in lengths], "cells": list(cells), "chance": 1 / base.n_symbols,
            "seeds": [int(s) for s in seeds], "runs": runs}


def seeds_per_cell(results: dict) -> dict[str, int]:
    """cell → how many seeds its stored runs were trained with."""
    seeds: dict[str, set] = {}
    for r in results["runs"]:
        seeds.setdefault(r["cell"], set()).add(r.get("seed", 0))
    return {cell: len(s) for cell, s in seeds.items()}


def summarize_longrange(results: dict) -> dict[tuple[str, int], dict]:
    """(cell, T) → {"mean", "min", "max", "n"} of held-out accuracy over the stored runs (all seeds)."""
    out = {}
    for cell in results["cells"]:
        for T in results["lengths"]:
            accs = [r["val_acc"] for r in results["runs"] if r["cell"] == cell and r["seq_len"] == T]
            if accs:
                out[(cell, T)] = {"mean": sum(accs) / len(accs), "min": min(accs), "max": max(accs), "n": len(accs)}
    return out
