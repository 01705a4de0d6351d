"""The Health tab: the server's jobs, memory, processor, device and storage, in words; /health as JSON."""

from __future__ import annotations

import gradio as gr

from playground import health
from playground.ui.i18n import msg, t

# Filled in by app.py from its settings; "settled": objects left out of garbage collections (serving.settle).
SERVING = {"concurrency": None, "queue": None, "upload": None, "settled": None}


def _duration(seconds: int) -> str:
    h, rest = divmod(int(seconds), 3600)
    return f"{h} h {rest // 60:02d} min" if h else f"{rest // 60} min {rest % 60:02d} s"


def _backend(b: dict, request) -> str:
    if "error" in b:
        return msg("health.backend_down", request, error=b["error"])
    if b["backend"] == "local":
        return msg("health.backend_local", request, cpus=b["cpus"], gpus=b["gpus"])
    nodes = ", ".join(f"{n['where']} ({n['id']}: {n['cpus']} CPU, {n['gpus']} GPU)" for n in b["nodes"])
    return msg("health.backend_ray", request, n=len(b["nodes"]), cpus=b["cpus"], gpus=b["gpus"], nodes=nodes)


def describe(rep: dict, request: gr.Request | None = None) -> str:
    """The report as a short page of Markdown in the page's language."""
    j, mem, cpu, dev, st, mdl = (rep[k] for k in ("jobs", "memory", "cpu", "device", "storage", "models"))
    counts = {s: j["counts"].get(s, 0) for s in ("running", "queued", "done", "failed", "cancelled")}
    lines = [msg("health.summary", request, status=rep["status"], uptime=_duration(rep["uptime_s"]),
                 python=rep["python"], torch=dev["torch"], gradio=gr.__version__), "",
             f"**{msg('health.jobs', request)}** · " + msg(
                 "health.jobs_line", request, **counts, max_queued=j["max_queued"], max_per_owner=j["max_per_owner"])
             + "  \n" + msg("health.pools_line", request, cpu_running=j["running"]["cpu"], max_running=j["max_running"],
                            threads=j["threads_per_job"])
             + (msg("health.gpu_pool", request, gpu_running=j["running"]["gpu"], gpu_slots=j["gpu_slots"],
                    min_free=j["gpu_min_free_mb"]) if j["gpu_slots"] else ""),
             "", f"**{msg('health.backend', request)}** · " + _backend(rep["backend"], request)]
    if j["active"]:
        active = ", ".join(f"{a['id']} ({a['state']}, {a['step']}/{a['total_steps'] or '?'})" for a in j["active"])
        lines.append("  \n" + msg("health.active", request, jobs=active))
    lines += ["", f"**{msg('health.memory', request)}** · " + msg(
        "health.memory_line", request, rss=mem["process_rss_mb"], available=mem["available_mb"] or "?",
        total=mem["total_mb"] or "?"),
        "", f"**{msg('health.cpu', request)}** · " + msg(
            "health.cpu_line", request, cores=cpu["cores"], threads=dev["threads"],
            load1="?" if cpu["load_1m"] is None else f"{cpu['load_1m']:.2f}",
            load5="?" if cpu["load_5m"] is None else f"{cpu['load_5m']:.2f}"),
        "", f"**{msg('health.device', request)}** · " + (
            msg("health.device_gpu", request, gpu=dev.get("gpu", "?"), free=dev.get("gpu_free_mb", "?"),
                total=dev.get("gpu_memory_mb", "?")) if dev["cuda"] else msg("health.device_cpu", request)),
        "", f"**{msg('health.storage', request)}** · " + (
            msg("health.storage_ok", request, free=st["disk_free_mb"]) if st["runs_writable"]
            else msg("health.storage_bad", request)),
        "", f"**{msg('health.models', request)}** · " + msg(
            "health.models_line", request, n=len(mdl["pretrained"]), names=", ".join(mdl["pretrained"]),
            loaded=mdl["loaded"])]
    if SERVING["concurrency"]:
        lines += ["", f"**{msg('health.serving', request)}** · " + msg("health.serving_line", request, **SERVING)]
    return "\n".join(lines)


def health_report() -> dict:
    """The server's health as JSON: jobs, memory, CPU, device, storage, models. No paths or secrets."""
    return {**health.report(), "serving": dict(SERVING)}


def build(opened, session_models: gr.State) -> gr.Timer:
    """Lay out the tab; returns its timer, which app.py runs only while the tab is selected."""
    gr.Markdown(t("health.intro"))
    text = gr.Markdown(elem_id="health-text")
    refresh = gr.Button(t("health.refresh"), size="sm")
    with gr.Accordion(t("health.json"), open=False):
        raw = gr.JSON(elem_id="health-json")
    timer = gr.Timer(5.0, active=False)

    def show(request: gr.Request):
        rep = health_report()
        return describe(rep, request), rep

    gr.on([refresh.click, timer.tick, opened], show, None, [text, raw], api_visibility="private",
          show_progress="hidden")
    gr.api(health_report, api_name="health")
    return timer
