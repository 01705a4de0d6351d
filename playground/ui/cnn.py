"""The CNN tab: draw a digit, see what the network sees, how sure it is and what fires inside it."""

from __future__ import annotations

import json

import gradio as gr
import numpy as np

from playground import figures
from playground.data import drawing
from playground.models import cnn
from playground.ui import finetune, i18n, plots, session, train, widgets
from playground.ui.i18n import msg, t

MAP_SIZE = 196  # px of each 28×28 view
CSS = """
#cnn-canvas { max-width: 420px; }
#cnn-status p { font-size: 1.05rem; }
""" + plots.PROBABILITY_CSS


def _model(session_models: dict | None, request: gr.Request | None = None):
    """The model this session uses → (model, a description for the status line).

    The pretrained CNN unless the session chose a finished training job ("Use this model").
    """
    chosen = session.model_for("cnn", session_models)
    acc = chosen.meta["metrics"].get("val_acc", 0.0)
    if chosen.job:
        return chosen.model, msg("cnn.model_job", request, job=chosen.job, acc=acc)
    return chosen.model, msg("cnn.model_pretrained", request, acc=figures.stored().get("cnn.held_out_acc", acc))


def _read(ink: np.ndarray, session_models: dict | None, request: gr.Request | None):
    """Ink map → (digit, model, probabilities, label, status): one forward pass, the quick part.
    Raises drawing.ImageError for blank drawings."""
    digit = drawing.to_mnist(ink)
    model, name = _model(session_models, request)
    probs = cnn.predict(model, digit)
    label = int(probs.argmax())
    return digit, model, probs, label, msg("cnn.status_result", request, label=label,
                                           confidence=float(probs[label]), model=name)


def _answer(probs, label, status):
    """The status line and the JSON answer."""
    return status, {"label": label, "probabilities": [float(p) for p in probs]}


def _inside(digit, model, probs, label):
    """The slower outputs: the bar chart of all ten, what the model sees,
    saliency (SmoothGrad: 16 backward passes), the feature-map grids."""
    maps = cnn.feature_maps(model, digit)
    return (plots.probability_bars(probs), plots.digit_image(digit, MAP_SIZE),
            plots.saliency_image(digit, cnn.saliency(model, digit, target=label), MAP_SIZE),
            *[plots.feature_grid(maps[name]) for name in cnn.FEATURE_LAYERS])


def _empty(status: str):
    return (status, None, plots.probability_bars(None), None, None, *[None] * len(cnn.FEATURE_LAYERS))


def read(args, request: gr.Request) -> dict | None:
    """The pad's quick answer, while the pen moves and at each pen-up (a server function: see
    ``widgets.digit_canvas``): ``[pad value, job]`` → {"label", "top": [[digit, p] × 3]}, None for an
    empty pad, {"error": message} for ink that is no digit. ``job`` is the session's own CNN ("" for the
    pretrained one), as /use_model chose it; one that is gone or not a CNN reads with the pretrained."""
    try:
        value, job = args if isinstance(args, list) and len(args) == 2 else (None, None)
        if value is None:
            raise drawing.ImageError("not_image")
        ink = widgets.pad_ink(value)
        if ink is None:
            return None
        _, _, probs, _, _ = _read(ink, {"cnn": job} if isinstance(job, str) and job else None, request)
    except drawing.ImageError as e:
        return {"error": msg(f"err.{e.code}", request, **e.params)}
    return _top(probs)


def _top(probs) -> dict:
    """Probabilities → the quick answer: the digit read and the three likeliest with theirs."""
    top = np.argsort(-probs)[:3]
    return {"label": int(top[0]), "top": [[int(d), round(float(probs[d]), 4)] for d in top]}


def on_draw(value, session_models, request: gr.Request):
    """At each pen-up (and clear), after the quick label: the status line, the JSON answer, the bars,
    what the model sees, its saliency and its feature maps. A blank pad asks for a digit."""
    try:
        ink = widgets.pad_ink(value)
        if ink is None:
            return _empty(msg("cnn.status_ready", request))
        digit, model, probs, label, status = _read(ink, session_models, request)
        return (*_answer(probs, label, status), *_inside(digit, model, probs, label))
    except drawing.ImageError as e:
        return _empty(msg(f"err.{e.code}", request, **e.params))


def on_upload(path, session_models, request: gr.Request):
    """An uploaded picture: the quick answer's view and everything :func:`on_draw` shows."""
    if not path:
        return ("", *_empty(msg("cnn.status_ready", request)))
    try:
        digit, model, probs, label, status = _read(drawing.read_image(path), session_models, request)
    except drawing.ImageError as e:
        gr.Warning(msg(f"err.{e.code}", request, **e.params))
        return ("", *_empty(msg(f"err.{e.code}", request, **e.params)))
    return (json.dumps(_top(probs)), *_answer(probs, label, status), *_inside(digit, model, probs, label))


def classify_digit(image, session_models, request: gr.Request) -> dict:
    """API: an image file (PNG/JPEG/… of any size, any polarity) → {"label", "probabilities"}.

    Uses the session's chosen model (see /use_model), else the pretrained CNN.
    """
    try:
        digit = drawing.to_mnist(drawing.read_image(image))
    except drawing.ImageError as e:
        raise widgets.refusal(e, request)
    model, _ = _model(session_models)
    probs = cnn.predict(model, digit)
    return {"label": int(probs.argmax()), "probabilities": [float(p) for p in probs]}


TABLE_KEYS = ("table.layer", "table.type", "table.shape", "table.params", "table.total", "table.title",
              "table.note")


@i18n.computed("text.cnn_theory_table")
def shape_table_markdown(lang: str) -> str:
    """The theory text followed by the live shape table of the model this tab runs."""
    meta = session.pretrained_meta("cnn")
    model = cnn.build(cnn.Config(**meta["config"]))  # its own instance: shape_table hooks it
    s = {key: i18n.text(key, lang) for key in TABLE_KEYS}
    rows = [f"| {s['table.layer']} | {s['table.type']} | {s['table.shape']} | {s['table.params']} |",
            "|---|---|---|---:|"]
    total = 0
    for r in cnn.shape_table(model):
        shape = "(B, " + ", ".join(map(str, r["shape"][1:])) + ")"
        rows.append(f"| `{r['layer']}` | {r['type']} | {shape} | {r['params']:,} |")
        total += r["params"]
    rows.append(f"| **{s['table.total']}** | | | **{total:,}** |")
    return "\n".join([i18n.text("text.cnn_theory", lang), "", s["table.title"], "", *rows, "", f"*{s['table.note']}*"])


def build(opened, session_models: gr.State) -> None:
    """Lay out the tab inside the current ``gr.Tab`` and wire its events."""
    gr.Markdown(t("cnn.intro"))
    with gr.Row(equal_height=False):
        canvas = widgets.digit_canvas(t("cnn.canvas"), t("cnn.clear"), "cnn-canvas", "cnn-clear", read=read)
        with gr.Column(scale=5, min_width=300):
            label = widgets.answer_view(t("cnn.prediction"), "cnn-canvas", "cnn-label")
            bars = gr.HTML(plots.probability_bars(None), label=t("cnn.probabilities"), show_label=True,
                           container=True, elem_id="cnn-bars")
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
    train.build("cnn", session_models)
    with gr.Accordion(t("cnn.theory"), open=False):
        gr.Markdown(t("text.cnn_theory_table"), latex_delimiters=widgets.LATEX)

    outputs = [status, answer, bars, sees, sal, *fmaps]
    # The label comes from the pad's quick read (widgets.digit_canvas); each pen-up brings the rest.
    canvas.input(on_draw, [canvas, session_models], outputs, trigger_mode="always_last", show_progress="hidden",
                 api_visibility="private")
    widgets.follow_model(canvas, session_models, "cnn")
    upload.upload(on_upload, [upload, session_models], [label, *outputs], api_visibility="private")
    api_file.upload(classify_digit, [api_file, session_models], answer, api_name="classify_digit")
    finetune.register(session_models)

