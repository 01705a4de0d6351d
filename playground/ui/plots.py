"""Every figure the tabs show: plotly charts and numpy images with colour maps.

Models return arrays; this module turns them into something to look at. One place for colours,
sizes and layout, so every tab looks alike; the colour map itself is ``playground.pictures``, which
the models' own previews use too.
"""

from __future__ import annotations

import numpy as np

from playground.pictures import colorize, grid, upscale

ACCENT = "#f97316"  # the predicted class, highlighted
MUTED = "#94a3b8"
FONT = dict(family="Inter, 'Noto Sans CJK SC', system-ui, sans-serif", size=13)


def show_char(c: str) -> str:
    """A character as it can be read on an axis or in a tooltip: space and newline made visible."""
    return {" ": "␣", "\n": "↵"}.get(c, c)


def digit_image(digit: np.ndarray, size: int = 280) -> np.ndarray:
    """28×28 in [0, 1] (ink = 1) → a size×size uint8 image, white ink on black, as MNIST stores it."""
    return upscale((np.clip(digit, 0, 1) * 255).astype(np.uint8), size // digit.shape[0])


def saliency_image(digit: np.ndarray, sal: np.ndarray, size: int = 280) -> np.ndarray:
    """The digit in grey with the saliency laid over it in a warm colour map → RGB uint8."""
    base = np.repeat((np.clip(digit, 0, 1) * 90)[..., None], 3, axis=2)
    heat = colorize(sal, "Inferno", 0.0, 1.0).astype(np.float64)
    alpha = np.clip(sal, 0, 1)[..., None] ** 0.7
    out = base * (1 - alpha) + heat * alpha
    return upscale(out.round().astype(np.uint8), size // digit.shape[0])


def feature_grid(maps: np.ndarray, max_channels: int = 16, cols: int = 4, tile: int = 56,
                 gap: int = 3) -> np.ndarray:
    """(C, H, W) activations → one RGB image of the first ``max_channels`` channels in a grid.

    Each channel is scaled by the layer's largest activation, so strong and weak channels compare.
    """
    maps = np.asarray(maps)[:max_channels]
    factor = max(1, tile // maps.shape[1])
    hi = float(maps.max()) if maps.size else 1.0
    return grid([upscale(colorize(m, "Viridis", 0.0, hi or 1.0), factor) for m in maps], cols, gap)


def probability_bars(probs: np.ndarray | None) -> str:
    """The 10 class probabilities as a bar chart in plain HTML (no plotting library for the page to load),
    the most likely one highlighted; with each bar's percentage above it and in its tooltip."""
    probs = np.zeros(10) if probs is None else np.clip(np.nan_to_num(np.asarray(probs, dtype=float)), 0, 1)
    best = int(probs.argmax()) if probs.any() else -1
    bars = "".join(
        f'<div class="np-pcol" title="{d}: {p:.2%}"><span class="np-pval">{f"{p:.0%}" if p >= 0.01 else ""}</span>'
        f'<span class="np-pbar" style="height:{p * 100:.1f}%;background:{ACCENT if d == best else MUTED}"></span>'
        f'<span class="np-pdigit">{d}</span></div>'
        for d, p in enumerate(probs))
    return f'<div class="np-probs">{bars}</div>'


PROBABILITY_CSS = """
.np-probs { display: grid; grid-template-columns: repeat(10, 1fr); gap: 6px; height: 190px; padding: 22px 6px 0; }
.np-pcol { display: flex; flex-direction: column; justify-content: flex-end; align-items: center; height: 100%;
  position: relative; }
.np-pval { font-size: 12px; color: var(--body-text-color-subdued); min-height: 16px; }
.np-pbar { width: 100%; max-width: 34px; border-radius: 4px 4px 0 0; min-height: 1px; transition: height 0.15s; }
.np-pdigit { font-size: 13px; padding-top: 4px; border-top: 1px solid var(--border-color-primary); width: 100%;
  text-align: center; }
"""


PALETTE = ["#6366f1", "#f97316", "#10b981", "#ef4444", "#0ea5e9", "#a855f7", "#eab308", "#64748b"]


def filter_grid(filters: np.ndarray, cols: int = 8, tile: int = 48, gap: int = 4) -> np.ndarray:
    """(C, k, k) convolution kernels → an RGB grid, blue negative / red positive, shared scale."""
    filters = np.asarray(filters)
    lim = float(np.abs(filters).max()) or 1.0
    factor = max(1, tile // filters.shape[1])
    return grid([upscale(colorize(f, "RdBu_r", -lim, lim), factor) for f in filters], cols, gap)


def progress_html(fraction: float) -> str:
    """A progress bar (HTML, no scripts); the sentence beside it is the caller's."""
    pct = max(0.0, min(1.0, fraction)) * 100
    return f'<div class="np-progress"><div class="np-progress-bar" style="width:{pct:.1f}%"></div></div>'


# Class colours of the FNN tab: class 0 blue, class 1 orange (TensorFlow Playground's convention); a
# learner's own points may add class 2 bluish green and class 3 reddish purple (Okabe & Ito's colour-blind
# safe palette), told apart from the first two by hue and lightness.
CLASS_RGB = np.array([[99, 102, 241], [249, 115, 22], [0, 158, 115], [204, 121, 167]], dtype=np.float64)
SURFACE_STRENGTH = 0.55  # how far a sure prediction's colour goes from white toward its class's


def _two_class(prob: np.ndarray) -> np.ndarray:
    """P(class 1) in [0, 1] → RGB: pale blue through white to pale orange."""
    p = np.clip(prob, 0, 1)[..., None]
    white = np.full(3, 255.0)
    strength = np.abs(p - 0.5) * 2 * SURFACE_STRENGTH
    colour = np.where(p >= 0.5, CLASS_RGB[1], CLASS_RGB[0])
    return white * (1 - strength) + colour * strength


def class_surface(probs: np.ndarray) -> np.ndarray:
    """(K, …) class probabilities → RGB: each place in its likeliest class's colour, paler the less sure
    (white where all K are equally likely). For K = 2 this is ``_two_class(probs[1])``."""
    probs = np.clip(np.asarray(probs, dtype=np.float64), 0, 1)
    k = len(probs)
    top = probs.argmax(0)
    strength = np.clip((probs.max(0) - 1 / k) / (1 - 1 / k), 0, 1)[..., None] * SURFACE_STRENGTH
    return np.full(3, 255.0) * (1 - strength) + CLASS_RGB[top] * strength


def network_diagram(inputs: list[np.ndarray], layers: list[np.ndarray], weights: list[np.ndarray],
                    output: np.ndarray, max_height: int = 680) -> np.ndarray:
    """TensorFlow-Playground-style picture of the network: every neuron as a small map of its output over
    the plane, columns of layers, and the weights as lines (orange +, blue −, width ∝ |w|).

    inputs: feature maps (R, R); layers: per hidden layer (units, R, R); weights: the Linear weights in order
    (out, in); output: P(class 1) (R, R), or with more than two classes their probabilities (K, R, R).
    """
    from PIL import Image, ImageDraw

    columns = [list(inputs)] + [list(l) for l in layers] + [[output]]
    tallest = max(len(c) for c in columns)
    tile = int(max(16, min(44, (max_height - 10) // tallest - 5)))
    gap_y, gap_x = 5, 90
    height = tallest * (tile + gap_y) + 10
    width = len(columns) * tile + (len(columns) - 1) * gap_x + 20
    canvas = Image.new("RGB", (width, height), "white")
    lines = Image.new("RGBA", (width, height), (255, 255, 255, 0))
    pen = ImageDraw.Draw(lines)

    def position(ci, ni):
        n = len(columns[ci])
        top = (height - n * (tile + gap_y) + gap_y) / 2
        return 10 + ci * (tile + gap_x), top + ni * (tile + gap_y)

    biggest = max((float(np.abs(w).max()) for w in weights if w.size), default=1.0) or 1.0
    for ci, w in enumerate(weights):  # lines first, tiles over them
        for o in range(w.shape[0]):
            for i in range(w.shape[1]):
                x0, y0 = position(ci, i)
                x1, y1 = position(ci + 1, o)
                v = float(w[o, i]) / biggest
                if abs(v) < 0.1:  # faint weights would only hide the strong ones
                    continue
                colour = tuple(int(c) for c in CLASS_RGB[1 if v > 0 else 0]) + (int(60 + 195 * abs(v)),)
                pen.line([(x0 + tile, y0 + tile / 2), (x1, y1 + tile / 2)], fill=colour,
                         width=max(1, int(round(abs(v) * 3))))
    canvas = Image.alpha_composite(canvas.convert("RGBA"), lines).convert("RGB")
    pen = ImageDraw.Draw(canvas)
    for ci, col in enumerate(columns):
        for ni, m in enumerate(col):
            m = np.asarray(m, dtype=np.float64)
            if ci == len(columns) - 1:
                rgb = _two_class(m) if m.ndim == 2 else class_surface(m)
            else:
                lim = float(np.abs(m).max()) or 1.0
                rgb = _two_class(0.5 + 0.5 * m / lim)  # a neuron's own scale: its sign pattern shows
            tile_img = Image.fromarray(np.flipud(rgb).round().astype(np.uint8)).resize((tile, tile))
            x, y = position(ci, ni)
            canvas.paste(tile_img, (int(x), int(y)))
            pen.rectangle([x - 1, y - 1, x + tile, y + tile], outline=(148, 163, 184))
    return np.asarray(canvas)


def signed_image(a: np.ndarray, size: int) -> np.ndarray:
    """A signed map → RGB through a diverging scale centred on 0 (blue < 0 < red), upscaled to ``size``."""
    a = np.asarray(a, dtype=np.float64)
    peak = float(np.abs(a).max()) or 1.0
    return upscale(colorize(a, "RdBu_r", -peak, peak), max(1, size // a.shape[0]))


def kernels_and_outputs(kernels: np.ndarray, outputs: np.ndarray, tile: int = 84, gap: int = 4) -> np.ndarray:
    """n kernels (n, k, k) over what each makes of a digit (n, 28, 28), each in its own diverging scale."""
    return grid([signed_image(k, tile) for k in kernels] + [signed_image(o, tile) for o in outputs],
                cols=len(kernels), gap=gap)


def png_url(img: np.ndarray) -> str:
    """A uint8 picture (grey, RGB or RGBA) → a PNG data URL, for a page that draws it itself."""
    import base64
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()

