"""The FNN tab: pick a 2-D dataset and a network, press Play, watch the decision boundary move.

Training runs in this session (network, engine ``Stepper``, points, curves: ``playground.fnn_session``).
While Play runs, the page itself asks for frame after frame (``tick``, a server function of the stage:
a pass over the training points, then the decision surface as 60×60 numbers that the page colours and
draws, with the points, in a canvas of its own), as fast as they come; the loss chart and the network's
picture ride along a few times a second. Step, Pause and the settings are Gradio events that send a
whole frame. Any change of a setting resets the network, as in TensorFlow Playground.
"""

from __future__ import annotations

import base64
import io
import json
import time

import gradio as gr
import numpy as np
import torch

from playground import fnn_session
from playground.data import points
from playground.config import from_overrides
from playground.models import mlp
from playground.ui import mlp_code, plots, widgets
from playground.ui.api import parse_config
from playground.ui.handles import Handles
from playground.ui.i18n import msg, t
from playground.ui.live_chart import chart_labels, live_chart, payload

GRID = 60  # resolution of the decision surface
SIDE = 380  # px of the stage's canvas
CHART_EVERY, NETWORK_EVERY = 0.4, 1.0  # s between the chart's and the network picture's updates while playing
SESSIONS = Handles(limit=500)  # the sessions pages play, by token (a session is a few kB)
CSS = """
#mlp-boundary canvas { display: block; width: 100%; max-width: 380px; aspect-ratio: 1; margin: 4px auto; }
.np-stage-stats { min-height: 2.6em; padding: 6px 2px 0; font-size: 0.95rem; }
#mlp-network img { display: block; max-width: 100%; margin: 0 auto; }
"""
FEATURE_LABELS = {"x": "x", "y": "y", "x2": "x²", "y2": "y²", "xy": "xy", "sinx": "sin x", "siny": "sin y"}
LR_CHOICES = [0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]
PENALTY_CHOICES = [0.0, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1]
SCENARIOS = {  # a problem to make fail, and what to change to fix it
    "linear": {"dataset": "spirals", "n_layers": 0, "features": ["x", "y"], "activation": "relu",
               "optimizer": "adam", "lr": 0.01},
    "divergent": {"dataset": "circles", "n_layers": 3, "optimizer": "sgd", "lr": 10.0, "activation": "tanh",
                  "features": ["x", "y"]},
    "sigmoid": {"dataset": "circles", "n_layers": 6, "activation": "sigmoid", "optimizer": "sgd", "lr": 0.03,
                "features": ["x", "y"]},
}


def _picture_url(rgb: np.ndarray, exact: bool) -> str:
    """An RGB picture as a data URL: PNG when ``exact``, else JPEG (10× quicker to make, for live frames)."""
    from PIL import Image

    buf = io.BytesIO()
    if exact:
        Image.fromarray(rgb).save(buf, "PNG", compress_level=1)
    else:
        Image.fromarray(rgb).save(buf, "JPEG", quality=90)
    return f"data:image/{'png' if exact else 'jpeg'};base64," + base64.b64encode(buf.getvalue()).decode()


def _stats(sess: dict, request) -> str:
    h, step, model = sess["history"], sess["stepper"].step_count, sess["stepper"].model
    if sess["error"]:
        return msg("mlp.diverged", request, error=sess["error"])
    if step:
        return msg("mlp.stats", request, epoch=step / max(len(sess["stepper"].data), 1), step=step,
                   train=h["train_loss"][-1][1], test=h["val_loss"][-1][1], acc=h["val_acc"][-1][1],
                   params=mlp.param_count(model))
    return msg("mlp.ready", request, params=mlp.param_count(model))


def _chart(sess: dict, request) -> str:
    return payload([("mlp", sess["history"])], {**chart_labels(request), "loss": msg("mlp.loss", request),
                                                "val_loss": msg("mlp.test_loss", request),
                                                "acc": msg("mlp.test_acc", request)})


def _network(sess: dict, b: dict, exact: bool) -> str:
    """The network's picture: each neuron's output over the plane, the weights as lines (a data URL)."""
    cfg, model = sess["cfg"], sess["stepper"].model
    gx, gy = np.meshgrid(b["xs"], b["ys"])
    feats = points.featurize(np.stack([gx.ravel(), gy.ravel()], axis=1), cfg.feature_list())
    inputs = [feats[:, k].reshape(GRID, GRID) for k in range(feats.shape[1])]
    weights = [m.weight.detach().cpu().numpy() for m in model.modules() if isinstance(m, torch.nn.Linear)]
    return _picture_url(plots.network_diagram(inputs, b["neurons"], weights, b["prob"]), exact)


def frame(sess: dict, request, whole: bool = True) -> dict:
    """What the stage draws: {"token", "step", "stats", "error", "grid", "lim", "surface" (P(class 1) on
    the GRID² plane, top row first, as base64 bytes 0–255)}, with, when ``whole`` (or when they are due
    while playing), "points" [[x, y, class, 1 = training]], "chart" (the live chart's payload) and
    "network" (its picture)."""
    with sess["lock"]:
        cfg, model = sess["cfg"], sess["stepper"].model
        now = time.monotonic()
        chart = whole or now - sess.get("chart_at", 0) >= CHART_EVERY
        network = whole or now - sess.get("network_at", 0) >= NETWORK_EVERY
        b = mlp.boundary(model, cfg, GRID)
        out = {"token": sess.get("token"), "step": sess["stepper"].step_count, "stats": _stats(sess, request),
               "error": bool(sess["error"]), "grid": GRID, "lim": float(b["xs"][-1]),
               "surface": base64.b64encode(np.flipud(np.clip(b["prob"], 0, 1) * 255).round().astype(np.uint8)
                                           .tobytes()).decode()}
        if whole:
            xtr, ytr, xte, yte = sess["points"]
            out["points"] = ([[round(float(x), 4), round(float(y), 4), int(c), 1] for (x, y), c in zip(xtr, ytr)]
                             + [[round(float(x), 4), round(float(y), 4), int(c), 0] for (x, y), c in zip(xte, yte)])
        if chart:
            out["chart"], sess["chart_at"] = _chart(sess, request), now
        if network:
            out["network"], sess["network_at"] = _network(sess, b, exact=whole), now
    return out


def tick(token, request: gr.Request) -> dict:
    """The stage's server function while Play runs: one pass over the training points → :func:`frame`.
    {"gone": true} when the page's session is no longer kept (the page then stops playing)."""
    sess = SESSIONS.get(token)
    if sess is None:
        return {"gone": True}
    if not sess["error"]:
        fnn_session.advance(sess, fnn_session.steps_per_tick(sess))
    return frame(sess, request, whole=False)


# -----------------------------------------------------------------------------
# The API


def mlp_fit(config: str, request: gr.Request) -> dict:
    """API: train a fresh network to the end, as JSON {"train_loss", "test_loss", "test_accuracy"}.

    config: a JSON object of the tab's settings (dataset, noise, n_layers, units, activation, lr,
    optimizer, features ["x", "y", …] or "x,y", epochs, …) or "steps" (1–5000) instead of epochs.
    The defaults are the tab's: 100 epochs of the spirals (2,200 steps).
    """
    overrides = parse_config(config, '{"dataset": "xor", "steps": 500}', request)
    steps = overrides.pop("steps", None)
    if steps is not None:
        top = fnn_session.MAX_FIT_STEPS
        steps = widgets.number(steps, 1, top, whole=True, error=msg("err.steps", request, max=top, value=repr(steps)))
    try:
        cfg, steps = fnn_session.plan(overrides, steps)
    except ValueError as e:
        raise widgets.refusal(e, request)
    return fnn_session.fit(cfg, steps)


# The stage: draws a frame (see :func:`frame`) from its value (a Gradio event's) or from its own calls of
# ``tick`` while Play runs, one call in flight, the next asked as soon as a frame is drawn. Play and Pause
# reach it as 'np-play' / 'np-pause' events on its canvas; a diverged or dropped session presses Pause.
_STAGE_JS = """
const cv = element.querySelector('canvas'), ctx = cv.getContext('2d');
const statsEl = element.querySelector('.np-stage-stats');
const small = document.createElement('canvas'), sctx = small.getContext('2d');
const C = __CLASS_RGB__, STRENGTH = __STRENGTH__;
let token = null, pts = [], lim = 1, playing = false, early = false, frames = 0;
const pause = () => { const b = document.querySelector('#mlp-pause'); if (b) b.click(); };
const md = t => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/\\*\\*(.+?)\\*\\*/g, '<b>$1</b>');
function colour(p) {  // pale blue through white to pale orange, as plots._two_class
  const s = Math.abs(p - 0.5) * 2 * STRENGTH, c = C[p >= 0.5 ? 1 : 0];
  return [0, 1, 2].map(i => Math.round(255 * (1 - s) + c[i] * s));
}
function draw(f) {
  if (!f) return;
  if (f.token && f.token !== token) {  // a new network: a page playing the old one stops
    const first = token === null;
    token = f.token; playing = false;
    if (first && early) { early = false; setTimeout(() => cv.dispatchEvent(new Event('np-play')), 0); }
  }
  if (f.points) pts = f.points;
  if (f.lim) lim = f.lim;
  if (f.surface) {
    const n = f.grid, bytes = atob(f.surface);
    small.width = n; small.height = n;
    const img = sctx.createImageData(n, n);
    for (let i = 0; i < n * n; i++) { const c = colour(bytes.charCodeAt(i) / 255); img.data.set([c[0], c[1], c[2], 255], 4 * i); }
    sctx.putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = true; ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(small, 0, 0, cv.width, cv.height);
    const k = cv.width / (2 * lim);
    for (const [x, y, c, train] of pts) {
      ctx.beginPath(); ctx.arc((x + lim) * k, (lim - y) * k, 3.5, 0, 2 * Math.PI);
      const rgb = 'rgb(' + C[c].join(',') + ')';
      ctx.fillStyle = train ? rgb : '#fff'; ctx.fill();
      ctx.lineWidth = train ? 1 : 2; ctx.strokeStyle = train ? '#fff' : rgb; ctx.stroke();
    }
    cv.dataset.frames = String(++frames);
  }
  if (f.stats !== undefined) statsEl.innerHTML = md(f.stats);
  if (f.chart) document.dispatchEvent(new CustomEvent('np-chart', {detail: {id: 'mlp-curves', value: f.chart}}));
  if (f.network) { const im = document.querySelector('#mlp-network img'); if (im) im.src = f.network; }
  if (f.error && playing) { playing = false; pause(); }
}
async function loop() {  // the next frame is asked for as soon as one arrives, and computed while it is drawn
  let next = server.tick(token);
  while (playing && next) {
    let f = null;
    try { f = await next; } catch (e) {}
    if (!playing) break;
    if (!f || f.gone) { playing = false; pause(); break; }
    next = f.error ? null : server.tick(token);
    draw(f);
  }
}
cv.addEventListener('np-play', () => {
  if (!token) { early = true; return; }  // Play before the first network arrived: play it when it does
  if (!playing) { playing = true; loop(); }
});
cv.addEventListener('np-pause', () => { playing = false; early = false; });
const fromValue = () => { try { draw(JSON.parse(props.value || 'null')); } catch (e) {} };
watch('value', fromValue);
fromValue();
cv.dataset.ready = '1';
""".replace("__CLASS_RGB__", json.dumps(plots.CLASS_RGB.astype(int).tolist())).replace(
    "__STRENGTH__", str(plots.SURFACE_STRENGTH))
_PLAY_JS = "(...a) => { document.querySelector('#mlp-boundary canvas')?.dispatchEvent(new Event('np-%s')); return a; }"


# -----------------------------------------------------------------------------
# Layout and events


def build(opened, session_models: gr.State) -> None:
    d = mlp.Config()
    gr.Markdown(t("mlp.intro"))
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=260):
            dataset = gr.Dropdown([(t(f"mlp.ds_{n}"), n) for n in points.TOY_DATASETS], value=d.dataset,
                                  label=t("mlp.dataset"), elem_id="mlp-dataset")
            noise = gr.Slider(0, 0.5, value=d.noise, step=0.01, label=t("mlp.noise"))
            fraction = gr.Slider(0.1, 0.9, value=d.train_fraction, step=0.05, label=t("mlp.train_fraction"))
            features = gr.CheckboxGroup([(FEATURE_LABELS[f], f) for f in points.FEATURES],
                                        value=list(d.feature_list()), label=t("mlp.features"),
                                        elem_id="mlp-features")
            n_layers = gr.Slider(0, 6, value=d.n_layers, step=1, label=t("mlp.n_layers"), elem_id="mlp-layers")
            units = gr.Slider(1, 32, value=d.units, step=1, label=t("mlp.units"))
            activation = gr.Dropdown(list(mlp.ACTIVATIONS), value=d.activation, label=t("mlp.activation"))
            optimizer = gr.Dropdown([("SGD", "sgd"), ("SGD + momentum", "momentum"), ("Adam", "adam")],
                                    value=d.optimizer, label=t("mlp.optimizer"))
            lr = gr.Dropdown(LR_CHOICES, value=d.lr, label=t("mlp.lr"), elem_id="mlp-lr")
            batch = gr.Slider(1, 64, value=d.batch_size, step=1, label=t("mlp.batch"))
            l1 = gr.Dropdown(PENALTY_CHOICES, value=d.l1, label=t("mlp.l1"))
            l2 = gr.Dropdown(PENALTY_CHOICES, value=d.l2, label=t("mlp.l2"))
        with gr.Column(scale=5, min_width=360):
            with gr.Row():
                play = gr.Button(t("mlp.play"), variant="primary", elem_id="mlp-play")
                pause = gr.Button(t("mlp.pause"), visible=False, elem_id="mlp-pause")
                step = gr.Button(t("mlp.step"), elem_id="mlp-step")
                reset = gr.Button(t("mlp.reset"), elem_id="mlp-reset")
            stage = gr.HTML(value="", label=t("mlp.boundary"), show_label=True, container=True,
                            elem_id="mlp-boundary", server_functions=[tick], js_on_load=_STAGE_JS,
                            html_template=f'<canvas width="{SIDE}" height="{SIDE}"></canvas>'
                                          '<div class="np-stage-stats" id="mlp-stats"></div>')
            curves = live_chart(t("mlp.curves"), elem_id="mlp-curves")
        with gr.Column(scale=4, min_width=300):
            network = gr.HTML(value="", label=t("mlp.network"), show_label=True, container=True,
                              elem_id="mlp-network", html_template='<img src="${value}" alt="">')
            gr.Markdown(t("mlp.network_help"))
    with gr.Accordion(t("mlp.try"), open=False):
        gr.Markdown(t("mlp.try_help"))
        with gr.Row():
            scenario_buttons = {name: gr.Button(t(f"mlp.sc_{name}"), size="sm", elem_id=f"mlp-sc-{name}")
                                for name in SCENARIOS}
        scenario_text = gr.Markdown(elem_id="mlp-scenario")
    with gr.Accordion(t("mlp.code"), open=False):
        code = gr.Code(language="python", interactive=False, elem_id="mlp-code")
    with gr.Accordion(t("mlp.theory"), open=False):
        gr.Markdown(t("text.mlp_theory"), latex_delimiters=widgets.LATEX)
    with gr.Group(visible=False):  # the /mlp_fit endpoint's own input and output
        api_config = gr.Textbox()
        api_answer = gr.JSON()
    sess = gr.State(None)

    settings = [dataset, noise, fraction, features, n_layers, units, activation, optimizer, lr, batch, l1, l2]
    names = ["dataset", "noise", "train_fraction", "features", "n_layers", "units", "activation", "optimizer",
             "lr", "batch_size", "l1", "l2"]
    buttons = [play, pause]

    def shown(session, request):
        """A whole frame for the stage, the network's picture and the chart: what a Gradio event sends."""
        f = frame(session, request)
        return json.dumps({k: v for k, v in f.items() if k not in ("chart", "network")}), f["network"], f["chart"]

    def on_reset(values: dict, request: gr.Request):  # values: {component: value}, inputs given as a set
        overrides = {name: values[comp] for name, comp in zip(names, settings)}
        overrides["features"] = ",".join(overrides["features"] or [])
        try:
            cfg = from_overrides(mlp.Config, overrides)
        except ValueError as e:
            gr.Warning(msg("mlp.bad_settings", request, error=widgets.refusal(e, request).message))
            return (gr.skip(),) * 7
        session = fnn_session.new_session(cfg)
        session["token"] = SESSIONS.put(session)  # a new token: a page still playing the old one stops
        return (session, *shown(session, request), mlp_code.script(cfg), gr.Button(visible=True),
                gr.Button(visible=False))

    def on_pause(session, request: gr.Request):  # the page has stopped asking: show all of where it stopped
        out = shown(session, request) if session is not None else (gr.skip(),) * 3
        return (*out, gr.Button(visible=True), gr.Button(visible=False))

    def on_play(session):
        if session is None or session["error"]:
            return gr.skip(), gr.skip()
        return gr.Button(visible=False), gr.Button(visible=True)

    def on_step(session, request: gr.Request):
        if session is None or session["error"]:
            return (gr.skip(),) * 3
        fnn_session.advance(session, fnn_session.steps_per_tick(session))
        return shown(session, request)

    def on_scenario(name, request: gr.Request):
        s = SCENARIOS[name]
        updates = [s.get(n, gr.skip()) for n in names]
        return (*updates, msg(f"mlp.sc_{name}_text", request))

    views = [stage, network, curves]
    reset_outputs = [sess, *views, code, *buttons]
    gr.on([reset.click, opened] + [c.input for c in settings], on_reset, set(settings), reset_outputs,
          api_visibility="private", show_progress="hidden", trigger_mode="always_last")
    # Play and Pause start and stop the page's own loop at once (js); the server only swaps the buttons.
    play.click(on_play, sess, buttons, js=_PLAY_JS % "play", api_visibility="private", show_progress="hidden")
    pause.click(on_pause, sess, [*views, *buttons], js=_PLAY_JS % "pause", api_visibility="private",
                show_progress="hidden")
    step.click(on_step, sess, views, api_visibility="private", show_progress="hidden")
    for name, button in scenario_buttons.items():
        button.click(on_scenario, gr.State(name), [*settings, scenario_text], api_visibility="private").then(
            on_reset, set(settings), reset_outputs, api_visibility="private")
    api_config.submit(mlp_fit, api_config, api_answer, api_name="mlp_fit")
