"""A live training chart that keeps the user's zoom and pan while new points stream in.

``gr.Plot`` re-mounts its plot on every update, which resets any zoom. This chart is a ``gr.HTML``
whose one ``<div>`` is drawn by ``Plotly.react`` in the browser with a constant ``uirevision``, so
zoom, pan and hidden legend entries survive each update; a double click autoscales again. The server
sends only the numbers (:func:`payload`), about 0.1 ms of work per update. plotly.js (4.6 MB) comes from
the installed ``plotly`` package, served by the app itself (no CDN, works offline), and is loaded by the
first chart that has something to draw, not with the page.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import gradio as gr
import plotly

from playground import layer_health
from playground.ui.i18n import msg
from playground.ui.plots import PALETTE

PLOTLY_DIR = Path(plotly.__file__).resolve().parent / "package_data"
MAX_POINTS = 1500  # per series; longer curves are thinned evenly before they are sent


PLOTLY_URL = f"/gradio_api/file={PLOTLY_DIR / 'plotly.min.js'}"  # the app must allow PLOTLY_DIR as a static path


def chart_labels(request: gr.Request | None, extras: tuple[str, ...] = ()) -> dict[str, str]:
    """Axis and legend names in the page's language, with those of a model's ``extras`` (``chart.<name>``)."""
    return {"step": msg("chart.step", request), "loss": msg("chart.loss", request),
            "acc": msg("chart.acc", request), **{e: msg(f"chart.{e}", request) for e in extras}}


def _thin(points: list) -> list:
    if len(points) <= MAX_POINTS:
        return points
    stride = -(-len(points) // MAX_POINTS)
    return points[::stride] + ([points[-1]] if (len(points) - 1) % stride else [])


def payload(runs: list[tuple[str, dict]], labels: dict[str, str], extras: tuple[str, ...] = ()) -> str:
    """[(name, metrics)] → the JSON the chart draws: training loss per step, held-out accuracy, and the
    held-out loss when there is one (labels: step, loss, acc, val_loss). ``extras`` names more
    metrics, named by ``labels[name]``: drawn on the loss axis (a GAN's ``d_loss``, ``g_loss``), or on the
    accuracy axis when the name ends in ``_acc`` (a fine-tune's ``personal_acc``); an empty one is not drawn."""
    return json.dumps({
        "labels": labels,
        "runs": [{"name": name, "color": PALETTE[k % len(PALETTE)],
                  "loss": _thin(metrics.get("train_loss") or []), "acc": _thin(metrics.get("val_acc") or []),
                  "val_loss": _thin(metrics.get("val_loss") or []) if "val_loss" in labels else [],
                  "extras": {e: _thin(metrics.get(e) or []) for e in extras}}
                 for k, (name, metrics) in enumerate(runs)],
    })


_LOADER = """
function plotly() {  // one load for the page, on the first chart's first draw
  if (!window.npPlotly) window.npPlotly = new Promise((ok, fail) => {
    const s = document.createElement('script');
    s.src = '__URL__'; s.onload = () => ok(window.Plotly); s.onerror = fail;
    document.head.appendChild(s);
  });
  return window.npPlotly;
}
function follow(render, id) {  // draw each payload (JSON) with render(Plotly, data), the newest only:
  let latest = null;           // the component's value, or a page's 'np-chart' event {id, value} for this chart
  async function draw(value) {
    if (!value) return;
    latest = value;
    const P = window.Plotly || await plotly();
    if (value !== latest) return;  // a newer payload came while plotly.js loaded: draw that one
    let d;
    try { d = JSON.parse(value); } catch (e) { return; }
    render(P, d);
  }
  draw(props.value);
  watch('value', () => draw(props.value));
  document.addEventListener('np-chart', e => { if (e.detail.id === id) draw(e.detail.value); });
}
"""

_JS = _LOADER + """
const el = element.querySelector('.np-live-chart');
follow((P, d) => {
  const L = d.labels, many = d.runs.length > 1, traces = [];
  for (const r of d.runs) {
    const pre = many ? r.name + ' · ' : '';
    traces.push({x: r.loss.map(p => p[0]), y: r.loss.map(p => p[1]), type: 'scatter', mode: 'lines',
                 name: pre + L.loss, line: {color: r.color, width: 1.6}});
    if (r.val_loss.length)
      traces.push({x: r.val_loss.map(p => p[0]), y: r.val_loss.map(p => p[1]), type: 'scatter', mode: 'lines',
                   name: pre + L.val_loss, line: {color: '#f97316', width: 1.6, dash: 'dash'}});
    const X = ['#7c3aed', '#16a34a', '#dc2626', '#0891b2'];
    Object.entries(r.extras || {}).forEach(([name, pts], i) => {
      if (!pts.length) return;  // a metric this run does not have (an ordinary CNN job's personal_acc)
      const acc = name.endsWith('_acc');  // an accuracy goes on the accuracy axis, with markers
      traces.push({x: pts.map(p => p[0]), y: pts.map(p => p[1]), type: 'scatter', mode: acc ? 'lines+markers' : 'lines',
                   name: pre + (L[name] || name), yaxis: acc ? 'y2' : 'y', line: {color: X[i % X.length], width: 1.4}});
    });
    traces.push({x: r.acc.map(p => p[0]), y: r.acc.map(p => p[1]), type: 'scatter',
                 mode: r.acc.length > 60 ? 'lines' : 'lines+markers',
                 name: pre + L.acc, yaxis: 'y2', line: {color: r.color, width: 2, dash: 'dot'},
                 marker: {size: 7}});
  }
  const losses = traces.filter(t => t.yaxis !== 'y2').flatMap(t => t.y).filter(v => v > 0);
  const wide = losses.length && Math.max(...losses) / Math.min(...losses) > 1000;  // a run that blew up: on a
  P.react(el, traces, {                                                             // log axis the others still read
    uirevision: 'keep', height: 320, margin: {l: 55, r: 60, t: 10, b: 40},
    font: {family: "Inter, 'Noto Sans CJK SC', system-ui, sans-serif", size: 12},
    xaxis: {title: {text: L.step}, rangemode: 'tozero'},
    yaxis: wide ? {title: {text: L.loss}, type: 'log', exponentformat: 'power'}
                : {title: {text: L.loss}, rangemode: 'tozero', type: 'linear'},
    yaxis2: {title: {text: L.acc}, overlaying: 'y', side: 'right', range: [0, 1.02], tickformat: '.0%',
             showgrid: false},
    legend: {orientation: 'h', y: -0.25}, paper_bgcolor: 'rgba(0,0,0,0)', plot_bgcolor: 'rgba(0,0,0,0)',
  }, {responsive: true, displaylogo: false});
}, '__ID__');  // a page's own script may feed it too: an 'np-chart' event {id: this chart's elem_id, value}
"""


def live_chart(label, elem_id: str) -> gr.HTML:
    """An empty chart; give it :func:`payload` values to draw, as its value or in an ``np-chart`` page event."""
    return gr.HTML(value=None, label=label, show_label=True, container=True, elem_id=elem_id,
                   js_on_load=_JS.replace("__ID__", elem_id).replace("__URL__", PLOTLY_URL),
                   html_template='<div class="np-live-chart" style="width:100%;height:320px"></div>')


# -----------------------------------------------------------------------------
# Layer health: four small charts, one line per layer (early layers dark, late ones light)

HEALTH_PANELS = ("act_std", "dead_fraction", "grad_norm", "update_ratio")


def health_payload(history: dict, labels: dict[str, str], ranges: dict | None = None) -> str:
    """A layer health history ({"layers", "steps", "stats"}, see ``playground.layer_health``) → the JSON the
    health chart draws; ``labels``: the step axis, each panel's title and the note for ReLU/tanh.
    ``ranges`` ({panel: [lo, hi]}, from :func:`shared_ranges`) fixes the panels' value axes, so that two
    charts side by side read on the same scale."""
    history = layer_health.jsonable(history)  # NaN and ±inf as null
    steps = history["steps"]
    keep = range(len(steps)) if len(steps) <= MAX_POINTS else _thin(list(range(len(steps))))
    return json.dumps({"labels": labels, "steps": [steps[i] for i in keep], "ranges": ranges or {}, "layers": [
        {"name": name, **{k: [history["stats"][name][k][i] for i in keep] for k in HEALTH_PANELS}}
        for name in history["layers"]]})


def shared_ranges(histories: list[dict]) -> dict:
    """The value range of each health panel over several runs' histories, padded a little: {panel: [lo, hi]}
    (the gradient norm's in log10, as its axis is logarithmic); a panel with no finite value is left out."""
    out = {}
    for k in HEALTH_PANELS:
        values = [v for h in histories for s in h.get("stats", {}).values() for v in s.get(k, [])
                  if isinstance(v, (int, float)) and math.isfinite(v) and (k != "grad_norm" or v > 0)]
        if not values:
            continue
        lo, hi = (math.log10(min(values)), math.log10(max(values))) if k == "grad_norm" else (min(values), max(values))
        pad = 0.05 * (hi - lo) or 0.5
        out[k] = [0, 1.02] if k == "dead_fraction" else [lo - pad, hi + pad]
    return out


_HEALTH_JS = _LOADER + """
const el = element.querySelector('.np-health-chart');
const PANELS = %(panels)s;
follow((P, d) => {
  const n = d.layers.length, traces = [];
  const colour = i => 'hsl(' + (250 - 200 * i / Math.max(1, n - 1)) + ',70%%,' + (30 + 35 * i / Math.max(1, n - 1)) + '%%)';
  const id = j => j ? String(j + 1) : '';  // plotly names its axes x, x2, x3…
  d.layers.forEach((layer, i) => PANELS.forEach((k, j) => traces.push({
    x: d.steps, y: layer[k], type: 'scatter', mode: 'lines', name: layer.name, legendgroup: layer.name,
    showlegend: j === 0, line: {color: colour(i), width: 1.5}, xaxis: 'x' + id(j), yaxis: 'y' + id(j)})));
  const layout = {uirevision: 'keep', height: 470, margin: {l: 55, r: 20, t: 52, b: 40},  // t: below the label
    font: {family: "Inter, 'Noto Sans CJK SC', system-ui, sans-serif", size: 11},
    legend: {orientation: 'h', y: -0.12}, paper_bgcolor: 'rgba(0,0,0,0)', plot_bgcolor: 'rgba(0,0,0,0)',
    grid: {rows: 2, columns: 2, pattern: 'independent', ygap: 0.35, xgap: 0.12}, annotations: []};
  PANELS.forEach((k, j) => {
    layout['xaxis' + id(j)] = {title: {text: j >= 2 ? d.labels.step : ''}};
    layout['yaxis' + id(j)] = k === 'grad_norm' ? {type: 'log', exponentformat: 'power', dtick: 1}  // decades only
                                                : {type: 'linear', exponentformat: 'power'};
    if (k === 'dead_fraction') layout['yaxis' + id(j)].range = [0, 1.02];
    if (d.ranges && d.ranges[k]) layout['yaxis' + id(j)].range = d.ranges[k];  // shared with a chart beside it
    layout.annotations.push({text: d.labels[k], showarrow: false, xref: 'x' + id(j) + ' domain',
                             yref: 'y' + id(j) + ' domain', x: 0, y: 1.04, xanchor: 'left', yanchor: 'bottom', font: {size: 12}});
  });
  P.react(el, traces, layout, {responsive: true, displaylogo: false});
}, '__ID__');
"""


def health_chart(label, elem_id: str) -> gr.HTML:
    """An empty layer health chart; give it :func:`health_payload` values, as its value or in an ``np-chart``
    page event (see :func:`live_chart`)."""
    return gr.HTML(value=None, label=label, show_label=True, container=True, elem_id=elem_id,
                   js_on_load=(_HEALTH_JS % {"panels": json.dumps(HEALTH_PANELS)}).replace(
                       "__URL__", PLOTLY_URL).replace("__ID__", elem_id),
                   html_template='<div class="np-health-chart" style="width:100%;height:470px"></div>')


def health_labels(request: gr.Request | None) -> dict[str, str]:
    return {"step": msg("chart.step", request), **{k: msg(f"health.{k}", request) for k in HEALTH_PANELS}}



# -----------------------------------------------------------------------------
# Histograms of one step: each layer's outputs and its weights' gradients, one line per layer

def hist_payload(histograms: dict | None, layers: list[str], labels: dict[str, str]) -> str | None:
    """One step's histograms ({"step", layer: {"act", "grad": {"counts", "lo", "hi"}}}, see
    ``layer_health``) → the JSON the histogram chart draws: per layer and kind, bin centres and the share
    of the values in each bin. ``labels``: "act", "grad" (the panels' titles) and "step"."""
    if not histograms:
        return None
    out = []
    for name in layers:
        entry = {"name": name}
        for kind in ("act", "grad"):
            h = (histograms.get(name) or {}).get(kind)
            if not h:
                continue
            n, total = len(h["counts"]), max(1, sum(h["counts"]))
            width = (h["hi"] - h["lo"]) / n
            entry[kind] = {"x": [h["lo"] + width * (i + 0.5) for i in range(n)],
                           "y": [c / total for c in h["counts"]]}
        out.append(entry)
    return json.dumps({"labels": labels, "step": histograms["step"], "layers": out})


_HIST_JS = _LOADER + """
const el = element.querySelector('.np-hist-chart');
follow((P, d) => {
  const n = d.layers.length, traces = [];
  const colour = i => 'hsl(' + (250 - 200 * i / Math.max(1, n - 1)) + ',70%,' + (30 + 35 * i / Math.max(1, n - 1)) + '%)';
  d.layers.forEach((layer, i) => ['act', 'grad'].forEach((k, j) => {
    if (!layer[k]) return;
    traces.push({x: layer[k].x, y: layer[k].y, type: 'scatter', mode: 'lines', line: {shape: 'hvh', color: colour(i), width: 1.5},
                 name: layer.name, legendgroup: layer.name, showlegend: j === 0 || !layer.act,
                 xaxis: j ? 'x2' : 'x', yaxis: j ? 'y2' : 'y'});
  }));
  const title = (k, axis) => ({text: d.labels[k] + ' · ' + d.labels.step + ' ' + d.step, showarrow: false,
    xref: axis + ' domain', yref: 'y' + axis.slice(1) + ' domain', x: 0, y: 1.04, xanchor: 'left', yanchor: 'bottom', font: {size: 12}});
  P.react(el, traces, {uirevision: 'keep', height: 310, margin: {l: 55, r: 20, t: 52, b: 40},
    font: {family: "Inter, 'Noto Sans CJK SC', system-ui, sans-serif", size: 11},
    legend: {orientation: 'h', y: -0.2}, paper_bgcolor: 'rgba(0,0,0,0)', plot_bgcolor: 'rgba(0,0,0,0)',
    grid: {rows: 1, columns: 2, pattern: 'independent'},
    xaxis: {exponentformat: 'power'}, xaxis2: {exponentformat: 'power'},
    yaxis: {tickformat: '.0%'}, yaxis2: {tickformat: '.0%'},
    annotations: [title('act', 'x'), title('grad', 'x2')]}, {responsive: true, displaylogo: false});
}, '__ID__');
"""


def hist_chart(label, elem_id: str) -> gr.HTML:
    """An empty histogram chart; give it :func:`hist_payload` values."""
    return gr.HTML(value=None, label=label, show_label=True, container=True, elem_id=elem_id,
                   js_on_load=_HIST_JS.replace("__URL__", PLOTLY_URL).replace("__ID__", elem_id),
                   html_template='<div class="np-hist-chart" style="width:100%;height:310px"></div>')


def hist_labels(request: gr.Request | None) -> dict[str, str]:
    return {"step": msg("chart.step", request), "act": msg("health.hist_act", request),
            "grad": msg("health.hist_grad", request)}
