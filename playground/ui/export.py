"""The Models tab: download any model (pretrained or trained here) as a zip that runs with plain PyTorch.

/export_model(name) → the zip (a pretrained model's name, e.g. "cnn", or a finished job's id).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import gradio as gr

from playground import export
from playground.ui import session
from playground.ui.i18n import msg, t


def _available() -> dict[str, Path]:
    """name → model directory: the pretrained models, then finished jobs (newest first)."""
    return {name: directory for name, (directory, _) in session.downloadable().items()}


def _choices(request: gr.Request | None) -> list[tuple[str, str]]:
    return [(msg("export.pretrained" if pretrained else "export.job", request, name=name), name)
            for name, (_, pretrained) in session.downloadable().items()]


def export_model(name: str, request: gr.Request = None) -> str:
    """Zip of the model ``name`` (pretrained name or finished job id): config.json, model.safetensors,
    the architecture's source and run.py. Returns the file."""
    if not isinstance(name, str) or not name.strip():
        raise gr.Error(msg("export.unknown", request, name=""))
    name = name.strip()[:100]
    directory = _available().get(name)
    if directory is None:
        raise gr.Error(msg("export.unknown", request, name=name))
    try:
        data = export.bundle(directory, name)
    except session.ModelError:
        raise gr.Error(msg("export.broken", request, name=name))
    path = Path(tempfile.mkdtemp(prefix="np-export-")) / f"{name}.zip"
    path.write_bytes(data)
    return str(path)


def _describe(name: str, request: gr.Request):
    directory = _available().get(name)
    if directory is None:
        return "", ""
    try:
        model, cfg, meta = session.load(directory)
    except session.ModelError:
        return msg("export.broken", request, name=name), ""
    metrics = ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in meta["metrics"].items())
    info = msg("export.info", request, name=name, arch=meta["arch"],
               params=sum(p.numel() for p in model.parameters()), metrics=metrics or "–")
    return info, export.snippet(name, meta["arch"])


def build(opened, session_models: gr.State) -> None:
    gr.Markdown(t("export.intro"))
    with gr.Row():
        name = gr.Dropdown([], label=t("export.model"), scale=3, elem_id="export-model",
                           allow_custom_value=True)  # the API may name any model; export_model checks it
        refresh = gr.Button(t("export.refresh"), scale=1, size="sm")
        make = gr.Button(t("export.download"), variant="primary", scale=1, elem_id="export-make")
    info = gr.Markdown(elem_id="export-info")
    out = gr.File(label=t("export.file"), interactive=False, elem_id="export-file")
    code = gr.Code(language="python", label=t("export.snippet"), interactive=False)

    def fill(current, request: gr.Request):
        choices = _choices(request)
        names = [v for _, v in choices]
        value = current if current in names else (names[0] if names else None)
        return gr.Dropdown(choices=choices, value=value)

    gr.on([opened, refresh.click], fill, name, name, api_visibility="private", show_progress="hidden")
    name.change(_describe, name, [info, code], api_visibility="private", show_progress="hidden")
    make.click(export_model, name, out, api_name="export_model")
