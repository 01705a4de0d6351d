"""A drawing or photo from a user → an MNIST-style 28×28 digit, as the networks were trained on.

MNIST digits were made by scaling each digit to fit a 20×20 box (keeping its aspect ratio) and
centring its centre of mass in a 28×28 frame (LeCun et al., "The MNIST database"). A drawing from the
browser or an uploaded photo goes through the same steps in ``to_mnist`` so the network sees what it
was trained on: find the ink (dark-on-light, light-on-dark or strokes on a transparent layer), crop to
it, bring its strokes to MNIST's width, scale into 20×20, centre by mass in 28×28. Inputs that are not
usable images raise ``ImageError``, whose ``code`` the UI translates (``ERRORS``).
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from playground.errors import UserError

# Limits for images that arrive from users (uploads and the API).
MAX_SIDE = 4096  # pixels; larger images are refused before decoding
MIN_SIDE = 8  # pixels; anything smaller cannot hold a digit
MAX_BYTES = 10 * 1024 * 1024


ERRORS = {  # user-facing messages, by code (the UI translates them; see ui/i18n.py)
    "blank": "There is no digit to read: draw one (or upload an image with a digit).",
    "not_image": "This file is not an image that can be read (PNG, JPEG, GIF, BMP or WebP).",
    "too_large": "The image is {w}×{h} pixels; the largest accepted is {max}×{max}.",
    "too_small": "The image is {w}×{h} pixels; it must be at least {min}×{min} to hold a digit.",
    "too_many_bytes": "The file is too large (max {mb} MB).",
    "no_image": "No image was received.",
    "internal": "Something went wrong; please try again.",
}


class ImageError(UserError):
    """An input that is not a usable image. ``code`` and ``params`` let the UI translate it."""

    messages = ERRORS


class BlankImage(ImageError):
    """An image with no ink on it."""

    def __init__(self):
        super().__init__("blank")


def read_image(source) -> np.ndarray:
    """Decode a path, bytes or PIL image into a float32 ink map (H, W) in [0, 1] (1 = ink).

    Accepts any size up to ``MAX_SIDE``; RGB, RGBA (strokes on a transparent layer), grayscale,
    16-bit, palette, CMYK and 1-bit images; dark-on-light and light-on-dark. Raises ``ImageError``
    with a message for the user when the input is not a usable image.
    """
    from PIL import Image, UnidentifiedImageError

    if isinstance(source, np.ndarray):
        return ink_map(source)
    try:
        if isinstance(source, Image.Image):
            img = source
        else:
            if isinstance(source, (bytes, bytearray)):
                if len(source) > MAX_BYTES:
                    raise ImageError("too_many_bytes", mb=MAX_BYTES // 2**20)
                fp = io.BytesIO(source)
            else:
                path = Path(source)
                if not path.is_file():
                    raise ImageError("no_image")
                if path.stat().st_size > MAX_BYTES:
                    raise ImageError("too_many_bytes", mb=MAX_BYTES // 2**20)
                fp = path
            img = Image.open(fp)
        w, h = img.size
        if max(w, h) > MAX_SIDE:
            raise ImageError("too_large", w=w, h=h, max=MAX_SIDE)
        if min(w, h) < MIN_SIDE:
            raise ImageError("too_small", w=w, h=h, min=MIN_SIDE)
        img.seek(0)  # the first frame of an animated GIF/PNG
        img.load()
    except ImageError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ImageError("not_image")
    return ink_map(_to_array(img))


def _to_array(img) -> np.ndarray:
    """PIL image of any mode → uint8 array (H, W) grayscale or (H, W, 4) RGBA."""
    mode = img.mode
    if mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        a = np.asarray(img, dtype=np.float64)
        lo, hi = float(a.min()), float(a.max())
        return np.zeros(a.shape, np.uint8) if hi <= lo else ((a - lo) / (hi - lo) * 255).astype(np.uint8)
    if mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in img.info):
        return np.asarray(img.convert("RGBA"))
    if mode == "RGB" or mode == "L":
        return np.asarray(img)
    return np.asarray(img.convert("L"))  # CMYK, YCbCr, 1, P, HSV, LAB …


def ink_map(a: np.ndarray) -> np.ndarray:
    """Array (H, W), (H, W, 1|2|3|4), uint8 or float in [0, 1] → ink (H, W) float32 in [0, 1].

    With an alpha channel that is mostly transparent, the opaque strokes are the ink. Otherwise the
    background is the median of the border pixels: light borders mean dark ink, and vice versa.
    The ink is stretched so its strongest pixel is 1, as MNIST's strokes are.
    """
    a = np.nan_to_num(np.asarray(a, dtype=np.float32))
    if np.asarray(a).max(initial=0) > 1:
        a = a / 255.0
    a = np.clip(a, 0, 1)
    if a.ndim == 3 and a.shape[2] in (2, 4):
        alpha, color = a[..., -1], a[..., :-1]
        if (alpha < 0.5).mean() > 0.5:  # strokes on a transparent layer: the alpha is the ink
            return _stretch(alpha)
        a = _luminance(color) * alpha + (1 - alpha)  # an opaque picture: flatten onto white
    elif a.ndim == 3 and a.shape[2] in (1, 3):
        a = _luminance(a)
    if a.ndim != 2:
        raise ImageError("not_image")
    border = np.concatenate([a[0], a[-1], a[:, 0], a[:, -1]])
    background = float(np.median(border))
    return _stretch(background - a if background >= 0.5 else a - background)


def _luminance(color: np.ndarray) -> np.ndarray:
    if color.shape[2] == 1:
        return color[..., 0]
    return color @ np.array([0.299, 0.587, 0.114], np.float32)  # ITU-R 601, as PIL's "L"


def _stretch(ink: np.ndarray) -> np.ndarray:
    ink = np.clip(ink, 0, None).astype(np.float32)
    peak = float(ink.max(initial=0))
    return ink / peak if peak > 0 else ink


INK_THRESHOLD = 0.2  # fraction of the strongest ink below which a pixel counts as paper
MIN_INK_PIXELS = 4
# Stroke width of MNIST digits, measured by ``stroke_width`` on the 8,000 training digits scaled so
# their longer side is 100 px: 10th percentile 10.7, median 14.9, 90th percentile 20.6. A drawing
# whose strokes fall outside that band (a fat brush on a small digit, a hairline on a large one) is
# thinned or thickened to the median before it is shrunk, so the network sees familiar strokes.
WORK_SIZE = 100
MNIST_STROKE = (10.7, 14.9, 20.6)


def _crop(ink: np.ndarray) -> np.ndarray:
    mask = ink > INK_THRESHOLD
    if mask.sum() < MIN_INK_PIXELS:
        raise BlankImage()
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    crop = ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    return np.where(crop > INK_THRESHOLD / 2, crop, 0).astype(np.float32)  # drop paper noise


def _resize(a: np.ndarray, longer: int) -> np.ndarray:
    """Scale so the longer side is ``longer`` px, aspect kept, antialiased when shrinking."""
    from PIL import Image

    h, w = a.shape
    k = longer / max(h, w)
    size = (max(1, int(round(w * k))), max(1, int(round(h * k))))
    method = Image.Resampling.LANCZOS if k < 1 else Image.Resampling.BILINEAR
    return np.clip(np.asarray(Image.fromarray(a, mode="F").resize(size, method)), 0, None)


def _step(a: np.ndarray, grow: bool, square: bool) -> np.ndarray:
    """One 3×3 (square) or plus-shaped (cross) dilation or erosion of a zero-padded float image."""
    op = np.maximum if grow else np.minimum
    p = np.pad(a, 1)
    out = op(op(p[1:-1, 1:-1], op(p[:-2, 1:-1], p[2:, 1:-1])), op(p[1:-1, :-2], p[1:-1, 2:]))
    if square:
        out = op(out, op(op(p[:-2, :-2], p[:-2, 2:]), op(p[2:, :-2], p[2:, 2:])))
    return out


def stroke_width(mask: np.ndarray) -> float:
    """Typical stroke width (px) of a binary image: a stroke w wide loses 2 px of width per
    plus-shaped erosion, so half its area is gone after w/4 of them (interpolated)."""
    area0 = float(mask.sum())
    if area0 == 0:
        return 0.0
    m, prev, k = mask.astype(np.float32), 1.0, 0
    while True:
        m = _step(m, grow=False, square=False)
        k += 1
        frac = float(m.sum()) / area0
        if frac <= 0.5:
            return 4 * (k - 1 + (prev - 0.5) / max(prev - frac, 1e-9))
        prev = frac


def normalize_stroke(crop: np.ndarray) -> np.ndarray:
    """Crop → the same digit at ``WORK_SIZE`` px with its stroke width brought into MNIST's band."""
    work = _resize(crop, WORK_SIZE)
    work = work / max(float(work.max(initial=0)), 1e-9)
    width = stroke_width(np.pad(work > 0.4, 2))
    lo, mid, hi = MNIST_STROKE
    if lo <= width <= hi:
        return work
    steps = int(round(abs(width - mid) / 2))  # each step moves each edge by about 1 px
    for i in range(steps):  # alternate square and cross: an octagon, close to a round pen
        work = _step(np.pad(work, 1) if width < lo else work, grow=width < lo, square=i % 2 == 0)
    return work


def to_mnist(ink: np.ndarray) -> np.ndarray:
    """Ink map (H, W) in [0, 1] → an MNIST-style digit (28, 28) float32 in [0, 1].

    Crop to the ink, bring the stroke width into MNIST's range, scale the longer side to 20 pixels
    (aspect kept, antialiased), then place it in 28×28 so that its centre of mass sits at the
    centre. Raises ``BlankImage`` when there is no ink.
    """
    crop = _crop(np.asarray(ink, dtype=np.float32))
    small = _resize(_crop(normalize_stroke(crop)), 20)
    peak = float(small.max(initial=0))
    if peak <= 0:
        raise BlankImage()
    small = np.clip(small / peak, 0, 1)
    # Centre of mass → pixel (14, 14), where the bundled MNIST digits have theirs on average
    # (13.996, 14.002). Paste into a frame large enough that no shift can fall off it.
    nh, nw = small.shape
    ys, xs = np.indices(small.shape)
    total = small.sum()
    cy, cx = (ys * small).sum() / total, (xs * small).sum() / total
    top, left = int(round(14 - cy)), int(round(14 - cx))
    big = np.zeros((28 + 2 * 28, 28 + 2 * 28), np.float32)
    big[28 + top:28 + top + nh, 28 + left:28 + left + nw] = small
    return big[28:56, 28:56].copy()
