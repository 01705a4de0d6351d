"""A class of forty at once: concurrent gradio_client users against the app while two jobs train.

    python bench/load.py                   # 40 users, 60 s, two training jobs running
    python bench/load.py --users 10 --seconds 20

The app runs as its own process (``python app.py``, as deployed) on a free local port with a temporary
runs directory and ``NP_MAX_RUNNING_JOBS=2``, so both jobs train at once. Each user is a thread with its
own gradio_client session. First all of them send a drawing at the same instant (the worst moment, a
teacher saying "now draw!"), reported apart as ``burst``. Then the steady state: each user starts a random
part into a think time and repeats: pick a call (drawing classified, text generated, latent decoded,
attention, job status, …), time it, think for 0.5–1.5 s, as a person moving a slider or drawing a stroke
would. Reports requests/s, p50/p95/max latency (all and per endpoint) and errors; the last line is one
JSON object. Connecting counts: each user's ``Client()`` (which fetches the page's configuration) is
timed (``connect``), and a user that cannot connect is an error, reported, never waited for.

The clients share the app's 2 cores, so they are made as light as they can be: ``ssl_verify=False``, as
the app is plain HTTP on 127.0.0.1 and nothing is verified either way, while with it gradio_client builds
a fresh TLS context (~22 ms of CPU) for every HTTP request it sends — that alone made the load generator,
not the app, the bottleneck. For the same reason their Hugging Face Hub library is told it is offline and
not to send telemetry: at every ``Client()`` it otherwise starts a telemetry thread and tries to fetch a
registry from the Hub (no network here: a timeout per thread), which took a third of the clients' CPU
while forty connected. The app makes no such call either way. And once all have connected, the load
generator's own heap (forty sessions' copies of the page's configuration) is left out of its garbage
collections (``gc.freeze()``): a collection of it stopped all forty users for 370 ms at once and was counted
as the server's latency; forty browsers each collect their own small heap.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from served import drawing, served  # noqa: E402

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the clients' hub library: see above
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


def cpu_times() -> list[int]:
    """This machine's CPU time so far, in ticks: user, nice, system, idle, iowait, irq, softirq, steal."""
    with open("/proc/stat") as f:
        return [int(v) for v in f.readline().split()[1:9]]


def calls(digit: str, job_ids: list[str]):
    """(weight, endpoint, args maker): a mix like a class's: mostly quick interactive calls."""
    from gradio_client import handle_file
    words = ["Call me", "The whale", "It was the", "Ahab", "sea"]
    numbers = ["31415926>", "27182818>", "1234"]
    return [
        (3, "/classify_digit", lambda r: (handle_file(digit),)),
        (3, "/vae_decode", lambda r: (json.dumps([round(r.uniform(-3, 3), 2) for _ in range(2)]),)),
        (2, "/rnn_generate", lambda r: (r.choice(["rnn", "lstm", "gru"]), r.choice(words), 40, 0.8)),
        (2, "/attention", lambda r: r.choice([(r.choice(words), "text"), (r.choice(numbers), "reverse")])),
        (1, "/gan_generate", lambda r: (r.randrange(10), r.randrange(1000))),
        (1, "/transformer_generate", lambda r: (r.choice(words), 40, 0.8)),
        (1, "/rnn_states", lambda r: (r.choice(["lstm", "gru"]), "Call me Ishmael.")),
        (2, "/job_status", lambda r: (r.choice(job_ids),)),
        (1, "/health", lambda r: ()),
    ]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--users", type=int, default=40)
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--think", type=float, nargs=2, default=(0.5, 1.5), help="seconds between a user's calls")
    p.add_argument("--jobs", type=int, default=2, help="training jobs running during the test")
    args = p.parse_args()

    from gradio_client import Client, handle_file

    tmp = Path(tempfile.mkdtemp(prefix="np-load-"))
    with served({"NP_RUNS_DIR": str(tmp / "runs"), "NP_MAX_RUNNING_JOBS": str(args.jobs)}) as (url, _):
        admin = Client(url, verbose=False, ssl_verify=False)
        # Two jobs that outlast the test: the CNN on digits and the character-level LSTM on Moby-Dick.
        job_ids = [admin.predict(arch, cfg, api_name="/start_training") for arch, cfg in
                   [("cnn", '{"epochs": 8}'), ("charlm", '{"cell": "lstm", "epochs": 30}')][:args.jobs]]
        time.sleep(3)
        digit = drawing(7)
        mix = calls(digit, job_ids)
        available = set(admin.view_api(print_info=False, return_format="dict")["named_endpoints"])
        mix = [m for m in mix if m[1] in available and (job_ids or m[1] != "/job_status")]
        weights = [w for w, _, _ in mix]
        results: list[tuple[str, float, str | None]] = []
        burst: list[tuple[float, str | None]] = []
        connect: list[tuple[float, str | None]] = []
        lock = threading.Lock()
        ready, go, steady, stop_at = [0], threading.Event(), threading.Event(), [0.0]

        def timed(client, name, args):
            t0 = time.perf_counter()
            try:
                client.predict(*args, api_name=name)
                return time.perf_counter() - t0, None
            except Exception as e:  # an error answer counts as an error, whatever its kind
                return time.perf_counter() - t0, f"{type(e).__name__}: {str(e)[:120]}"

        def user(i: int):
            r = random.Random(i)
            t0 = time.perf_counter()
            try:
                client = Client(url, verbose=False, ssl_verify=False)
                error = None
            except Exception as e:  # could not connect: an error of its own, and this user is done
                client, error = None, f"{type(e).__name__}: {str(e)[:120]}"
            with lock:
                connect.append((time.perf_counter() - t0, error))
                ready[0] += 1
            if client is None:
                return
            go.wait()
            # First, everyone draws at the same instant (the worst case, measured apart)...
            d, error = timed(client, "/classify_digit", (handle_file(digit),))
            with lock:
                burst.append((d, error))
            steady.wait()
            # ...then the steady state: each user starts a random part into a think time, as people do.
            time.sleep(r.uniform(0, args.think[1]))
            while time.time() < stop_at[0]:
                _, name, make = r.choices(mix, weights)[0]
                d, error = timed(client, name, make(r))
                with lock:
                    results.append((name, d, error))
                time.sleep(r.uniform(*args.think))

        threads = [threading.Thread(target=user, args=(i,), daemon=True) for i in range(args.users)]
        for t in threads:
            t.start()
        while ready[0] < args.users and any(t.is_alive() for t in threads):
            time.sleep(0.05)  # every user connected (a session each), or failed to, before the clock starts
        gc.collect()
        gc.freeze()  # the clients' sessions, out of the load generator's own collections (see above)
        go.set()
        connected = sum(e is None for _, e in connect)
        while len(burst) < connected and any(t.is_alive() for t in threads):
            time.sleep(0.05)
        t_start, ticks = time.time(), cpu_times()
        stop_at[0] = t_start + args.seconds
        steady.set()
        for t in threads:
            t.join(args.seconds + 120)
        elapsed = time.time() - t_start
        ticks = [b - a for a, b in zip(ticks, cpu_times())]
        statuses = [admin.predict(j, api_name="/job_status") for j in job_ids]
        health = admin.predict(api_name="/health")

    lat = sorted(d for _, d, e in results if e is None)
    errors = [(n, e) for n, _, e in results if e is not None] + [("connect", e) for _, e in connect if e is not None]

    def q(values, f):
        return round(values[min(len(values) - 1, int(f * len(values)))] * 1000, 1) if values else None

    per = {}
    for name in sorted({n for n, _, _ in results}):
        ds = sorted(d for n, d, e in results if n == name and e is None)
        per[name] = {"n": sum(1 for n, _, _ in results if n == name), "p50_ms": q(ds, 0.5), "p95_ms": q(ds, 0.95)}
        print(f"{name:24s} n={per[name]['n']:5d}  p50 {per[name]['p50_ms']} ms  p95 {per[name]['p95_ms']} ms")
    for n, e in errors[:10]:
        print("error", n, e)
    summary = {
        "users": args.users, "seconds": round(elapsed, 1), "think_s": list(args.think), "jobs": len(job_ids),
        "requests": len(results), "requests_per_s": round(len(results) / elapsed, 1), "errors": len(errors),
        "p50_ms": q(lat, 0.5), "p95_ms": q(lat, 0.95), "max_ms": round(max(lat) * 1000, 1) if lat else None,
        "mean_ms": round(statistics.mean(lat) * 1000, 1) if lat else None,
        "connect": {"users": len(connect), "errors": sum(e is not None for _, e in connect),
                    "p50_ms": q(sorted(d for d, _ in connect), 0.5), "p95_ms": q(sorted(d for d, _ in connect), 0.95),
                    "max_ms": round(max(d for d, _ in connect) * 1000, 1) if connect else None},
        "burst": {"users": len(burst), "errors": sum(e is not None for _, e in burst),
                  "p50_ms": q(sorted(d for d, _ in burst), 0.5),
                  "max_ms": round(max(d for d, _ in burst) * 1000, 1) if burst else None},
        "jobs_during": [{"arch": s["arch"], "state": s["state"], "step": s["step"]} for s in statuses],
        "server_rss_mb": health["memory"]["process_rss_mb"], "per_endpoint": per,
        # The machine during the steady state: busy (of all its cores) and stolen by its host (a virtual
        # machine's neighbours): a slow run with steal > 0 was slowed from outside.
        "machine": {"busy_share": round(1 - (ticks[3] + ticks[4]) / max(1, sum(ticks)), 3),
                    "steal_share": round(ticks[7] / max(1, sum(ticks)), 4)},
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
