"""UI pieces several tabs share: the digit canvas, the LaTeX delimiters and the bounded-number check.

The CNN tab and the VAE sub-tab both take a hand-drawn digit from the same canvas (:func:`digit_canvas`,
read with :func:`composite`); its brush-selecting script is made for the canvas's ``elem_id``. Every
endpoint that takes a number checks it with :func:`number`, which answers with the tab's own message.
"""

from __future__ import annotations

import numbers

import gradio as gr
import numpy as np

from playground.errors import UserError
from playground.ui.i18n import msg

CSS = """
.np-map img { padding-top: 34px; object-fit: contain; }  /* keep the block label off the picture */
.np-progress { height: 10px; border-radius: 5px; background: var(--neutral-200); overflow: hidden; }
.np-progress-bar { height: 100%; background: var(--color-accent); transition: width 0.8s linear; }
"""
LATEX = [{"left": "$$", "right": "$$", "display": True}, {"left": "$", "right": "$", "display": False}]

CANVAS = 280  # px; MNIST's 28×28 at ×10
BRUSH = 18  # px on the 280-px canvas: after scaling into 20×20 a stroke is ~2 px wide, as in MNIST


# -----------------------------------------------------------------------------
# The digit canvas


def digit_canvas(label, clear_label, elem_id: str, clear_id: str) -> gr.Sketchpad:
    """A canvas for one digit (black ink, one brush size) and its Clear button, in a column of their own.

    Lay it out inside a ``gr.Row``; read its value with :func:`composite`. Clearing selects the brush
    again. The page must also run :func:`select_brush_js` (``elem_id``) when the canvas first shows.
    """
    with gr.Column(scale=4, min_width=300):  # the Sketchpad in its own column: see README, Gradio notes
        canvas = gr.Sketchpad(
            label=label, type="numpy", image_mode="RGBA", canvas_size=(CANVAS, CANVAS),
            brush=gr.Brush(default_size=BRUSH, colors=["#000000"], default_color="#000000", color_mode="fixed"),
            layers=False, transforms=(), elem_id=elem_id,
        )
        clear = gr.ClearButton([canvas], value=clear_label, elem_id=clear_id)
    clear.click(None, js=select_brush_js(elem_id))
    return canvas


def composite(value) -> np.ndarray | None:
    """The Sketchpad's value (a dict of background, layers, composite) → its composite array."""
    if isinstance(value, dict):
        value = value.get("composite")
    return None if value is None else np.asarray(value)


def select_brush_js(elem_id: str) -> str:
    """Browser code that selects the Brush of the canvas ``#elem_id``.

    Gradio 6.31's Sketchpad starts with no tool selected (and again after a clear): select the Brush so
    the page is ready to draw at once, retrying while the editor mounts.
    """
    return """
(...args) => {
  let n = 0;
  const tick = () => {
    const b = document.querySelector('#%s button[aria-label="Brush"]');
    if (b && !b.classList.contains('highlight')) b.click();
    if ((!b || !b.classList.contains('highlight')) && n++ < 50) setTimeout(tick, 100);
  };
  setTimeout(tick, 50);
  return args;
}
""" % elem_id


def canvas_load_js(elem_id: str) -> str:
    """Browser code for page load: :func:`select_brush_js`, and a few resize events, as on some loads
    the Sketchpad lays its drawing area out at the wrong width until it measures itself again."""
    return """
(...args) => {
  for (const ms of [100, 500, 1500]) setTimeout(() => window.dispatchEvent(new Event('resize')), ms);
  return (""" + select_brush_js(elem_id) + """)(...args);
}
"""


# -----------------------------------------------------------------------------
# Checking what an endpoint was sent


def number(value, lo: float, hi: float, error: str, whole: bool = False) -> int | float:
    """``value`` if it is a number in [lo, hi] (a whole one when ``whole``), as an int when ``whole``
    else a float; otherwise ``gr.Error(error)``, the caller's message in the page's language.

    Text that spells a number counts (an endpoint's ``gr.Number`` passes JSON text on as it came);
    True/False, None, NaN and ±inf do not.
    """
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise gr.Error(error) from None
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not lo <= value <= hi:
        raise gr.Error(error)  # NaN fails the range test too
    if whole and value != int(value):
        raise gr.Error(error)
    return int(value) if whole else float(value)


def refusal(error: ValueError, request: gr.Request | None = None) -> gr.Error:
    """The ``gr.Error`` that tells a person why ``error`` refused them, in the page's language: a
    ``UserError`` (settings, jobs, pictures) by its code, any other ValueError in its own words."""
    if isinstance(error, UserError):
        return gr.Error(msg(f"err.{error.code}", request, **error.params))
    return gr.Error(str(error))
