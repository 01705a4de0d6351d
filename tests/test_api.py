"""The public API of the launched app, through gradio_client, as a user's script would call it."""

import io

import numpy as np
import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from conftest import UPLOAD_LIMIT, padded_png
from playground.data import digits


def _save(tmp_path, name, img: Image.Image, fmt=None):
    path = tmp_path / name
    img.save(path, format=fmt)
    return str(path)


def _digit(i):
    x, y = digits.load_digits("test")
    return x[i].numpy(), int(y[i])


def test_api_lists_the_public_endpoints(client):
    names = set(client.view_api(return_format="dict", print_info=False)["named_endpoints"])
    assert {"/classify_digit", "/ping"} <= names


@pytest.mark.parametrize("variant", ["dark_on_light_rgb", "light_on_dark_gray", "transparent_rgba",
                                     "jpeg_large"])
def test_classify_digit_reads_held_out_digits_in_any_format(client, tmp_path, variant):
    correct = 0
    for i in range(10):
        d, label = _digit(100 + i)
        gray = Image.fromarray(d)
        if variant == "dark_on_light_rgb":
            path = _save(tmp_path, f"{i}.png", Image.fromarray(255 - d).resize((280, 280)).convert("RGB"))
        elif variant == "light_on_dark_gray":
            path = _save(tmp_path, f"{i}.png", gray.resize((64, 64)))
        elif variant == "transparent_rgba":
            rgba = np.zeros((28, 28, 4), np.uint8)
            rgba[..., 3] = d
            path = _save(tmp_path, f"{i}.png", Image.fromarray(rgba).resize((200, 200)))
        else:
            path = _save(tmp_path, f"{i}.jpg", Image.fromarray(255 - d).resize((1200, 900)), "JPEG")
        out = client.predict(handle_file(path), api_name="/classify_digit")
        assert set(out) == {"label", "probabilities"}
        assert len(out["probabilities"]) == 10 and abs(sum(out["probabilities"]) - 1) < 1e-4
        assert out["label"] == int(np.argmax(out["probabilities"]))
        correct += out["label"] == label
    assert correct >= 9, f"only {correct}/10 held-out digits read correctly as {variant}"


@pytest.mark.parametrize("name, payload, message", [
    ("blank.png", "blank", "no digit to read"),
    ("notes.png", b"this is plain text, not a picture", "not an image"),
    ("random.jpg", bytes(np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8)), "not an image"),
    ("wide.png", "wide", "largest accepted"),
    ("tiny.png", "tiny", "at least"),
])
def test_classify_digit_answers_bad_input_clearly_and_keeps_serving(client, tmp_path, name, payload, message):
    path = tmp_path / name
    if payload == "blank":
        Image.new("RGB", (280, 280), "white").save(path)
    elif payload == "wide":
        Image.new("L", (10_000, 10), 255).save(path)
    elif payload == "tiny":
        Image.new("L", (2, 2), 0).save(path)
    else:
        path.write_bytes(payload)
    with pytest.raises(AppError, match=message):
        client.predict(handle_file(str(path)), api_name="/classify_digit")
    assert client.predict(api_name="/ping") == "pong"


def test_uploads_up_to_the_size_limit_are_read_and_one_byte_more_is_refused(client, tmp_path):
    d, label = _digit(0)
    buf = io.BytesIO()
    Image.fromarray(255 - d).resize((280, 280)).save(buf, format="PNG")
    at_limit, over = tmp_path / "at-limit.png", tmp_path / "over.png"
    at_limit.write_bytes(padded_png(buf.getvalue(), UPLOAD_LIMIT))  # the same valid picture, padded
    over.write_bytes(padded_png(buf.getvalue(), UPLOAD_LIMIT + 1))
    assert client.predict(handle_file(str(at_limit)), api_name="/classify_digit")["label"] == label
    # refused for its size alone, before it is sent (the client reads the server's limit): not by the handler
    with pytest.raises(ValueError, match=f"exceeds the maximum file size of {UPLOAD_LIMIT} bytes"):
        client.predict(handle_file(str(over)), api_name="/classify_digit")
    assert client.predict(api_name="/ping") == "pong"


# -----------------------------------------------------------------------------
# The digit pad's quick read: a server function the page calls over HTTP while the pen moves


def _pad_read(app_url, data, fn="read"):
    """POST the pad's call as the page makes it → (HTTP status, answer)."""
    import json
    import urllib.error
    import urllib.request

    app_url = app_url.rstrip("/")
    config = json.load(urllib.request.urlopen(f"{app_url}/config"))
    pad = next(c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == "cnn-canvas")
    body = json.dumps({"data": data, "component_id": pad, "fn_name": fn, "session_hash": "pad-test"}).encode()
    request = urllib.request.Request(f"{app_url}/gradio_api/component_server", body,
                                     {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, None


def _pad_value(d: np.ndarray) -> str:
    """A held-out digit as the pad sends it: black strokes on a transparent 280×280 PNG, as JSON."""
    import base64
    import json

    alpha = Image.fromarray(d).resize((280, 280))
    img = Image.new("RGBA", (280, 280), (0, 0, 0, 0))
    img.putalpha(alpha)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return json.dumps({"png": "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()})


def test_the_pads_quick_read_answers_the_digit_drawn(app_url):
    right = 0
    for i in range(10):
        d, label = _digit(200 + i)
        status, answer = _pad_read(app_url, [_pad_value(d), ""])
        assert status == 200
        assert len(answer["top"]) == 3 and answer["label"] == answer["top"][0][0]
        assert answer["top"][0][1] >= answer["top"][1][1] >= answer["top"][2][1]
        right += answer["label"] == label
    assert right >= 9
    assert _pad_read(app_url, ["", ""]) == (200, None)  # a cleared pad
    d, label = _digit(200)
    # a job that does not exist (or was never this session's) reads with the pretrained model
    assert _pad_read(app_url, [_pad_value(d), "cnn-nosuchjob"])[1]["label"] == label


@pytest.mark.parametrize("data", [
    None, 5, "x", [], ["x", ""], [{"png": 1}, ""], ['{"png": "data:image/png;base64,@@"}', ""],
    ['{"png": "data:image/png;base64,AAAA"}', ""], ["{" * 3_000_000, ""], ['{"png": "data:text/html;base64,PHA+"}', ""],
    [_pad_value(np.zeros((28, 28), np.uint8)), ""], [_pad_value(_digit(3)[0]), 7],
    [_pad_value(_digit(3)[0]), "../../etc/passwd"]])
def test_the_pads_quick_read_answers_bad_input_with_a_message(app_url, data):
    status, answer = _pad_read(app_url, data)
    assert status == 200
    if isinstance(data, list) and len(data) == 2 and data[1] in (7, "../../etc/passwd"):
        assert answer["label"] == _digit(3)[1]  # a job that is no job: the pretrained model reads it
    else:
        assert set(answer) == {"error"} and answer["error"]


def test_only_the_pads_own_read_is_served(app_url):
    assert _pad_read(app_url, ["", ""], fn="__init__")[0] == 404
