"""Pictures of the generative tab: upscaled digits, strips, and the VAE's latent map with the held-out
digits scattered on it. Arrays in, uint8 images out; the numbers come from ``models.vae``."""

from __future__ import annotations

import threading

import numpy as np

from playground.models import vae
from playground.ui import plots

MAP_N, MAP_CELL = 15, 28  # the latent map: a 15×15 grid of decoded 28×28 digits, 420 px
MAP_PX = MAP_N * MAP_CELL
DIGIT_PX = 196  # decoded digits are shown at ×7
CLASS_COLORS = np.array([[31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189],
                         [140, 86, 75], [227, 119, 194], [188, 189, 34], [23, 190, 207], [250, 250, 250]],
                        np.float64)  # Tableau 10, with white for 9 (its grey would vanish on the grid)



def big(digit: np.ndarray, size: int = DIGIT_PX) -> np.ndarray:
    return plots.digit_image(digit, size)


def strip(images: np.ndarray, cell: int = 84, gap: int = 4) -> np.ndarray:
    """(N, 28, 28) → one row of upscaled digits on a dark background, uint8."""
    n = len(images)
    out = np.full((cell, n * (cell + gap) - gap), 40, np.uint8)
    for i, img in enumerate(images):
        out[:, i * (cell + gap):i * (cell + gap) + cell] = plots.digit_image(img, cell)
    return out


def _disc(img: np.ndarray, x: float, y: float, r: float, rgb, alpha: float = 1.0, ring: float = 0.0):
    """Paint a filled disc (or a ring of width ``ring``) centred at (x, y) px onto an RGB float image."""
    h, w, _ = img.shape
    x0, x1, y0, y1 = max(int(x - r - 1), 0), min(int(x + r + 2), w), max(int(y - r - 1), 0), min(int(y + r + 2), h)
    if x0 >= x1 or y0 >= y1:
        return
    yy, xx = np.mgrid[y0:y1, x0:x1]
    d = np.hypot(xx + 0.5 - x, yy + 0.5 - y)
    mask = (d <= r) if not ring else (np.abs(d - r) <= ring / 2)
    patch = img[y0:y1, x0:x1]
    patch[mask] = patch[mask] * (1 - alpha) + np.asarray(rgb, np.float64) * alpha


def to_px(z0: float, z1: float) -> tuple[float, float]:
    return (z0 + vae.Z_RANGE) / (2 * vae.Z_RANGE) * MAP_PX, (vae.Z_RANGE - z1) / (2 * vae.Z_RANGE) * MAP_PX


_maps: dict[int, tuple[object, np.ndarray]] = {}  # id(model) → (model, base map): derived data, not per user
_maps_lock = threading.Lock()


def _base_map(model) -> np.ndarray:
    """The decoded manifold (dimmed) with 1,000 held-out encodings as dots, RGB float; cached per model."""
    with _maps_lock:
        hit = _maps.get(id(model))
        if hit is not None and hit[0] is model:
            return hit[1]
    grid, _ = vae.latent_map(model, MAP_N)
    img = np.repeat((grid.transpose(0, 2, 1, 3).reshape(MAP_PX, MAP_PX) * 150 + 18)[..., None], 3, axis=2)
    mu, labels = vae.scatter(model, 1000)
    for (z0, z1), label in zip(mu[:, :2], labels):
        x, y = to_px(float(np.clip(z0, -3.2, 3.2)), float(np.clip(z1, -3.2, 3.2)))
        _disc(img, x, y, 3.0, CLASS_COLORS[label], alpha=0.85)
    with _maps_lock:
        if len(_maps) >= 8:
            _maps.pop(next(iter(_maps)))
        _maps[id(model)] = (model, img)
    return img


def map_image(model, z=None, drawn=None) -> np.ndarray:
    """The latent map with the current z (white ring) and the drawing's μ (orange ring)."""
    img = _base_map(model).copy()
    if drawn is not None:
        _disc(img, *to_px(*np.clip(drawn[:2], -3, 3)), 9, (249, 115, 22), ring=3.5)
    if z is not None:
        _disc(img, *to_px(*np.clip(z[:2], -3, 3)), 7, (255, 255, 255), ring=2.5)
    return img.round().astype(np.uint8)


def legend_html() -> str:
    chips = "".join(f'<span><span class="chip" style="background: rgb({r:.0f},{g:.0f},{b:.0f});'
                    f'{" border: 1px solid #888;" if d == 9 else ""}"></span>{d}</span>'
                    for d, (r, g, b) in enumerate(CLASS_COLORS))
    return f'<div class="np-legend">{chips}</div>'
