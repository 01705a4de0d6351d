"""The body of a training job: train with the engine, report progress, save the model, report the end.

It runs in a process of its own (or, on ZeroGPU, a thread of the server: see ``scheduler``) and talks to
the scheduler only through ``messages``, a queue of ``(kind, payload)``: ``started`` (device, total
steps), ``progress`` (batched steps and epochs, now and then a preview of the model), then ``finished``
or ``failed`` with a readable reason. A model module's ``initial(cfg, load)`` may give the model to start
from (a fine-tune); then the start's own scores come first in its curves (at step 0) and, as
``before_<metric>``, in its final metrics. ``stop`` (an Event) ends the training at the next step; what was
learned is still evaluated and saved.
"""

from __future__ import annotations

import os
import threading
import time
from functools import partial
from pathlib import Path

from playground import checkpoint
from playground.config import from_overrides

FLUSH_EVERY = 0.25  # seconds between progress messages from a job
NICENESS = 10  # jobs run at a lower priority than the server, so answers stay quick while they train
PREVIEW_EVERY = 2.0  # seconds between previews (a sample of text, a grid of images): they cost training time


def run(arch_name: str, module_name: str, config: dict, device: str, out_dir: str, messages, stop,
        threads: int, gpu_share: float | None = None) -> None:
    """The job's own process: train with the engine, report progress, save the model, report the end.

    The model module comes by its import path, resolved through the registry by the parent.
    ``gpu_share`` (jobs sharing a GPU): the fraction of its memory this job may take; beyond it the job
    fails with "out of GPU memory" and the others sharing the GPU go on.
    """
    import importlib

    import torch

    from playground import engine, layer_health

    torch.set_num_threads(threads)
    if not isinstance(stop, threading.Event):  # its own process: training yields the CPU to the web server
        try:
            os.nice(NICENESS)
        except OSError:
            pass
    arch = importlib.import_module(module_name)
    cfg = from_overrides(arch.Config, config)
    initial = getattr(arch, "initial", None)  # a model to start from (a fine-tune), else None
    model = None
    buffer = {"steps": [], "epochs": [], "t": time.time(), "last_step": 0, "preview_t": 0.0, "health": [],
              "histograms": []}
    preview = getattr(arch, "preview", None)

    def flush(force=False):
        now = time.time()
        if force or now - buffer["t"] >= FLUSH_EVERY:
            show = preview is not None and (force or now - buffer["preview_t"] >= PREVIEW_EVERY)
            payload = {"steps": buffer["steps"], "epochs": buffer["epochs"], "preview": None,
                       "health": buffer["health"], "histograms": buffer["histograms"]}
            if torch.cuda.is_initialized():  # the scheduler's memory guard for jobs sharing this GPU
                payload["gpu_free_mb"] = torch.cuda.mem_get_info()[0] // 2**20
            if show and model is not None:
                was_training = model.training
                with torch.no_grad():
                    payload["preview"] = preview(model.eval())
                model.train(was_training)
                buffer["preview_t"] = now
            messages.put(("progress", payload))
            buffer.update(steps=[], epochs=[], t=time.time(), health=[], histograms=[])

    parent = os.getppid()

    def on_step(step, total, metrics):
        if os.getppid() != parent and not isinstance(stop, threading.Event):
            os._exit(0)  # the server is gone (killed without a chance to stop us): no orphan keeps training
        buffer["steps"].append((step, metrics))
        buffer["last_step"] = step
        flush()

    def on_health(step, stats, histograms):
        buffer["health"].append((step, stats))
        layer_health.keep_histograms(buffer["histograms"], histograms)  # each new one (one watched step in a few)

    def on_epoch(epoch, metrics):
        buffer["epochs"].append((buffer["last_step"], metrics))
        flush()  # with the next timed message: a toy run's epochs last milliseconds, and a message (and a
        #          preview) for each one cost the server more than the training (bench/load.py)

    def save(result_model, final) -> str | None:
        """Save the model; None, or why it could not be saved (no path in it)."""
        try:
            checkpoint.save(Path(out_dir) / "model", arch_name, cfg, result_model.cpu(), metrics=final)
            return None
        except OSError as e:
            return os.strerror(e.errno) if e.errno else type(e).__name__

    try:
        dev = engine.pick_device(device)
        if dev.type == "cuda" and gpu_share and gpu_share < 1:
            torch.cuda.set_per_process_memory_fraction(gpu_share)
        model = initial(cfg, partial(checkpoint.load_start, arch_name)) if initial is not None else None
        warm = model is not None
        if not warm:
            torch.manual_seed(cfg.seed)  # the job's starting weights follow its seed, as engine.fit's do
            model = arch.build(cfg)  # before the judge loads (evaluator): the same draws as always
        evaluate = checkpoint.evaluator(arch)
        before = evaluate(model.to(dev), cfg) if warm else {}
        if warm:  # its curves begin with the start model's scores, kept in the end as before_*
            buffer["epochs"].append((0, before))

        def on_start(total):
            started = {"device": str(dev), "total_steps": total}
            if dev.type == "cuda":  # what is left for the next job that would share this GPU
                started["gpu_free_mb"] = torch.cuda.mem_get_info()[0] // 2**20
            messages.put(("started", started))

        result = engine.fit(arch, cfg, model=model, device=dev, on_step=on_step, on_epoch=on_epoch,
                            should_stop=stop.is_set, on_start=on_start, evaluate=evaluate,
                            health_every="auto", on_health=on_health)  # layer health
        flush(force=True)
        final = {**result.final, **{f"before_{k}": v for k, v in before.items()}}
        save_error = save(result.model, final) if result.steps > 0 else None
        messages.put(("finished", {"final": final, "stopped": result.stopped,
                                   "saved": result.steps > 0 and save_error is None, "save_error": save_error}))
    except engine.NonFiniteLoss as e:
        flush(force=True)
        messages.put(("failed", {"error": f"training diverged: {e}"}))
    except torch.cuda.OutOfMemoryError:
        messages.put(("failed", {"error": "out of GPU memory: try a smaller batch size or model"}))
    except MemoryError:
        messages.put(("failed", {"error": "out of memory: try a smaller batch size or model"}))
    except ValueError as e:
        messages.put(("failed", {"error": str(e)}))
    except Exception as e:  # never let a job's error escape as a traceback with paths in it
        messages.put(("failed", {"error": f"training failed ({type(e).__name__})"}))


def child(*args, server: int, **kwargs) -> None:
    """``run`` as a process of this machine's server (process id ``server``): the local backend's target.
    It ends when the server is gone."""
    threading.Thread(target=_exit_with, args=(server,), daemon=True, name="exit-with-server").start()
    run(*args, **kwargs)


def _exit_with(parent: int, every: float = 1.0) -> None:
    """End this process when ``parent``, the server that started it, is gone (killed, or stopped without
    its exit handlers, as by SIGTERM), instead of training on for nobody: its progress has no reader and
    its end no record. An orphan is given another parent, so a change of parent is the sign (also when
    the server died before this process got here)."""
    while os.getppid() == parent:
        time.sleep(every)
    os._exit(3)
