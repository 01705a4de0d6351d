"""The transformer tab (placeholder until it lands)."""

import gradio as gr

from playground.ui import soon

CSS = ""


def build(demo: gr.Blocks, choice: gr.State) -> None:
    soon.build("transformer")
