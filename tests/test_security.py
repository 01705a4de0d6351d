"""Safe by default: no pickle, bounded settings, limited uploads, nothing served outside the app's own files."""

import dataclasses
import io
import json
import os
import re
import subprocess
import urllib.error
import urllib.request

import pytest
from PIL import Image

from conftest import ROOT, UPLOAD_LIMIT, padded_png
from playground import checkpoint, config, models

SOURCES = [p for p in [ROOT / "app.py", *ROOT.glob("playground/**/*.py"), *ROOT.glob("bench/*.py"),
                       *ROOT.glob("tests/*.py")] if p.name != "test_security.py"]
UNSAFE = re.compile(r"\bimport (c?pickle|dill|joblib|shelve|marshal)\b|\bfrom (c?pickle|dill|joblib|shelve) import"
                    r"|\bpickle\.(loads?|dumps?|Unpickler)\(|torch\.load\(|torch\.save\(|allow_pickle\s*=\s*True"
                    r"|(?<![.\w])(eval|exec)\(|shell\s*=\s*True|os\.system\(")


def test_no_pickle_eval_or_shell_in_our_code():
    offenders = []
    for path in SOURCES:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if UNSAFE.search(line.split("#", 1)[0]):
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


def test_pretrained_models_are_safetensors_and_json_only():
    dirs = [d for d in checkpoint.PRETRAINED.iterdir() if d.is_dir()]
    assert dirs
    for d in dirs:
        names = {p.name for p in d.iterdir()}
        assert names - {"config.json", "model.safetensors", "results.json"} == set(), f"{d.name}: {names}"
        if "model.safetensors" in names:
            assert checkpoint.read_meta(d)["arch"] in models.ARCHS
    # what the project ships: the files git tracks (a clone's .venv/, runs/ and caches are not ours), and
    # whatever is in pretrained/, tracked or not (a model written there by hand would be served)
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    shipped = {ROOT / name for name in tracked.decode().split("\0") if name}
    assert ROOT / "app.py" in shipped, "git ls-files did not list the project"
    shipped |= {p for p in checkpoint.PRETRAINED.rglob("*") if p.is_file()}
    weights = sorted(str(p.relative_to(ROOT)) for p in shipped
                     if p.suffix in (".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".bin"))
    assert not weights, weights


@pytest.mark.parametrize("arch_name", list(models.ARCHS))
def test_every_setting_a_user_can_send_is_bounded(arch_name):
    cfg_cls = models.get(arch_name).Config
    for f in config.fields(cfg_cls):
        value = f.default
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue  # choices are checked by from_overrides; strings are parsed by the model's Config
        assert "range" in f.metadata or "choices" in f.metadata, f"{arch_name}.{f.name} has no bounds"
        lo, hi = f.metadata.get("range", (None, None))
        if lo is not None:
            for bad in (hi * 10 + 1, lo - 1 if lo >= 0 else lo * 10 - 1, float("nan"), float("inf")):
                with pytest.raises(ValueError, match=f.name):
                    config.from_overrides(cfg_cls, {f.name: bad})


def _upload(app_url: str, name: str, content: bytes) -> tuple[int, str]:
    """POST one file to the upload route as a browser does → (HTTP status, body)."""
    boundary = "npboundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n"
            f"Content-Type: image/png\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    req = urllib.request.Request(f"{app_url}gradio_api/upload", data=body, method="POST",
                                 headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_uploads_over_the_limit_are_refused_before_any_handler(client, app_url):
    buf = io.BytesIO()
    Image.new("L", (280, 280), 255).save(buf, format="PNG")
    status, body = _upload(app_url, "at-limit.png", padded_png(buf.getvalue(), UPLOAD_LIMIT))
    assert status == 200 and json.loads(body)[0].endswith("at-limit.png"), (status, body[:200])
    status, body = _upload(app_url, "over.png", padded_png(buf.getvalue(), UPLOAD_LIMIT + 1))
    assert status == 413, (status, body[:200])  # a valid picture, refused by the upload route for its size alone
    assert f"maximum allowed size of {UPLOAD_LIMIT} bytes" in body
    assert client.predict(api_name="/ping") == "pong"


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, b""


def test_no_file_outside_the_apps_own_is_served(app_url):
    secret = b"root:"
    for path in ("/etc/passwd", "../../../../etc/passwd", "..%2F..%2F..%2F..%2Fetc%2Fpasswd",
                 str(ROOT / "app.py"), str(ROOT / "README.md"), str(ROOT / "playground" / "jobs" / "scheduler.py"),
                 str(ROOT / "pretrained" / "cnn" / "config.json"), str(ROOT / ".git" / "config"),
                 os.path.expanduser("~/.bash_history")):
        for prefix in ("gradio_api/file=", "file=", "gradio_api/file/"):
            status, body = _get(f"{app_url}{prefix}{path}")
            assert status in (403, 404, 405) or not body or body.startswith(b"<!doctype html>"), (prefix, path, status)
            assert secret not in body and b"import gradio" not in body and b"def build_demo" not in body
    from playground.ui import live_chart
    plotly = _get(f"{app_url}gradio_api/file={live_chart.PLOTLY_DIR}/plotly.min.js")
    assert plotly[0] == 200 and len(plotly[1]) > 1_000_000  # the one folder we serve on purpose
    status, body = _get(f"{app_url}gradio_api/file={live_chart.PLOTLY_DIR}/../../../../../etc/passwd")
    assert status in (403, 404) and secret not in body


# -----------------------------------------------------------------------------
# /config from memory: the same bytes for the same URL, nothing kept that belongs to one user


def _asgi_get(app, path="/config", host=b"a.example", method="GET", headers=()):
    import asyncio
    import concurrent.futures

    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "scheme": "http", "root_path": "", "query_string": b"",
             "headers": [(b"host", host), *headers]}
    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # a loop of its own: the browser tests may hold one here
        pool.submit(asyncio.run, app(scope, receive, send)).result()
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def test_the_config_cache_answers_a_url_once_made_and_keeps_nothing_per_user():
    from playground.ui.config_cache import ConfigCache

    calls = []

    async def gradio(scope, receive, send):  # stands in for Gradio: a new answer each call
        calls.append(scope["path"])
        status = 500 if scope["path"] == "/config/" else 200
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": f"answer {len(calls)}".encode()})

    app = ConfigCache(gradio)
    assert _asgi_get(app) == (200, b"answer 1")
    assert _asgi_get(app) == (200, b"answer 1") and len(calls) == 1  # from memory
    assert _asgi_get(app, host=b"b.example") == (200, b"answer 2")  # another URL, its own answer
    assert _asgi_get(app, headers=[(b"authorization", b"Basic x")]) == (200, b"answer 3")  # a user's: not kept
    assert _asgi_get(app, headers=[(b"cookie", b"access-token=x")]) == (200, b"answer 4")
    assert _asgi_get(app, method="POST") == (200, b"answer 5")
    assert _asgi_get(app, path="/info") == (200, b"answer 6")
    assert _asgi_get(app, path="/config/") == (500, b"answer 7")  # a failure is never kept
    assert _asgi_get(app, path="/config/") == (500, b"answer 8")
    assert _asgi_get(app) == (200, b"answer 1")
    assert _asgi_get(app, path="/") == (200, b"answer 9")  # the page, with the same configuration inside
    assert _asgi_get(app, path="/") == (200, b"answer 9") and len(calls) == 9
    assert _asgi_get(app, path="/gradio_api/upload") == (200, b"answer 10")  # nothing else is kept
    assert _asgi_get(app, path="/gradio_api/upload") == (200, b"answer 11")


def test_the_config_cache_makes_an_answer_once_for_requests_at_once_and_never_keeps_a_cookie():
    import asyncio
    import concurrent.futures

    from playground.ui.config_cache import ConfigCache

    calls = []

    async def gradio(scope, receive, send):  # slow to answer, as under load; the page for b.example sets a cookie
        calls.append(scope["path"])
        n = len(calls)
        await asyncio.sleep(0.05)
        headers = [(b"set-cookie", b"x=1")] if dict(scope["headers"])[b"host"] == b"b.example" else []
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": f"answer {n}".encode()})

    def get(host):
        sent = []

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "method": "GET", "path": "/", "scheme": "http", "root_path": "", "query_string": b"",
                 "headers": [(b"host", host)]}
        return app(scope, receive, send), sent

    async def forty(host):
        runs = [get(host) for _ in range(40)]
        await asyncio.gather(*(run for run, _ in runs))
        return {b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body") for _, sent in runs}

    app = ConfigCache(gradio)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        assert pool.submit(asyncio.run, forty(b"a.example")).result() == {b"answer 1"}
        assert len(calls) == 1 and not app.making
        made = pool.submit(asyncio.run, forty(b"b.example")).result()
    assert len(made) == 40 and len(calls) == 41  # an answer that sets a cookie is made for each request


def test_the_launched_app_serves_the_same_config_each_time(app_url):
    first = urllib.request.urlopen(app_url.rstrip("/") + "/config").read()
    again = urllib.request.urlopen(app_url.rstrip("/") + "/config").read()
    assert first == again
    config = json.loads(again)
    assert any(c.get("props", {}).get("elem_id") == "cnn-canvas" for c in config["components"])
