"""The Jobs tab: every training job of this server, curves compared, and the job API endpoints.

/start_training(arch, config) → job id · /job_status(job_id) → JSON · /cancel_job(job_id) → JSON ·
/use_model(job_id) → makes a finished job's model the one its tab uses for this session.
"""

from __future__ import annotations

import time

import gradio as gr

from playground import jobs, models
from playground import layer_health as layer_health_mod
from playground.ui.live_chart import chart_labels, live_chart, payload
from playground.ui.api import parse_config
from playground.ui import i18n, train, widgets
from playground.ui.i18n import msg, t

COLUMNS = ("id", "arch", "state", "device", "progress", "acc", "settings", "started")


def _owner(request: gr.Request | None) -> str:
    return (request.session_hash if request is not None else "") or ""


def start_training(arch: str, config: str, request: gr.Request) -> str:
    """Start a job; config is a JSON object of overrides, e.g. {"epochs": 1}. Returns the job id."""
    if not isinstance(arch, str) or len(arch) > 40:
        raise gr.Error(msg("err.arch_text", request, valid=", ".join(models.ARCHS)))
    overrides = parse_config(config, '{"epochs": 1}', request)
    try:
        return jobs.manager().start(arch.strip(), overrides, owner=_owner(request))
    except ValueError as e:
        raise widgets.refusal(e, request)


def job_status(job_id: str, request: gr.Request) -> dict:
    """The job's state, device, progress, curves (metrics: name → [[step, value], …]) and error."""
    try:
        return jobs.manager().status(job_id)
    except jobs.JobError as e:
        raise widgets.refusal(e, request)


def layer_health(job_id: str, request: gr.Request, step: float | None = None) -> dict:
    """Per layer, over the job's steps: activation mean and std, the dead (ReLU) or saturated (tanh,
    sigmoid) fraction, the weights' gradient norm and the update ratio log10(‖Δw‖/‖w‖) →
    {"layers": [names], "steps": [int], "stats": {layer: {stat: [value or null per step]}},
    "histogram_steps": [the steps whose histograms are kept, up to 48 spread over the run],
    "histograms": those of the last kept step at or before ``step`` (the newest when it is not given):
    {"step", layer: {"act", "grad": {"counts", "lo", "hi"}}}}."""
    if step is not None:
        step = widgets.number(step, 0, 10**9, whole=True, error=msg("err.health_step", request, value=repr(step)[:40]))
    try:
        kept = jobs.manager().layer_health(job_id)
    except jobs.JobError as e:
        raise widgets.refusal(e, request)
    history = kept.get("history") or {"layers": [], "steps": [], "stats": {}}
    kept_hist = kept.get("histograms") or []
    return {**layer_health_mod.jsonable(history), "histogram_steps": [h["step"] for h in kept_hist],
            "histograms": layer_health_mod.histograms_at(kept_hist, step)}


def cancel_job(job_id: str, request: gr.Request) -> dict:
    """Stop a job of this session; it keeps what it learned. Returns its status."""
    try:
        st = jobs.manager().status(job_id)
        if jobs.manager().owner(job_id) not in ("", _owner(request)):
            raise jobs.JobError("job_not_yours")
        return jobs.manager().cancel(job_id) if st["state"] in jobs.ACTIVE else st
    except jobs.JobError as e:
        raise widgets.refusal(e, request)


def _rows(request: gr.Request | None) -> list[list]:
    rows = []
    for st in jobs.manager().jobs(curves=False):
        frac = st["step"] / st["total_steps"] if st["total_steps"] else 0.0
        acc = (st["final"] or {}).get("val_acc")
        settings = ", ".join(f"{k}={v}" for k, v in st["config"].items() if k != "seed")
        state = msg(f"state.{st['state']}", request) + (f" #{st['queue_position']}" if st["queue_position"] else "")
        device = st["device"] + (f" · {st['where']}" if st.get("backend") == "ray" and st.get("where") else "")
        rows.append([st["id"], st["arch"], state, device,
                     f"{frac:.0%}", "" if acc is None else f"{acc:.2%}", settings,
                     time.strftime("%H:%M:%S", time.localtime(st["started"])) if st["started"] else ""])
    return rows


def refresh(selected, known, seen, request: gr.Request):
    """Table, compare choices and overlaid curves. The dropdown is only touched when the list of
    jobs changed, so a refresh never closes it under the user's pointer. Nothing is sent while no job
    changed and the selection is the same: forty open pages polling an idle server cost next to nothing."""
    version = (jobs.manager().version(), tuple(selected or ()), i18n.lang_of(request))
    if version == seen:
        return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
    rows = _rows(request)
    ids = [r[0] for r in rows]
    selected = [s for s in (selected or []) if s in ids]
    runs = [(s, jobs.manager().status(s)["metrics"]) for s in selected]
    headers = [msg(f"col.{c}", request) for c in COLUMNS]  # Dataframe headers are not translated in the browser
    dropdown = gr.Dropdown(choices=ids, value=selected) if ids != known else gr.skip()
    return gr.Dataframe(value=rows, headers=headers), dropdown, payload(runs, chart_labels(request)), ids, version


def build(opened, session_models: gr.State) -> gr.Timer:
    """Lay out the tab; returns its timer, which app.py runs only while the tab is selected."""
    gr.Markdown(t("jobs.intro"))
    table = gr.Dataframe(headers=list(COLUMNS), value=[], interactive=False, wrap=True,
                         label=t("jobs.table"), elem_id="jobs-table")
    compare = gr.Dropdown([], multiselect=True, label=t("jobs.compare"), elem_id="jobs-compare")
    curves = live_chart(t("jobs.curves"), elem_id="jobs-curves")
    with gr.Accordion(t("jobs.api"), open=False):
        with gr.Row():
            arch = gr.Textbox("cnn", label=t("jobs.arch"), elem_id="jobs-arch")
            config = gr.Textbox('{"epochs": 1}', label=t("jobs.config"), elem_id="jobs-config")
            start = gr.Button(t("jobs.start"), variant="primary")
        with gr.Row():
            job_id = gr.Textbox(label=t("jobs.job_id"), elem_id="jobs-id")
            status = gr.Button(t("jobs.status"))
            cancel = gr.Button(t("jobs.cancel"), variant="stop")
            use = gr.Button(t("jobs.use"))
        answer = gr.JSON(label=t("jobs.answer"), elem_id="jobs-answer")
    timer = gr.Timer(2.0, active=False)  # app.py runs it only while the tab is open
    known = gr.State(None)  # the job ids the dropdown offers now
    seen = gr.State(None)  # (jobs version, selection, language) last drawn

    start.click(start_training, [arch, config], job_id, api_name="start_training")
    status.click(job_status, job_id, answer, api_name="job_status")
    cancel.click(cancel_job, job_id, answer, api_name="cancel_job")
    use.click(train.use_model, [job_id, session_models], [answer, session_models], api_name="use_model")
    gr.api(layer_health, api_name="layer_health")
    gr.on([timer.tick, compare.input, opened], refresh, [compare, known, seen],
          [table, compare, curves, known, seen],
          api_visibility="private", show_progress="hidden")
    return timer
