"""What the API endpoints share: reading a JSON object of settings sent as a string."""

from __future__ import annotations

import json

import gradio as gr

from playground.ui.i18n import msg

MAX_CONFIG_CHARS = 4000


def parse_config(config, example: str, request: gr.Request | None = None, max_chars: int = MAX_CONFIG_CHARS) -> dict:
    """A JSON object string (empty = {}) → dict; ``gr.Error`` saying what is wrong (in the page's language).
    ``max_chars``: longer strings are refused unread (an endpoint that takes data, e.g. points, allows more)."""
    if not isinstance(config, str) or len(config) > max_chars:
        raise gr.Error(msg("err.config_size", request, max=max_chars))
    try:
        value = json.loads(config) if config.strip() else {}
    except RecursionError:
        raise gr.Error(msg("err.config_deep", request))
    except ValueError as e:
        raise gr.Error(msg("err.config_json", request, why=e.msg, pos=e.pos))
    if not isinstance(value, dict):
        raise gr.Error(msg("err.config_object", request, example=example))
    return value
