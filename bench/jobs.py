"""What does training in a background job cost, and does the app stay quick while a job trains?

1. Throughput: the same CNN training (the Train panel's QUICK settings, 2 epochs) run as a background
   job (own process, the job's thread count) and as the plain engine loop in this process with the
   same thread count. ``throughput_ratio`` = job steps/s ÷ plain steps/s while training (target ≥ 0.9);
   ``end_to_end_ratio`` also counts the job process's start-up.
2. Responsiveness: ``python app.py`` is launched; the /classify_digit round trip (median of 40) is
   measured idle and while a CNN job trains through /start_training. ``latency_ratio`` = during ÷ idle
   (target ≤ 2).
3. ``--cuda``: the pretrained recipe as a job on the GPU; seconds from Start until the held-out accuracy
   first reaches 98 % (needs no Gradio: runs on a bare GPU machine).

    python bench/jobs.py          # 1 and 2 (about 3 minutes on 2 cores)
    python bench/jobs.py --cuda   # 3
The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from playground import engine, models  # noqa: E402
from playground.config import from_overrides  # noqa: E402
from playground.jobs import records, scheduler  # noqa: E402
from served import drawing, served  # noqa: E402


def throughput(epochs: int = 2) -> dict:
    arch = models.get("cnn")
    overrides = {**dataclasses.asdict(arch.QUICK), "epochs": epochs}
    manager = scheduler.JobManager(tempfile.mkdtemp(prefix="np-bench-"))
    threads = manager.threads

    # the job first (this process has not changed its thread count yet)
    t0 = time.perf_counter()
    job_id = manager.start("cnn", overrides, device="cpu")
    first = None
    while True:
        st = manager.status(job_id)
        if first is None and st["step"] > 0:
            first = (time.perf_counter(), st["step"])
        if st["state"] not in records.ACTIVE:
            break
        time.sleep(0.02)
    t_end = time.perf_counter()
    assert st["state"] == "done", st
    job_rate = (st["step"] - first[1]) / (t_end - first[0])
    job_total = t_end - t0

    torch.set_num_threads(threads)
    cfg = from_overrides(arch.Config, overrides)
    marks = {}

    def on_step(step, total, metrics):
        marks.setdefault("first", (time.perf_counter(), step))

    t0 = time.perf_counter()
    result = engine.fit(arch, cfg, on_step=on_step)
    t_end = time.perf_counter()
    plain_rate = (result.steps - marks["first"][1]) / (t_end - marks["first"][0])
    return {"threads": threads, "steps": result.steps, "job_steps_per_s": round(job_rate, 2),
            "plain_steps_per_s": round(plain_rate, 2), "throughput_ratio": round(job_rate / plain_rate, 3),
            "job_seconds": round(job_total, 2), "plain_seconds": round(t_end - t0, 2),
            "end_to_end_ratio": round((t_end - t0) / job_total, 3)}


def responsiveness(n: int = 40) -> dict:
    from gradio_client import Client, handle_file

    runs = tempfile.mkdtemp(prefix="np-bench-runs-")
    with served({"NP_RUNS_DIR": runs}) as (url, _):
        client = Client(url, verbose=False)
        png = drawing(0)

        def median_ms():
            times = []
            for i in range(n + 5):
                t = time.perf_counter()
                client.predict(handle_file(png), api_name="/classify_digit")
                if i >= 5:
                    times.append(time.perf_counter() - t)
            return statistics.median(times) * 1000

        idle = median_ms()
        job_id = client.predict("cnn", json.dumps({"epochs": 20}), api_name="/start_training")
        while client.predict(job_id, api_name="/job_status")["step"] < 10:
            time.sleep(0.2)
        busy = median_ms()
        st = client.predict(job_id, api_name="/job_status")
        client.predict(job_id, api_name="/cancel_job")
        assert st["state"] == "running", st
        return {"classify_idle_ms": round(idle, 1), "classify_during_training_ms": round(busy, 1),
                "latency_ratio": round(busy / idle, 3), "job_step_during_measurement": st["step"]}


def cuda_time_to_98() -> dict:
    manager = scheduler.JobManager(tempfile.mkdtemp(prefix="np-bench-cuda-"))
    t0 = time.perf_counter()
    job_id = manager.start("cnn", {}, device="cuda")  # the pretrained recipe: 20 epochs
    reached = None
    while True:
        st = manager.status(job_id)
        accs = st["metrics"].get("val_acc") or []
        if reached is None and any(v >= 0.98 for _, v in accs):
            reached = (round(time.perf_counter() - t0, 2), next(s for s, v in accs if v >= 0.98))
        if st["state"] not in records.ACTIVE:
            break
        time.sleep(0.02)
    return {"device": st["device"], "gpu": torch.cuda.get_device_name(0), "state": st["state"],
            "seconds_to_98": reached[0] if reached else None, "step_at_98": reached[1] if reached else None,
            "total_seconds": round(time.perf_counter() - t0, 2), "final_val_acc": st["final"].get("val_acc")}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cuda", action="store_true", help="only the CUDA time-to-98 %% figure")
    args = p.parse_args()
    out = {"machine": f"{os.cpu_count()} CPU cores, torch {torch.__version__}"}
    if args.cuda:
        out.update(cuda_time_to_98())
    else:
        out.update(throughput())
        print(out, file=sys.stderr, flush=True)
        out.update(responsiveness())
    print(json.dumps(out))


if __name__ == "__main__":
    main()
