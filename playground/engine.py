"""One training loop for every architecture: batch → loss → backward → clip → step.

The model module supplies the data and the loss (see ``playground/models/__init__.py``); the engine
owns the optimiser (``cfg.optimizer``: AdamW, Adam, SGD with momentum or plain SGD), the learning-rate
schedule (``cfg.schedule``: one-cycle, Smith & Topin 2017, or constant), gradient clipping
(``cfg.clip``, 0 = off), the stop check and the evaluation after each epoch. No threads, files, plots or prints:
``train.py``, ``bench/`` and the job system all call :func:`fit` and read what it returns or what it
reports through the callbacks.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable

import torch
import torch.nn as nn

from playground import layer_health
from playground.config import OPTIMIZERS, SCHEDULES


# One-cycle schedule: warm up over the first 10 % of the steps from lr/10 to lr, then anneal to ~0.
# A short warm-up from a not-too-small rate lets a fresh model learn from its first steps.
WARMUP_FRACTION, START_DIV = 0.1, 10.0


class NonFiniteLoss(RuntimeError):
    """The loss became NaN or infinite: the run diverged (usually a learning rate far too high)."""


@dataclass
class Result:
    model: nn.Module
    steps: int  # optimiser steps taken
    total_steps: int  # steps planned
    stopped: bool  # True when should_stop() ended the run early
    seconds: float
    history: dict[str, list] = field(default_factory=dict)  # metric name → [(step, value), …]
    final: dict[str, float] = field(default_factory=dict)  # last evaluation
    health: dict | None = None  # layer health (layer_health.Monitor.history) when it was asked for


def pick_device(requested: str = "auto") -> torch.device:
    """"auto" → CUDA when there is a GPU, else CPU; "cpu" / "cuda" as asked (cuda must exist)."""
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if requested == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' was asked for but no CUDA GPU is available")
    if requested not in ("cpu", "cuda"):
        raise ValueError(f"device must be 'auto', 'cpu' or 'cuda', got {requested!r}")
    return torch.device(requested)


def make_optimizer(model: nn.Module, cfg) -> torch.optim.Optimizer:
    """``cfg.optimizer``: AdamW (the default), Adam, SGD with momentum 0.9, or plain SGD.

    Adam's β1 is ``cfg.beta1`` when the Config has one (else PyTorch's 0.9)."""
    name = getattr(cfg, "optimizer", "adamw")
    decay = getattr(cfg, "weight_decay", 0.0)
    betas = (getattr(cfg, "beta1", 0.9), 0.999)  # a GAN's Config sets beta1 = 0.5 (DCGAN, Radford et al.)
    params = model.parameters()
    if name == "adamw":
        return torch.optim.AdamW(params, lr=cfg.lr, weight_decay=decay, betas=betas)
    if name == "adam":
        return torch.optim.Adam(params, lr=cfg.lr, weight_decay=decay, betas=betas)
    if name in ("momentum", "sgd"):
        return torch.optim.SGD(params, lr=cfg.lr, momentum=0.9 if name == "momentum" else 0.0,
                               weight_decay=decay)
    raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {name!r}")


def make_schedule(opt: torch.optim.Optimizer, cfg, total: int):
    """``cfg.schedule``: one-cycle (the default) or a constant learning rate (also for a one-cycle run of
    10 steps or fewer, e.g. a fine-tune on a few digits)."""
    name = getattr(cfg, "schedule", "onecycle")
    if name == "constant":
        return torch.optim.lr_scheduler.LambdaLR(opt, lambda step: 1.0)
    if name == "onecycle" and total * WARMUP_FRACTION <= 1:  # ≤ 10 steps: too few for a warm-up phase
        return torch.optim.lr_scheduler.LambdaLR(opt, lambda step: 1.0)  # (OneCycleLR would divide by 0)
    if name == "onecycle":
        plain_sgd = all(g.get("momentum", None) == 0 for g in opt.param_groups)  # no momentum to cycle:
        # OneCycleLR would otherwise give plain SGD a momentum of 0.85–0.95
        return torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg.lr, total_steps=max(total, 1),
                                                   pct_start=WARMUP_FRACTION, div_factor=START_DIV,
                                                   cycle_momentum=not plain_sgd)
    raise ValueError(f"schedule must be one of {', '.join(SCHEDULES)}, got {name!r}")


class Stepper:
    """The body of the training loop, one batch at a time: loss → backward → clip → step.

    ``fit`` drives it epoch by epoch; the FNN tab drives it a few steps per tick (Play, Step), so both
    share one loop body. The optimiser and schedule are made here from ``cfg``.
    """

    def __init__(self, arch, cfg, model: nn.Module | None = None, device: str | torch.device = "cpu",
                 health_every: int | str | None = None, on_health: Callable | None = None):
        self.arch, self.cfg, self.device = arch, cfg, torch.device(device)
        torch.manual_seed(cfg.seed)
        self.generator = torch.Generator().manual_seed(cfg.seed)
        self.model = (model if model is not None else arch.build(cfg)).to(self.device)
        self.data = arch.train_data(cfg, self.device)
        self.total = len(self.data) * cfg.epochs
        self.opt = make_optimizer(self.model, cfg)
        self.sched = make_schedule(self.opt, cfg, self.total)
        self.step_count = 0
        self._batches = iter(())
        # layer health (playground.layer_health): statistics of every layer on one step in health_every
        if health_every == "auto":
            health_every = layer_health.every(self.total)
        probe = getattr(arch, "health_probe", None)  # a small network's activations read on all its points
        self.monitor = layer_health.Monitor(self.model, health_every, on_health,
                                            probe=probe(self.data) if probe else None) if health_every else None

    def train_on(self, batch) -> dict[str, float]:
        """One optimiser step on ``batch``; returns {"train_loss": …, extras}. Raises NonFiniteLoss."""
        self.model.train()
        watch = self.monitor is not None and self.monitor.wants(self.step_count + 1)
        if watch:
            self.monitor.start()
        try:
            loss, extra = self.arch.loss(self.model, batch)
        finally:
            if watch:
                self.monitor.stop()
        value = loss.item()
        if not math.isfinite(value):
            raise NonFiniteLoss(f"the loss became {value} at step {self.step_count + 1} "
                                f"(learning rate {self.cfg.lr:g} is probably too high)")
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        if getattr(self.cfg, "clip", 0):
            nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.clip)
        if watch:
            self.monitor.before_step()
        self.opt.step()
        if self.step_count < self.total:  # past the planned steps (interactive play) the rate stays
            self.sched.step()
        self.step_count += 1
        if watch:
            self.monitor.record(self.step_count)
        return {"train_loss": value, **extra}

    def step(self) -> dict[str, float]:
        """One step on the next batch, starting a new pass over the data when one ends."""
        batch = next(self._batches, None)
        if batch is None:
            self._batches = iter(self.data.epoch(self.generator))
            batch = next(self._batches)
        return self.train_on(batch)


def fit(arch, cfg, model: nn.Module | None = None, device: str | torch.device = "cpu",
        on_step: Callable[[int, int, dict], None] | None = None,
        on_epoch: Callable[[int, dict], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
        on_start: Callable[[int], None] | None = None,
        log_every: int = 5,
        evaluate: Callable[[nn.Module, object], dict] | None = None,
        health_every: int | str | None = None, on_health: Callable | None = None) -> Result:
    """Train ``model`` (built from ``cfg`` when None) with the model module ``arch``.

    on_step(step, total_steps, metrics) is called every ``log_every`` steps with the mean training
    loss since the last call (``train_loss``) and any extra metrics of the loss function;
    on_epoch(epoch, metrics) after each epoch's evaluation. should_stop() is checked before every
    step; when it returns True the loop ends cleanly and the model keeps what it has learned.
    evaluate(model, cfg) → metrics scores the model after each epoch: ``arch.evaluate`` when None (a
    caller passes its own to give it more, e.g. the GAN's evaluate with its judge bound, see
    ``checkpoint.evaluator``). ``health_every``: take layer health statistics on one step in that many
    (``Result.health``; a caller reads them live from ``on_step``'s ``health`` key). Raises
    ``NonFiniteLoss`` when the loss stops being finite.
    """
    stepper = Stepper(arch, cfg, model=model, device=device, health_every=health_every, on_health=on_health)
    evaluate = evaluate or arch.evaluate
    model, data, total = stepper.model, stepper.data, stepper.total
    if on_start is not None:
        on_start(total)
    history: dict[str, list] = {}
    final: dict[str, float] = {}
    step, stopped, t0 = 0, False, time.perf_counter()
    running: dict[str, float] = {}
    n_running = 0

    def record(name, value):
        history.setdefault(name, []).append((step, value))

    for epoch in range(cfg.epochs):
        for batch in data.epoch(stepper.generator):
            if should_stop is not None and should_stop():
                stopped = True
                break
            step_metrics = stepper.train_on(batch)
            step = stepper.step_count
            for k, v in step_metrics.items():
                running[k] = running.get(k, 0.0) + v
            n_running += 1
            if step % log_every == 0 or step == total:
                metrics = {k: v / n_running for k, v in running.items()}
                for k, v in metrics.items():
                    record(k, v)
                running, n_running = {}, 0
                if on_step is not None:
                    on_step(step, total, metrics)
        if stopped and step == 0:
            break
        final = evaluate(model, cfg)
        for k, v in final.items():
            record(k, v)
        if on_epoch is not None:
            on_epoch(epoch, final)
        if stopped:
            break
    model.eval()
    return Result(model=model, steps=step, total_steps=total, stopped=stopped,
                  seconds=time.perf_counter() - t0, history=history, final=final,
                  health=stepper.monitor.history if stepper.monitor else None)
