"""A class trains at once: forty students each start the CNN job within 30 seconds.

    python bench/classroom.py                     # the Train panel's default CNN job (QUICK), local and Ray
    python bench/classroom.py --config tiny       # a 250-step job: the same queue in minutes, not an hour
    python bench/classroom.py --backends local    # only this machine's processes

1. **local**: ``python app.py`` as deployed; 40 gradio_client sessions (one thread each, seeded start
   times spread over ``--spread`` seconds) press Start once and poll ``/job_status`` until their job
   ends. Reported: accepted / refused, seconds from Start to done (p50, p95, max), the makespan (first
   Start to last done), whether sessions were served in the order they asked (one job each: round-robin
   is first come, first served), and how far the first end time each student was promised was from
   the real one (seconds, and as a fraction of how long they then waited).
2. **ray**: the same against the app with ``NP_RAY_ADDRESS`` set to a local Ray cluster on this machine
   (``ray.cluster_utils.Cluster``: a head without CPUs and ``--nodes`` one-CPU worker nodes). It shares
   this machine's cores, so it shows scheduling and behaviour, not speed.
3. **simulated**: ``playground.jobs.plan.simulate`` (the same list scheduling the queue's estimates use),
   calibrated on the job times measured in (1), predicts the makespan of this class for N workers.
   It is checked against a real Ray run: forty "sleeper" jobs (``bench/sleeper.py``: each step sleeps,
   so a job costs little CPU) on ``--sleeper-nodes`` nodes, predicted from one sleeper job timed alone.
   GPU sharing (k jobs on one GPU) is simulated only with a slowdown measured on a GPU: ``--gpu-slowdown``
   takes it as JSON ``{"k": factor}`` (from ``bench/jobs.py --cuda`` runs), else it is left out.

The last line is one JSON object: ``accepted``, ``refused``, ``makespan_s``, ``p95_done_s`` (local),
``ray`` (the same for the cluster), ``simulated`` ({N workers: makespan_s}) and ``sleepers``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # offline: nothing reported anywhere

from playground.jobs import plan  # noqa: E402
from served import served  # noqa: E402

POLL = 2.0  # seconds between a student's status checks (the Train panel polls every second)
HANG_GUARD = 7200.0  # seconds: a student still waiting then is counted as an error, the bench never hangs


def job_config(name: str) -> str:
    from playground.models import cnn
    return json.dumps({k: v for k, v in dataclasses.asdict({"quick": cnn.QUICK, "tiny": cnn.TINY}[name]).items()
                       if k != "seed"})


def quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def run_class(url: str, students: int, config: str, spread: float, seed: int) -> dict:
    """Forty sessions press Start within ``spread`` seconds and wait for their jobs; what each saw."""
    from gradio_client import Client

    rng = random.Random(seed)
    offsets = sorted(rng.uniform(0, spread) for _ in range(students))
    results: list[dict] = [{} for _ in range(students)]
    t0 = time.time() + 2.0

    def student(i: int) -> None:
        time.sleep(max(0.0, t0 + offsets[i] - time.time()))
        clicked = time.time()
        try:
            client = Client(url, verbose=False, ssl_verify=False)
            job_id = client.predict("cnn", config, api_name="/start_training")
        except Exception as e:  # refused (a full queue) or could not connect: counted, never hung on
            results[i] = {"accepted": False, "error": f"{type(e).__name__}: {str(e)[:160]}"}
            return
        estimate = None  # (when it was shown, the predicted end) of the first estimate this student saw
        try:
            while True:
                st = client.predict(job_id, api_name="/job_status")
                if estimate is None and st.get("eta") is not None:
                    estimate = (time.time(), time.time() + st["eta"])
                if st["state"] not in ("queued", "running"):
                    break
                if time.time() - clicked > HANG_GUARD:
                    raise TimeoutError(f"still {st['state']} after {HANG_GUARD} s")
                time.sleep(POLL)
        except Exception as e:
            results[i] = {"accepted": True, "error": f"{type(e).__name__}: {str(e)[:160]}"}
            return
        results[i] = {"accepted": True, "state": st["state"], "clicked": clicked, "created": st["created"],
                      "started": st["started"], "finished": st["finished"], "where": st.get("where"),
                      "estimate": estimate}

    threads = [threading.Thread(target=student, args=(i,), daemon=True) for i in range(students)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return summarize(results)


def summarize(results: list[dict]) -> dict:
    ok = [r for r in results if r.get("state") == "done"]
    done = [r["finished"] - r["clicked"] for r in ok]
    order = sorted(ok, key=lambda r: r["created"])
    out_of_turn = sum(a["started"] > b["started"] for a, b in zip(order, order[1:]))
    # how far off the first estimate a student saw was: seconds, and relative to how long they then waited
    errors = [abs(r["finished"] - r["estimate"][1]) for r in ok if r["estimate"]]
    relative = [abs(r["finished"] - r["estimate"][1]) / max(1.0, r["finished"] - r["estimate"][0])
                for r in ok if r["estimate"]]
    return {
        "students": len(results),
        "accepted": sum(r.get("accepted", False) for r in results),
        "refused": sum(not r.get("accepted", False) for r in results),
        "errors": [r["error"] for r in results if r.get("error")][:5],
        "done": len(ok),
        "p50_done_s": quantile(done, 0.5), "p95_done_s": quantile(done, 0.95), "max_done_s": max(done, default=None),
        "makespan_s": (max(r["finished"] for r in ok) - min(r["clicked"] for r in ok)) if ok else None,
        "out_of_turn": out_of_turn,
        "estimates_shown": len(errors),
        "estimate_error_s_median": quantile(errors, 0.5), "estimate_error_relative_median": quantile(relative, 0.5),
        "job_s_median": statistics.median(r["finished"] - r["started"] for r in ok) if ok else None,
        "places": sorted({r["where"].split(", pid")[0] for r in ok if r.get("where")}),
        "_runs": ok,
    }


def ray_cluster(nodes: int):
    from ray.cluster_utils import Cluster
    store = 80 * 2**20
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0, "object_store_memory": store})
    for _ in range(nodes):
        cluster.add_node(num_cpus=1, object_store_memory=store)
    cluster.wait_for_nodes()
    return cluster


def sleepers(nodes: int, students: int) -> dict:
    """Predict forty sleeper jobs' makespan on ``nodes`` Ray nodes from a calibration (one job alone, then
    ``nodes`` at once: how much jobs that share this machine slow each other), then run the forty."""
    import ray

    import sleeper
    from playground import models
    from playground.jobs import backends, scheduler

    models.ARCHS["sleeper"] = "sleeper"
    cluster = ray_cluster(nodes)
    try:
        manager = scheduler.JobManager(tempfile.mkdtemp(prefix="np-bench-"), backend=backends.Ray(cluster.address),
                                       max_per_owner=1)

        def batch(n: int, tag: str) -> list:
            ids = [manager.start("sleeper", sleeper.CONFIG, owner=f"{tag}{i}") for i in range(n)]
            st = [manager.wait(i, timeout=HANG_GUARD) for i in ids]
            assert all(s["state"] == "done" for s in st), [s["error"] for s in st if s["state"] != "done"][:3]
            return [manager._jobs[i] for i in ids]

        alone = batch(1, "alone")[0]
        d1 = alone.finished - alone.started
        together = batch(nodes, "together")
        ratio = statistics.median(j.finished - j.started for j in together) / d1
        slowdown = lambda k: 1.0 + (ratio - 1.0) * (k - 1) / max(1, nodes - 1)  # noqa: E731
        predicted = plan.makespan(nodes, [d1] * students, slowdown=slowdown)
        naive = plan.makespan(nodes, [d1] * students)
        jobs = batch(students, "student")
        measured = max(j.finished for j in jobs) - min(j.created for j in jobs)
        manager.shutdown()
        return {"nodes": nodes, "jobs": students, "job_alone_s": round(d1, 2),
                "slowdown_at_full": round(ratio, 2),
                "job_in_class_s_median": round(statistics.median(j.finished - j.started for j in jobs), 2),
                "predicted_makespan_s": round(predicted, 1), "predicted_without_slowdown_s": round(naive, 1),
                "measured_makespan_s": round(measured, 1), "error_pct": round(100 * (measured - predicted) / predicted, 1)}
    finally:
        ray.shutdown()
        cluster.shutdown()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--students", type=int, default=40)
    p.add_argument("--config", choices=("quick", "tiny"), default="quick",
                   help="quick: the Train panel's default CNN job; tiny: 250 small steps")
    p.add_argument("--spread", type=float, default=30.0, help="seconds over which the students press Start")
    p.add_argument("--backends", default="local,ray")
    p.add_argument("--nodes", type=int, default=2, help="Ray worker nodes (one CPU each) for the class run")
    p.add_argument("--sleeper-nodes", default="2,4", help="Ray worker nodes for the simulation's check")
    p.add_argument("--workers", default="1,2,4,8,16,40", help="N workers to simulate")
    p.add_argument("--gpu-slowdown", default="", help='JSON {"k": factor} measured on a GPU (k jobs sharing it)')
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    config = job_config(args.config)
    out: dict = {"machine": f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}",
                 "config": args.config, "students": args.students, "spread_s": args.spread}
    backends_ = [b.strip() for b in args.backends.split(",") if b.strip()]

    if "local" in backends_:
        with served({"NP_RUNS_DIR": tempfile.mkdtemp(prefix="np-bench-runs-")}) as (url, _):
            local = run_class(url, args.students, config, args.spread, args.seed)
        runs = local.pop("_runs")
        print(json.dumps({"local": local}), flush=True)
        out.update(local)
        t0 = min(r["clicked"] for r in runs)
        arrivals = [r["clicked"] - t0 for r in sorted(runs, key=lambda r: r["created"])]
        durations = [r["finished"] - r["started"] for r in sorted(runs, key=lambda r: r["created"])]
        slowdown = None
        if args.gpu_slowdown:
            table = {int(k): float(v) for k, v in json.loads(args.gpu_slowdown).items()}
            slowdown = lambda k: table.get(k, table[max(table)])  # noqa: E731
        out["simulated"] = {n: round(plan.makespan(int(n), durations, arrivals, slowdown), 1)
                            for n in args.workers.split(",")}
        out["simulated_from"] = "job times measured in the local run" + (", GPU slowdown given" if slowdown else "")
        out["simulated_local_check_s"] = round(plan.makespan(1, durations, arrivals), 1)  # one slot, as measured

    if "ray" in backends_:
        import ray  # noqa: F401  (fails here, clearly, when the test requirements are not installed)
        cluster = ray_cluster(args.nodes)
        try:
            with served({"NP_RUNS_DIR": tempfile.mkdtemp(prefix="np-bench-runs-"), "NP_RAY_ADDRESS": cluster.address,
                         "PYTHONPATH": str(ROOT)}) as (url, _):
                remote = run_class(url, args.students, config, args.spread, args.seed)
        finally:
            cluster.shutdown()
        remote.pop("_runs")
        out["ray"] = {"nodes": args.nodes, **remote}
        print(json.dumps({"ray": out["ray"]}), flush=True)
        out["sleepers"] = [sleepers(int(n), args.students) for n in args.sleeper_nodes.split(",") if n.strip()]
        print(json.dumps({"sleepers": out["sleepers"]}), flush=True)

    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
