"""Layer health while a network trains: is each layer alive, and is it learning at a sane pace?

Karpathy's makemore part 3 and d2l's exercises read a network's insides by a few numbers per layer; these
are they, for any model of ours:

- the activations' mean and standard deviation (a layer whose outputs collapse to one value, or blow up,
  stops passing information on);
- the dead fraction: ReLU units that were never positive on the batch (their gradient is 0: they no longer
  learn), or, after tanh and sigmoid, the share of outputs saturated near the limits (|tanh| > 0.97,
  sigmoid < 0.03 or > 0.97: their gradient is nearly 0);
- the gradient norm of the layer's weights (vanishing: far smaller in early layers than late ones);
- the update-to-weight ratio log10(‖Δw‖ / ‖w‖) of the optimiser's step (around −3 is healthy; far above,
  the learning rate is too high; far below, the layer hardly moves).

A layer is a module with weights (Linear, Conv, a recurrent stack, an embedding) and the non-linearity that
follows it in the model's own order, if any (conv → batch norm → ReLU is one layer). Statistics are taken
on one step in ``every``; on the others nothing is hooked, so training is barely slowed
(``bench/health.py`` measures it). A small network can read its activations on all its training points
instead of the batch (``Monitor(probe=x)``, :func:`activation_stats_on`): a batch of 16 calls units dead
that are merely quiet on it.
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn

WEIGHTED = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Embedding, nn.RNNBase)
ACTIVATIONS = {nn.ReLU: "relu", nn.GELU: "relu", nn.Tanh: "tanh", nn.Sigmoid: "sigmoid"}
SATURATED = 0.97  # |tanh| above this, or sigmoid within 0.03 of 0 or 1: the gradient is nearly 0
STATS = ("act_mean", "act_std", "dead_fraction", "grad_norm", "update_ratio")


def layers(model: nn.Module) -> list[dict]:
    """The model's layers in order: [{"name", "module", "act" (the non-linearity's module or None),
    "kind" ("relu", "tanh", "sigmoid" or None), "weights": [parameters]}]. A model may name its own
    layers with a ``health_layers()`` method returning the same dicts (a from-scratch recurrent stack)."""
    own = getattr(model, "health_layers", None)
    if own is not None:
        return own()
    out = []
    for name, module in model.named_modules():
        if isinstance(module, WEIGHTED) or type(module).__name__ == "ScratchRecurrent":
            weights = [p for n, p in module.named_parameters() if p.dim() >= 2]
            if weights:
                kind = "tanh" if isinstance(module, nn.RNNBase) or type(module).__name__ == "ScratchRecurrent" else None
                out.append({"name": name, "module": module, "act": None, "kind": kind, "weights": weights})
        elif out and out[-1]["act"] is None and out[-1]["kind"] is None and type(module) in ACTIVATIONS:
            out[-1]["act"], out[-1]["kind"] = module, ACTIVATIONS[type(module)]
    return out


def _units(y: torch.Tensor) -> torch.Tensor:
    """Outputs (B, C, …) or (B, T, H) → (N, units): a unit is a channel or a feature."""
    if y.dim() == 4:  # (B, C, H, W): a channel is a unit
        return y.transpose(0, 1).reshape(y.size(1), -1).T
    return y.reshape(-1, y.size(-1))


def activation_stats(y: torch.Tensor, kind: str | None) -> dict[str, float]:
    """mean, std and the dead (ReLU) or saturated (tanh, sigmoid) fraction of one layer's outputs."""
    y = y.detach().float()
    out = {"act_mean": y.mean().item(), "act_std": y.std().item() if y.numel() > 1 else 0.0,
           "dead_fraction": float("nan")}
    if kind == "relu":
        out["dead_fraction"] = (_units(y) <= 0).all(0).float().mean().item()
    elif kind == "tanh":
        out["dead_fraction"] = (y.abs() > SATURATED).float().mean().item()
    elif kind == "sigmoid":
        out["dead_fraction"] = ((y < 1 - SATURATED) | (y > SATURATED)).float().mean().item()
    return out


def _hook(found: list[dict], names: list[str], into: dict) -> list:
    """Hook each layer's output (its non-linearity's, if any) into ``into[name]``; → the hooks' handles."""
    hooks = []
    for name, layer in zip(names, found):
        module = layer["act"] or layer["module"]

        def keep(mod, inputs, output, name=name):
            into[name] = (output[0] if isinstance(output, tuple) else output).detach()
        hooks.append(module.register_forward_hook(keep))
    return hooks


def _names(found: list[dict]) -> list[str]:
    return [l["name"] or type(l["module"]).__name__ for l in found]


def activations_on(model: nn.Module, x: torch.Tensor, found: list[dict] | None = None) -> dict[str, torch.Tensor]:
    """Each layer's outputs on the inputs ``x`` (e.g. all of a small network's training points), computed
    without gradients in eval mode (the model's mode is restored): {layer name: outputs}."""
    found = layers(model) if found is None else found
    acts: dict[str, torch.Tensor] = {}
    hooks = _hook(found, _names(found), acts)
    was = model.training
    try:
        model.eval()
        with torch.no_grad():
            model(x)
    finally:
        model.train(was)
        for h in hooks:
            h.remove()
    return acts


def activation_stats_on(model: nn.Module, x: torch.Tensor) -> dict[str, dict[str, float]]:
    """:func:`activation_stats` of every layer on the inputs ``x``: {layer name: {"act_mean", "act_std",
    "dead_fraction"}}. On all of a network's training points a ReLU unit is dead only if no point makes it
    positive: what stops it learning, where a small batch would also count units merely quiet on it."""
    found = layers(model)
    acts = activations_on(model, x, found)
    return {name: activation_stats(acts[name], l["kind"]) for name, l in zip(_names(found), found) if name in acts}


class Monitor:
    """Hooks a model on the steps it is asked to watch; ``record`` returns that step's statistics.

    Use: ``watch = monitor.start()`` before the forward pass of a watched step (a no-op otherwise), then,
    after ``backward`` and before ``optimizer.step()``, ``monitor.before_step()``, and after it
    ``stats = monitor.record(step)``. ``history``: {"layers", "steps": [...], "stats": {layer: {stat: [...]}}},
    thinned to at most MAX_POINTS steps (see :func:`append`). ``probe``: inputs (all of a small network's
    training points) on which ``record`` reads the activations after the step, instead of hooking the batch.
    """

    def __init__(self, model: nn.Module, every: int = 10, on_record=None, probe: torch.Tensor | None = None):
        self.model, self.every, self.on_record, self.probe = model, max(1, int(every)), on_record, probe
        self.layers = layers(model)
        self.names = _names(self.layers)
        self.history = {"layers": self.names, "steps": [], "stats": {n: {s: [] for s in STATS} for n in self.names}}
        self.histograms: dict = {}  # the last watched step's histograms: {"step", layer: {"act", "grad"}}
        self._hooks, self._acts, self._before = [], {}, None

    def wants(self, step: int) -> bool:
        """Whether step ``step`` (counted from 1) is watched: the first, then one in ``every``."""
        return step == 1 or step % self.every == 0

    def start(self) -> None:
        """Hook every layer's output for the coming forward pass (not with a ``probe``: it is read then)."""
        self.stop()
        if self.probe is None:
            self._hooks = _hook(self.layers, self.names, self._acts)

    def stop(self) -> None:
        for h in self._hooks:
            h.remove()
        self._hooks = []

    def before_step(self) -> None:
        """After backward: unhook, and keep the weights as they are before the optimiser moves them."""
        self.stop()
        self._before = [[w.detach().clone() for w in l["weights"]] for l in self.layers]

    def record(self, step: int) -> dict[str, dict[str, float]]:
        """After the optimiser's step: this step's statistics per layer, appended to ``history``."""
        if self.probe is not None:
            self._acts = activations_on(self.model, self.probe, self.layers)
        stats = {}
        for name, layer, before in zip(self.names, self.layers, self._before or [None] * len(self.layers)):
            s = activation_stats(self._acts[name], layer["kind"]) if name in self._acts else \
                {"act_mean": float("nan"), "act_std": float("nan"), "dead_fraction": float("nan")}
            grads = [w.grad for w in layer["weights"] if w.grad is not None]
            s["grad_norm"] = math.sqrt(sum(float(g.float().pow(2).sum()) for g in grads)) if grads else float("nan")
            if before is not None:
                moved = math.sqrt(sum(float((w.detach() - b).float().pow(2).sum()) for w, b in zip(layer["weights"], before)))
                size = math.sqrt(sum(float(w.detach().float().pow(2).sum()) for w in layer["weights"]))
                s["update_ratio"] = math.log10(moved / size) if moved > 0 and size > 0 else float("-inf")
            else:
                s["update_ratio"] = float("nan")
            stats[name] = s
        if len(self.history["steps"]) % HIST_EVERY == 0:  # histograms on one watched step in HIST_EVERY
            self.histograms = {"step": step, **{name: _histograms(self._acts.get(name), layer) for name, layer
                                                in zip(self.names, self.layers)}}
        append(self.history, self.names, step, stats)
        self._acts, self._before = {}, None
        if self.on_record is not None:
            self.on_record(step, stats, self.histograms)
        return stats


HIST_BINS = 30
HIST_SAMPLE = 4096  # values a histogram is drawn from
HIST_EVERY = 4  # watched steps between histograms (the first watched step has them)


def _histograms(acts: torch.Tensor | None, layer: dict) -> dict:
    """Histograms of a layer's outputs and its weights' gradients: {"act": [counts, edges], "grad": …}."""
    out = {}
    for key, values in (("act", acts), ("grad", torch.cat([w.grad.reshape(-1) for w in layer["weights"]
                                                             if w.grad is not None]) if any(
            w.grad is not None for w in layer["weights"]) else None)):
        if values is None or values.numel() == 0:
            continue
        v = values.detach().reshape(-1)
        v = v[::max(1, v.numel() // HIST_SAMPLE)].float().cpu()  # an even sample: the shape, cheaply
        v = v[torch.isfinite(v)]  # a diverging run's NaN and inf have no bin (and would stop histc)
        if v.numel() == 0:
            continue
        lo, hi = float(v.min()), float(v.max())
        if hi <= lo:
            hi = lo + 1e-6
        counts = torch.histc(v, HIST_BINS, lo, hi)
        out[key] = {"counts": counts.int().tolist(), "lo": lo, "hi": hi}
    return out


def jsonable(history: dict) -> dict:
    """History with NaN and ±inf as None: what the API answers."""
    clean = lambda v: v if isinstance(v, (int, float)) and math.isfinite(v) else None  # noqa: E731
    return {"layers": history["layers"], "steps": list(history["steps"]),
            "stats": {n: {k: [clean(v) for v in vs] for k, vs in s.items()} for n, s in history["stats"].items()}}


def every(total_steps: int, points: int = 100, at_least: int = 5) -> int:
    """Steps between watched steps for a run of ``total_steps``: about ``points`` of them, never more often
    than one in ``at_least`` (each costs a weight copy, norms and histograms: ``bench/health.py`` measures
    what that does to training speed). The first step is always watched (see ``Monitor.wants``)."""
    return max(at_least, -(-int(total_steps) // points))


MAX_POINTS = 400  # steps a live history keeps; beyond, every other one is dropped (the curve keeps its shape)


def append(history: dict, layers_: list[str], step: int, stats: dict) -> None:
    """Add one watched step's ``stats`` to a ``history`` ({"layers", "steps", "stats"}), thinning it."""
    if not history:
        history.update(layers=list(layers_), steps=[], stats={n: {k: [] for k in STATS} for n in layers_})
    history["steps"].append(step)
    for name in history["layers"]:
        for k in STATS:
            history["stats"][name][k].append(stats.get(name, {}).get(k, float("nan")))
    if len(history["steps"]) > MAX_POINTS:
        keep = list(range(0, len(history["steps"]) - 1, 2)) + [len(history["steps"]) - 1]
        history["steps"] = [history["steps"][i] for i in keep]
        for name in history["layers"]:
            for k in STATS:
                history["stats"][name][k] = [history["stats"][name][k][i] for i in keep]



HIST_KEEP = 48  # histogram steps a history keeps; beyond, every other one is dropped (the newest stays)


def keep_histograms(kept: list, histograms: dict | None) -> None:
    """Add one step's ``histograms`` ({"step", layer: …}) to ``kept`` unless it is that of the last one
    kept, thinning ``kept`` to at most ``HIST_KEEP`` steps spread over the run."""
    if not histograms or (kept and kept[-1]["step"] == histograms["step"]):
        return
    kept.append(histograms)
    if len(kept) > HIST_KEEP:  # keep half, the nearest to evenly spaced steps from the first to the newest
        first, last, n = kept[0]["step"], kept[-1]["step"], HIST_KEEP // 2
        chosen = {min(range(len(kept)), key=lambda i: abs(kept[i]["step"] - (first + (last - first) * j / n)))
                  for j in range(n + 1)}
        kept[:] = [kept[i] for i in sorted(chosen)]


def histograms_at(kept: list, step: int | None = None) -> dict | None:
    """The kept histograms of the last step at or before ``step`` (the first kept if none is; the newest
    when ``step`` is None)."""
    if not kept:
        return None
    if step is None:
        return kept[-1]
    earlier = [h for h in kept if h["step"] <= step]
    return earlier[-1] if earlier else kept[0]
