"""A placeholder tab for an architecture that is on its way: what it will let you do."""

import gradio as gr

from playground.ui.i18n import t


def build(name: str) -> None:
    gr.Markdown(t("soon.title"))
    gr.Markdown(t(f"soon.{name}"))
