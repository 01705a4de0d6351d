"""Deployment: the Space's front matter, ZeroGPU's decorator, and the Space's environment built from
requirements.txt in a fresh venv, serving with no network at all."""

import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
import types

import pytest

from conftest import IN_CI, ROOT
from playground import zerogpu
from playground.jobs import scheduler
from playground.models import mlp


def test_the_readme_front_matter_is_a_gradio_space_pinned_like_requirements():
    front = ROOT.joinpath("README.md").read_text().split("---")[1]
    meta = dict(line.split(":", 1) for line in front.strip().splitlines())
    meta = {k.strip(): v.strip().strip('"') for k, v in meta.items()}
    assert meta["sdk"] == "gradio" and meta["app_file"] == "app.py" and (ROOT / meta["app_file"]).is_file()
    pinned = re.search(r"^gradio==(\S+)$", ROOT.joinpath("requirements.txt").read_text(), re.M).group(1)
    import gradio
    assert meta["sdk_version"] == pinned == gradio.__version__
    assert meta["python_version"] == f"{sys.version_info.major}.{sys.version_info.minor}"


def test_zerogpu_is_a_no_op_off_zerogpu(monkeypatch):
    def f():
        return 1
    monkeypatch.delenv("SPACES_ZERO_GPU", raising=False)
    assert not zerogpu.enabled() and zerogpu.gpu(f) is f
    monkeypatch.setenv("SPACES_ZERO_GPU", "true")  # says ZeroGPU, but the spaces package is not there
    monkeypatch.setitem(sys.modules, "spaces", None)
    assert not zerogpu.enabled() and zerogpu.gpu(f) is f


def test_on_zerogpu_a_job_trains_inside_spaces_gpu_in_the_servers_process(monkeypatch, tmp_path):
    calls = []

    def GPU(duration=60):  # what the spaces package's decorator does, minus the GPU
        def wrap(fn):
            def run(*args, **kwargs):
                calls.append((fn.__name__, duration, os.getpid()))
                return fn(*args, **kwargs)
            return run
        return wrap

    monkeypatch.setitem(sys.modules, "spaces", types.SimpleNamespace(GPU=GPU))
    monkeypatch.setenv("SPACES_ZERO_GPU", "true")
    m = scheduler.JobManager(tmp_path / "runs")
    job_id = m.start("mlp", {"epochs": 2, "n_points": 100}, device="cpu")
    st = m.wait(job_id, timeout=120)
    assert st["state"] == "done" and st["has_model"]
    assert calls == [("run", 120, os.getpid())]  # worker.run, in this process, through spaces.GPU
    model, cfg, meta = m.load_model(job_id)
    assert cfg.epochs == 2 and isinstance(model, mlp.MLP)


CHECK = textwrap.dedent('''
    import os, subprocess, sys, time
    from gradio_client import Client, handle_file
    env = {**os.environ, "GRADIO_SERVER_NAME": "127.0.0.1", "GRADIO_SERVER_PORT": "7861",
           "GRADIO_ANALYTICS_ENABLED": "False", "NP_RUNS_DIR": sys.argv[2]}
    server = subprocess.Popen([sys.executable, "app.py"], cwd=sys.argv[1], env=env)
    try:
        for _ in range(240):
            try:
                client = Client("http://127.0.0.1:7861/", verbose=False)
                break
            except Exception:
                time.sleep(0.5)
        else:
            raise SystemExit("the app did not start")
        assert client.predict(api_name="/ping") == "pong"
        answer = client.predict(handle_file(sys.argv[3]), api_name="/classify_digit")
        print("SERVED", answer["label"])
    finally:
        server.terminate()
        server.wait(30)
''')


@pytest.mark.skipif(not shutil.which("unshare") and not IN_CI, reason="needs unshare (util-linux) for an offline network")
def test_a_fresh_venv_from_requirements_serves_the_app_with_no_network(tmp_path):
    """What a Space does: install requirements.txt into a clean environment, then run app.py. The app
    then runs in a network namespace of its own with only a loopback: no network at all."""
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True,
                           text=True, check=True).stdout.split("\n")
    space = tmp_path / "space"
    for name in filter(None, files):
        src = ROOT / name
        if src.is_file() and not name.startswith(("tests/", "bench/", ".ci/")):
            (space / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, space / name)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    pip = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "-r", str(space / "requirements.txt")],
                         capture_output=True, text=True, timeout=1500)
    assert pip.returncode == 0, pip.stderr[-3000:]
    from PIL import Image

    from playground.data import digits
    Image.fromarray(255 - digits.load_digits("test")[0][0].numpy()).save(tmp_path / "digit.png")
    (tmp_path / "check.py").write_text(CHECK)
    cmd = (f"ip link set lo up && {venv}/bin/python {tmp_path}/check.py {space} {tmp_path}/runs "
           f"{tmp_path}/digit.png")
    t0 = time.time()
    done = subprocess.run(["unshare", "-n", "sh", "-c", cmd], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, (done.stdout[-2000:], done.stderr[-3000:])
    label = int(digits.load_digits("test")[1][0])
    assert f"SERVED {label}" in done.stdout, done.stdout[-2000:]
    assert time.time() - t0 < 300
