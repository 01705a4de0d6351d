"""The FNN tab: pick a 2-D dataset and a network, press Play, watch the decision boundary move.

Training runs in this session, a pass over the training points per tick of a ``gr.Timer`` (5 a
second): the session itself (network, engine ``Stepper``, points, curves) is ``playground.fnn_session``;
this file draws it. Any change of a setting resets the network, as in TensorFlow Playground.
"""

from __future__ import annotations

import gradio as gr
import numpy as np
import torch

from playground import fnn_session
from playground.data import points
from playground.config import from_overrides
from playground.models import mlp
from playground.ui import mlp_code, plots, widgets
from playground.ui.api import parse_config
from playground.ui.i18n import msg, t
from playground.ui.live_chart import chart_labels, live_chart, payload

TICK = 0.2  # seconds between redraws while playing
GRID = 60  # resolution of the decision surface
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


def render(sess: dict, request: gr.Request | None):
    """→ (boundary image, network image, stats line, chart JSON)."""
    cfg, model = sess["cfg"], sess["stepper"].model
    b = mlp.boundary(model, cfg, GRID)
    xtr, ytr, xte, yte = sess["points"]
    surface = plots.boundary_image(b["prob"], float(b["xs"][-1]), [(xtr, ytr, True), (xte, yte, False)])
    gx, gy = np.meshgrid(b["xs"], b["ys"])
    feats = points.featurize(np.stack([gx.ravel(), gy.ravel()], axis=1), cfg.feature_list())
    inputs = [feats[:, k].reshape(GRID, GRID) for k in range(feats.shape[1])]
    weights = [m.weight.detach().cpu().numpy() for m in model.modules() if isinstance(m, torch.nn.Linear)]
    network = plots.network_diagram(inputs, b["neurons"], weights, b["prob"])
    h = sess["history"]
    step = sess["stepper"].step_count
    if sess["error"]:
        stats = msg("mlp.diverged", request, error=sess["error"])
    elif step:
        stats = msg("mlp.stats", request, epoch=step / max(len(sess["stepper"].data), 1), step=step,
                    train=h["train_loss"][-1][1], test=h["val_loss"][-1][1], acc=h["val_acc"][-1][1],
                    params=mlp.param_count(model))
    else:
        stats = msg("mlp.ready", request, params=mlp.param_count(model))
    return surface, network, stats, payload([("mlp", h)], {**chart_labels(request),
                                                           "loss": msg("mlp.loss", request),
                                                           "val_loss": msg("mlp.test_loss", request),
                                                           "acc": msg("mlp.test_acc", request)})


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


# -----------------------------------------------------------------------------
# Layout and events


def build(demo: gr.Blocks, session_models: gr.State) -> None:
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
            surface = gr.Image(label=t("mlp.boundary"), interactive=False, height=380, elem_id="mlp-boundary",
                               elem_classes="np-map")
            stats = gr.Markdown(elem_id="mlp-stats")
            curves = live_chart(t("mlp.curves"), elem_id="mlp-curves")
        with gr.Column(scale=4, min_width=300):
            network = gr.Image(label=t("mlp.network"), interactive=False, elem_id="mlp-network",
                               elem_classes="np-map")
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
    timer = gr.Timer(TICK, active=False)

    settings = [dataset, noise, fraction, features, n_layers, units, activation, optimizer, lr, batch, l1, l2]
    names = ["dataset", "noise", "train_fraction", "features", "n_layers", "units", "activation", "optimizer",
             "lr", "batch_size", "l1", "l2"]
    shown = [surface, network, stats, curves]

    def on_reset(values: dict, request: gr.Request):  # values: {component: value}, inputs given as a set
        overrides = {name: values[comp] for name, comp in zip(names, settings)}
        overrides["features"] = ",".join(overrides["features"] or [])
        try:
            cfg = from_overrides(mlp.Config, overrides)
        except ValueError as e:
            gr.Warning(msg("mlp.bad_settings", request, error=widgets.refusal(e, request).message))
            return (gr.skip(),) * 8
        session = fnn_session.new_session(cfg)
        return (session, *render(session, request), mlp_code.script(cfg), gr.Timer(active=False),
                gr.Button(visible=True), gr.Button(visible=False))

    def on_pause():  # updates made when called: made here in build(), they would be laid out on the page
        return gr.Timer(active=False), gr.Button(visible=True), gr.Button(visible=False)

    def on_tick(session, request: gr.Request):
        # Only a diverged run touches the timer: a tick still in flight must not undo a Pause.
        if session is None or session["error"]:
            return (session, *(gr.skip(),) * 4, *on_pause())
        fnn_session.advance(session, fnn_session.steps_per_tick(session))
        after = on_pause() if session["error"] else (gr.skip(),) * 3
        return (session, *render(session, request), *after)

    def on_play(session):
        if session is None or session["error"]:
            return gr.skip(), gr.skip(), gr.skip()
        return gr.Timer(active=True), gr.Button(visible=False), gr.Button(visible=True)

    def on_step(session, request: gr.Request):
        if session is None or session["error"]:
            return (session, *(gr.skip(),) * 4)
        fnn_session.advance(session, fnn_session.steps_per_tick(session))
        return (session, *render(session, request))

    def on_scenario(name, request: gr.Request):
        s = SCENARIOS[name]
        updates = [s.get(n, gr.skip()) for n in names]
        return (*updates, msg(f"mlp.sc_{name}_text", request))

    reset_outputs = [sess, *shown, code, timer, play, pause]
    gr.on([reset.click, demo.load] + [c.input for c in settings], on_reset, set(settings), reset_outputs,
          api_visibility="private", show_progress="hidden")
    timer.tick(on_tick, sess, [sess, *shown, timer, play, pause], api_visibility="private",
               show_progress="hidden", trigger_mode="always_last")
    play.click(on_play, sess, [timer, play, pause], api_visibility="private")
    pause.click(on_pause, None, [timer, play, pause], api_visibility="private")
    step.click(on_step, sess, [sess, *shown], api_visibility="private", show_progress="hidden")
    for name, button in scenario_buttons.items():
        button.click(on_scenario, gr.State(name), [*settings, scenario_text], api_visibility="private").then(
            on_reset, set(settings), reset_outputs, api_visibility="private")
    api_config.submit(mlp_fit, api_config, api_answer, api_name="mlp_fit")
