"""Shared fixtures: the launched app with a gradio_client, and a real Chromium page."""

from __future__ import annotations

import os
import socket
import struct
import zlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
ARTIFACTS = ROOT / "test-artifacts"
UPLOAD_LIMIT = 10 * 1024 * 1024  # bytes: the documented upload limit (app.MAX_FILE_SIZE = "10mb", the README)


def padded_png(png: bytes, size: int) -> bytes:
    """A valid PNG of exactly ``size`` bytes showing the same picture as ``png``: the padding is a private
    ancillary chunk ("prVt") before IEND, which decoders skip."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[-12:-8] == b"\x00\x00\x00\x00" and png[-8:-4] == b"IEND"
    n = size - len(png) - 12  # a chunk: length, type, data, CRC
    assert n >= 0, f"a PNG of {len(png)} bytes cannot be padded to {size}"
    body = b"prVt" + b"\x00" * n
    chunk = struct.pack(">I", n) + body + struct.pack(">I", zlib.crc32(body))
    out = png[:-12] + chunk + png[-12:]
    assert len(out) == size
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def app_url(tmp_path_factory):
    """Build the real app, launch it on a free local port, yield its URL, close it at the end.

    Training jobs write to a temporary runs directory, never to the repository's runs/.
    """
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ["NP_RUNS_DIR"] = str(tmp_path_factory.mktemp("runs"))
    import app as app_module

    demo = app_module.build_demo()
    app_module.launch(demo, server_name="127.0.0.1", server_port=_free_port(), quiet=True)
    try:
        yield demo.local_url
    finally:
        demo.close()
        from playground import jobs
        if jobs._manager is not None:
            jobs._manager.shutdown()


@pytest.fixture(scope="session")
def client(app_url):
    from gradio_client import Client

    return Client(app_url, verbose=False)


@pytest.fixture
def new_client(app_url):
    """A client of its own: another browser session."""
    from gradio_client import Client

    return Client(app_url, verbose=False)


def _needed(module: str, why: str):
    """Import a test requirement: skipped on a developer's machine without it, a failure in CI."""
    try:
        return __import__(module)
    except ImportError as e:
        if IN_CI:
            pytest.fail(f"{module} is missing in CI ({e}): requirements-dev.txt must install it", pytrace=False)
        pytest.skip(f"{why} need {module} (pip install -r requirements-dev.txt)")


RAY_NODES = 2  # worker nodes of one CPU each; the head has no CPU, so every job runs on a node that can be removed


@pytest.fixture(scope="session")
def ray_cluster():
    """A real local Ray cluster on this machine: a head with no CPUs and two one-CPU worker nodes, each its
    own raylet (ray.cluster_utils.Cluster). Yields the Cluster; its ``address`` is what NP_RAY_ADDRESS takes."""
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"  # offline: nothing is reported anywhere
    _needed("ray", "Ray backend tests")
    import ray
    from ray.cluster_utils import Cluster

    store = 80 * 2**20
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0, "object_store_memory": store})
    for _ in range(RAY_NODES):
        cluster.add_node(num_cpus=1, object_store_memory=store)
    cluster.wait_for_nodes()
    cluster.store = store
    try:
        yield cluster
    finally:
        ray.shutdown()
        cluster.shutdown()


EXPECT_TIMEOUT_MS = 60_000  # a guard against a hang: browser waits end on a state, on a busy 2-core machine too


def playwright_expect():
    """Playwright's ``expect`` for a browser test module (call it at module level). Without playwright the
    module is skipped on a developer's machine and fails in CI, where browser tests must run."""
    try:
        from playwright.sync_api import expect
    except ImportError as e:
        if IN_CI:
            pytest.fail(f"playwright is missing in CI ({e}): requirements-dev.txt must install it", pytrace=False)
        pytest.skip("browser tests need playwright (pip install -r requirements-dev.txt)", allow_module_level=True)
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    return expect


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if IN_CI:
            pytest.fail(f"{CHROMIUM} is missing in CI: .ci/run must install Debian's chromium")
        pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    pg = context.new_page()
    pg.set_default_timeout(EXPECT_TIMEOUT_MS)  # actions and waits too: a guard against a hang, not a deadline
    yield pg
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    rep = yield
    setattr(item, f"rep_{rep.when}", rep)
    return rep

