"""The server's own health, for people and monitors: jobs, memory, CPU, device, storage, models.

``report()`` is a JSON-safe dict; it never contains a file path, an environment variable or a secret.
No Gradio here: the Health tab and the ``/health`` endpoint show it.
"""

from __future__ import annotations

import os
import platform
import resource
import shutil
import sys
import time

import torch

from playground import checkpoint, jobs
from playground.jobs import scheduler

STARTED = time.time()


def _meminfo() -> dict:
    """System memory in MB from /proc/meminfo (Linux); {} elsewhere."""
    out = {}
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                key, value = line.split(":", 1)
                if key in ("MemTotal", "MemAvailable"):
                    out[key] = int(value.split()[0]) // 1024
    except (OSError, ValueError):
        pass
    return {"total_mb": out.get("MemTotal"), "available_mb": out.get("MemAvailable")}


def _rss_mb() -> float | None:
    """This process's resident memory now (Linux), else its peak."""
    try:
        with open("/proc/self/statm") as f:
            return round(int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)
    except (OSError, ValueError, IndexError):
        return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _device() -> dict:
    out = {"torch": torch.__version__, "threads": torch.get_num_threads(), "cuda": torch.cuda.is_available()}
    if out["cuda"]:
        try:
            free, total = torch.cuda.mem_get_info()
            out.update(gpu=torch.cuda.get_device_name(0), gpu_memory_mb=total // 2**20,
                       gpu_free_mb=free // 2**20)
        except RuntimeError:
            pass
    return out


def _storage(manager: scheduler.JobManager) -> dict:
    try:
        manager._check_writable()
        writable = True
    except scheduler.JobError:
        writable = False
    try:
        free = shutil.disk_usage(manager.runs_dir if manager.runs_dir.exists() else checkpoint.ROOT).free
    except OSError:
        free = None
    return {"runs_writable": writable, "disk_free_mb": None if free is None else free // 2**20}


def report() -> dict:
    manager = jobs.manager()
    load = os.getloadavg() if hasattr(os, "getloadavg") else (None, None, None)
    pretrained = sorted(p.name for p in checkpoint.PRETRAINED.iterdir()
                        if (p / checkpoint.WEIGHTS_FILE).is_file()) if checkpoint.PRETRAINED.is_dir() else []
    return {
        "status": "ok",
        "uptime_s": round(time.time() - STARTED),
        "python": platform.python_version(),
        "cpu": {"cores": os.cpu_count(), "load_1m": load[0], "load_5m": load[1]},
        "memory": {"process_rss_mb": _rss_mb(), **_meminfo()},
        "device": _device(),
        "jobs": manager.summary(),
        "backend": manager.cluster(),
        "storage": _storage(manager),
        "models": {"pretrained": pretrained, "loaded": len(checkpoint._cache)},
        "platform": sys.platform,
    }
