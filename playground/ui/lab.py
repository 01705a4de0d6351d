"""The Failure lab tab: break a network on purpose, see why inside it, then apply the fix and compare.

Each preset (``playground/failures.py``) is a training run that fails in a classic way and the one change
that fixes it. Both run as ordinary training jobs of their architecture, so the lab shows what the Train
panels show, twice, side by side: one chart of both runs' curves, and each run's layer health (and its
live preview where the model has one: a GAN's digits, a language model's text). Picking another preset
stops this page's lab runs, which are only for looking at.
"""

from __future__ import annotations

import gradio as gr

from playground import failures, jobs, models
from playground.ui import i18n, widgets
from playground.ui.i18n import msg, t
from playground.ui.live_chart import (chart_labels, health_chart, health_labels, health_payload, live_chart,
                                      payload, shared_ranges)
from playground.ui.train import describe, duration, field_key, final_acc, preview_key, preview_updates

SIDES = ("broken", "fixed")
CSS = """
#lab-sides > div { min-width: 0; }
#lab-presets .wrap { gap: 6px; }
"""


def _field(arch: str, name: str, request) -> str:
    """A Config field's label in the page's language, as the Train panel names it; its name for a field the
    panel does not show (the FNN's ``features``)."""
    key = field_key(arch, name)
    return msg(key, request) if i18n.has(key) else name


def _value(v, request) -> str:
    return msg("lab.on", request) if v is True else msg("lab.off", request) if v is False else str(v)


def describe_preset(name: str, request) -> str:
    """What the preset is, what to look for, and exactly what its fix changes (from the preset itself)."""
    p = failures.PRESETS[name]
    settings = ", ".join(f"{_field(p.arch, k, request)} = {_value(v, request)}" for k, v in p.broken.items())
    default = models.get(p.arch).Config()
    changes = ", ".join(f"{_field(p.arch, k, request)}: {_value(p.broken.get(k, getattr(default, k)), request)} → "
                        f"**{_value(v, request)}**" for k, v in p.fix.items())
    return "\n\n".join([msg(f"lab.{name}.text", request),
                        msg("lab.settings", request, arch=msg(f"lab.arch.{p.arch}", request), settings=settings),
                        msg("lab.changes", request, changes=changes)])


def _empty(request) -> tuple[str, str]:
    """Payloads that clear the curves and a health chart."""
    return (payload([], chart_labels(request)),
            health_payload({"layers": [], "steps": [], "stats": {}}, health_labels(request)))


def build(opened, session_models: gr.State) -> None:
    names = list(failures.PRESETS)
    gr.Markdown(t("lab.intro"))
    preset = gr.Radio([(t(f"lab.{n}"), n) for n in names], value=names[0], label=t("lab.preset"),
                      elem_id="lab-presets")
    about = gr.Markdown(elem_id="lab-about")
    with gr.Row():
        run = gr.Button(t("lab.run"), variant="primary", elem_id="lab-run")
        fix = gr.Button(t(f"lab.{names[0]}.fix"), variant="primary", elem_id="lab-fix")
        stop = gr.Button(t("lab.stop"), variant="stop", elem_id="lab-stop")
    curves = live_chart(t("lab.curves"), elem_id="lab-curves")
    side = {}
    with gr.Row(elem_id="lab-sides"):
        for s in SIDES:
            with gr.Column(min_width=320):
                gr.Markdown(f"### {t(f'lab.{s}')}")
                status = gr.Markdown(t("lab.not_run"), elem_id=f"lab-{s}-status")
                health = health_chart(t("health.chart"), elem_id=f"lab-{s}-health")
                image = gr.Image(label=t(preview_key(failures.PRESETS[names[0]].arch)), interactive=False,
                                 visible=False,
                                 elem_id=f"lab-{s}-preview", elem_classes="np-map")
                sample = gr.Textbox(label=t("train.sample"), lines=3, interactive=False, visible=False,
                                    elem_id=f"lab-{s}-sample")
                side[s] = (status, health, image, sample)
    runs = gr.State({})  # this page's lab runs: {"broken": job id, "fixed": job id}
    timer = gr.Timer(1.0, active=False)

    def stop_runs(current: dict):
        for job_id in (current or {}).values():
            try:
                if jobs.manager().status(job_id, curves=False)["state"] in jobs.ACTIVE:
                    jobs.manager().cancel(job_id)
            except jobs.JobError:  # already forgotten: nothing to stop
                pass

    def on_preset(name, current, request: gr.Request):
        stop_runs(current)
        empty_curves, empty_health = _empty(request)
        cleared = []
        for s in SIDES:
            cleared += [msg("lab.not_run", request), empty_health,
                        gr.Image(value=None, visible=False,
                                 label=msg(preview_key(failures.PRESETS[name].arch), request)),
                        gr.Textbox(value=None, visible=False)]
        return (describe_preset(name, request), gr.Button(value=msg(f"lab.{name}.fix", request)), {}, empty_curves,
                gr.Timer(active=False), *cleared)

    def start(which: str):
        def on_start(name, current, request: gr.Request):
            p = failures.PRESETS[name]
            current = dict(current or {})
            if current.get(which):  # a run of this side again: the one before stops first
                stop_runs({which: current[which]})
            try:
                current[which] = jobs.manager().start(p.arch, p.broken if which == "broken" else p.fixed(),
                                                      owner=request.session_hash or "")
            except ValueError as e:
                gr.Warning(widgets.refusal(e, request).message)
                return gr.skip(), gr.skip()
            return current, gr.Timer(active=True)
        return on_start

    def on_tick(name, current, request: gr.Request):
        current = current or {}
        p = failures.PRESETS[name]
        extras = getattr(models.get(p.arch), "CHART_EXTRAS", ())
        shown, seen, active = [], {}, False
        for s in SIDES:
            try:
                seen[s] = jobs.manager().status(current[s]) if current.get(s) else None
            except jobs.JobError:  # forgotten by the server
                seen[s] = None
            shown.append((msg(f"lab.{s}", request), seen[s]["metrics"] if seen[s] else {}))
        kept = {s: jobs.manager().layer_health(current[s]).get("history") for s in SIDES if seen[s]}
        ranges = shared_ranges([h for h in kept.values() if h])  # both sides read on the same scales
        out = []
        for s in SIDES:
            st = seen[s]
            if st is None:
                out += [gr.skip()] * 4
                continue
            active |= st["state"] in jobs.ACTIVE
            image, text = preview_updates(jobs.manager().preview(current[s]))
            text_now = msg("lab.done", request, elapsed=duration(st["elapsed"]), acc=final_acc(st)) \
                if st["state"] == "done" else describe(st, request)[1]
            out += [text_now, health_payload(kept[s], health_labels(request), ranges) if kept[s] else gr.skip(),
                    gr.Image(value=image, visible=True) if not isinstance(image, dict) and image is not None
                    else gr.skip(), text]
        fig = payload(shown, chart_labels(request, extras), extras)
        return (fig, gr.Timer(active=active), *out)

    side_outputs = [c for s in SIDES for c in side[s]]
    def on_open(request: gr.Request):
        return describe_preset(names[0], request)

    opened(on_open, None, about, api_visibility="private", show_progress="hidden")
    preset.change(on_preset, [preset, runs], [about, fix, runs, curves, timer, *side_outputs],
                  api_visibility="private", show_progress="hidden")
    run.click(start("broken"), [preset, runs], [runs, timer], api_visibility="private")
    fix.click(start("fixed"), [preset, runs], [runs, timer], api_visibility="private")
    stop.click(lambda current: stop_runs(current), runs, None, api_visibility="private")
    timer.tick(on_tick, [preset, runs], [curves, timer, *side_outputs], api_visibility="private",
               show_progress="hidden")
    return None
