"""The Train panel every model tab shares: bounded settings, Start/Stop, live curves, use and download.

``build(arch, session_models)`` lays it out for one architecture: one input per ``Config`` field marked
for the UI (sliders for integers, bounded numbers for rates, dropdowns for choices), defaults from the
model's ``QUICK`` config (about a minute on a 2-core CPU). A ``gr.Timer`` polls the job once a second
while it runs. "Use this model" (also /use_model, wired in the Jobs tab) puts the job in
``session_models``, the per-session ``gr.State`` {arch: job id} that the tab's inference reads
(see ``ui/session.py``).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import NamedTuple

import gradio as gr

from playground import config, jobs, models
from playground.ui import i18n, plots, session, widgets
from playground import layer_health
from playground.ui.live_chart import (chart_labels, health_chart, health_labels, health_payload, hist_chart, hist_labels,
                                      hist_payload, live_chart, payload)
from playground.ui.i18n import msg, t


def own_key(own: str, shared: str) -> str:
    """``own`` where the string tables have it (a model's own label), else ``shared``."""
    return own if i18n.has(own) else shared


def field_key(arch: str, name: str) -> str:
    """The label key of a Config field: the model's own (``cfg.<arch>.<name>``), else the shared one."""
    return own_key(f"cfg.{arch}.{name}", f"cfg.{name}")


def preview_key(arch: str) -> str:
    """The label key of a job's live preview (the model's own, else the shared one)."""
    return own_key(f"train.preview.{arch}", "train.preview")


def _inputs(module) -> list[tuple[str, gr.components.Component]]:
    quick = module.QUICK
    out = []
    for f in config.fields(module.Config):
        if not f.metadata.get("ui"):
            continue
        value = getattr(quick, f.name)
        arch = module.__name__.rsplit(".", 1)[-1]
        label = t(field_key(arch, f.name))  # a model may label its own fields; else the shared label
        elem_id = f"{module.__name__.rsplit('.', 1)[-1]}-cfg-{f.name}"
        if "choices" in f.metadata:
            choices = list(f.metadata["choices"])
            comp = (gr.Checkbox(value=value, label=label, elem_id=elem_id) if set(choices) == {True, False}
                    else gr.Dropdown(choices, value=value, label=label, elem_id=elem_id))
        elif f.type in ("int", int):
            lo, hi = f.metadata["range"]
            comp = gr.Slider(lo, hi, value=value, step=1, label=label, elem_id=elem_id)
        else:
            lo, hi = f.metadata["range"]
            comp = gr.Number(value=value, minimum=lo, maximum=hi, label=label, elem_id=elem_id)
        out.append((f.name, comp))
    return out


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "…"
    seconds = int(round(seconds))
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


def final_acc(st: dict) -> str:
    acc = (st.get("final") or {}).get("val_acc")
    return "–" if acc is None else f"{acc:.2%}"


def describe(st: dict, request: gr.Request | None) -> tuple[float, str]:
    """A job's status → (fraction done, a sentence for people in the page's language)."""
    state = st["state"]
    frac = st["step"] / st["total_steps"] if st["total_steps"] else 0.0
    if state == "queued":
        pos = st["queue_position"] or 1
        if st.get("wait") is None:
            return 0.0, msg("train.queued_unknown", request, pos=pos)
        return 0.0, msg("train.queued_wait", request, pos=pos, wait=duration(st["wait"]), eta=duration(st["eta"]))
    if state == "running" and not st["step"]:
        return 0.0, msg("train.starting", request)
    if state == "running":
        where = msg("train.on", request, where=st["where"]) if st.get("backend") == "ray" else ""
        return frac, msg("train.running", request, device=st["device"], where=where, step=st["step"],
                         total=st["total_steps"], pct=frac, eta=duration(st["eta"]))
    if state == "done":
        return 1.0, msg("train.done", request, elapsed=duration(st["elapsed"]), acc=final_acc(st))
    if state == "cancelled":
        return frac, msg("train.cancelled", request, step=st["step"], total=st["total_steps"], acc=final_acc(st))
    return frac, msg("train.failed", request, error=st["error"])


def download_files(job_id: str) -> list[str]:
    """Copies of a finished job's config.json and model.safetensors in a temp folder Gradio may serve."""
    src = jobs.manager().model_dir(job_id)
    dst = Path(tempfile.mkdtemp(prefix="np-model-")) / job_id
    shutil.copytree(src, dst)
    return [str(dst / "config.json"), str(dst / "model.safetensors")]


def use_model(job_id: str, session_models: dict | None, request: gr.Request):
    """Make a finished job's model the one its tab's inference uses, for this session only.

    → (an answer for /use_model: arch, job_id, val_acc, message; the new ``session_models``).
    """
    try:
        st, session_models = session.use_job(job_id, session_models)
    except jobs.JobError as e:  # an unknown job, or one without a model yet
        raise widgets.refusal(e, request)
    except session.ModelError:
        raise gr.Error(msg("train.damaged", request, job=job_id))
    acc = (st["final"] or {}).get("val_acc")
    answer = {"arch": st["arch"], "job_id": job_id, "val_acc": acc,
              "message": msg("train.using", request, job=job_id, acc="–" if acc is None else f"{acc:.2%}")}
    return answer, session_models


def preview_updates(shown: dict):
    """A job's live preview → (image update, sample-text update). A model's ``preview(model)`` may send
    ``filters`` (C, k, k) weights, an ``image`` (H, W) or (H, W, 3) array in [0, 1] or uint8, and/or
    a ``text`` sample."""
    image = gr.skip()
    if shown.get("filters") is not None:
        image = plots.filter_grid(shown["filters"])
    elif shown.get("image") is not None:
        image = shown["image"]
    text = gr.Textbox(value=shown["text"], visible=True) if shown.get("text") is not None else gr.skip()
    return image, text


def _histograms(kept: dict, chosen: int | None, request) -> tuple:
    """A job's kept layer health → (the step slider's update, the histogram chart's payload) for the step
    ``chosen`` (None: the newest); skips when nothing is kept yet."""
    steps = [h["step"] for h in kept.get("histograms") or []]
    layers = (kept.get("history") or {}).get("layers")
    if not steps or not layers:
        return gr.skip(), gr.skip()
    shown = layer_health.histograms_at(kept["histograms"], chosen)
    slider = gr.Slider(minimum=steps[0], maximum=max(steps[-1], steps[0] + 1), value=shown["step"], interactive=True)
    return slider, hist_payload(shown, layers, hist_labels(request))


class Panel(NamedTuple):
    """What a tab may reach of its Train panel: a job started elsewhere in the tab (a fine-tune) is
    followed here as one started with Start (see :func:`follow`)."""

    box: gr.Accordion
    job: gr.State
    timer: gr.Timer
    outputs: list  # what :func:`follow` answers, in its order


def follow(job_id: str) -> tuple:
    """The update of a :class:`Panel`'s ``outputs`` that makes it follow ``job_id`` (just started)."""
    return gr.Accordion(open=True), job_id, -1, gr.Timer(active=True), gr.Button(interactive=True), \
        gr.Button(interactive=False)


def build(arch: str, session_models: gr.State) -> Panel:
    module = models.get(arch)
    title = own_key(f"train.title.{arch}", "train.title")
    with gr.Accordion(t(title), open=False, elem_id=f"{arch}-train") as box:
        gr.Markdown(t("train.help"))
        with gr.Row():
            fields = _inputs(module)
        with gr.Row():
            device = gr.Dropdown([(t("train.device_auto"), "auto"), ("CPU", "cpu"), ("CUDA", "cuda")],
                                 value="auto", label=t("train.device"), scale=1)
            start = gr.Button(t("train.start"), variant="primary", scale=1, elem_id=f"{arch}-train-start")
            stop = gr.Button(t("train.stop"), variant="stop", scale=1, interactive=False,
                             elem_id=f"{arch}-train-stop")
        progress = gr.HTML(plots.progress_html(0), elem_id=f"{arch}-train-progress")
        status = gr.Markdown(t("train.idle"), elem_id=f"{arch}-train-status")
        with gr.Row():
            with gr.Column(scale=3):
                curves = live_chart(t("train.curves"), elem_id=f"{arch}-train-curves")
            with gr.Column(scale=2):
                preview = gr.Image(label=t(preview_key(arch)), interactive=False, elem_id=f"{arch}-train-preview",
                                   elem_classes="np-map")
                sample = gr.Textbox(label=t("train.sample"), lines=4, interactive=False, visible=False,
                                    elem_id=f"{arch}-train-sample")
        with gr.Accordion(t("health.title"), open=False, elem_id=f"{arch}-train-health-box"):
            gr.Markdown(t("health.help"))
            health = health_chart(t("health.chart"), elem_id=f"{arch}-train-health")
            hist_step = gr.Slider(0, 1, value=0, step=1, label=t("health.hist_step"), interactive=False,
                                  elem_id=f"{arch}-train-hist-step")
            hists = hist_chart(t("health.hist_chart"), elem_id=f"{arch}-train-hists")
        with gr.Row():
            use = gr.Button(t("train.use"), interactive=False, elem_id=f"{arch}-train-use")
            back = gr.Button(t("train.use_pretrained"), elem_id=f"{arch}-train-pretrained")
        files = gr.File(label=t("train.download"), file_count="multiple", interactive=False, visible=False)
        job = gr.State(None)
        seen = gr.State(-1)  # steps already drawn: the chart is redrawn only when the job moved on
        chosen = gr.State(None)  # (job, step) whose histograms the learner picked (else: the newest)
        timer = gr.Timer(1.0, active=False)

    def on_start(values: dict, request: gr.Request):  # values: {component: value}, inputs given as a set
        overrides = {name: values[comp] for name, comp in fields}
        try:
            job_id = jobs.manager().start(arch, overrides, owner=request.session_hash or "",
                                          device=values[device])
        except ValueError as e:
            gr.Warning(widgets.refusal(e, request).message)
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        return follow(job_id)[1:]

    def on_tick(job_id, drawn, chosen, request: gr.Request):
        if not job_id:
            return (gr.Timer(active=False),) + (gr.skip(),) * 13
        st = jobs.manager().status(job_id)
        frac, text = describe(st, request)
        running = st["state"] in jobs.ACTIVE
        changed = st["step"] != drawn or not running
        extras = getattr(module, "CHART_EXTRAS", ())  # more per-step metrics to chart (a GAN: both losses)
        fig = payload([(job_id, st["metrics"])], chart_labels(request, extras), extras) if changed else gr.skip()
        image, sample_text = preview_updates(jobs.manager().preview(job_id)) if changed else (gr.skip(), gr.skip())
        kept = jobs.manager().layer_health(job_id) if changed else {}
        layers = health_payload(kept["history"], health_labels(request)) if kept.get("history") else gr.skip()
        slider, drawn_hists = _histograms(kept, chosen[1] if chosen and chosen[0] == job_id else None, request)
        finished_with_model = not running and st["has_model"]
        return (gr.Timer(active=running), plots.progress_html(frac), text, fig, layers, slider, drawn_hists, image,
                sample_text, st["step"], gr.Button(interactive=running), gr.Button(interactive=not running),
                gr.Button(interactive=finished_with_model),
                gr.File(value=download_files(job_id), visible=True) if finished_with_model else gr.skip())

    def on_hist_step(job_id, value, request: gr.Request):
        """The learner moved the step slider: that step's histograms, kept for this job's later ticks."""
        if not job_id:
            return None, gr.skip()
        return (job_id, value), _histograms(jobs.manager().layer_health(job_id), value, request)[1]

    def on_stop(job_id):
        if job_id:
            jobs.manager().cancel(job_id)
        return gr.Button(interactive=False)

    def on_use(job_id, current, request: gr.Request):
        answer, updated = use_model(job_id, current, request)
        gr.Info(answer["message"])
        return updated

    def on_back(current, request: gr.Request):
        gr.Info(msg("train.using_pretrained", request))
        return session.forget(arch, current)

    start.click(on_start, {device, *[c for _, c in fields]}, [job, seen, timer, stop, start],
                api_visibility="private")
    timer.tick(on_tick, [job, seen, chosen], [timer, progress, status, curves, health, hist_step, hists, preview, sample,
                                              seen, stop, start, use, files],
               api_visibility="private", show_progress="hidden")
    hist_step.release(on_hist_step, [job, hist_step], [chosen, hists], api_visibility="private",
                      show_progress="hidden")
    stop.click(on_stop, job, stop, api_visibility="private")
    use.click(on_use, [job, session_models], session_models, api_visibility="private")
    back.click(on_back, session_models, session_models, api_visibility="private")
    return Panel(box, job, timer, [box, job, seen, timer, stop, start])
