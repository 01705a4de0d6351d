"""Where a job's worker runs: this machine's processes (the default) or a Ray cluster.

The scheduler keeps everything a user sees (the queue, fairness, limits, records, the model under
``runs/<id>/``); a backend only *launches a worker* (``worker.run``) and hands back a :class:`Handle`:
the worker's messages, its stop flag, whether it is alive, a forced kill, and why it ended when it
ended without a word. Two backends:

- :class:`Local`: a spawned process per job (a thread of the server on ZeroGPU, where CUDA exists only
  in the server's own process). Slots follow this machine's cores, and its GPUs.
- :class:`Ray`: a Ray Core task per job on an existing cluster (``NP_RAY_ADDRESS``), one fresh worker
  process each (``max_calls=1``), ``num_cpus`` = the job's torch threads, ``num_gpus`` a fraction of a
  GPU for CUDA jobs, no retries (a lost node ends the job as failed, with the reason). Messages and the
  stop flag go through a small actor on the server's node; the finished model comes back as the
  task's result (its safetensors and config.json bytes) and is written under ``runs/<id>/model`` here,
  so the nodes need no shared disk. Every node needs this repository and its requirements at the
  same path (one container image); ``ray`` is imported only when this backend is used.
"""

from __future__ import annotations

import importlib.machinery
import multiprocessing as mp
import os
import platform
import queue
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from playground import checkpoint, zerogpu
from playground.jobs import worker


class Handle(Protocol):
    """One launched worker, as the scheduler's monitor sees it."""

    where: str
    pid: int | None  # the worker's process id on its machine, once known

    def get(self, timeout: float) -> tuple[str, object]: ...  # the next message; queue.Empty if none came
    def stop(self) -> None: ...  # ask it to stop at its next step (it saves what it learned)
    def alive(self) -> bool: ...
    def kill(self) -> None: ...  # end it by force (a worker that ignores stop)
    def ended_because(self) -> str: ...  # why it ended, when it ended without its last words
    def join(self, timeout: float) -> None: ...


def gpu_count() -> int:
    import torch
    return torch.cuda.device_count() if torch.cuda.is_available() else 0


# ---------------------------------------------------------------------------------------------- local


class _ProcessHandle:
    def __init__(self, proc, messages, stop):
        self.proc, self.messages, self._stop = proc, messages, stop
        self.pid = getattr(proc, "pid", None)
        self.where = f"{platform.node() or 'this machine'}, pid {self.pid}" if self.pid else "this server"

    def get(self, timeout):
        return self.messages.get(timeout=timeout)

    def stop(self):
        self._stop.set()

    def alive(self):
        return self.proc.is_alive()

    def kill(self):
        self.proc.kill()

    def ended_because(self):
        return f"the training process stopped unexpectedly (exit code {self.proc.exitcode})"

    def join(self, timeout):
        self.proc.join(timeout)


class Local:
    """Jobs as processes of this machine (spawned: a fresh interpreter, no forked locks, CUDA-safe)."""

    name = "local"

    def __init__(self):
        self._ctx = mp.get_context("spawn")

    def resources(self) -> dict:
        return {"cpus": os.cpu_count() or 1, "gpus": gpu_count()}

    def describe(self) -> dict:
        res = self.resources()
        return {"backend": self.name, "nodes": [{"where": platform.node() or "this machine", **res}], **res}

    def launch(self, job_id: str, args: tuple, threads: int, gpu_share: float | None, out_dir: Path) -> Handle:
        if zerogpu.enabled():  # CUDA exists only inside a spaces.GPU call of this process: train in a thread
            messages, stop = queue.Queue(), threading.Event()
            proc = _ThreadRun(zerogpu.gpu(worker.run), args + (messages, stop, torch_threads()), f"job-{job_id}")
        else:
            messages, stop = self._ctx.Queue(), self._ctx.Event()
            proc = self._ctx.Process(target=worker.child, name=f"job-{job_id}", daemon=True,
                                     args=args + (messages, stop, threads),
                                     kwargs={"gpu_share": gpu_share, "server": os.getpid()})
        with _main_not_rerun():
            proc.start()
        return _ProcessHandle(proc, messages, stop)


_MAIN_LOCK = threading.Lock()


@contextmanager
def _main_not_rerun():
    """Processes spawned meanwhile import what their target needs, not the server's main script again.

    Spawning runs the parent's ``__main__`` file once more in the child (as ``__mp_main__``), so that what it
    defines can be unpickled there. For ``python app.py`` that is the whole web app, Gradio and every tab:
    5.8 s of CPU per job process here, where the job itself needs 1.8 s (torch and the engine), every one of
    them taken from the server while a class starts training. A job is given nothing from ``__main__`` (its
    target and arguments live in ``playground``), so the child is told to leave it alone, as spawning does
    for an interactive session: a main module whose spec is named ``__main__``.
    """
    main = sys.modules["__main__"]
    with _MAIN_LOCK:
        spec = getattr(main, "__spec__", None)
        if spec is not None:  # run as a module (python -m ...): spawning imports it by name, as it must
            yield
            return
        main.__spec__ = importlib.machinery.ModuleSpec("__main__", None)
        try:
            yield
        finally:
            main.__spec__ = spec


def torch_threads() -> int:
    import torch
    return torch.get_num_threads()


class _ThreadRun(threading.Thread):
    """A job run in a thread of the server (ZeroGPU), with the few methods of a Process the handle uses.
    It cannot be killed: the stop flag ends it at the next step."""

    exitcode = None

    def __init__(self, fn, args, name):
        super().__init__(target=fn, args=args, name=name, daemon=True)

    def kill(self) -> None:
        pass


# ------------------------------------------------------------------------------------------------ ray


class _Channel:
    """The Ray actor between the server and one job's worker: messages one way, the stop flag the other."""

    def __init__(self):
        self.messages, self.stopped = [], False

    def put(self, message) -> bool:
        self.messages.append(message)
        return self.stopped

    def take(self) -> list:
        out, self.messages = self.messages, []
        return out

    def stop(self) -> None:
        self.stopped = True

    def is_stopped(self) -> bool:
        return self.stopped


class _RemoteQueue:
    """``messages.put`` in the worker: sent to the channel; the last word waits until it is delivered."""

    def __init__(self, channel):
        self.channel = channel

    def put(self, message) -> None:
        import ray
        ref = self.channel.put.remote(message)
        if message[0] in ("finished", "failed"):
            ray.get(ref)


class _RemoteStop:
    """``stop.is_set`` in the worker, asked of the channel at most every ``EVERY`` seconds (a step is
    far quicker than a round trip)."""

    EVERY = 0.25

    def __init__(self, channel):
        self.channel, self._set, self._asked = channel, False, 0.0

    def is_set(self) -> bool:
        import ray
        if not self._set and time.time() - self._asked >= self.EVERY:
            self._asked = time.time()
            self._set = ray.get(self.channel.is_stopped.remote())
        return self._set


def _ray_body(args: tuple, channel, threads: int, gpu_share: float | None) -> dict:
    """The Ray task: the same worker body, into a scratch folder; returns the saved model's files."""
    import shutil
    import tempfile

    import ray
    ctx = ray.get_runtime_context()
    channel.put.remote(("placed", {"where": f"Ray node {ray.util.get_node_ip_address()} "
                                            f"({ctx.get_node_id()[:8]}), pid {os.getpid()}",
                                   "node_id": ctx.get_node_id(), "pid": os.getpid()}))
    scratch = tempfile.mkdtemp(prefix="np-job-")
    try:
        worker.run(*args[:4], scratch, _RemoteQueue(channel), _RemoteStop(channel), threads, gpu_share=gpu_share)
        model = Path(scratch) / "model"
        return {p.name: p.read_bytes() for p in model.iterdir()} if model.is_dir() else {}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


class _RayHandle:
    def __init__(self, ray, ref, channel, out_dir: Path):
        self.ray, self.ref, self.channel, self.out_dir = ray, ref, channel, out_dir
        self.where, self.pid, self.node_id = "Ray (not placed yet)", None, None
        self._buffer: list = []
        self._taking = None  # a take() asked of the channel and not yet answered: its messages are never dropped

    def get(self, timeout):
        if not self._buffer:
            self._taking = self._taking or self.channel.take.remote()
            ready, _ = self.ray.wait([self._taking], timeout=timeout)
            if ready:
                taking, self._taking = self._taking, None
                try:
                    self._buffer = self.ray.get(taking)
                except Exception:  # the channel is gone with the server's own node: the end is read from the task
                    self._buffer = []
            if not self._buffer:
                if ready:
                    self.ray.wait([self.ref], timeout=timeout)
                raise queue.Empty
        kind, payload = self._buffer.pop(0)
        if kind == "placed":
            self.where, self.pid, self.node_id = payload["where"], payload["pid"], payload["node_id"]
        if kind == "finished" and payload["saved"]:
            payload = {**payload, **self._receive_model()}
        return kind, payload

    def _receive_model(self) -> dict:
        """Write the worker's model files under runs/<id>/model; what to change in its last words if not."""
        try:
            files = self.ray.get(self.ref, timeout=120)
            target = self.out_dir / "model"
            target.mkdir(parents=True, exist_ok=True)
            for name, data in files.items():
                if name in (checkpoint.WEIGHTS_FILE, checkpoint.CONFIG_FILE):
                    (target / name).write_bytes(data)
            return {} if files else {"saved": False, "save_error": "the worker sent no model"}
        except OSError as e:
            return {"saved": False, "save_error": os.strerror(e.errno) if e.errno else type(e).__name__}
        except Exception as e:
            return {"saved": False, "save_error": f"the model did not come back from the worker ({type(e).__name__})"}

    def stop(self):
        self.channel.stop.remote()

    def alive(self):
        ready, _ = self.ray.wait([self.ref], timeout=0)
        return not ready

    def kill(self):
        self.ray.cancel(self.ref, force=True)

    def ended_because(self):
        import ray.exceptions as rex
        try:
            self.ray.get(self.ref, timeout=5)
            return "the Ray task ended without reporting its end"
        except rex.TaskCancelledError:
            return "it was ended by force on its Ray node"
        except (rex.NodeDiedError,) as e:
            return f"the Ray node running it left the cluster ({type(e).__name__})"
        except rex.WorkerCrashedError:
            return "its Ray worker process died, or the node running it left the cluster (WorkerCrashedError)"
        except rex.RayTaskError as e:
            return f"training failed on its Ray node ({type(e.cause).__name__ if e.cause else 'error'})"
        except Exception as e:
            return f"its Ray task was lost ({type(e).__name__})"

    def join(self, timeout):
        self.ray.wait([self.ref], timeout=timeout)


class Ray:
    """Jobs as Ray Core tasks on the cluster at ``address`` (what ``ray.init(address=...)`` takes).

    Connecting happens in a thread of its own: ``ray.init`` to a cluster that does not answer can wait
    for minutes, and the job system must go on answering meanwhile (jobs wait in line, the Health tab
    says why). Until it is connected every call raises ``ConnectionError`` at once."""

    name = "ray"
    RETRY_AFTER = 30.0  # seconds before a failed connection is tried again

    def __init__(self, address: str):
        self.address = address
        self._ray = None
        self._lock = threading.Lock()
        self._connecting: threading.Thread | None = None
        self._failed: tuple[float, str] | None = None  # (when, why) of the last failed attempt

    def _connect(self):
        with self._lock:
            if self._ray is not None:
                return self._ray
            busy = self._connecting is not None and self._connecting.is_alive()
            retry = self._failed is None or time.time() - self._failed[0] > self.RETRY_AFTER
            if not busy and retry:
                self._connecting = threading.Thread(target=self._init, daemon=True, name="ray-connect")
                self._connecting.start()
                busy = True
        if busy:
            self._connecting.join(1.0)  # a cluster that answers is connected within the call
            busy = self._connecting.is_alive()
        with self._lock:
            if self._ray is not None:
                return self._ray
            raise ConnectionError(f"cannot reach the Ray cluster yet ({self._failed[1]})" if self._failed and not busy
                                  else "connecting to the Ray cluster")

    def _init(self) -> None:
        try:
            import ray
            if not ray.is_initialized():
                # the workers import playground (and, under tests or a bench, their own helpers) from the same
                # paths as this server: every node has this repository at the same place
                root = checkpoint.ROOT.resolve()
                paths = [str(root)] + [p for p in sys.path if p and Path(p).resolve().is_relative_to(root)
                                       and Path(p).resolve() != root]
                # and the runs directory, where a fine-tune finds its start model and the learner's digits
                # (on one machine, or a shared disk; elsewhere such a job fails saying what is missing)
                import playground
                ray.init(address=self.address, namespace="neural-playground", log_to_driver=False,
                         runtime_env={"env_vars": {"PYTHONPATH": os.pathsep.join(paths),
                                                   "NP_RUNS_DIR": str(playground.runs_dir())}})
            task = ray.remote(max_calls=1)(_ray_body)  # a fresh worker process per job
            channel = ray.remote(num_cpus=0)(_Channel)
            with self._lock:
                self._ray, self._task, self._channel, self._failed = ray, task, channel, None
        except Exception as e:  # an address that is wrong or down: said on the Health tab, tried again later
            with self._lock:
                self._failed = (time.time(), f"{type(e).__name__}: {str(e)[:160]}")

    def resources(self) -> dict:
        ray = self._connect()
        res = ray.cluster_resources()
        return {"cpus": int(res.get("CPU", 0)), "gpus": int(res.get("GPU", 0))}

    def describe(self) -> dict:
        ray = self._connect()
        nodes = [{"where": n["NodeManagerAddress"], "id": n["NodeID"][:8], "cpus": int(n["Resources"].get("CPU", 0)),
                  "gpus": int(n["Resources"].get("GPU", 0))} for n in ray.nodes() if n["Alive"]]
        return {"backend": self.name, "nodes": nodes, **self.resources()}

    def launch(self, job_id: str, args: tuple, threads: int, gpu_share: float | None, out_dir: Path) -> Handle:
        ray = self._connect()
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy
        here = NodeAffinitySchedulingStrategy(ray.get_runtime_context().get_node_id(), soft=False)
        channel = self._channel.options(scheduling_strategy=here).remote()  # dies only with the server's node
        ref = self._task.options(num_cpus=threads, num_gpus=gpu_share or 0, max_retries=0,
                                 name=f"job-{job_id}").remote(args, channel, threads, gpu_share)
        return _RayHandle(ray, ref, channel, out_dir)


def from_env():
    """The backend this server uses: Ray when ``NP_RAY_ADDRESS`` is set, else this machine's processes."""
    address = os.environ.get("NP_RAY_ADDRESS", "").strip()
    return Ray(address) if address else Local()
