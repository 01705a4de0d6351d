"""Arrays into pictures: the one colour map every picture of the app uses, upscaling and tile grids,
in numpy alone.

Models draw their live training previews with it (``models.transformer.preview``) and the tabs draw
feature maps, saliency and filters with it (``ui/plots.py``), so the same value has the same colour
everywhere. No Gradio, no plotly: it also runs on a GPU box that has neither.

The colour scales are plotly's, stop for stop, so a picture matches a plotly heatmap beside it:
Viridis and Inferno (matplotlib's perceptually uniform maps, van der Walt & Smith 2015) and RdBu
(ColorBrewer's diverging red-blue) reversed, blue for negative and red for positive.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

SCALES = {  # evenly spaced stops, low to high
    "Viridis": ("#440154", "#482878", "#3e4989", "#31688e", "#26828e", "#1f9e89", "#35b779", "#6ece58",
                "#b5de2b", "#fde725"),
    "Inferno": ("#000004", "#1b0c41", "#4a0c6b", "#781c6d", "#a52c60", "#cf4446", "#ed6925", "#fb9b06",
                "#f7d13d", "#fcffa4"),
    "RdBu_r": ("#053061", "#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7", "#fddbc7", "#f4a582",
               "#d6604d", "#b2182b", "#67001f"),
}


@lru_cache(maxsize=None)
def _lut(name: str) -> np.ndarray:
    """A 256×3 uint8 lookup table: the scale's stops joined by straight lines in RGB, as plotly does."""
    if name not in SCALES:
        raise ValueError(f"colour map must be one of {', '.join(SCALES)}, got {name!r}")
    stops = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in SCALES[name]], np.float64)
    x, at = np.linspace(0, 1, 256), np.linspace(0, 1, len(stops))
    lut = np.stack([np.interp(x, at, stops[:, k]) for k in range(3)], axis=1).round().astype(np.uint8)
    lut.flags.writeable = False  # shared by every caller
    return lut


def colorize(a: np.ndarray, cmap: str = "Viridis", lo: float | None = None,
             hi: float | None = None) -> np.ndarray:
    """(…) array → (…, 3) RGB uint8 through a colour map, scaled to [lo, hi] (default: its own range)."""
    a = np.asarray(a, dtype=np.float64)
    lo = float(a.min()) if lo is None else lo
    hi = float(a.max()) if hi is None else hi
    t = np.zeros_like(a) if hi <= lo else np.clip((a - lo) / (hi - lo), 0, 1)
    return _lut(cmap)[(t * 255).round().astype(np.int64)]


def upscale(img: np.ndarray, factor: int) -> np.ndarray:
    """Nearest-neighbour upscaling so each pixel stays a crisp square."""
    return np.repeat(np.repeat(img, factor, axis=0), factor, axis=1)


def grid(tiles, cols: int, gap: int, fill: int = 255) -> np.ndarray:
    """Equal-sized RGB tiles (N, h, w, 3) → one picture, ``cols`` to a row, ``gap`` px of ``fill``
    between them and around them."""
    tiles = np.asarray(tiles)
    if tiles.ndim != 4:  # no tiles at all
        return np.full((gap, gap, 3), fill, np.uint8)
    n, h, w = tiles.shape[:3]
    rows = -(-n // cols)
    out = np.full((rows * h + (rows + 1) * gap, cols * w + (cols + 1) * gap, 3), fill, np.uint8)
    for k in range(n):
        r, c = divmod(k, cols)
        y, x = gap + r * (h + gap), gap + c * (w + gap)
        out[y:y + h, x:x + w] = tiles[k]
    return out
