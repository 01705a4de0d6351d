"""Neural Playground — see and train the classic neural networks.

    python app.py          # serves on GRADIO_SERVER_NAME:GRADIO_SERVER_PORT (default 127.0.0.1:7860)

Tests and benchmarks import ``build_demo()`` and ``launch()`` it themselves. Figures about load and speed
are in the README (``bench/``), not here.
"""

import os

import gradio as gr
import torch

from playground.ui import cnn, export, generative, header, health, i18n, jobs, lab, live_chart, mlp, rnn, transformer
from playground.ui import serving, widgets
from playground.ui.config_cache import ConfigCache
from starlette.middleware import Middleware

# The tabs in page order, one line each: (id, module). A tab module has ``build(opened, session_models)``,
# which lays the tab out and returns a gr.Timer to run only while the tab is open (or None), and may
# bring ``CSS``; its title is the i18n key "tab.<id>". ``opened`` is the trigger of its first view: it
# fires when the tab is first shown, so a page that loads computes only what its first tab shows.
TABS = (
    ("cnn", cnn),
    ("mlp", mlp),
    ("rnn", rnn),
    ("generative", generative),
    ("transformer", transformer),
    ("lab", lab),
    ("jobs", jobs),
    ("export", export),
    ("health", health),
)
PAGE_CSS = "footer { visibility: hidden; }"
MAX_FILE_SIZE = "10mb"  # uploads larger than this are refused before they reach any handler
# Inference is short and CPU-bound: a few requests of each kind at a time, the rest wait in a bounded queue.
CONCURRENCY = min(64, max(1, int(os.environ.get("NP_CONCURRENCY", "4"))))  # per endpoint
QUEUE_SIZE = 128
# playground/ui/serving.py's cuts to Gradio's costs per request, session and collection; "1" leaves Gradio's
# own, for bench/serving.py to compare against.
GRADIO_SERVING = os.environ.get("NP_GRADIO_SERVING") == "1"
health.SERVING.update(concurrency=CONCURRENCY, queue=QUEUE_SIZE, upload=MAX_FILE_SIZE.upper())


def _ping() -> str:
    """A no-op endpoint: the baseline round trip for benchmarks and health checks."""
    return "pong"


def build_demo() -> gr.Blocks:
    # Many small requests at once: one torch thread each beats several fighting over 2 cores (bench/load.py).
    torch.set_num_threads(int(os.environ.get("NP_INFERENCE_THREADS", "1")))
    if not GRADIO_SERVING:
        serving.install()  # Gradio's costs per session and per event, cut (see there)
    with gr.Blocks(title="Neural Playground") as demo:
        header.build(demo)
        session_models = gr.State({})  # this session's own model per slot: {arch: job id}; none = pretrained
        tabs, timers = {}, {}
        with gr.Tabs():
            for name, module in TABS:
                with gr.Tab(i18n.t(f"tab.{name}"), id=name) as tabs[name]:
                    timer = module.build(widgets.opener(f"{name}-opened").input, session_models)
                if timer is not None:
                    timers[name] = timer
        # Tabs that poll (Jobs, Health) do so only while open: forty idle pages cost the server nothing.
        for name, tab in tabs.items():
            tab.select(lambda name=name: [gr.Timer(active=key == name) for key in timers], None,
                       list(timers.values()), api_visibility="private", show_progress="hidden")
        gr.api(_ping, api_name="ping")
    # Gradio recomputes its monitoring summary (a pandas table of the last 10,000 events) after every
    # event by default, even with monitoring off: under load that cost grows until it dominates the server
    # (bench/load.py). Our monitoring page is the Health tab, so compute it only on request of an operator.
    os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", str(10**9))
    demo.queue(default_concurrency_limit=CONCURRENCY, max_size=QUEUE_SIZE)
    return demo


def launch_kwargs() -> dict:
    gr.set_static_paths([live_chart.PLOTLY_DIR])  # plotly.js for the live charts; nothing else is served
    css = "\n".join([PAGE_CSS, widgets.CSS, *(getattr(module, "CSS", "") for _, module in TABS)])
    return dict(i18n=i18n.table(), css=css, theme=gr.themes.Soft(), max_file_size=MAX_FILE_SIZE,
                show_error=False,  # only gr.Error messages reach people
                app_kwargs={"middleware": [Middleware(ConfigCache)]})  # /config made once, not per session


def launch(demo: gr.Blocks, **kwargs) -> None:
    """Launch ``demo`` as this app serves (``kwargs`` add to :func:`launch_kwargs`) and return; then leave
    what the app is made of out of the garbage collector's way (``serving.settle``)."""
    demo.launch(prevent_thread_lock=True, **launch_kwargs(), **kwargs)
    if not GRADIO_SERVING:
        health.SERVING["settled"] = serving.settle()


def main() -> None:
    demo = build_demo()
    launch(demo)
    demo.block_thread()


if __name__ == "__main__":
    main()
