"""Hugging Face ZeroGPU: a GPU lent per call to functions decorated with ``spaces.GPU``.

On a ZeroGPU Space the ``spaces`` package is installed and ``SPACES_ZERO_GPU`` is set; CUDA exists only
inside a call of a ``spaces.GPU`` function of the server's own process. There, training jobs run in a
thread of the server through :func:`gpu` (see ``jobs/scheduler.py``) instead of a process of their own. Everywhere
else — a laptop, a CPU Space, a Space with a dedicated GPU — :func:`gpu` returns the function itself
and jobs keep their own processes.
"""

from __future__ import annotations

import os


def enabled() -> bool:
    """True on a ZeroGPU Space (the ``spaces`` package is there and the Space says it is ZeroGPU)."""
    if os.environ.get("SPACES_ZERO_GPU", "").lower() not in ("1", "true", "yes"):
        return False
    try:
        import spaces  # noqa: F401
    except ImportError:
        return False
    return True


def gpu(fn, duration: int = 120):
    """``spaces.GPU(duration=...)(fn)`` on ZeroGPU, else ``fn`` unchanged."""
    if not enabled():
        return fn
    import spaces
    return spaces.GPU(duration=duration)(fn)
