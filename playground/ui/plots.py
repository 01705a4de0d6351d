"""Every figure the tabs show: plotly charts and numpy images with colour maps.

Models return arrays; this module turns them into something to look at. One place for colours,
sizes and layout, so every tab looks alike.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import plotly.graph_objects as go

ACCENT = "#f97316"  # the predicted class, highlighted
MUTED = "#94a3b8"
FONT = dict(family="Inter, 'Noto Sans CJK SC', system-ui, sans-serif", size=13)


@lru_cache(maxsize=None)
def _lut(name: str) -> np.ndarray:
    """A 256×3 uint8 lookup table for a plotly colour scale (e.g. "Viridis", "Inferno")."""
    from plotly.colors import sample_colorscale, unlabel_rgb

    colors = sample_colorscale(name, list(np.linspace(0, 1, 256)))
    return np.array([unlabel_rgb(c) for c in colors], dtype=np.float64).round().astype(np.uint8)


def colorize(a: np.ndarray, cmap: str = "Viridis", lo: float | None = None,
             hi: float | None = None) -> np.ndarray:
    """2-D array → RGB uint8 image through a colour map, scaled to [lo, hi] (default: its range)."""
    a = np.asarray(a, dtype=np.float64)
    lo = float(a.min()) if lo is None else lo
    hi = float(a.max()) if hi is None else hi
    t = np.zeros_like(a) if hi <= lo else np.clip((a - lo) / (hi - lo), 0, 1)
    return _lut(cmap)[(t * 255).round().astype(np.int64)]


def upscale(img: np.ndarray, factor: int) -> np.ndarray:
    """Nearest-neighbour upscaling so each pixel stays a crisp square."""
    return np.repeat(np.repeat(img, factor, axis=0), factor, axis=1)


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
    n, h, w = maps.shape
    rows = -(-n // cols)
    factor = max(1, tile // h)
    hi = float(maps.max()) if maps.size else 1.0
    th, tw = h * factor, w * factor
    canvas = np.full((rows * th + (rows + 1) * gap, cols * tw + (cols + 1) * gap, 3), 255, np.uint8)
    for k in range(n):
        r, c = divmod(k, cols)
        y, x = gap + r * (th + gap), gap + c * (tw + gap)
        canvas[y:y + th, x:x + tw] = upscale(colorize(maps[k], "Viridis", 0.0, hi or 1.0), factor)
    return canvas


def probability_bars(probs: np.ndarray | None, title: str = "") -> go.Figure:
    """Bar chart of the 10 class probabilities, the most likely one highlighted."""
    probs = np.zeros(10) if probs is None else np.asarray(probs, dtype=float)
    best = int(probs.argmax()) if probs.any() else -1
    fig = go.Figure(go.Bar(
        x=[str(d) for d in range(10)], y=probs,
        marker_color=[ACCENT if d == best else MUTED for d in range(10)],
        text=[f"{p:.0%}" if p >= 0.01 else "" for p in probs], textposition="outside",
        hovertemplate="%{x}: %{y:.2%}<extra></extra>",
    ))
    fig.update_layout(
        title=title or None, height=260, margin=dict(l=10, r=10, t=30 if title else 10, b=10),
        yaxis=dict(range=[0, 1.15], tickformat=".0%", showgrid=True, fixedrange=True),
        xaxis=dict(type="category", fixedrange=True), font=FONT, showlegend=False,
        plot_bgcolor="rgba(0,0,0,0)", paper_bgcolor="rgba(0,0,0,0)", uirevision="probs",
    )
    return fig


PALETTE = ["#6366f1", "#f97316", "#10b981", "#ef4444", "#0ea5e9", "#a855f7", "#eab308", "#64748b"]


def filter_grid(filters: np.ndarray, cols: int = 8, tile: int = 48, gap: int = 4) -> np.ndarray:
    """(C, k, k) convolution kernels → an RGB grid, blue negative / red positive, shared scale."""
    filters = np.asarray(filters)
    n, k, _ = filters.shape
    rows = -(-n // cols)
    lim = float(np.abs(filters).max()) or 1.0
    factor = max(1, tile // k)
    size = k * factor
    canvas = np.full((rows * size + (rows + 1) * gap, cols * size + (cols + 1) * gap, 3), 255, np.uint8)
    for i in range(n):
        r, c = divmod(i, cols)
        y, x = gap + r * (size + gap), gap + c * (size + gap)
        canvas[y:y + size, x:x + size] = upscale(colorize(filters[i], "RdBu_r", -lim, lim), factor)
    return canvas


def progress_html(fraction: float) -> str:
    """A progress bar (HTML, no scripts); the sentence beside it is the caller's."""
    pct = max(0.0, min(1.0, fraction)) * 100
    return f'<div class="np-progress"><div class="np-progress-bar" style="width:{pct:.1f}%"></div></div>'
