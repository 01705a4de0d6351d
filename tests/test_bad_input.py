"""Every public endpoint against bad input: each answers with a clear message, and the app keeps serving.

The endpoints are read from the running app (``view_api``), so a new endpoint cannot slip by: it must
get a known-good call in ``GOOD`` below. For every parameter of every endpoint, each bad value of its
type is sent in place of the good one (the other parameters stay good). An answer passes when it is
either a normal result or an error whose message is for people: not empty, short, and without a
traceback, a file path or an exception class name. No handler may fail with an exception of its own
(only ``gr.Error``): ``gradio.queueing.error_payload`` is watched for that. After each endpoint's bad
calls a normal ``/ping`` and the endpoint's good call must still work.
"""

from __future__ import annotations

import io
import json
import math
import re
import urllib.error

import numpy as np
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from conftest import ROOT

DIGIT_PNG, DIGIT2_PNG = "digit.png", "digit2.png"  # made in the fixture below, from held-out MNIST digits
GOOD = {  # endpoint → a call that must work (files by name in the fixture's folder)
    "/classify_digit": (DIGIT_PNG,),
    "/confusion": ("pretrained",),
    "/misclassified": ("pretrained", 2, 8),
    "/mlp_fit": ('{"epochs": 5}',),
    "/start_training": ("mlp", '{"epochs": 1, "n_points": 100}'),
    "/job_status": ("JOB",),
    "/cancel_job": ("JOB",),
    "/use_model": ("JOB",),
    "/layer_health": ("JOB",),
    "/finetune_cnn": ([DIGIT_PNG, DIGIT2_PNG], "LABELS", '{"epochs": 1}'),
    "/finetune_compare": ("TUNED",),
    "/health": (),
    "/export_model": ("cnn",),
    "/ping": (),
    "/rnn_generate": ("lstm", "Call me", 20, 0.8),
    "/rnn_states": ("gru", "hello"),
    "/vae_decode": ("[0, 0]",),
    "/vae_encode": (DIGIT_PNG,),
    "/gan_generate": (3, 0),
    "/attention": ("hello there", "text"),
    "/transformer_generate": ("Call me", 20, 0.8),
}
BAD_STRINGS = ["", "   ", "a" * 100_000, "😀\x00\x07\x1b[31m\u202e\ud7ff", "{not json", "NaN", "[1e999]", "null",
               "../../../../etc/passwd", '{"epochs": -5}', "[" * 5000, "中文字符"]
BAD_NUMBERS = [-1, -1e9, 1e12, 2**63]  # through gradio_client; NaN and ±inf go over raw HTTP (see below)
NON_FINITE = [float("nan"), float("inf"), float("-inf")]
BAD_FILES = ["text.png", "empty.png", "truncated.png", "wide.png", "tiny.png", "blank_rgba.png",
             "deep16.png", "cmyk.jpg", "anim.gif", "fake.svg"]
PATH_OR_TRACE = re.compile(r"Traceback|File \"|/tmp/|site-packages|\w+(Error|Exception):|" + re.escape(str(ROOT)))


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("bad-files")
    from playground.data import digits
    images, labels = digits.load_digits("test")
    digit = images[0].numpy()
    Image.fromarray(255 - digit).resize((280, 280)).save(d / DIGIT_PNG)
    Image.fromarray(255 - images[1].numpy()).resize((280, 280)).save(d / DIGIT2_PNG)
    (d / "labels.json").write_text(json.dumps([int(labels[0]), int(labels[1])]))
    (d / "text.png").write_text("this is not an image\n" * 50)
    (d / "empty.png").write_bytes(b"")
    buf = io.BytesIO()
    Image.fromarray(255 - digit).save(buf, format="PNG")
    (d / "truncated.png").write_bytes(buf.getvalue()[:60])
    Image.new("L", (10_000, 12), 255).save(d / "wide.png")
    Image.new("L", (3, 3), 0).save(d / "tiny.png")
    Image.new("RGBA", (200, 200), (0, 0, 0, 0)).save(d / "blank_rgba.png")
    Image.fromarray((np.asarray(Image.open(d / DIGIT_PNG)).astype(np.uint16) * 257)).save(d / "deep16.png")
    Image.open(d / DIGIT_PNG).convert("CMYK").save(d / "cmyk.jpg")
    frames = [Image.new("P", (64, 64), i) for i in range(3)]
    frames[0].save(d / "anim.gif", save_all=True, append_images=frames[1:])
    (d / "fake.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    return d


@pytest.fixture(scope="module")
def unhandled(monkeypatch_module):
    """Exceptions that reached Gradio without being a gr.Error (a handler that did not check its input)."""
    import gradio
    import gradio.queueing as q

    seen = []
    original = q.error_payload

    def watch(error, show_error):
        if error is not None and not isinstance(error, gradio.Error):
            seen.append(repr(error)[:300])
        return original(error, show_error)

    monkeypatch_module.setattr(q, "error_payload", watch)
    return seen


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


@pytest.fixture(scope="module")
def endpoints(client):
    return client.view_api(print_info=False, return_format="dict")["named_endpoints"]


@pytest.fixture(scope="module")
def job_id(client):
    """A finished job with a model: the good calls of /use_model and /export_model need one."""
    import time
    job = client.predict("mlp", '{"epochs": 1, "n_points": 100}', api_name="/start_training")
    deadline = time.time() + 600  # a guard against a hang, not a speed requirement
    while (st := client.predict(job, api_name="/job_status"))["state"] in ("queued", "running"):
        assert time.time() < deadline, f"job {job} still {st['state']} after 600 s"
        time.sleep(0.1)
    assert st["state"] == "done" and st["has_model"], st
    return job


@pytest.fixture(scope="module")
def tuned_id(client, files):
    """A finished fine-tune: the good call of /finetune_compare needs one."""
    import time
    job = client.predict([handle_file(str(files / DIGIT_PNG)), handle_file(str(files / DIGIT2_PNG))],
                         (files / "labels.json").read_text(), '{"epochs": 1}', api_name="/finetune_cnn")
    deadline = time.time() + 600  # a guard against a hang, not a speed requirement
    while (st := client.predict(job, api_name="/job_status"))["state"] in ("queued", "running"):
        assert time.time() < deadline, f"job {job} still {st['state']} after 600 s"
        time.sleep(0.1)
    assert st["state"] == "done", st
    return job


def _args(call: tuple, files, job_id, tuned_id=None) -> list:
    out = []
    for a in call:
        if a == "JOB":
            out.append(job_id)
        elif a == "TUNED":
            out.append(tuned_id)
        elif a == "LABELS":
            out.append((files / "labels.json").read_text())
        elif isinstance(a, list):
            out.append([handle_file(str(files / f)) for f in a])
        elif isinstance(a, str) and (files / a).is_file():
            out.append(handle_file(str(files / a)))
        else:
            out.append(a)
    return out


def _kind(param: dict) -> str:
    t = param["python_type"]["type"]
    if "filepath" in t or param.get("component") in ("File", "Image"):
        return "file"
    if t in ("float", "int", "number"):
        return "number"
    if t == "bool":
        return "bool"
    return "str"


def _check_answer(client, name, args, unhandled):
    """One call: a result, or a clear message; never an exception of the handler's own."""
    before = len(unhandled)
    assert not any(isinstance(a, float) and not math.isfinite(a) for a in args), \
        "gradio_client cannot send NaN/inf (not JSON): those belong to the raw-HTTP test below"
    try:
        client.predict(*args, api_name=name)
    except AppError as e:
        message = str(e).strip()
        assert message and message != "Error", f"{name}{_show(args)}: an error with no message"
        assert len(message) < 600, f"{name}{_show(args)}: an essay for an error: {message[:200]}…"
        assert not PATH_OR_TRACE.search(message), f"{name}{_show(args)}: the message leaks internals: {message}"
    assert len(unhandled) == before, f"{name}{_show(args)} raised {unhandled[before:]} (not a gr.Error)"


def _show(args) -> str:
    return "(" + ", ".join(repr(a)[:40] for a in args) + ")"


def test_every_public_endpoint_has_a_known_good_call(endpoints):
    missing = sorted(set(endpoints) - set(GOOD))
    assert not missing, f"add a good call for {missing} to GOOD (and so to the bad-input checks)"


def test_every_endpoint_answers_bad_input_clearly_and_keeps_serving(client, endpoints, files, job_id, tuned_id,
                                                                    unhandled):
    for name, info in endpoints.items():
        good = _args(GOOD[name], files, job_id, tuned_id)
        good += [p["parameter_default"] for p in info["parameters"][len(good):]]  # optional ones
        for i, param in enumerate(info["parameters"]):
            kind = _kind(param)
            bad = {"file": [handle_file(str(files / f)) for f in BAD_FILES],
                   "number": BAD_NUMBERS + ["seven", None],
                   "bool": [None, "maybe"],
                   "str": BAD_STRINGS + [None, 12345]}[kind]
            for value in bad:
                args = list(good)
                args[i] = value
                _check_answer(client, name, args, unhandled)
        assert client.predict(api_name="/ping") == "pong"
        _stop_all_jobs()  # some odd settings are still valid ones: those jobs must not hold the queue
        # and it still does its job (a job is started from a fresh session: this one may be at its limit)
        (Client(client.src, verbose=False) if name == "/start_training" else client).predict(*good, api_name=name)
    _stop_all_jobs()
    assert not unhandled


def _stop_all_jobs():
    from playground import jobs
    from playground.jobs import records
    for st in jobs.manager().jobs(curves=False):
        if st["state"] in records.ACTIVE:
            jobs.manager().cancel(st["id"])
            jobs.manager().wait(st["id"], timeout=60)


def test_wrong_argument_counts_are_refused_without_harm(client, endpoints, files, job_id, tuned_id, unhandled):
    before = len(unhandled)
    try:
        for name, info in endpoints.items():
            required = sum(not p["parameter_has_default"] for p in info["parameters"])
            good = _args(GOOD[name], files, job_id, tuned_id)
            try:  # gradio_client may refuse extra values itself; either way the server must not fail
                client.predict(*good, "extra", "extra", "extra", "extra", api_name=name)
            except (AppError, ValueError, TypeError):
                pass
            if required:
                with pytest.raises(Exception):
                    client.predict(*good[:required - 1], api_name=name)
    finally:  # a good call with extra values may have started a job (/start_training, /finetune_cnn)
        _stop_all_jobs()
    assert len(unhandled) == before, unhandled[before:]
    assert client.predict(api_name="/ping") == "pong"


def _raw_call(client, app_url: str, name: str, args: list) -> str:
    """Call ``name`` over plain HTTP with a JSON body that may hold NaN/Infinity (gradio_client cannot
    send those) and return the answer's event stream."""
    import urllib.request
    endpoint = client.endpoints[client._infer_fn_index(name, None)]
    args = endpoint.process_input_files(*args)  # files (good ones) are uploaded first, as the client does
    body = json.dumps({"data": list(endpoint.insert_empty_state(*args))})  # NaN → NaN, inf → Infinity
    req = urllib.request.Request(f"{app_url}gradio_api/call{name}", data=body.encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            event = json.loads(r.read())["event_id"]
    except urllib.error.HTTPError as e:
        return f"event: refused\ndata: {e.code}"
    with urllib.request.urlopen(f"{app_url}gradio_api/call{name}/{event}", timeout=60) as r:
        return r.read().decode()


def _error_message(answer: str) -> str | None:
    """The message of an ``event: error`` in an event stream, or None when the stream has none."""
    lines = answer.splitlines()
    for i, line in enumerate(lines[:-1]):
        if line.strip() == "event: error" and lines[i + 1].startswith("data:"):
            data = json.loads(lines[i + 1][len("data:"):])
            return str((data or {}).get("error") or "").strip() if isinstance(data, dict) else ""
    return None


def test_nan_and_infinity_in_number_fields_are_refused_with_a_clear_message(client, app_url, endpoints, files,
                                                                              job_id, unhandled):
    before = len(unhandled)
    numbers = {(name, i) for name, info in endpoints.items()
               for i, p in enumerate(info["parameters"]) if _kind(p) == "number"}
    assert numbers, "no endpoint takes a number: this test checks nothing"
    tried = set()
    for name, i in sorted(numbers):
        info = endpoints[name]
        good = _args(GOOD[name], files, job_id)
        good += [p["parameter_default"] for p in info["parameters"][len(good):]]
        for value in NON_FINITE:
            args = list(good)
            args[i] = value
            answer = _raw_call(client, app_url, name, args)
            call = f"{name}{_show(args)}"
            assert "event: complete" not in answer, f"{call} was accepted: {answer[:300]}"
            if answer.startswith("event: refused"):  # the server refused the JSON itself: fine, if it said so
                assert answer.split()[-1].startswith("4"), f"{call}: {answer}"
            else:
                message = _error_message(answer)
                assert message is not None, f"{call}: neither an answer nor an error: {answer[:300]}"
                assert message and message != "Error" and len(message) < 600, f"{call}: unclear: {message!r}"
                assert not PATH_OR_TRACE.search(message), f"{call}: the message leaks internals: {message}"
            tried.add((name, i))
    assert tried == numbers and len(unhandled) == before, unhandled[before:]
    assert client.predict(api_name="/ping") == "pong"


@pytest.mark.parametrize("name, before", [("/mlp_fit", ()), ("/start_training", ("mlp",))])
def test_nan_and_infinity_in_json_settings_are_refused_naming_the_setting(new_client, name, before):
    for setting, literal in (("lr", "NaN"), ("noise", "Infinity"), ("l2", "-Infinity")):
        settings = f'{{"{setting}": {literal}}}'  # Python's json reads these literals as floats
        with pytest.raises(AppError, match=rf"{setting} must be a number in \["):
            new_client.predict(*before, settings, api_name=name)
    assert new_client.predict(api_name="/ping") == "pong"


def test_unknown_job_ids_get_a_clear_message(client):
    for job in ("", "nope", "cnn-20990101-000000-abcdef", "../" * 30, "x" * 10_000):
        for name in ("/job_status", "/cancel_job", "/use_model"):
            with pytest.raises(AppError, match="unknown job"):
                client.predict(job, api_name=name)


def test_json_settings_that_do_not_parse_say_so(client):
    for text in ("{not json", "[1, 2]", '"a string"', "{" * 3000 + "}" * 3000):
        with pytest.raises(AppError) as e:
            client.predict("mlp", text, api_name="/start_training")
        assert "JSON" in str(e.value) or "object" in str(e.value)
    assert json.loads(json.dumps(client.predict(api_name="/health")))["status"] == "ok"


def test_errors_never_show_the_servers_paths(client, files):
    with pytest.raises(AppError) as e:
        client.predict(handle_file(str(files / "text.png")), api_name="/classify_digit")
    assert str(ROOT) not in str(e.value) and "/tmp" not in str(e.value)

