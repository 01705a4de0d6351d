"""Every figure a page or the README states: how each is measured (one protocol each) and its stored value.

The stored values live in ``pretrained/figures.json``. Pages read them with :func:`stored`, the README's
figure tables are rendered from them (:func:`readme_blocks`; a test holds the README to them), and
:func:`check` recomputes each figure from the shipped weights and data and names those that moved
beyond their tolerance. ``python bench/figures.py`` runs the check; see its docstring.

Protocols (the same for every model a learner compares):
- **bits per character**: on the held-out *test* split (the last 5 % of Moby-Dick), every character
  scored once. Recurrent models read it in one pass with their state carried from the first character
  to the last; the Transformer, whose context is 64 characters, reads it through a sliding window moved
  32 characters at a time, so every prediction after the first window sees at least 32 characters; the
  unigram baseline has no context (character frequencies of the training split).
- **held-out digits**: the 2,000 bundled MNIST digits never used in training (``data`` split "test").
- **GAN agreement**: ``gan.class_hits``: 100 samples per class from the noise of seed 2026, read by the
  pretrained CNN (the same check a GAN job reports as ``val_acc``).
- **delayed recall**: held-out accuracy of every (cell, T) trained with the stored recipe over several
  seeds; the figure is the mean over the stored runs (``pretrained/longrange/results.json``).
"""

from __future__ import annotations

import json
import math
import statistics
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
STORE = ROOT / "pretrained" / "figures.json"

TRANSFORMER_STRIDE = 32  # half the Transformer's 64-character context
FNN_SEEDS = (0, 1, 2)  # the FNN's default result over three seeds (one run could mislead)
VAE_K = 100  # importance samples per digit for the NLL estimate


@dataclass(frozen=True)
class Figure:
    name: str
    measure: Callable[[], float]
    tolerance: float  # |recomputed − stored| allowed; 0 for counts
    quick: bool  # recomputed by the CI test (the rest by `python bench/figures.py`)
    what: str


FIGURES: dict[str, Figure] = {}


def _figure(name: str, tolerance: float, what: str, quick: bool = True):
    def register(fn):
        FIGURES[name] = Figure(name, fn, tolerance, quick, what)
        return fn
    return register


def _params(model) -> float:
    return float(sum(p.numel() for p in model.parameters()))


def _pretrained(name: str):
    from playground import checkpoint
    return checkpoint.pretrained(name)


# -----------------------------------------------------------------------------
# The figures. Each is registered with its tolerance: counts and deterministic evaluations must match
# to their last shown digit; sampled estimates (the VAE's) to a tenth of a nat.

@_figure("cnn.held_out_acc", 0.0005, "pretrained CNN, accuracy on the 2,000 held-out digits")
def _cnn_acc():
    from playground.models import cnn
    model, cfg, _ = _pretrained("cnn")
    return cnn.evaluate(model, cfg)["val_acc"]


@_figure("cnn.params", 0, "pretrained CNN, parameters")
def _cnn_params():
    return _params(_pretrained("cnn")[0])


def _charlm_bpc(cell: str) -> float:
    from playground.models import charlm
    return charlm.bpc(_pretrained(f"charlm_{cell}")[0], "test")


for _cell in ("rnn", "lstm", "gru"):
    _figure(f"bpc.{_cell}", 0.005, f"{_cell.upper()} character model, bits/char on the test split "
            "(state carried)")(lambda cell=_cell: _charlm_bpc(cell))
    _figure(f"params.{_cell}", 0, f"{_cell.upper()} character model, parameters")(
        lambda cell=_cell: _params(_pretrained(f"charlm_{cell}")[0]))


@_figure("bpc.unigram", 0.005, "unigram baseline (training-split frequencies), bits/char on the test split")
def _unigram():
    from playground.data import text
    return text.unigram_bpc("test")


@_figure("bpc.transformer", 0.005, "Transformer, bits/char on the test split (64-character window, stride 32)",
         quick=False)
def _transformer_bpc():
    from playground.models import transformer as tr
    model, cfg, _ = _pretrained("transformer_text")
    return tr.bpc(model, "test", stride=TRANSFORMER_STRIDE)


@_figure("params.transformer_text", 0, "Transformer (text), parameters")
def _tr_text_params():
    return _params(_pretrained("transformer_text")[0])


@_figure("params.transformer_reverse", 0, "Transformer (reverse), parameters")
def _tr_rev_params():
    return _params(_pretrained("transformer_reverse")[0])


@_figure("reverse.exact_match", 0.0005, "Transformer (reverse), exact match on the 2,000 held-out sequences")
def _reverse():
    from playground.models import transformer as tr
    model, cfg, _ = _pretrained("transformer_reverse")
    return tr.task_accuracy(model, tr.held_out_sequences(cfg))[1]


def _vae(name: str, what: str) -> float:
    from playground.models import vae
    model, cfg, _ = _pretrained(name)
    return vae.evaluate(model, cfg)["val_loss"] if what == "elbo" else vae.importance_nll(model, k=VAE_K)


for _name, _latent in (("vae", "2-D"), ("vae20", "20-D")):
    _figure(f"{_name}.neg_elbo", 0.1, f"VAE {_latent}, held-out −ELBO (nats)")(lambda n=_name: _vae(n, "elbo"))
    _figure(f"{_name}.nll_k{VAE_K}", 0.1, f"VAE {_latent}, held-out NLL by importance sampling, k={VAE_K} (nats)",
            quick=False)(lambda n=_name: _vae(n, "nll"))


@lru_cache(maxsize=1)
def _gan_hits():
    from playground.models import gan
    return gan.class_hits(_pretrained("gan")[0], _pretrained("cnn")[0]).float()  # (10, per class)


@_figure("gan.agreement", 0.0005, "cGAN, share of 1,000 samples the CNN reads as the digit asked for")
def _gan_agreement():
    return float(_gan_hits().mean())


@_figure("gan.agreement_worst_class", 0.0005, "cGAN, the same for its worst digit")
def _gan_worst():
    return float(_gan_hits().mean(1).min())


@lru_cache(maxsize=None)
def _fnn(seed: int) -> float:
    from playground import fnn_session
    cfg, steps = fnn_session.plan({"seed": seed})
    return fnn_session.fit(cfg, steps)["test_accuracy"]


@_figure("fnn.spirals_mean", 0.0005, f"FNN defaults on the spirals, test accuracy, mean of seeds {FNN_SEEDS}",
         quick=False)
def _fnn_mean():
    return statistics.mean(_fnn(s) for s in FNN_SEEDS)


@_figure("fnn.spirals_min", 0.0005, f"FNN defaults on the spirals, test accuracy, worst of seeds {FNN_SEEDS}",
         quick=False)
def _fnn_min():
    return min(_fnn(s) for s in FNN_SEEDS)


# The Failure lab's presets (playground/failures.py): what each one's text states, over seeds 0, 1, 2.
LAB_SEEDS = (0, 1, 2)
LAB_TOLERANCE = {"worst_dead": 0.05, "grad_ratio": 0.3, "val_acc": 0.03, "train_acc": 0.03, "loss_jump": 1.5, "gap": 0.05,
                 "classes": 1.0}  # grad_ratio as log10 (it spans 10⁵); classes: a count of digit kinds


@lru_cache(maxsize=None)
def _lab(name: str, side: str, seed: int) -> dict:
    from playground import failures
    preset = failures.PRESETS[name]
    return failures.measure(name, preset.broken if side == "broken" else preset.fixed(), seed)


def _lab_value(name: str, side: str, metric: str, seed: int) -> float:
    run = _lab(name, side, seed)
    v = run["value"] if metric == run["metric"] else run.get(metric, (run.get("final") or {}).get(metric))
    return math.log10(v) if metric == "grad_ratio" else float(v)


def _lab_figures() -> None:
    from playground import failures
    for name in failures.PRESETS:
        headline = failures.HEADLINE[name][0]
        for metric in dict.fromkeys((headline, "val_acc") + (("train_acc",) if name == "overfitting" else ())):
            if name == "exploding" and metric == "val_acc":
                continue  # a language model's evaluation has no accuracy
            for side in ("broken", "fixed"):
                for edge, pick in (("min", min), ("max", max)):
                    what = f"Failure lab, {name} {side}: {metric}{' (log10)' if metric == 'grad_ratio' else ''}, " \
                           f"{edge} over seeds {LAB_SEEDS}"
                    FIGURES[f"lab.{name}.{side}.{metric}.{edge}"] = Figure(
                        f"lab.{name}.{side}.{metric}.{edge}",
                        lambda n=name, s=side, m=metric, p=pick: p(_lab_value(n, s, m, seed) for seed in LAB_SEEDS),
                        LAB_TOLERANCE[metric], False, what)


_lab_figures()


@lru_cache(maxsize=1)
def _recall_summary() -> dict:
    from playground import experiments
    return experiments.summarize_longrange(experiments.load_longrange())


def _recall(cell: str, T: int) -> float:
    return _recall_summary()[(cell, T)]["mean"]


for _cell in ("rnn", "lstm", "gru"):
    for _T in (10, 25, 50, 100):
        _figure(f"recall.{_cell}.T{_T}", 0.0005, f"delayed recall, {_cell.upper()} at T={_T}, mean held-out "
                "accuracy over the stored seeds")(lambda cell=_cell, T=_T: _recall(cell, T))


# -----------------------------------------------------------------------------
# Stored values and the check


@lru_cache(maxsize=1)
def stored() -> dict[str, float]:
    """The stored value of every figure (what pages and the README show); {} when the file is missing."""
    try:
        return json.loads(STORE.read_text())
    except (OSError, ValueError):
        return {}


def measure(names=None, quick: bool = False, on_figure=None) -> dict[str, float]:
    """Recompute figures from the shipped weights and data → {name: value}."""
    out = {}
    for name, fig in FIGURES.items():
        if (names is None or name in names) and (fig.quick or not quick):
            out[name] = float(fig.measure())
            if on_figure is not None:
                on_figure(name, out[name])
    return out


def stale(values: dict[str, float]) -> list[str]:
    """Names whose recomputed value differs from the stored one beyond its tolerance (or is not stored)."""
    store = stored()
    return [name for name, v in values.items()
            if name not in store or not math.isfinite(v) or abs(v - store[name]) > FIGURES[name].tolerance + 1e-12]


def recall_seeds() -> dict[str, int]:
    """Seeds per cell in the stored delayed-recall runs."""
    from playground import experiments
    return experiments.seeds_per_cell(experiments.load_longrange() or {"runs": []})


def write(values: dict[str, float]) -> None:
    """Store ``values`` (merged into what is stored) as the figures pages and the README show."""
    STORE.write_text(json.dumps({**stored(), **values}, indent=1, sort_keys=True) + "\n")
    stored.cache_clear()


# -----------------------------------------------------------------------------
# The README's figure tables, rendered from the stored values (never typed by hand)


def _pct(v: float, digits: int = 1) -> str:
    return f"{100 * v:.{digits}f} %"


def readme_blocks() -> dict[str, str]:
    """Block name → the Markdown the README holds between ``<!-- figures:NAME -->`` and ``<!-- /figures -->``."""
    s = stored()
    from playground import experiments
    results = experiments.load_longrange() or {"lengths": [], "cells": [], "runs": []}
    summary = experiments.summarize_longrange(results) if results["runs"] else {}
    names = {"rnn": "vanilla RNN", "lstm": "LSTM", "gru": "GRU"}
    bpc = ["| held-out test text (the last 5 % of *Moby-Dick*, every character scored once) | bits/char | parameters |",
           "|---|---:|---:|",
           f"| unigram baseline (training-split character frequencies, no context) | {s['bpc.unigram']:.2f} | – |"]
    bpc += [f"| {names[c]} (state carried through the whole text) | {s[f'bpc.{c}']:.2f} | {s[f'params.{c}']:,.0f} |"
            for c in ("rnn", "lstm", "gru")]
    bpc.append(f"| Transformer (below; 64-character window moved 32 at a time) | {s['bpc.transformer']:.2f} | "
               f"{s['params.transformer_text']:,.0f} |")
    seeds = experiments.seeds_per_cell(results)
    recall = ["| delayed recall, held-out accuracy (8 symbols: chance 12.5 %): mean over seeds (worst–best) | "
              + " | ".join(f"T={T}" for T in results["lengths"]) + " |",
              "|---|" + "---:|" * len(results["lengths"])]
    for c in results["cells"]:
        cells = []
        for T in results["lengths"]:
            v = summary[(c, T)]
            cells.append(_pct(v["mean"], 0) + ("" if v["min"] == v["max"] else
                                                f" ({_pct(v['min'], 0)}–{_pct(v['max'], 0)})"))
        recall.append(f"| {names[c]}, {seeds[c]} seeds | " + " | ".join(cells) + " |")
    generative = [
        "| figure | value |", "|---|---|",
        f"| cGAN samples the pretrained CNN reads as the requested digit (1,000: 100 per digit, noise seed 2026) | "
        f"**{_pct(s['gan.agreement'])}** (worst digit {_pct(s['gan.agreement_worst_class'], 0)}) |",
        f"| VAE held-out −ELBO, 2-D latent | {s['vae.neg_elbo']:.1f} nats (importance-sampled NLL, k={VAE_K}: "
        f"{s[f'vae.nll_k{VAE_K}']:.1f}) |",
        f"| VAE held-out −ELBO, 20-D latent | {s['vae20.neg_elbo']:.1f} nats (NLL k={VAE_K}: {s[f'vae20.nll_k{VAE_K}']:.1f}); "
        "published small VAEs reach ≈ 100 nats −ELBO (≈ 87 nats NLL, Burda et al. 2016) with 20-D latents on all "
        "60,000 digits, ours sees 8,000 |"]
    transformer = [
        "| figure | value |", "|---|---|",
        f"| text, bits/char on the test split (the RNNs' text; 64-character window, stride 32) | **{s['bpc.transformer']:.2f}** |",
        f"| reverse, exact match on the 2,000 held-out sequences | **{_pct(s['reverse.exact_match'])}** |",
        f"| parameters: text / reverse | {s['params.transformer_text']:,.0f} / {s['params.transformer_reverse']:,.0f} |"]
    cnn = ["| what | figure | command |", "|---|---|---|",
           f"| held-out accuracy of `pretrained/cnn` (2,000 real MNIST digits never trained on; "
           f"{s['cnn.params']:,.0f} parameters) | **{_pct(s['cnn.held_out_acc'], 2)}** | `python bench/figures.py` |"]
    fnn = [f"- The defaults (3 × 24 ReLU, Adam 0.01, 100 epochs) solve the spirals: test accuracy "
           f"{_pct(s['fnn.spirals_mean'])} on average over seeds {', '.join(map(str, FNN_SEEDS))}, the worst "
           f"{_pct(s['fnn.spirals_min'])} (`python bench/figures.py`); without hidden layers < 75 % "
           "(`tests/test_mlp.py`)."]
    return {"bpc": "\n".join(bpc), "recall": "\n".join(recall), "generative": "\n".join(generative),
            "transformer": "\n".join(transformer), "cnn": "\n".join(cnn), "fnn": "\n".join(fnn), "lab": _lab_table(s)}


LAB_ROWS = {  # failure lab preset → (its name in the README, what each figure measures)
    "dead_relu": ("dead ReLUs", {"worst_dead": "worst layer's dead fraction on all training points",
                                 "val_acc": "test accuracy"}),
    "vanishing": ("vanishing gradients", {"grad_ratio": "output layer's gradient norm ÷ the first layer's",
                                          "val_acc": "test accuracy"}),
    "bad_init": ("bad initialisation", {"val_acc": "test accuracy"}),
    "exploding": ("exploding gradients", {"loss_jump": "largest training loss ÷ the first"}),
    "overfitting": ("overfitting", {"gap": "training − test accuracy", "train_acc": "training accuracy",
                                    "val_acc": "test accuracy"}),
    "mode_collapse": ("mode collapse", {"classes": "digit kinds the pretrained CNN reads among 500 samples",
                                        "val_acc": "samples read as the digit asked for"}),
    "long_delay": ("a memory too short", {"val_acc": "recall accuracy (chance 12.5 %)"}),
}


SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def _lab_cell(s: dict, key: str, metric: str) -> str:
    lo, hi = s[f"{key}.{metric}.min"], s[f"{key}.{metric}.max"]
    if metric == "grad_ratio":
        show = lambda v: f"{10 ** v:.2f}" if abs(v) < 1 else (  # noqa: E731
            f"{10 ** v / 10 ** math.floor(v):.1f}·10" + str(math.floor(v)).translate(SUPERSCRIPT))
    elif metric in ("worst_dead", "val_acc", "train_acc"):
        show = lambda v: _pct(v, 0)  # noqa: E731
    elif metric == "classes":
        show = lambda v: f"{v:.0f}"  # noqa: E731
    else:
        show = lambda v: f"{v:.2f}" if metric == "gap" else f"{v:.1f}"  # noqa: E731
    return show(lo) if show(lo) == show(hi) else f"{show(lo)} – {show(hi)}"


def _lab_table(s: dict) -> str:
    rows = ["| failure | what shows it | as it is | with the fix |", "|---|---|---|---|"]
    for name, (title, metrics) in LAB_ROWS.items():
        for metric, what in metrics.items():
            rows.append(f"| {title} | {what} | {_lab_cell(s, f'lab.{name}.broken', metric)} | "
                        f"{_lab_cell(s, f'lab.{name}.fixed', metric)} |")
    return "\n".join(rows)


def _blocks_in(text: str) -> dict[str, tuple[int, int]]:
    """Block name → (start, end) of its body in ``text``."""
    import re
    return {m.group(1): (m.start(2), m.end(2))
            for m in re.finditer(r"<!-- figures:(\w+) -->\n(.*?)<!-- /figures -->", text, flags=re.S)}


def readme_mismatches(text: str) -> list[str]:
    """Blocks of the README ``text`` that differ from their rendering from the store (or are missing)."""
    blocks, found = readme_blocks(), _blocks_in(text)
    return [name for name, body in blocks.items()
            if name not in found or text[found[name][0]:found[name][1]] != body + "\n"]


def write_readme(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for name, body in readme_blocks().items():
        start, end = _blocks_in(text)[name]
        text = text[:start] + body + "\n" + text[end:]
    path.write_text(text, encoding="utf-8")
