"""/vae_decode, /vae_encode and /gan_generate through gradio_client, with the bad-input list."""

import numpy as np
import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from playground import checkpoint
from playground.data import digits
from playground.models import cnn


def _pixels(path) -> np.ndarray:
    img = Image.open(path)
    assert img.format == "PNG"
    return np.asarray(img.convert("L"), np.float32) / 255.0


def _as_28(pixels: np.ndarray) -> np.ndarray:
    k = pixels.shape[0] // 28
    return pixels[::k, ::k][:28, :28]


def _digit_file(tmp_path, i):
    images, labels = digits.load_digits("test")
    path = tmp_path / f"digit{i}.png"
    Image.fromarray(images[i].numpy()).resize((112, 112)).save(path)
    return str(path), int(labels[i]), images[i].numpy() / 255.0


def test_the_generative_endpoints_are_public(client):
    names = set(client.view_api(return_format="dict", print_info=False)["named_endpoints"])
    assert {"/vae_decode", "/vae_encode", "/gan_generate"} <= names


def test_vae_decode_returns_a_png_that_changes_with_z(client):
    a = _pixels(client.predict("[0.0, 0.0]", api_name="/vae_decode"))
    b = _pixels(client.predict("[2.0, -1.5]", api_name="/vae_decode"))
    assert a.shape == (196, 196) and np.abs(a - b).mean() > 0.02


def test_vae_decode_clips_out_of_range_and_non_finite_values(client):
    edge = _pixels(client.predict("[3, -3]", api_name="/vae_decode"))
    assert np.array_equal(_pixels(client.predict("[100, -1e308]", api_name="/vae_decode")), edge)
    assert np.array_equal(_pixels(client.predict("[Infinity, -Infinity]", api_name="/vae_decode")), edge)
    centre = _pixels(client.predict("[0, 0]", api_name="/vae_decode"))
    assert np.array_equal(_pixels(client.predict("[NaN, NaN]", api_name="/vae_decode")), centre)


@pytest.mark.parametrize("z, message", [
    ("[0.5]", "must have 2 numbers"),
    ("[0, 0, 0]", "must have 2 numbers"),
    ("[]", "must have 2 numbers"),
    ("hello", "JSON list of numbers"),
    ('{"z": [0, 0]}', "JSON list of numbers"),
    ('["a", 1]', "JSON list of numbers"),
    ("[true, false]", "JSON list of numbers"),
    ("", "JSON list of numbers"),
    ("[" + "0," * 20000 + "0]", "JSON list of numbers"),
])
def test_vae_decode_refuses_bad_z_with_a_clear_message(client, z, message):
    with pytest.raises(AppError, match=message):
        client.predict(z, api_name="/vae_decode")


def test_vae_encode_then_decode_rebuilds_the_digit(client, tmp_path):
    path, label, digit = _digit_file(tmp_path, 5)
    out = client.predict(handle_file(path), api_name="/vae_encode")
    assert set(out) == {"mu", "logvar"} and len(out["mu"]) == len(out["logvar"]) == 2
    rebuilt = _as_28(_pixels(client.predict(str(out["mu"]), api_name="/vae_decode")))
    other_path, other_label, _ = _digit_file(tmp_path, 6 if label != digits.load_digits("test")[1][6] else 7)
    other = client.predict(handle_file(other_path), api_name="/vae_encode")
    assert np.corrcoef(rebuilt.ravel(), digit.ravel())[0, 1] > 0.5
    assert out["mu"] != other["mu"]


def test_vae_encode_answers_blank_and_non_images_clearly(client, tmp_path):
    blank = tmp_path / "blank.png"
    Image.new("L", (200, 200), 255).save(blank)
    with pytest.raises(AppError, match="(?i)draw a digit"):
        client.predict(handle_file(str(blank)), api_name="/vae_encode")
    text = tmp_path / "notes.png"
    text.write_bytes(b"not a picture at all")
    with pytest.raises(AppError, match="not an image"):
        client.predict(handle_file(str(text)), api_name="/vae_encode")


def test_gan_generate_draws_the_requested_digit_and_is_seeded(client):
    judge, _, _ = checkpoint.pretrained("cnn")
    correct = 0
    for d in range(10):
        img = _as_28(_pixels(client.predict(d, 7, api_name="/gan_generate")))
        correct += int(cnn.predict(judge, img).argmax()) == d
    assert correct >= 9
    a = _pixels(client.predict(4, 11, api_name="/gan_generate"))
    assert np.array_equal(a, _pixels(client.predict(4, 11, api_name="/gan_generate")))
    assert not np.array_equal(a, _pixels(client.predict(4, 12, api_name="/gan_generate")))


@pytest.mark.parametrize("digit, seed, message", [
    (10, 0, "digit must be a whole number from 0 to 9"),
    (-1, 0, "digit must be a whole number from 0 to 9"),
    (2.5, 0, "digit must be a whole number from 0 to 9"),
    (3, -5, "seed must be a whole number from 0 to 2147483647"),
    (3, 2**40, "seed must be a whole number from 0 to 2147483647"),
    (3, 1.5, "seed must be a whole number"),
    (None, 0, "digit must be"),
])
def test_gan_generate_refuses_out_of_range_input(client, digit, seed, message):
    with pytest.raises(AppError, match=message):
        client.predict(digit, seed, api_name="/gan_generate")


def test_the_app_keeps_serving_after_bad_input(client):
    with pytest.raises(AppError):
        client.predict("nonsense", api_name="/vae_decode")
    assert client.predict(api_name="/ping") == "pong"
    assert _pixels(client.predict("[1, 1]", api_name="/vae_decode")).shape == (196, 196)
