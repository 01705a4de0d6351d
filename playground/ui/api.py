"""What the API endpoints share: reading a JSON object of settings sent as a string."""

from __future__ import annotations

import json

import gradio as gr

MAX_CONFIG_CHARS = 4000


def parse_config(config, example: str) -> dict:
    """A JSON object string (empty = {}) → dict; ``gr.Error`` saying what is wrong otherwise."""
    if not isinstance(config, str) or len(config) > MAX_CONFIG_CHARS:
        raise gr.Error(f"config must be a JSON object of at most {MAX_CONFIG_CHARS} characters")
    try:
        value = json.loads(config) if config.strip() else {}
    except RecursionError:
        raise gr.Error("config is nested too deeply to be a JSON object of settings")
    except ValueError as e:
        raise gr.Error(f"config is not valid JSON ({e.msg} at character {e.pos})")
    if not isinstance(value, dict):
        raise gr.Error(f"config must be a JSON object, e.g. {example}")
    return value
