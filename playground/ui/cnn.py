"""The CNN tab: draw a digit, see what the network sees, how sure it is and what fires inside it."""

from __future__ import annotations

import json

import gradio as gr
import numpy as np

from playground import figures, jobs
from playground.data import drawing
from playground.models import cnn
from playground.ui import collection, finetune, i18n, mistakes, plots, session, train, widgets
from playground.ui.i18n import msg, t

MAP_SIZE = 196  # px of each 28×28 view
CSS = """
#cnn-canvas { max-width: 420px; }
#cnn-status p { font-size: 1.05rem; }
""" + plots.PROBABILITY_CSS + mistakes.CSS


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
    """At each pen-up (and clear), after the quick label: the digit it is taken for (for the learner to
    confirm or correct), the status line, the JSON answer, the bars, what the model sees, its saliency and
    its feature maps. A blank pad asks for a digit."""
    try:
        ink = widgets.pad_ink(value)
        if ink is None:
            return None, *_empty(msg("cnn.status_ready", request))
        digit, model, probs, label, status = _read(ink, session_models, request)
        return str(label), *_answer(probs, label, status), *_inside(digit, model, probs, label)
    except drawing.ImageError as e:
        return None, *_empty(msg(f"err.{e.code}", request, **e.params))


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


def on_fails(session_models, request: gr.Request):
    """The "Where it fails" view of the session's model: the matrix and its summary; no cell picked yet."""
    chosen = session.model_for("cnn", session_models)
    _, name = _model(session_models, request)
    return mistakes.matrix_view(chosen, request), mistakes.summary(chosen, name, request), ""


def on_fails_model(shown, session_models, request: gr.Request):
    """Another model chosen: a matrix already shown is redrawn for it (none is computed unasked)."""
    return on_fails(session_models, request) if shown else (gr.skip(),) * 3


def on_cell(pick, session_models, request: gr.Request):
    """A cell of the matrix clicked → the digits behind it, and the matrix with that cell marked."""
    cell = widgets.picked(pick)
    if not (isinstance(cell, list) and len(cell) == 2 and all(isinstance(c, int) and 0 <= c <= 9 for c in cell)):
        return gr.skip(), gr.skip()
    chosen = session.model_for("cnn", session_models)
    return mistakes.matrix_view(chosen, request, picked=cell), mistakes.cell_view(chosen, *cell, request)


def on_open(pick, session_models, request: gr.Request):
    """A held-out digit clicked → on the pad, and read as if it had been drawn: the same views, from the
    very digit the matrix counted (not a redrawing of it), so its answer is the matrix's."""
    index = widgets.picked(pick)
    found = mistakes.held_out(index)
    if found is None:
        return (gr.skip(),) * (3 + len(OUTPUTS))
    digit, true = found
    model, name = _model(session_models, request)
    probs = cnn.predict(model, digit)
    label = int(probs.argmax())
    status = msg("cnn.status_held_out", request, index=index, true=true, model=name, label=label,
                 confidence=float(probs[label]))
    return (widgets.pad_picture(digit), json.dumps(_top(probs)), str(true), *_answer(probs, label, status),
            *_inside(digit, model, probs, label))


def _kernel(values, request) -> np.ndarray:
    """The edited 3×3 grid → a kernel; gr.Error when a weight is no number in [−100, 100]."""
    try:
        k = np.asarray(getattr(values, "values", values), dtype=np.float64)
    except (TypeError, ValueError):
        raise gr.Error(msg("kernel.bad", request)) from None
    if k.shape != (3, 3) or not np.isfinite(k).all() or np.abs(k).max() > 100:
        raise gr.Error(msg("kernel.bad", request))
    return k


def on_kernel(value, weights, session_models, request: gr.Request):
    """A kernel, and the first learned ones, on the pad's drawing; nothing while the pad is empty."""
    try:
        ink = widgets.pad_ink(value)
        if ink is None:
            return None, None
        digit = drawing.to_mnist(ink)
    except drawing.ImageError:
        return None, None
    try:
        kernel = _kernel(weights, request)
    except gr.Error as e:
        gr.Warning(e.message)
        return gr.skip(), gr.skip()
    model, _ = _model(session_models, request)
    return (plots.signed_image(cnn.convolve(digit, kernel), MAP_SIZE),
            plots.kernels_and_outputs(*cnn.first_filters(model, digit)))


def on_preset(name, value, session_models, request: gr.Request):
    """A classic kernel picked: its weights in the grid, and what it makes of the drawing."""
    weights = [[round(w, 4) for w in row] for row in cnn.KERNELS.get(name, cnn.KERNELS["identity"])]
    return weights, *on_kernel(value, weights, session_models, request)


def on_finetune(items, session_models, request: gr.Request):
    """Fine-tune the model in use on the learner's kept digits: a job the Train panel follows."""
    items = items or []
    job = finetune.start(lambda: np.stack([it["digit"] for it in items]), [it["label"] for it in items], {},
                         session_models, request)
    return (*train.follow(job), msg("collect.finetune_started", request, n=len(items), job=job))


def on_tuned(job, shown, request: gr.Request):
    """When the Train panel's job is a finished fine-tune: its accuracies before and after, side by side."""
    if not job or job == shown:
        return gr.skip(), gr.skip()
    st = jobs.manager().status(job, curves=False)
    if not (st["config"].get("personal") and st["config"].get("start")) or st["state"] in jobs.ACTIVE:
        return gr.skip(), gr.skip()
    try:
        c = finetune.comparison(job, request)
    except gr.Error as e:
        return f"⚠️ {e.message}", job
    pct = lambda v: "–" if v is None else f"{v:.1%}"  # noqa: E731
    rows = [f"| | {msg('collect.before', request)} | {msg('collect.after', request)} |", "|---|---:|---:|",
            f"| {msg('collect.on_mine', request, n=c['personal']['n'])} | {pct(c['personal']['before'])} | "
            f"**{pct(c['personal']['after'])}** |",
            f"| {msg('collect.on_held_out', request, n=c['held_out']['n'])} | {pct(c['held_out']['before'])} | "
            f"**{pct(c['held_out']['after'])}** |"]
    return "\n".join([msg("collect.tuned", request, job=job, seconds=c["seconds"]), "", *rows]), job


OUTPUTS = ("status", "answer", "bars", "sees", "saliency", *cnn.FEATURE_LAYERS)  # what on_draw answers


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
    with gr.Accordion(t("collect.teach"), open=True, elem_id="cnn-teach"):
        gr.Markdown(t("collect.help"))
        truth, mine, keep, tune, tuned = collection.section(canvas)
    with gr.Accordion(t("cnn.inside"), open=True):
        gr.Markdown(t("cnn.inside_help"))
        with gr.Row():
            fmaps = [gr.Image(label=t(f"cnn.{name}"), interactive=False, elem_id=f"cnn-{name}",
                              elem_classes="np-map")
                     for name in cnn.FEATURE_LAYERS]
    with gr.Accordion(t("kernel.title"), open=False, elem_id="cnn-kernels"):
        gr.Markdown(t("kernel.help"))
        with gr.Row(equal_height=False):
            with gr.Column(scale=1, min_width=260):
                preset = gr.Dropdown([(t(f"kernel.{k}"), k) for k in cnn.KERNELS], value="edge_horizontal",
                                     label=t("kernel.preset"), elem_id="cnn-kernel-preset")
                weights = gr.Dataframe(cnn.KERNELS["edge_horizontal"], headers=["", "", ""], datatype="number",
                                       row_count=(3, "fixed"), column_count=(3, "fixed"), type="array",
                                       interactive=True, label=t("kernel.weights"), elem_id="cnn-kernel")
            hand = gr.Image(label=t("kernel.yours"), interactive=False, height=MAP_SIZE + 40, scale=1,
                            elem_id="cnn-kernel-out", elem_classes="np-map")
        learned = gr.Image(label=t("kernel.learned"), interactive=False, elem_id="cnn-kernel-learned",
                           elem_classes="np-map")
    with gr.Accordion(t("cnn.upload"), open=False):
        with gr.Row():
            upload = gr.Image(label=t("cnn.upload_image"), type="filepath", sources=["upload", "clipboard"],
                              elem_id="cnn-upload")
            answer = gr.JSON(label=t("cnn.json"), elem_id="cnn-json")
        api_file = gr.File(visible=False)  # the /classify_digit endpoint's input: any file reaches our checks
    with gr.Accordion(t("cnn.fails"), open=False, elem_id="cnn-fails") as fails:
        cell_pick, digit_pick = widgets.picker("cnn-pick-cell"), widgets.picker("cnn-pick-digit")
        matrix, fails_line, thumbs = mistakes.section("cnn-pick-cell", "cnn-pick-digit")
    panel = train.build("cnn", session_models)
    with gr.Accordion(t("cnn.theory"), open=False):
        gr.Markdown(t("text.cnn_theory_table"), latex_delimiters=widgets.LATEX)

    outputs = [status, answer, bars, sees, sal, *fmaps]
    # The label comes from the pad's quick read (widgets.digit_canvas); each pen-up brings the rest.
    canvas.input(on_draw, [canvas, session_models], [truth, *outputs], trigger_mode="always_last", show_progress="hidden",
                 api_visibility="private")
    widgets.follow_model(canvas, session_models, "cnn")
    kernel_views = dict(outputs=[hand, learned], api_visibility="private", show_progress="hidden",
                        trigger_mode="always_last")
    gr.on([canvas.input, weights.input], on_kernel, [canvas, weights, session_models], **kernel_views)
    preset.input(on_preset, [preset, canvas, session_models], [weights, hand, learned], api_visibility="private",
                 show_progress="hidden")
    upload.upload(on_upload, [upload, session_models], [label, *outputs], api_visibility="private")
    api_file.upload(classify_digit, [api_file, session_models], answer, api_name="classify_digit")
    finetune.register(session_models)
    shown_tune = gr.State(None)  # the fine-tune whose before/after is shown
    tune.click(on_finetune, [mine, session_models], [*panel.outputs, tuned], api_visibility="private")
    panel.timer.tick(on_tuned, [panel.job, shown_tune], [tuned, shown_tune], api_visibility="private",
                     show_progress="hidden")

    fails_views = [matrix, fails_line, thumbs]
    fails.expand(on_fails, session_models, fails_views, api_visibility="private")
    session_models.change(on_fails_model, [matrix, session_models], fails_views, api_visibility="private",
                          show_progress="hidden")
    cell_pick.input(on_cell, [cell_pick, session_models], [matrix, thumbs], api_visibility="private",
                    trigger_mode="always_last", show_progress="hidden")
    to_pad = "(pick, chosen) => { document.querySelector('#cnn-canvas').scrollIntoView({block: 'center'}); return [pick, chosen]; }"
    digit_pick.input(on_open, [digit_pick, session_models], [canvas, label, truth, *outputs], js=to_pad,
                     api_visibility="private", trigger_mode="always_last", show_progress="hidden")
    gr.api(mistakes.confusion_api, api_name="confusion")
    gr.api(mistakes.misclassified_api, api_name="misclassified")

