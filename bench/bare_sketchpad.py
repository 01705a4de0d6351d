"""The baseline for ``bench/browser.py``: a bare Gradio Sketchpad whose handler returns a constant label.

The same Sketchpad settings as the CNN tab's canvas (size, brush, in a column of its own), the same event
settings, nothing else on the page: how fast Gradio itself can answer a stroke and open a page here.

    GRADIO_SERVER_PORT=7861 python bench/bare_sketchpad.py
"""

import sys
from pathlib import Path

import gradio as gr
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from playground.ui.widgets import BRUSH, CANVAS  # noqa: E402


def answer(value):
    """A constant label for any ink; none for a cleared canvas (as the CNN tab answers)."""
    ink = None if value is None else value.get("composite")
    if ink is None or np.asarray(ink).size == 0:
        return None
    ink = np.asarray(ink)
    return {"7": 1.0} if ((ink[..., 3] > 0) & (ink[..., :3].max(-1) < 128)).any() else None  # dark strokes


with gr.Blocks() as demo:
    with gr.Row(equal_height=False):
        with gr.Column(scale=4, min_width=300):
            canvas = gr.Sketchpad(type="numpy", image_mode="RGBA", canvas_size=(CANVAS, CANVAS), layers=False,
                                  brush=gr.Brush(default_size=BRUSH, colors=["#000000"], default_color="#000000",
                                                 color_mode="fixed"), transforms=(), elem_id="bare-canvas")
            gr.ClearButton([canvas], elem_id="bare-clear")
        with gr.Column(scale=5, min_width=300):
            label = gr.Label(elem_id="bare-label")
    canvas.change(answer, canvas, label, trigger_mode="always_last", show_progress="hidden")

if __name__ == "__main__":
    demo.launch()
