"""The Gradio layer: one module per tab, plus shared plots, i18n and the page header."""
