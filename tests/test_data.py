"""The data layer: the bundled digits and the MNIST-style preprocessing of drawings."""

import io

import numpy as np
import pytest
import torch
from PIL import Image

from playground import data
from playground.data import digits, drawing


def test_bundled_split_is_fixed_disjoint_and_stratified():
    xtr, ytr = digits.load_digits("train")
    xte, yte = digits.load_digits("test")
    assert xtr.shape == (8000, 28, 28) and xte.shape == (2000, 28, 28)
    assert xtr.dtype == torch.uint8 and ytr.dtype == torch.int64
    train_rows = {bytes(x.numpy()) for x in xtr}
    assert not any(bytes(x.numpy()) in train_rows for x in xte), "a held-out digit is in training"
    counts = torch.bincount(yte, minlength=10)
    assert counts.min() >= 150 and counts.max() <= 240  # every class is held out, ~20 % of each
    # fixed: the split made afresh from the file, without the cache, is the very same split
    fresh = digits._bundled.__wrapped__()
    same = all(torch.equal(cached, again) for cached, again in zip((xtr, ytr, xte, yte), fresh))
    assert same, "the held-out split changed between two computations"


def test_digits_are_loaded_once_and_cached():
    for split in ("train", "test"):
        (x1, y1), (x2, y2) = digits.load_digits(split), digits.load_digits(split)
        once = x1 is x2 and y1 is y2
        assert once, f"load_digits({split!r}) read and split the file again"


def test_unknown_split_or_source_is_refused():
    with pytest.raises(ValueError, match="split"):
        digits.load_digits("validation")
    with pytest.raises(ValueError, match="source"):
        digits.load_digits("train", source="imagenet")


def test_batches_cover_every_index_once():
    seen = torch.cat(list(data.batch_indices(1000, 64, torch.Generator().manual_seed(1))))
    assert sorted(seen.tolist()) == list(range(1000))
    assert not torch.equal(seen, torch.arange(1000))


def test_augment_keeps_shape_and_changes_the_digits():
    x = digits.load_digits("train")[0][:64].float().unsqueeze(1) / 255
    y = digits.augment(x, torch.Generator().manual_seed(0))
    assert y.shape == x.shape and torch.isfinite(y).all()
    assert (y - x).abs().mean() > 0.01
    assert y.sum() > 0.5 * x.sum()  # warps move the ink, they do not erase it


def _mnist(i=0):
    x, y = digits.load_digits("test")
    return x[i].numpy().astype(np.float32) / 255, int(y[i])


def _com(d):
    ys, xs = np.indices(d.shape)
    return (ys * d).sum() / d.sum(), (xs * d).sum() / d.sum()


@pytest.mark.parametrize("style", ["dark_on_light_rgb", "light_on_dark_gray", "transparent_rgba",
                                   "colored_ink_rgb"])
def test_drawings_of_any_style_become_the_same_mnist_digit(style):
    digit, _ = _mnist(3)
    big = np.asarray(Image.fromarray((digit * 255).astype(np.uint8)).resize((300, 300), Image.BILINEAR))
    big = big.astype(np.float32) / 255
    if style == "dark_on_light_rgb":
        img = np.stack([1 - big] * 3, axis=2)
    elif style == "light_on_dark_gray":
        img = big
    elif style == "transparent_rgba":
        img = np.zeros((300, 300, 4), np.float32)
        img[..., 3] = big  # black strokes whose coverage is the alpha
    else:
        img = np.stack([1 - 0.2 * big, 1 - big, 1 - 0.9 * big], axis=2)  # blue-ish ink on white
    out = drawing.to_mnist(drawing.ink_map((img * 255).astype(np.uint8)))
    assert out.shape == (28, 28) and out.dtype == np.float32
    assert out.max() == pytest.approx(1.0)
    assert np.abs(out - digit).mean() < 0.05, "preprocessing should recover the original digit"


def test_off_centre_small_digit_is_scaled_into_20px_and_centred_by_mass():
    digit, _ = _mnist(5)
    canvas = np.zeros((400, 600), np.float32)
    small = np.asarray(Image.fromarray((digit * 255).astype(np.uint8)).resize((60, 60))) / 255
    canvas[20:80, 480:540] = small  # a small digit in the top-right corner
    out = drawing.to_mnist(canvas)
    rows, cols = np.flatnonzero(out.max(1) > 0.2), np.flatnonzero(out.max(0) > 0.2)
    assert max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 in (19, 20, 21)
    cy, cx = _com(out)
    assert abs(cy - 14) < 1 and abs(cx - 14) < 1


def test_blank_canvas_is_blank_not_a_guess():
    for blank in (np.zeros((280, 280), np.float32), np.full((280, 280, 3), 255, np.uint8),
                  np.zeros((280, 280, 4), np.uint8)):
        with pytest.raises(drawing.BlankImage):
            drawing.to_mnist(drawing.ink_map(blank))


def _png(img: Image.Image, fmt="PNG") -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt)
    return buf.getvalue()


def test_read_image_accepts_odd_modes():
    digit, _ = _mnist(7)
    gray = Image.fromarray((255 - digit * 255).astype(np.uint8)).resize((112, 112))
    variants = {
        "L": gray, "RGB": gray.convert("RGB"), "RGBA": gray.convert("RGBA"), "P": gray.convert("P"),
        "1": gray.convert("1"), "I;16": Image.fromarray((np.asarray(gray).astype(np.uint16) * 257)),
        "CMYK": gray.convert("CMYK"),
    }
    for mode, img in variants.items():
        fmt = "JPEG" if mode == "CMYK" else "PNG"
        ink = drawing.read_image(_png(img, fmt))
        out = drawing.to_mnist(ink)
        assert np.abs(out - digit).mean() < 0.08, mode


@pytest.mark.parametrize("payload, message", [
    (b"this is not an image at all", "not an image"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "not an image"),
    ("huge", "largest accepted"),
    ("tiny", "at least"),
])
def test_read_image_refuses_bad_files_with_a_clear_message(payload, message):
    if payload == "huge":
        payload = _png(Image.new("L", (5000, 20), 255))
    elif payload == "tiny":
        payload = _png(Image.new("L", (3, 3), 255))
    with pytest.raises(drawing.ImageError, match=message):
        drawing.read_image(payload)


@pytest.mark.parametrize("width", [4, 10, 20, 30])
def test_stroke_width_measures_a_pen_line(width):
    img = Image.new("L", (200, 200), 0)
    from PIL import ImageDraw
    ImageDraw.Draw(img).line([(30, 100), (170, 100)], fill=255, width=width)
    assert drawing.stroke_width(np.asarray(img) > 127) == pytest.approx(width, rel=0.15, abs=1.0)


def test_fat_and_hairline_strokes_are_brought_to_mnist_width():
    lo, mid, hi = drawing.MNIST_STROKE
    for width in (2, 45):
        img = Image.new("L", (280, 280), 0)
        from PIL import ImageDraw
        ImageDraw.Draw(img).line([(140, 30), (140, 250)], fill=255, width=width)
        work = drawing.normalize_stroke(drawing._crop(np.asarray(img, np.float32) / 255))
        assert lo <= drawing.stroke_width(np.pad(work > 0.4, 2)) <= hi, width


def test_full_mnist_falls_back_to_the_bundled_digits_when_it_cannot_download(monkeypatch):
    def offline(root):
        raise OSError("no network")

    monkeypatch.setattr(digits, "_torchvision_mnist", offline)
    x, y = digits.load_digits("test", source="mnist")
    bx, by = digits.load_digits("test")
    assert torch.equal(x, bx) and torch.equal(y, by)
