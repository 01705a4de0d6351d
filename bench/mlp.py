"""How fast does the FNN tab train while it redraws the decision boundary?

One frame of Play = a pass over the training points (22 steps at the defaults) + the losses on all
points + the boundary (60×60 numbers), with the chart data and the network picture when they are due:
exactly what the page's stage asks of the tab's ``tick`` while Play runs, one call after another.
Baseline in the same run: the same steps through the plain engine loop, without any drawing. The page
itself adds its round trips and drawing (``bench/browser.py`` measures frames in Chromium).
The last line is one JSON object.

    python bench/mlp.py
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from playground import engine, fnn_session  # noqa: E402
from playground.models import mlp  # noqa: E402
from playground.ui import mlp as tab  # noqa: E402


def main(seconds: float = 5.0):
    cfg = mlp.Config()
    sess = fnn_session.new_session(cfg)
    sess["token"] = tab.SESSIONS.put(sess)
    tab.frame(sess, None)  # warm up
    ticks, steps, t0 = 0, 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        before = sess["stepper"].step_count
        tab.tick(sess["token"], None)
        ticks, steps = ticks + 1, steps + sess["stepper"].step_count - before
    elapsed = time.perf_counter() - t0
    tick_ms = elapsed / ticks * 1000

    stepper = engine.Stepper(mlp, cfg)
    t0 = time.perf_counter()
    for _ in range(steps):
        stepper.step()
    plain = steps / (time.perf_counter() - t0)

    per_tick = fnn_session.steps_per_tick(sess)
    print(json.dumps({
        "machine": f"{os.cpu_count()} CPU cores, torch {torch.__version__}",
        "steps_per_tick": per_tick, "tick_handler_ms": round(tick_ms, 1),
        "server_steps_per_s_with_frames": round(steps / elapsed, 1),
        "server_frames_per_s": round(ticks / elapsed, 1),
        "plain_steps_per_s": round(plain, 1),
        "frame_cost_ratio": round(plain / (steps / elapsed), 3),
        "final_test_accuracy": sess["history"]["val_acc"][-1][1],
    }))


if __name__ == "__main__":
    main()
