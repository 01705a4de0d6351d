"""What one request costs the server, and what the server costs when nobody asks anything.

    python bench/serving.py                 # the app as it serves (playground/ui/serving.py installed)
    python bench/serving.py --gradio        # Gradio's own queue, routes and sessions, for comparison

The app runs as deployed (``python app.py``, its own process, no jobs). One ``gradio_client`` session calls
each endpoint ``--calls`` times in a row; the server's CPU time (user + system, from ``/proc``) over those calls,
divided by their number, is that endpoint's cost, which is what decides how many requests a second one
server process can answer (under load they wait for each other's CPU, not for the network). Then the server
is left alone for ``--idle`` seconds: its CPU share while idle (a server that polls costs this all day).
``--gradio`` starts the app with ``NP_GRADIO_SERVING=1``: Gradio's own sessions, queue, routes and garbage
collections (no ``serving.install()``, no ``serving.settle()``); the page cache and the web server's fast
parts (uvloop, httptools) stay. Compare the two on one machine in one sitting: absolute figures move with
the machine's load.
The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from served import drawing, served  # noqa: E402

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the client's hub library: no registry fetch, no telemetry
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--calls", type=int, default=100)
    p.add_argument("--idle", type=float, default=10.0)
    p.add_argument("--gradio", action="store_true", help="Gradio's own serving, for comparison")
    args = p.parse_args()

    from gradio_client import Client, handle_file

    env = {"NP_RUNS_DIR": str(Path(tempfile.mkdtemp(prefix="np-serving-")) / "runs")}
    if args.gradio:
        env["NP_GRADIO_SERVING"] = "1"
    digit = drawing(7)
    with served(env) as (url, proc):
        client = Client(url, verbose=False, ssl_verify=False)
        calls = {
            "/health": (),
            "/classify_digit": (handle_file(digit),),
            "/vae_decode": ("[0.5, 1.0]",),
        }
        per_call = {}
        for name, inputs in calls.items():
            for _ in range(5):  # warm: the model loaded, the paths made
                client.predict(*inputs, api_name=name)
            c0, t0 = cpu_seconds(proc.pid), time.perf_counter()
            for _ in range(args.calls):
                client.predict(*inputs, api_name=name)
            cpu, wall = cpu_seconds(proc.pid) - c0, time.perf_counter() - t0
            per_call[name] = {"server_cpu_ms": round(cpu / args.calls * 1000, 2),
                              "round_trip_ms": round(wall / args.calls * 1000, 1)}
            print(f"{name:18s} server CPU {per_call[name]['server_cpu_ms']:6.2f} ms/call   "
                  f"round trip {per_call[name]['round_trip_ms']:6.1f} ms", flush=True)
        time.sleep(1.0)  # the last answers' follow-ups settle before the quiet is measured
        c0, t0 = cpu_seconds(proc.pid), time.perf_counter()
        time.sleep(args.idle)
        idle = (cpu_seconds(proc.pid) - c0) / (time.perf_counter() - t0)
        print(f"idle: {idle:.1%} of a core", flush=True)
    print(json.dumps({"serving": "gradio" if args.gradio else "app", "calls": args.calls, "per_call": per_call,
                      "idle_cpu_share": round(idle, 4)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
