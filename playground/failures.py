"""The failure lab (issue 19, "Break it, then fix it"): training runs that fail visibly, each with ONE fix.

A :class:`Preset` is an architecture, the settings of a run that goes wrong (``broken``: overrides of the
model's ``Config``, as a training job takes them) and the few settings that put it right (``fix``, applied
on top). Both run as ordinary background jobs, each in under a minute on a 2-core CPU with one torch
thread; the layer-health statistic named by ``watch`` (or the loss and accuracy curves) is where the
failure shows. :func:`measure` trains one of them with the engine and returns the one number that tells
broken from fixed (``bench/failures.py`` runs every preset both ways over several seeds).

No Gradio here: the UI reads ``PRESETS``; the words are in ``playground/ui/strings/lab.py``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

WATCHES = ("dead_fraction", "grad_norm", "update_ratio", "act_std", "curves")


@dataclass(frozen=True)
class Preset:
    arch: str  # a key of playground.models.ARCHS
    broken: dict  # Config overrides of the failing run
    fix: dict  # the overrides the fix changes (applied on top of broken)
    watch: str  # the layer-health stat that shows the failure, or "curves" (loss / accuracy curves)

    def fixed(self) -> dict:
        return {**self.broken, **self.fix}


ALL_FEATURES = "x,y,x2,y2,xy,sinx,siny"

PRESETS: dict[str, Preset] = {
    # Plain SGD at lr 3 pushes every ReLU of some layer to negative inputs on every point within a few
    # steps: their gradient is 0 from then on. Kaiming init (biases 0) in both runs, so almost no unit
    # starts dead (3–12 % in the worst layer at init, seeds 0–2).
    "dead_relu": Preset("mlp", {"features": ALL_FEATURES, "n_layers": 3, "units": 32, "init": "kaiming",
                                "optimizer": "sgd", "lr": 3.0, "epochs": 60},
                        {"lr": 0.1}, "dead_fraction"),
    # Six sigmoid layers: each multiplies the gradient by σ' ≤ 1/4, so the first layer's is ~10⁵ times
    # smaller than the output layer's and plain SGD barely moves it.
    "vanishing": Preset("mlp", {"dataset": "circles", "n_layers": 6, "activation": "sigmoid",
                                "optimizer": "sgd", "lr": 0.1, "epochs": 30},
                        {"activation": "relu"}, "grad_norm"),
    # N(0, 1) weights: each ReLU layer of 32 multiplies the activations' spread by about 4 (√(32/2)),
    # so the logits start in the thousands and Adam spends the run undoing that.
    "bad_init": Preset("mlp", {"n_layers": 6, "units": 32, "init": "normal", "epochs": 50},
                       {"init": "kaiming"}, "act_std"),
    # A tanh RNN on plain SGD at lr 2 without clipping: now and then a gradient is thousands of times the
    # usual size and one step throws the weights away (the loss jumps to 5–10× its start).
    "exploding": Preset("charlm", {"cell": "rnn", "hidden": 128, "d_embed": 32, "block": 64,
                                   "batch_size": 32, "steps": 100, "epochs": 3, "optimizer": "sgd",
                                   "lr": 2.0, "clip": 0.0},
                        {"clip": 1.0}, "grad_norm"),
    # 20 training points and a 3 × 32 network trained for 200 epochs: it learns every training point,
    # noise included, and reads the test points hardly better than chance. The fix: 20× the points.
    "overfitting": Preset("mlp", {"noise": 0.1, "n_points": 100, "train_fraction": 0.2, "n_layers": 3,
                                  "units": 32, "epochs": 200},
                          {"n_points": 2000}, "curves"),
    # The GAN without the auxiliary class loss and without DiffAugment (at a rate that trains in a minute):
    # G settles on a few kinds of digit whatever class it is asked for.
    "mode_collapse": Preset("gan", {"g_ch": 16, "d_ch": 16, "features": 64, "epochs": 2, "lr": 2e-3,
                                    "aux": 0.0, "augment": False},
                            {"aux": 1.0, "augment": True}, "curves"),
    # Recall the first of 100 symbols: the tanh RNN's gradient through 99 steps vanishes and it stays
    # near chance (1/8); the LSTM's gated cell state (chrono-initialised gates) carries it.
    "long_delay": Preset("longrange", {"cell": "rnn", "seq_len": 100, "lr": 0.01, "steps": 100, "epochs": 4},
                         {"cell": "lstm"}, "curves"),
}

# What measure() reports as the one number of each preset, and which way is good.
HEADLINE = {
    "dead_relu": ("worst_dead", "dead-ReLU fraction of the worst layer, on all training points (lower is better)"),
    "vanishing": ("grad_ratio", "output layer's mean gradient norm ÷ the first layer's (near 1 is healthy)"),
    "bad_init": ("val_acc", "test accuracy"),
    "exploding": ("loss_jump", "largest training loss ÷ the first (1 = no spike)"),
    "overfitting": ("gap", "training accuracy − test accuracy"),
    "mode_collapse": ("classes", "digit classes the pretrained CNN reads among 500 samples (≥ 2 % each)"),
    "long_delay": ("val_acc", "recall accuracy on held-out sequences (chance 1/8)"),
}

COLLAPSE_SAMPLES, COLLAPSE_SEED, COLLAPSE_SHARE = 500, 123, 0.02


def measure(name: str, cfg_overrides: dict, seed: int = 0) -> dict:
    """Train ``cfg_overrides`` (a preset's broken or fixed settings) of preset ``name`` with ``seed`` as a
    job does (``engine.fit``, layer health on, the job's evaluation) and measure what shows the failure.

    → {"metric": HEADLINE name, "value": its value, "seconds", "finite", "first_loss", "max_loss",
    "loss_jump", "final" (the last evaluation), and the preset's own numbers}. A run whose loss stops being
    finite returns finite=False and value None (as a job, it would fail "training diverged")."""
    import numpy as np

    from playground import checkpoint, engine, models
    from playground.config import from_overrides

    preset = PRESETS[name]
    arch = models.get(preset.arch)
    cfg = from_overrides(arch.Config, {**cfg_overrides, "seed": seed})
    losses: list[float] = []
    t0 = time.perf_counter()
    out: dict = {"metric": HEADLINE[name][0]}
    try:
        result = engine.fit(arch, cfg, log_every=1, on_step=lambda s, n, m: losses.append(m["train_loss"]),
                            evaluate=checkpoint.evaluator(arch), health_every="auto")
    except engine.NonFiniteLoss as e:
        return {**out, "value": None, "finite": False, "error": str(e), "seconds": time.perf_counter() - t0,
                "first_loss": losses[0] if losses else None, "max_loss": max(losses, default=None)}
    out.update(seconds=result.seconds, finite=True, first_loss=losses[0], max_loss=max(losses),
               loss_jump=max(losses) / losses[0], final=dict(result.final))
    health, model = result.health, result.model.eval()
    if name == "dead_relu":
        out["worst_dead"] = worst_dead(model, cfg)
        out["worst_dead_init"] = worst_dead(arch.build(cfg), cfg)
    elif name == "vanishing":
        first, last = (float(np.nanmean(health["stats"][n]["grad_norm"])) for n in (health["layers"][0],
                                                                                  health["layers"][-1]))
        out["grad_ratio"] = last / first
    elif name == "bad_init":
        out["act_std_start"] = [health["stats"][n]["act_std"][0] for n in health["layers"]]
    elif name == "overfitting":
        out["train_acc"] = arch.evaluate(model, cfg, "train")["val_acc"]
        out["gap"] = out["train_acc"] - result.final["val_acc"]
    elif name == "mode_collapse":
        out.update(collapse(model))
    if "val_acc" in result.final:
        out["val_acc"] = result.final["val_acc"]
    out["value"] = out[out["metric"]]
    return out


def worst_dead(model, cfg) -> float:
    """The largest dead-ReLU fraction of any layer of an FNN, read on ALL its training points at once (on a
    batch of 16 a unit may look dead that is merely quiet there)."""
    import torch

    from playground import layer_health
    from playground.models import mlp

    model.eval()
    x = mlp.split(cfg)[0]
    mon = layer_health.Monitor(model)
    mon.start()
    with torch.no_grad():
        model(x)
    mon.stop()
    return max(layer_health.activation_stats(mon._acts[n], l["kind"])["dead_fraction"]
               for n, l in zip(mon.names, mon.layers) if l["kind"] == "relu")


def collapse(model, judge=None) -> dict:
    """How varied a GAN's digits are: ``COLLAPSE_SAMPLES`` samples (as many asked for of each class, noise of
    ``COLLAPSE_SEED``) read by the pretrained CNN → {"classes": classes read in ≥ 2 % of the samples,
    "entropy": of the read classes' distribution in bits (log2 10 ≈ 3.32 when even), "agreement": share
    read as the class asked for, "counts": per class}."""
    import torch

    from playground import checkpoint
    from playground.data import digits
    from playground.models import gan

    if judge is None:
        judge, _, _ = checkpoint.pretrained(gan.JUDGE)
    y = torch.arange(gan.N_CLASSES).repeat_interleave(COLLAPSE_SAMPLES // gan.N_CLASSES)
    images = gan.sample(model, y.tolist(), seed=COLLAPSE_SEED)
    with torch.no_grad():
        read = judge(digits.normalize(torch.from_numpy(images))).argmax(1)
    counts = torch.bincount(read, minlength=gan.N_CLASSES).float()
    p = counts[counts > 0] / counts.sum()
    return {"classes": int((counts >= COLLAPSE_SHARE * len(y)).sum()),
            "entropy": float(-(p * p.log2()).sum()), "agreement": float((read == y).float().mean()),
            "counts": counts.int().tolist()}


assert set(HEADLINE) == set(PRESETS) and all(p.watch in WATCHES for p in PRESETS.values())
