"""The CNN tab: draw a digit, see what the network sees, how sure it is and what fires inside it."""

from __future__ import annotations

import gradio as gr
import numpy as np

from playground import checkpoint, jobs
from playground.data import drawing
from playground.models import cnn
from playground.ui import i18n, plots, train
from playground.ui.i18n import LANGS, STRINGS, msg, t

CANVAS = 280  # px; MNIST's 28×28 at ×10
BRUSH = 18  # px on the 280-px canvas: after scaling into 20×20 a stroke is ~2 px wide, as in MNIST
MAP_SIZE = 196  # px of each 28×28 view


def _model(choice: dict | None, request: gr.Request | None = None):
    """The model this session uses → (model, a description for the status line).

    The pretrained CNN unless the session chose a finished training job ("Use this model").
    """
    job_id = (choice or {}).get("cnn")
    if job_id:
        try:
            model, cfg, meta = jobs.manager().load_model(job_id)
            return model, msg("cnn.model_job", request, job=job_id, acc=meta["metrics"].get("val_acc", 0.0))
        except (ValueError, checkpoint.CheckpointError):
            pass  # the run is gone or broken: fall back to the pretrained model
    model, cfg, meta = checkpoint.pretrained("cnn")
    return model, msg("cnn.model_pretrained", request, acc=meta["metrics"].get("val_acc", 0.0))


def _composite(value) -> np.ndarray | None:
    """The Sketchpad's value (a dict of background, layers, composite) → its composite array."""
    if isinstance(value, dict):
        value = value.get("composite")
    return None if value is None else np.asarray(value)


def _analyse(ink: np.ndarray, choice: dict | None, request: gr.Request | None):
    """Ink map → everything the tab shows about it; raises drawing.ImageError for blank drawings."""
    digit = drawing.to_mnist(ink)
    model, name = _model(choice, request)
    probs = cnn.predict(model, digit)
    label = int(probs.argmax())
    maps = cnn.feature_maps(model, digit)
    status = msg("cnn.status_result", request, label=label, confidence=float(probs[label]), model=name)
    return (
        {str(d): float(p) for d, p in enumerate(probs)},
        plots.probability_bars(probs),
        plots.digit_image(digit, MAP_SIZE),
        plots.saliency_image(digit, cnn.saliency(model, digit, target=label), MAP_SIZE),
        *[plots.feature_grid(maps[name]) for name in cnn.FEATURE_LAYERS],
        status,
        {"label": label, "probabilities": [float(p) for p in probs]},
    )


def _empty(status: str):
    return (None, plots.probability_bars(None), None, None, None, None, None, None, status, None)


def on_draw(value, choice, request: gr.Request):
    """Every stroke: read the drawing. A blank canvas asks for a digit instead of guessing."""
    composite = _composite(value)
    if composite is None or composite.size == 0:
        return _empty(msg("cnn.status_ready", request))
    try:
        return _analyse(drawing.ink_map(composite), choice, request)
    except drawing.ImageError as e:
        return _empty(msg(f"err.{e.code}", request, **e.params))


def on_upload(path, choice, request: gr.Request):
    if not path:
        return _empty(msg("cnn.status_ready", request))
    try:
        return _analyse(drawing.read_image(path), choice, request)
    except drawing.ImageError as e:
        gr.Warning(msg(f"err.{e.code}", request, **e.params))
        return _empty(msg(f"err.{e.code}", request, **e.params))


def classify_digit(image, choice) -> dict:
    """API: an image file (PNG/JPEG/… of any size, any polarity) → {"label", "probabilities"}.

    Uses the session's chosen model (see /use_model), else the pretrained CNN.
    """
    try:
        digit = drawing.to_mnist(drawing.read_image(image))
    except drawing.ImageError as e:
        raise gr.Error(str(e))
    model, _ = _model(choice)
    probs = cnn.predict(model, digit)
    return {"label": int(probs.argmax()), "probabilities": [float(p) for p in probs]}


def shape_table_markdown(lang: str) -> str:
    """The theory text followed by the live shape table of the model this tab runs."""
    meta = checkpoint.read_meta(checkpoint.PRETRAINED / "cnn")
    model = cnn.build(cnn.Config(**meta["config"]))  # its own instance: shape_table hooks it
    s = STRINGS[lang]
    rows = [f"| {s['table.layer']} | {s['table.type']} | {s['table.shape']} | {s['table.params']} |",
            "|---|---|---|---:|"]
    total = 0
    for r in cnn.shape_table(model):
        shape = "(B, " + ", ".join(map(str, r["shape"][1:])) + ")"
        rows.append(f"| `{r['layer']}` | {r['type']} | {shape} | {r['params']:,} |")
        total += r["params"]
    rows.append(f"| **{s['table.total']}** | | | **{total:,}** |")
    return "\n".join([s["text.cnn_theory"], "", s["table.title"], "", *rows, "", f"*{s['table.note']}*"])


LATEX = [{"left": "$$", "right": "$$", "display": True}, {"left": "$", "right": "$", "display": False}]


def build(demo: gr.Blocks, choice: gr.State) -> None:
    """Lay out the tab inside the current ``gr.Tab`` and wire its events."""
    i18n.add("text.cnn_theory_table", {lang: shape_table_markdown(lang) for lang in LANGS})
    gr.Markdown(t("cnn.intro"))
    with gr.Row(equal_height=False):
        with gr.Column(scale=4, min_width=300):  # the Sketchpad in its own column: see README, Gradio notes
            canvas = gr.Sketchpad(
                label=t("cnn.canvas"), type="numpy", image_mode="RGBA", canvas_size=(CANVAS, CANVAS),
                brush=gr.Brush(default_size=BRUSH, colors=["#000000"], default_color="#000000",
                               color_mode="fixed"),
                layers=False, transforms=(), elem_id="cnn-canvas",
            )
            clear = gr.ClearButton([canvas], value=t("cnn.clear"), elem_id="cnn-clear")
        with gr.Column(scale=5, min_width=300):
            label = gr.Label(label=t("cnn.prediction"), num_top_classes=3, elem_id="cnn-label")
            bars = gr.Plot(plots.probability_bars(None), label=t("cnn.probabilities"), elem_id="cnn-bars")
            status = gr.Markdown(t("cnn.status_ready"), elem_id="cnn-status")
        with gr.Column(scale=4, min_width=220):
            sees = gr.Image(label=t("cnn.sees"), interactive=False, height=MAP_SIZE + 40, elem_id="cnn-sees",
                            elem_classes="np-map")
            sal = gr.Image(label=t("cnn.saliency"), interactive=False, height=MAP_SIZE + 40,
                           elem_id="cnn-saliency", elem_classes="np-map")
    with gr.Accordion(t("cnn.inside"), open=True):
        gr.Markdown(t("cnn.inside_help"))
        with gr.Row():
            fmaps = [gr.Image(label=t(f"cnn.{name}"), interactive=False, elem_id=f"cnn-{name}",
                              elem_classes="np-map")
                     for name in cnn.FEATURE_LAYERS]
    with gr.Accordion(t("cnn.upload"), open=False):
        with gr.Row():
            upload = gr.Image(label=t("cnn.upload_image"), type="filepath", sources=["upload", "clipboard"],
                              elem_id="cnn-upload")
            answer = gr.JSON(label=t("cnn.json"), elem_id="cnn-json")
        api_file = gr.File(visible=False)  # the /classify_digit endpoint's input: any file reaches our checks
    train.build("cnn", choice)
    with gr.Accordion(t("cnn.theory"), open=False):
        gr.Markdown(t("text.cnn_theory_table"), latex_delimiters=LATEX)

    outputs = [label, bars, sees, sal, *fmaps, status, answer]
    canvas.change(on_draw, [canvas, choice], outputs, trigger_mode="always_last", show_progress="hidden",
                  api_visibility="private")
    upload.upload(on_upload, [upload, choice], outputs, api_visibility="private")
    api_file.upload(classify_digit, [api_file, choice], answer, api_name="classify_digit")
    clear.click(None, js=SELECT_BRUSH_JS)
    demo.load(None, js=ON_LOAD_JS)


# Gradio 6.31's Sketchpad starts with no tool selected (and again after a clear): select the Brush so
# the page is ready to draw at once, retrying while the editor mounts. On some loads it also lays its
# drawing area out at the wrong width; a few resize events make it measure itself again.
SELECT_BRUSH_JS = """
(...args) => {
  let n = 0;
  const tick = () => {
    const b = document.querySelector('#cnn-canvas button[aria-label="Brush"]');
    if (b && !b.classList.contains('highlight')) b.click();
    if ((!b || !b.classList.contains('highlight')) && n++ < 50) setTimeout(tick, 100);
  };
  setTimeout(tick, 50);
  return args;
}
"""

ON_LOAD_JS = """
(...args) => {
  for (const ms of [100, 500, 1500]) setTimeout(() => window.dispatchEvent(new Event('resize')), ms);
  return (""" + SELECT_BRUSH_JS + """)(...args);
}
"""
