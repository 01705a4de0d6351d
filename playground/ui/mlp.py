"""The FNN tab: pick a 2-D dataset and a network, press Play, watch the decision boundary move.

Training runs in this session (network, engine ``Stepper``, points, curves: ``playground.fnn_session``).
While Play runs, the page itself asks for frame after frame (``tick``, a server function of the stage:
a pass over the training points, then the decision surface as 60×60 numbers that the page colours and
draws, with the points, in a canvas of its own), as fast as they come; the loss chart and the network's
picture ride along a few times a second, and so does the layer health chart while its accordion is open
(the page says so in each call; the session's Stepper measures it, see ``playground.fnn_session``). Step, Pause and the settings are Gradio events that send a
whole frame. Any change of a setting resets the network, as in TensorFlow Playground.

Your own points: the page edits them on the stage (a click adds a point of the chosen class; shift-click,
right-click or the eraser removes the nearest) and sends the whole list with the stage's 'edit' event;
Clear, "Start from this preset" and a CSV upload are Gradio events. The list is kept in the page's
``gr.State`` (picking a preset and coming back to "your own points" finds it again); points that cannot
be trained on yet (one class) make a draft session, without a network, that says what is missing.
"""

from __future__ import annotations

import base64
import io
import json
import os
import time

import gradio as gr
import numpy as np
import torch

from playground import fnn_session
from playground.data import points
from playground.data.points import PointsError
from playground.config import from_overrides
from playground.models import mlp
from playground.ui import mlp_code, plots, widgets
from playground.ui.api import parse_config
from playground.ui.handles import Handles
from playground.ui.i18n import msg, t
from playground.ui.live_chart import (chart_labels, health_chart, health_labels, health_payload, hist_chart, hist_labels,
                                      hist_payload, live_chart, payload)

GRID = 60  # resolution of the decision surface
SIDE = 380  # px of the stage's canvas
CHART_EVERY, NETWORK_EVERY = 0.4, 1.0  # s between the chart's and the network picture's updates while playing
MAX_FIT_CHARS = 100_000  # /mlp_fit's config: room for MAX_POINTS points
BLANK = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"  # a white pixel
SESSIONS = Handles(limit=500)  # the sessions pages play, by token (a session is a few kB)
CSS = """
#mlp-boundary canvas { display: block; width: 100%; max-width: 380px; aspect-ratio: 1; margin: 4px auto; }
.np-stage-stats { min-height: 2.6em; padding: 6px 2px 0; font-size: 0.95rem; }
#mlp-network img { display: block; max-width: 100%; margin: 0 auto; }
#mlp-boundary canvas { cursor: crosshair; touch-action: manipulation; }
#mlp-boundary canvas.np-erasing { cursor: cell; }
.np-class-acc { display: flex; flex-wrap: wrap; gap: 4px 10px; min-height: 1.4em; padding: 2px 2px 0;
  font-size: 0.95rem; }
.np-class-acc i { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 4px; }
#mlp-edit { align-items: center; gap: 8px; }
#mlp-class .wrap { gap: 6px; }
#mlp-class label { border-left-width: 8px !important; }
#mlp-class label.selected { color: #fff !important; }
""" + "".join(f"#mlp-class label:nth-of-type({k + 1}) {{ border-left-color: {c} !important; }}\n"
              f"#mlp-class label.selected:nth-of-type({k + 1}) {{ background: {c} !important; }}\n"
              for k, c in enumerate(f"rgb({r:.0f},{g:.0f},{b:.0f})" for r, g, b in plots.CLASS_RGB))
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
    if sess["stepper"] is None:  # a draft of own points
        labels = sess["points"][1]
        return msg("mlp.draft", request, n=len(labels), k=len(np.unique(labels)))
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
    output = b["prob"] if len(b["probs"]) == 2 else b["probs"]
    return _picture_url(plots.network_diagram(inputs, b["neurons"], weights, output), exact)


def _surface(b: dict) -> dict:
    """The decision surface for the page, top row first, as base64 bytes: with two classes "surface" is
    P(class 1) (0–255); with more, "surface" is the likeliest class's probability and "top" that class."""
    def encode(a):
        return base64.b64encode(np.flipud(a).astype(np.uint8).tobytes()).decode()

    probs = np.clip(b["probs"], 0, 1)
    if len(probs) == 2:
        return {"surface": encode((probs[1] * 255).round())}
    return {"surface": encode((probs.max(0) * 255).round()), "top": encode(probs.argmax(0)), "classes": len(probs)}


def _shown_points(sess: dict) -> list[list]:
    """[[x, y, class, 1 = training, (own points: its index in the list)]] for the page."""
    xtr, ytr, xte, yte = sess["points"]
    rows = sess.get("rows")
    out = []
    for train, (xs, ys) in ((1, (xtr, ytr)), (0, (xte, yte))):
        for i, ((x, y), c) in enumerate(zip(xs, ys)):
            out.append([round(float(x), 4), round(float(y), 4), int(c), train]
                       + ([int(rows[1 - train][i])] if rows is not None else []))
    return out


def _health(sess: dict, request) -> str:
    """The layer health chart's payload (an empty chart for a draft, which has no network)."""
    return health_payload(sess["health"] or {"layers": [], "steps": [], "stats": {}}, health_labels(request))


def _hists(sess: dict, request) -> str | None:
    """The histogram chart's payload: the newest histograms the session's layer health took (None before any)."""
    monitor = sess["stepper"].monitor if sess["stepper"] is not None else None
    return hist_payload(monitor.histograms, monitor.names, hist_labels(request)) if monitor else None


def frame(sess: dict, request, whole: bool = True, health: bool = False) -> dict:
    """What the stage draws: {"token", "step", "stats", "error", "grid", "lim", "surface" (on the GRID² plane,
    see :func:`_surface`; "" for a draft of own points, which has no network), "class_acc" (test accuracy
    per class)}, with, when ``whole`` (or when they are due while playing), "points" [[x, y, class,
    1 = training, (own points: their index)]], "own" (own points: the list as placed, [[x, y, class]]),
    "seq" (the page's edit it answers), "chart" (the live chart's payload) and "network" (its picture);
    with the chart, when ``health`` (the page shows the layer health chart), "health" (that chart's payload)."""
    with sess["lock"]:
        cfg, stepper = sess["cfg"], sess["stepper"]
        now = time.monotonic()
        chart = whole or now - sess.get("chart_at", 0) >= CHART_EVERY
        network = whole or now - sess.get("network_at", 0) >= NETWORK_EVERY
        out = {"token": sess.get("token"), "step": stepper.step_count if stepper else 0,
               "stats": _stats(sess, request), "error": bool(sess["error"]), "draft": stepper is None,
               "grid": GRID, "lim": float(points.PLANE), "surface": ""}
        if stepper is not None:
            b = mlp.boundary(stepper.model, cfg, GRID)
            out.update(_surface(b))
            if stepper.step_count and sess["class_acc"]:
                out["class_acc"] = [None if a is None else round(a, 4) for a in sess["class_acc"]]
                out["class_label"] = msg("mlp.class_acc", request)
        if whole:
            out["points"] = _shown_points(sess)
            if cfg.dataset == "custom":
                out["own"] = [list(r) for r in cfg.points]
            if "seq" in sess:
                out["seq"] = sess["seq"]
        if chart:
            out["chart"], sess["chart_at"] = _chart(sess, request), now
            if health:
                out["health"], out["hists"] = _health(sess, request), _hists(sess, request)
        if network:
            out["network"] = _network(sess, b, exact=whole) if stepper is not None else BLANK
            sess["network_at"] = now
    return out


def tick(call, request: gr.Request) -> dict:
    """The stage's server function while Play runs: one pass over the training points → :func:`frame`.
    ``call``: the page's session token, or [token, health] (the page's ``server.tick(token, health)``: Gradio
    passes a call's several arguments as one list), with the layer health chart's payload when ``health`` is
    true (the page shows that chart). {"gone": true} when the page's session is no longer kept (the page then
    stops playing)."""
    token, health = (call[0], call[1:] == [True]) if isinstance(call, list) and call else (call, False)
    sess = SESSIONS.get(token)
    if sess is None or sess["stepper"] is None:  # a draft of own points has nothing to train
        return {"gone": True}
    if not sess["error"]:
        fnn_session.advance(sess, fnn_session.steps_per_tick(sess))
    return frame(sess, request, whole=False, health=health)


def health(token, request: gr.Request) -> dict | None:
    """The stage's server function when the page shows the layer health chart (its accordion opened, or a
    whole frame came): {"health": that chart's payload, "hists": the histogram chart's}, or None when the
    page's session is no longer kept."""
    sess = SESSIONS.get(token)
    if sess is None:
        return None
    with sess["lock"]:
        return {"health": _health(sess, request), "hists": _hists(sess, request)}


# -----------------------------------------------------------------------------
# The API


def mlp_fit(config: str, request: gr.Request) -> dict:
    """API: train a fresh network to the end, as JSON {"train_loss", "test_loss", "test_accuracy",
    "class_accuracy" (per class 0 … K − 1), "n_train", "n_test", "steps_at", "diverged", "health"}.

    "health": layer health over the run, as /layer_health answers it for a job: {"layers": ["hidden.0.0", …,
    "out"], "steps": [1, …], "stats": {layer: {"act_mean", "act_std", "dead_fraction", "grad_norm",
    "update_ratio"}: one value per step, null where there is none}}; the activations (and the dead ReLU or
    saturated share) are read on all the training points.

    config: a JSON object of the tab's settings (dataset, noise, n_layers, units, activation, lr,
    optimizer, features ["x", "y", …] or "x,y", epochs, …) or "steps" (1–5000) instead of epochs.
    "points": [[x, y, label], …] trains on your own points instead of a dataset (x, y in [-3.6, 3.6],
    labels 0 … K − 1 with 2 ≤ K ≤ 4, at most 2,000 points; split and jittered as the datasets are).
    The defaults are the tab's: 100 epochs of the spirals (2,200 steps).
    """
    overrides = parse_config(config, '{"dataset": "xor", "steps": 500}', request, max_chars=MAX_FIT_CHARS)
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
const statsEl = element.querySelector('#mlp-stats'), accEl = element.querySelector('#mlp-class-acc');
const small = document.createElement('canvas'), sctx = small.getContext('2d');
const C = __CLASS_RGB__, STRENGTH = __STRENGTH__;
let token = null, pts = [], lim = 1, playing = false, early = false, frames = 0;
let own = null, seq = 0, blank = true, draft = false;  // own: your points as placed (null for a preset)
const pause = () => { const b = document.querySelector('#mlp-pause'); if (b) b.click(); };
const healthOpen = () => !!document.querySelector('#mlp-health .np-health-chart')?.offsetParent;  // its accordion is open
const chartEvent = (id, value) => document.dispatchEvent(new CustomEvent('np-chart', {detail: {id: id, value: value}}));
async function refreshHealth(opened) {  // the layer health chart, when it is shown: asked for on its own
  if (!token || !(opened || healthOpen())) return;
  let v = null;
  try { v = await server.health(token); } catch (e) {}
  if (v) { chartEvent('mlp-health', v.health); if (v.hists) chartEvent('mlp-hists', v.hists); }
}
const md = t => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/\\*\\*(.+?)\\*\\*/g, '<b>$1</b>');
const rgb = c => 'rgb(' + C[c].join(',') + ')';
function colour(p) {  // pale blue through white to pale orange, as plots._two_class
  const s = Math.abs(p - 0.5) * 2 * STRENGTH, c = C[p >= 0.5 ? 1 : 0];
  return [0, 1, 2].map(i => Math.round(255 * (1 - s) + c[i] * s));
}
function colourOf(top, p, k) {  // K classes: the likeliest one's colour, paler the less sure, as plots.class_surface
  const s = Math.min(1, Math.max(0, (p - 1 / k) / (1 - 1 / k))) * STRENGTH, c = C[top];
  return [0, 1, 2].map(i => Math.round(255 * (1 - s) + c[i] * s));
}
function paint() {  // the surface (white for a draft, which has no network), then the points
  ctx.imageSmoothingEnabled = true; ctx.imageSmoothingQuality = 'high';
  if (blank) { ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, cv.width, cv.height); }
  else ctx.drawImage(small, 0, 0, cv.width, cv.height);
  const k = cv.width / (2 * lim);
  for (const [x, y, c, train] of pts) {
    ctx.beginPath(); ctx.arc((x + lim) * k, (lim - y) * k, 3.5, 0, 2 * Math.PI);
    ctx.fillStyle = train ? rgb(c) : '#fff'; ctx.fill();
    ctx.lineWidth = train ? 1 : 2; ctx.strokeStyle = train ? '#fff' : rgb(c); ctx.stroke();
  }
  cv.dataset.points = String(pts.length);  // what is shown, for tests
}
function classAcc(f) {  // the test accuracy of each class, in its colour
  if (!f.class_acc) return '';
  return md(f.class_label) + ' ' + f.class_acc.map((a, c) => '<span><i style="background:' + rgb(c) + '"></i>' + c +
    ': ' + (a === null ? '–' : Math.round(a * 100) + '%') + '</span>').join(' ');
}
function draw(f) {
  if (!f) return;
  if (f.seq !== undefined && f.seq < seq) return;  // the answer to an older edit: the newest one's is on its way
  if (f.seq !== undefined) cv.dataset.answered = String(f.seq);  // the page's edits the server has (for tests)
  if (f.token && f.token !== token) {  // a new network: a page playing the old one stops
    const first = token === null;
    token = f.token; playing = false;
    if (first && early) { early = false; setTimeout(() => cv.dispatchEvent(new Event('np-play')), 0); }
  }
  if (f.points) { pts = f.points; own = f.own || null; }
  if (f.lim) lim = f.lim;
  if (f.surface !== undefined) {
    blank = !f.surface; draft = !!f.draft;
    if (!blank) {
      const n = f.grid, bytes = atob(f.surface), top = f.top ? atob(f.top) : null;
      small.width = n; small.height = n;
      const img = sctx.createImageData(n, n);
      for (let i = 0; i < n * n; i++) {
        const p = bytes.charCodeAt(i) / 255, c = top ? colourOf(top.charCodeAt(i), p, f.classes) : colour(p);
        img.data.set([c[0], c[1], c[2], 255], 4 * i);
      }
      sctx.putImageData(img, 0, 0);
    }
    paint();
    cv.dataset.frames = String(++frames);
  }
  if (f.stats !== undefined) { statsEl.innerHTML = md(f.stats); accEl.innerHTML = classAcc(f); }
  if (f.chart) chartEvent('mlp-curves', f.chart);
  if (f.health) chartEvent('mlp-health', f.health);
  if (f.hists) chartEvent('mlp-hists', f.hists);
  if (f.network) { const im = document.querySelector('#mlp-network img'); if (im) im.src = f.network; }
  if (f.error && playing) { playing = false; pause(); }
}
async function loop() {  // the next frame is asked for as soon as one arrives, and computed while it is drawn
  let next = server.tick(token, healthOpen());
  while (playing && next) {
    let f = null;
    try { f = await next; } catch (e) {}
    if (!playing) break;
    if (!f || f.gone) { playing = false; pause(); break; }
    next = f.error ? null : server.tick(token, healthOpen());
    draw(f);
  }
}
cv.addEventListener('np-play', () => {
  if (!token) { early = true; return; }  // Play before the first network arrived: play it when it does
  if (!playing && !draft) { playing = true; loop(); }
});
cv.addEventListener('np-pause', () => { playing = false; early = false; });
cv.addEventListener('np-health', () => refreshHealth(true));  // the layer health accordion was opened
// Your own points: a click adds one of the chosen class; shift-click, right-click or the eraser removes the
// nearest. The page keeps the list and sends all of it (and the edit's number) with the 'edit' event.
const erasing = () => !!document.querySelector('#mlp-erase input')?.checked;
const chosen = () => Number(document.querySelector('#mlp-class input[aria-checked="true"]')?.value || 0);
function nearest(e, r) {  // the shown point within 12 px of the pointer, or -1
  let best = -1, bd = 144;
  pts.forEach((p, i) => {
    const dx = (p[0] / lim + 1) / 2 * r.width + r.left - e.clientX, dy = (1 - p[1] / lim) / 2 * r.height + r.top - e.clientY;
    const d = dx * dx + dy * dy;
    if (d < bd) { bd = d; best = i; }
  });
  return best;
}
function edit(e, erase) {
  const r = cv.getBoundingClientRect(), preset = own === null;
  if (preset) {  // a preset's points, as shown, become your own
    own = pts.map(p => [p[0], p[1], p[2]]); pts = pts.map((p, i) => [p[0], p[1], p[2], p[3], i]);
  }
  const rows = own.slice();
  if (erase) {
    const i = nearest(e, r);
    if (i < 0) { if (preset) own = null; return; }
    const row = pts[i][4];
    rows.splice(row, 1);
    pts = pts.filter((_, j) => j !== i).map(p => p[4] > row ? [p[0], p[1], p[2], p[3], p[4] - 1] : p);
  } else {
    const at = v => Math.round(Math.min(lim, Math.max(-lim, v)) * 1e4) / 1e4;
    const x = at(((e.clientX - r.left) / r.width * 2 - 1) * lim);
    const y = at((1 - (e.clientY - r.top) / r.height * 2) * lim);
    rows.push([x, y, chosen()]); pts.push([x, y, chosen(), 1, rows.length - 1]);
  }
  own = rows; seq += 1; cv.dataset.edited = String(seq); paint();
  trigger('edit', {points: rows, seq: seq, preset: preset});
}
cv.addEventListener('click', e => edit(e, e.shiftKey || erasing()));
cv.addEventListener('contextmenu', e => { e.preventDefault(); edit(e, true); });
document.addEventListener('change', e => {
  if (e.target.closest && e.target.closest('#mlp-erase')) cv.classList.toggle('np-erasing', erasing());
});
cv.addEventListener('np-download', () => {  // the data as a CSV file that "Upload CSV" reads back
  const rows = own || pts.map(p => [p[0], p[1], p[2]]);
  const text = 'x,y,label\\n' + rows.map(p => p[0].toFixed(4) + ',' + p[1].toFixed(4) + ',' + p[2] + '\\n').join('');
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], {type: 'text/csv'})); a.download = 'points.csv';
  document.body.appendChild(a); a.click(); a.remove();
});
const fromValue = () => { try { draw(JSON.parse(props.value || 'null')); } catch (e) {} refreshHealth(false); };
watch('value', fromValue);
fromValue();
cv.dataset.ready = '1';
""".replace("__CLASS_RGB__", json.dumps(plots.CLASS_RGB.astype(int).tolist())).replace(
    "__STRENGTH__", str(plots.SURFACE_STRENGTH))
_PLAY_JS = "(...a) => { document.querySelector('#mlp-boundary canvas')?.dispatchEvent(new Event('np-%s')); return a; }"
_DOWNLOAD_JS = "() => { document.querySelector('#mlp-boundary canvas')?.dispatchEvent(new Event('np-download')); }"
_HEALTH_JS = "() => { document.querySelector('#mlp-boundary canvas')?.dispatchEvent(new Event('np-health')); }"


# -----------------------------------------------------------------------------
# Layout and events


def build(opened, session_models: gr.State) -> None:
    d = mlp.Config()
    gr.Markdown(t("mlp.intro"))
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=260):
            dataset = gr.Dropdown([(t(f"mlp.ds_{n}"), n) for n in points.TOY_DATASETS + ("custom",)],
                                  value=d.dataset, label=t("mlp.dataset"), elem_id="mlp-dataset")
            noise = gr.Slider(0, 0.5, value=d.noise, step=0.01, label=t("mlp.noise"), elem_id="mlp-noise")
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
                            elem_id="mlp-boundary", server_functions=[tick, health], js_on_load=_STAGE_JS,
                            html_template=f'<canvas width="{SIDE}" height="{SIDE}"></canvas>'
                                          '<div class="np-stage-stats" id="mlp-stats"></div>'
                                          '<div class="np-class-acc" id="mlp-class-acc"></div>')
            with gr.Row(elem_id="mlp-edit"):
                gr.Radio([(str(k), k) for k in range(points.MAX_CLASSES)], value=0, label=t("mlp.class"),
                                elem_id="mlp-class", scale=3)
                gr.Checkbox(label=t("mlp.erase"), elem_id="mlp-erase", scale=1, min_width=100)
            with gr.Row():
                clear = gr.Button(t("mlp.clear"), size="sm", elem_id="mlp-clear")
                from_preset = gr.Button(t("mlp.from_preset"), size="sm", elem_id="mlp-from-preset")
                upload = gr.UploadButton(t("mlp.csv_upload"), file_types=[".csv", ".txt"], size="sm",
                                         elem_id="mlp-upload")
                download = gr.Button(t("mlp.csv_download"), size="sm", elem_id="mlp-download")
            gr.Markdown(t("mlp.edit_help"), elem_id="mlp-edit-help")
            curves = live_chart(t("mlp.curves"), elem_id="mlp-curves")
        with gr.Column(scale=4, min_width=300):
            network = gr.HTML(value="", label=t("mlp.network"), show_label=True, container=True,
                              elem_id="mlp-network", html_template='<img src="${value}" alt="">')
            gr.Markdown(t("mlp.network_help"))
    with gr.Accordion(t("health.title"), open=False, elem_id="mlp-health-box") as health_box:  # under the charts
        gr.Markdown(t("mlp.health_help"))
        health_chart(t("health.chart"), elem_id="mlp-health")
        hist_chart(t("health.hist_chart_latest"), elem_id="mlp-hists")
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
    own = gr.State(())  # your own points, kept while a preset is shown: "your own points" brings them back

    settings = [dataset, noise, fraction, features, n_layers, units, activation, optimizer, lr, batch, l1, l2]
    names = ["dataset", "noise", "train_fraction", "features", "n_layers", "units", "activation", "optimizer",
             "lr", "batch_size", "l1", "l2"]
    buttons = [play, pause]

    def shown(session, request):
        """A whole frame for the stage, the network's picture and the chart: what a Gradio event sends."""
        f = frame(session, request)
        return json.dumps({k: v for k, v in f.items() if k not in ("chart", "network")}), f["network"], f["chart"]

    def config(values: dict, rows, **changes) -> mlp.Config:
        """The settings' values ({component: value}), with ``changes`` by name → a Config; ``rows`` are your
        own points, used when the dataset is "custom". Raises ValueError (a UserError) for bad settings."""
        overrides = {name: values[comp] for name, comp in zip(names, settings)} | changes
        overrides["features"] = ",".join(overrides["features"] or [])
        if overrides["dataset"] == "custom":
            overrides["points"] = rows
        return from_overrides(mlp.Config, overrides)

    def started(cfg: mlp.Config, request, seq=None) -> tuple:
        """A fresh network (or a draft of own points) for ``cfg`` → the session, the views, the code, Play shown."""
        session = fnn_session.session_or_draft(cfg)
        if seq is not None:
            session["seq"] = seq  # the page's edit this answers
        session["token"] = SESSIONS.put(session)  # a new token: a page still playing the old one stops
        return (session, *shown(session, request), mlp_code.script(cfg), gr.Button(visible=True),
                gr.Button(visible=False))

    def on_reset(values: dict, request: gr.Request):  # values: {component: value}, inputs given as a set
        try:
            cfg = config(values, values[own])
        except ValueError as e:
            gr.Warning(msg("mlp.bad_settings", request, error=widgets.refusal(e, request).message))
            return (gr.skip(),) * 7
        return started(cfg, request)

    def owned(values: dict, rows, request, seq=None, noise_value=None) -> tuple:
        """Your points ``rows`` become the data: → (own, the session …, the dataset "custom", the noise)."""
        noise_value = values[noise] if noise_value is None else noise_value
        cfg = config(values, rows, dataset="custom", noise=noise_value)
        return (cfg.points, *started(cfg, request, seq), "custom", noise_value)

    def on_edit(values: dict, evt: gr.EventData, request: gr.Request):
        """The page's edit of your points: {"points": [[x, y, class], …], "seq": its number, "preset": true when
        a preset's points became yours (the noise is then set to 0, so they stay where they were shown)}."""
        data = evt._data if isinstance(getattr(evt, "_data", None), dict) else {}
        seq = data.get("seq") if isinstance(data.get("seq"), int) else None
        try:
            return owned(values, data.get("points"), request, seq, 0.0 if data.get("preset") is True else None)
        except ValueError as e:  # nothing is lost: the page is sent back the points as they were
            gr.Warning(widgets.refusal(e, request).message)
            session = values[sess]
            if session is None:
                return (gr.skip(),) * 10
            session["seq"] = seq
            return (gr.skip(), gr.skip(), *shown(session, request), *(gr.skip(),) * 5)

    def on_clear(values: dict, request: gr.Request):
        return owned(values, (), request)

    def on_from_preset(values: dict, request: gr.Request):
        session = values[sess]
        if session is None or session["cfg"].dataset == "custom":
            gr.Info(msg("mlp.already_own", request))
            return (gr.skip(),) * 10
        xtr, ytr, xte, yte = session["points"]
        xs, labels = np.concatenate([xtr, xte]), np.concatenate([ytr, yte])
        xs = np.clip(xs.astype(np.float64), -points.PLANE, points.PLANE).round(4)
        return owned(values, [[x, y, int(c)] for (x, y), c in zip(xs.tolist(), labels)], request, noise_value=0.0)

    def on_upload(values: dict, request: gr.Request):
        path = values[upload]
        try:
            if not path:
                raise gr.Error(msg("mlp.no_file", request))
            size = os.path.getsize(path)
            if size > points.MAX_CSV_BYTES:
                raise PointsError("csv_size", kb=-(-size // 1000), max=points.MAX_CSV_BYTES // 1000,
                                  points=points.MAX_POINTS)
            with open(path, encoding="utf-8", errors="replace") as f:
                rows, bad = points.read_csv(f.read())
            out = owned(values, rows, request)
        except ValueError as e:  # nothing is lost: the points shown stay
            gr.Warning(widgets.refusal(e, request).message)
            return (gr.skip(),) * 10
        except gr.Error as e:
            gr.Warning(e.message)
            return (gr.skip(),) * 10
        if bad:
            lines = ", ".join(map(str, bad[:10])) + (", …" if len(bad) > 10 else "")
            gr.Warning(msg("mlp.csv_read", request, good=len(rows), bad=len(bad), lines=lines))
        return out

    def on_pause(session, request: gr.Request):  # the page has stopped asking: show all of where it stopped
        out = shown(session, request) if session is not None else (gr.skip(),) * 3
        return (*out, gr.Button(visible=True), gr.Button(visible=False))

    def refused(session, request) -> bool:
        """True (and a warning that says why) when ``session`` cannot train: none yet, diverged, or a draft."""
        if session is not None and session["problem"] is not None:
            gr.Warning(widgets.refusal(session["problem"], request).message)
        return session is None or session["error"] or session["stepper"] is None

    def on_play(session, request: gr.Request):
        if refused(session, request):
            return gr.skip(), gr.skip()
        return gr.Button(visible=False), gr.Button(visible=True)

    def on_step(session, request: gr.Request):
        if refused(session, request):
            return (gr.skip(),) * 3
        fnn_session.advance(session, fnn_session.steps_per_tick(session))
        return shown(session, request)

    def on_scenario(name, request: gr.Request):
        s = SCENARIOS[name]
        updates = [s.get(n, gr.skip()) for n in names]
        return (*updates, msg(f"mlp.sc_{name}_text", request))

    views = [stage, network, curves]
    reset_outputs = [sess, *views, code, *buttons]
    own_outputs = [own, *reset_outputs, dataset, noise]
    gr.on([reset.click, opened] + [c.input for c in settings], on_reset, set(settings) | {own}, reset_outputs,
          api_visibility="private", show_progress="hidden", trigger_mode="always_last")
    # Play and Pause start and stop the page's own loop at once (js); the server only swaps the buttons.
    play.click(on_play, sess, buttons, js=_PLAY_JS % "play", api_visibility="private", show_progress="hidden")
    pause.click(on_pause, sess, [*views, *buttons], js=_PLAY_JS % "pause", api_visibility="private",
                show_progress="hidden")
    step.click(on_step, sess, views, api_visibility="private", show_progress="hidden")
    # Your own points: every edit sends the whole list, and each is answered, one at a time and in order (the
    # page draws only the answer to its newest edit, and the session kept is the newest edit's).
    stage.edit(on_edit, set(settings) | {sess}, own_outputs, api_visibility="private", show_progress="hidden",
               trigger_mode="multiple", concurrency_limit=1)
    clear.click(on_clear, set(settings), own_outputs, api_visibility="private", show_progress="hidden")
    from_preset.click(on_from_preset, set(settings) | {sess}, own_outputs, api_visibility="private",
                      show_progress="hidden")
    upload.upload(on_upload, set(settings) | {upload}, own_outputs, api_visibility="private",
                  show_progress="hidden")
    download.click(None, js=_DOWNLOAD_JS, api_visibility="private")
    health_box.expand(None, js=_HEALTH_JS, api_visibility="private")  # the page asks for the chart's numbers
    for name, button in scenario_buttons.items():
        button.click(on_scenario, gr.State(name), [*settings, scenario_text], api_visibility="private").then(
            on_reset, set(settings) | {own}, reset_outputs, api_visibility="private")
    api_config.submit(mlp_fit, api_config, api_answer, api_name="mlp_fit")
