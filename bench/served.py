"""The app as deployed, for a benchmark: ``python app.py`` in its own process on a free local port.

    with served({"NP_RUNS_DIR": runs}) as (url, proc):
        client = Client(url, verbose=False)
        ...

It is ready when its page answers; it is stopped (terminated, killed if it lingers) on the way out. The
Ray tests start the app through it too (``tests/test_ray_app.py``).
``drawing()`` gives a held-out digit as the page would send it, for ``/classify_digit``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def drawing(index: int = 0) -> str:
    """Test digit ``index`` as a 280×280 PNG, dark ink on white like the canvas; returns its path."""
    sys.path.insert(0, str(ROOT))
    from PIL import Image

    from playground.data import digits
    path = Path(tempfile.mkdtemp(prefix="np-bench-")) / "digit.png"
    Image.fromarray(255 - digits.load_digits("test")[0][index].numpy()).resize((280, 280)).save(path)
    return str(path)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served(env: dict[str, str] | None = None, timeout: float = 120.0, script: str = "app.py"):
    """Yield (url, process) of a started app (``script``, from the repository's root); ``env`` adds to or
    overrides the environment."""
    port = free_port()
    env = {**os.environ, "GRADIO_SERVER_NAME": "127.0.0.1", "GRADIO_SERVER_PORT": str(port),
           "GRADIO_ANALYTICS_ENABLED": "False", **(env or {})}
    log = Path(tempfile.mkdtemp(prefix="np-bench-")) / "server.log"
    proc = subprocess.Popen([sys.executable, script], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=open(log, "w"))
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.time() + timeout
        while True:
            try:
                urllib.request.urlopen(url, timeout=1)
                break
            except Exception:
                if proc.poll() is not None or time.time() > deadline:
                    why = f"exited with {proc.returncode}" if proc.poll() is not None else f"no answer in {timeout:g} s"
                    raise RuntimeError(f"the app did not start ({why}); {log} ends:\n{log.read_text()[-3000:]}")
                time.sleep(0.05)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
