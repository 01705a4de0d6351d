"""The generative tab: a VAE's latent space to walk, plain vs denoising autoencoders, a conditional GAN.

Sub-tabs VAE / Autoencoder / GAN, each with its Train panel, and the theory panel. Public endpoints:
/vae_decode (z as a JSON list → PNG), /vae_encode (an image file → {"mu", "logvar"}) and
/gan_generate (digit, seed → PNG). Numbers come from ``models.vae``, ``models.ae`` and ``models.gan``;
this file only checks input, picks the model and turns arrays into pictures.
"""

from __future__ import annotations

import json

import gradio as gr
import numpy as np

from playground import figures
from playground.data import digits, drawing
from playground.models import ae, gan, vae
from playground.ui import plots, session, train, widgets
from playground.ui.generative_plots import DIGIT_PX, MAP_PX, big as _big, legend_html as _legend_html
from playground.ui.generative_plots import map_image as _map_image, strip as _strip
from playground.ui.i18n import msg, t

CSS = """
#vae-canvas { max-width: 320px; }
.np-gen-img img { image-rendering: pixelated; object-fit: contain; padding-top: 34px; }
#vae-map img { cursor: crosshair; }
.np-legend { display: flex; flex-wrap: wrap; gap: 10px; font-size: 0.9rem; align-items: center; }
.np-legend span.chip { display: inline-block; width: 12px; height: 12px; border-radius: 6px; margin-right: 4px; }
#vae-sliders .block { min-width: 120px !important; }
"""

MAX_LATENT = 20  # sliders built for the largest latent size a VAE Config allows; unused ones are hidden
GAN_SLIDERS = 4  # the GAN's first latent dimensions get sliders
SEED_MAX = 2**31 - 1
N_HELD_OUT = 2000
MODEL_NAMES = {"vae": "VAE", "vae20": "VAE (20-D)", "ae": "autoencoder", "dae": "denoising autoencoder",
               "gan": "GAN"}


# -----------------------------------------------------------------------------
# Models: the session's own (a finished job chosen with "Use this model") or the pretrained one


def _load(name: str, session_models: dict | None, request=None) -> session.SessionModel:
    """The session's job in slot ``name`` ("vae", "ae", "gan"), else the pretrained model ``name``
    (also "vae20", "dae"); ``session_models=None`` for the pretrained one alone. Raises gr.Error with a
    clear message when the pretrained model is missing."""
    try:
        return session.model_for(name, session_models)
    except session.ModelError as e:
        raise gr.Error(msg("generative.err_model", request, name=MODEL_NAMES.get(name, name), why=str(e)))


def _vae(which: str, session_models: dict | None, request=None) -> session.SessionModel:
    """The VAE picked (``which``: "vae" 2-D or "vae20"); the session's own VAE stands in for the 2-D one."""
    return _load(which, session_models if which == "vae" else None, request)


def _vae_status(which, session_models, request) -> str:
    chosen = _vae(which, session_models, request)
    latent, nelbo = chosen.cfg.latent, chosen.meta["metrics"].get("val_loss", float("nan"))
    if not chosen.job:  # the figure the README states, re-derived by bench/figures.py
        nelbo = figures.stored().get(f"{which}.neg_elbo", nelbo)
    name = (msg("generative.model_job", request, job=chosen.job, latent=latent, nelbo=nelbo) if chosen.job else
            msg("generative.model_pretrained", request, latent=latent, nelbo=nelbo))
    return msg("generative.status_model", request, model=name)


# -----------------------------------------------------------------------------
# VAE handlers


def _z_from(values, n: int) -> np.ndarray:
    return vae.clip_z([0.0 if v is None else v for v in list(values)[:n]], n)


def _slider_updates(model, z=None) -> list:
    n = model.cfg.latent
    z = np.zeros(n) if z is None else z
    return [gr.Slider(value=round(float(z[i]), 2) if i < n else 0.0, visible=i < n) for i in range(MAX_LATENT)]


def on_vae_model(which, session_models, request: gr.Request):
    """Model picked (or the session's own models changed): sliders for its latent size, its map, z = 0."""
    model, cfg, _, _ = _vae(which, session_models, request)
    z = np.zeros(cfg.latent, np.float32)
    return (*_slider_updates(model, z), _big(vae.decode(model, z)), _map_image(model, z),
            _vae_status(which, session_models, request), None)


def on_slider(which, session_models, *values):
    """Each slider move: decode z. Only the picture changes, so it stays quick."""
    model, cfg, _, _ = _vae(which, session_models)
    return _big(vae.decode(model, _z_from(values, cfg.latent)))


def on_slider_release(which, session_models, drawn, *values):
    """After a slider is let go: move the ring on the map."""
    model, cfg, _, _ = _vae(which, session_models)
    mu = None if drawn is None else np.asarray(drawn["mu"], np.float32)
    return _map_image(model, _z_from(values, cfg.latent), mu if mu is not None and len(mu) == cfg.latent else None)


def on_map_click(which, session_models, drawn, values, evt: gr.SelectData):
    """A click on the map sets z₁, z₂ to that point (the other dimensions keep their values)."""
    model, cfg, _, _ = _vae(which, session_models)
    z = _z_from(values, cfg.latent)
    x, y = (evt.index if isinstance(evt.index, (list, tuple)) and len(evt.index) == 2 else (MAP_PX / 2,) * 2)
    z[0] = np.clip((float(x) / MAP_PX) * 2 * vae.Z_RANGE - vae.Z_RANGE, -vae.Z_RANGE, vae.Z_RANGE)
    z[1] = np.clip(vae.Z_RANGE - (float(y) / MAP_PX) * 2 * vae.Z_RANGE, -vae.Z_RANGE, vae.Z_RANGE)
    mu = None if drawn is None else np.asarray(drawn["mu"], np.float32)
    return (gr.Slider(value=round(float(z[0]), 2)), gr.Slider(value=round(float(z[1]), 2)),
            _big(vae.decode(model, z)),
            _map_image(model, z, mu if mu is not None and len(mu) == cfg.latent else None))


def on_random(which, session_models, seed):
    model, cfg, _, _ = _vae(which, session_models)
    z = np.clip(np.random.default_rng(int(seed or 0)).standard_normal(cfg.latent), -3, 3).astype(np.float32)
    return (*_slider_updates(model, z), _big(vae.decode(model, z)), _map_image(model, z),
            int(seed or 0) + 1)


def on_draw(value, which, session_models, request: gr.Request):
    """The pad's ink at each pen-up: the drawing → MNIST 28×28 → its code μ → the sliders, the map and
    its reconstruction. (Not while the pen moves: this answer takes ~70 ms of a core, the CNN's label ~7.)"""
    model, cfg, _, _ = _vae(which, session_models, request)
    try:
        ink = widgets.pad_ink(value)
        if ink is None:
            raise drawing.BlankImage()
        digit = drawing.to_mnist(ink)
    except drawing.ImageError:
        return (*[gr.skip()] * MAX_LATENT, gr.skip(), gr.skip(), None, None, None,
                msg("generative.blank", request), None)
    mu, logvar = vae.encode(model, digit)
    z = vae.clip_z(mu, cfg.latent)
    drawn = {"mu": [float(v) for v in mu], "logvar": [float(v) for v in logvar], "digit": digit.tolist()}
    shown = ", ".join(f"{v:+.2f}" for v in mu[:4]) + (" …" if len(mu) > 4 else "")
    return (*_slider_updates(model, z), _big(vae.decode(model, z)), _map_image(model, z, mu),
            _big(digit, 140), _big(vae.reconstruct(model, digit), 140),
            {"mu": drawn["mu"], "logvar": drawn["logvar"]},
            msg("generative.encoded", request, mu=shown), drawn)


def _held_out(i) -> tuple[np.ndarray, int]:
    images, labels = digits.load_digits("test")
    i = int(np.clip(int(i or 0), 0, N_HELD_OUT - 1))
    return images[i].numpy() / 255.0, int(labels[i])


def on_interpolate(which, session_models, idx_a, idx_b, from_drawing, drawn, request: gr.Request):
    model, _, _, _ = _vae(which, session_models, request)
    a, la = _held_out(idx_a)
    b, lb = _held_out(idx_b)
    if from_drawing and drawn is not None:
        a, la = np.asarray(drawn["digit"], np.float32), "✎"
    strip = _strip(vae.interpolate(model, a, b, steps=8))
    return strip, msg("generative.digit_pair", request, a="✎" if la == "✎" else int(idx_a), la=la,
                      b=int(idx_b), lb=lb)


# -----------------------------------------------------------------------------
# Autoencoder handlers


def _ae_pair(session_models, request=None):
    """(plain AE, denoising AE): the pretrained ones, or the session's own trained AE in the slot its
    noise setting says (noise 0 = plain)."""
    model_ae, *_ = _load("ae", None, request)
    model_dae, *_ = _load("dae", None, request)
    if (session_models or {}).get("ae"):
        own = _load("ae", session_models, request)
        if own.job:
            model_ae, model_dae = (own.model, model_dae) if own.cfg.noise == 0 else (model_ae, own.model)
    return model_ae, model_dae


def on_ae(idx, noise, seed, session_models, request: gr.Request):
    digit, _ = _held_out(idx)
    model_ae, model_dae = _ae_pair(session_models, request)
    noisy, out_ae = ae.reconstruct(model_ae, digit, noise, int(seed or 0))
    _, out_dae = ae.reconstruct(model_dae, digit, noise, int(seed or 0))
    errors = msg("generative.ae_errors", request, ae=ae.pixel_error(out_ae, digit),
                 dae=ae.pixel_error(out_dae, digit))
    return _big(digit, 168), _big(noisy, 168), _big(out_ae, 168), _big(out_dae, 168), errors


def on_contrast(idx, session_models, request: gr.Request):
    a, la = _held_out(idx)
    j = (int(idx or 0) + 1) % N_HELD_OUT
    while _held_out(j)[1] == la:  # the next held-out digit of another class: a longer walk
        j = (j + 1) % N_HELD_OUT
    b, _ = _held_out(j)
    model_ae, _ = _ae_pair(session_models, request)
    try:
        model_vae, *_ = _load("vae20", None, request)
    except gr.Error:
        model_vae, *_ = _load("vae", session_models, request)
    return (_strip(ae.interpolate(model_ae, a, b)), _strip(vae.interpolate(model_vae, a, b)),
            _strip(ae.random_codes(model_ae, 8, seed=0)), _strip(vae.prior_samples(model_vae, 8, seed=0)))


# -----------------------------------------------------------------------------
# GAN handlers


def _check_digit_seed(digit, seed, request=None) -> tuple[int, int]:
    """Whole numbers in range, or gr.Error saying what is valid."""
    return (widgets.number(digit, 0, 9, whole=True, error=msg("generative.err_digit", request, got=repr(digit))),
            widgets.number(seed, 0, SEED_MAX, whole=True,
                           error=msg("generative.err_seed", request, max=SEED_MAX, got=repr(seed))))


def on_gan_seed(digit, seed, session_models, request: gr.Request):
    """A new seed (or digit): the sliders take that seed's z, then generate."""
    d, s = _check_digit_seed(digit, seed, request)
    model, *_ = _load("gan", session_models, request)
    z = gan.seed_noise(model, s)
    sliders = [gr.Slider(value=round(float(np.clip(z[i], -3, 3)), 2)) for i in range(GAN_SLIDERS)]
    return (*sliders, _big(gan.generate(model, d, s)))


def on_gan_slider(digit, seed, session_models, *values):
    d, s = _check_digit_seed(digit, seed)
    model, *_ = _load("gan", session_models)
    z = gan.seed_noise(model, s)
    z[:GAN_SLIDERS] = np.clip(np.nan_to_num(np.asarray([v or 0.0 for v in values], np.float32)), -3, 3)
    return _big(gan.generate(model, d, s, z=z))


def on_gan_grid(seed, session_models, request: gr.Request):
    _, s = _check_digit_seed(0, seed, request)
    chosen = _load("gan", session_models, request)
    acc = chosen.meta["metrics"].get("val_acc") if chosen.job else figures.stored().get("gan.agreement")
    name = (msg("generative.gan_job", request, job=chosen.job) if chosen.job else
            msg("generative.gan_pretrained", request))
    status = msg("generative.gan_status", request, model=name, acc="–" if acc is None else f"{acc:.1%}")
    tiled = gan.tile(gan.grid(chosen.model, per_class=8, seed=s))  # grey in [0, 1], like every digit
    return plots.digit_image(tiled, 2 * tiled.shape[0]), status


# -----------------------------------------------------------------------------
# Public API


MAX_Z_TEXT = 10_000  # characters of a z list that are read


def vae_decode(z: str, session_models) -> np.ndarray:
    """API: z, a JSON list of numbers (length = latent size; values clipped to [−3, 3]) → the decoded
    digit as a 196×196 PNG. Uses the session's VAE (see /use_model), else the pretrained 2-D VAE."""
    model, cfg, _, _ = _load("vae", session_models)
    try:
        values = json.loads(z) if isinstance(z, str) and len(z) <= MAX_Z_TEXT else z
        if not isinstance(values, list) or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                                   for v in values):
            raise ValueError
    except (ValueError, RecursionError):  # RecursionError: "[[[[…" nested thousands deep
        raise gr.Error(msg("generative.err_z_json"))
    if len(values) != cfg.latent:
        raise gr.Error(msg("generative.err_z_len", n=cfg.latent, got=len(values)))
    return _big(vae.decode(model, vae.clip_z(values, cfg.latent)))


def vae_encode(image, session_models, request: gr.Request) -> dict:
    """API: an image file of a digit (any size, any polarity) → {"mu": [...], "logvar": [...]}."""
    try:
        digit = drawing.to_mnist(drawing.read_image(image))
    except drawing.BlankImage:
        raise gr.Error(msg("generative.blank", request))
    except drawing.ImageError as e:
        raise widgets.refusal(e, request)
    model, *_ = _load("vae", session_models)
    mu, logvar = vae.encode(model, digit)
    return {"mu": [float(v) for v in mu], "logvar": [float(v) for v in logvar]}


def gan_generate(digit, seed, session_models) -> np.ndarray:
    """API: digit 0–9 and seed 0…2³¹−1 → a 196×196 PNG of that digit drawn by the GAN from that seed."""
    d, s = _check_digit_seed(digit, seed)
    model, *_ = _load("gan", session_models)
    return _big(gan.generate(model, d, s))


# -----------------------------------------------------------------------------
# Layout and wiring


def _image(label, elem_id, height=DIGIT_PX + 44, **kw):
    return gr.Image(label=t(label), interactive=False, format="png", height=height, elem_id=elem_id,
                    elem_classes="np-gen-img", **kw)


def build(opened, session_models: gr.State) -> None:
    gr.Markdown(t("generative.intro"))
    with gr.Tabs():
        with gr.Tab(t("generative.tab_vae"), id="gen-vae") as vae_tab:
            _build_vae(opened, vae_tab, session_models)
        with gr.Tab(t("generative.tab_ae"), id="gen-ae") as ae_tab:
            _build_ae(ae_tab, session_models)
        with gr.Tab(t("generative.tab_gan"), id="gen-gan") as gan_tab:
            _build_gan(gan_tab, session_models)
    with gr.Accordion(t("generative.theory"), open=False):
        gr.Markdown(t("text.generative_theory"), latex_delimiters=widgets.LATEX)
    _build_api(session_models)


def _build_vae(opened, vae_tab, session_models):
    with gr.Row(equal_height=False):
        with gr.Column(scale=5, min_width=320):
            which = gr.Radio([(t("generative.vae_2d"), "vae"), (t("generative.vae_20d"), "vae20")], value="vae",
                             label=t("generative.vae_model"), elem_id="vae-which")
            with gr.Group(elem_id="vae-sliders"):
                gr.Markdown(t("generative.vae_sliders"))
                with gr.Row():
                    sliders = [gr.Slider(-vae.Z_RANGE, vae.Z_RANGE, value=0.0, step=0.05, label=f"z{i + 1}",
                                         visible=i < 2, elem_id=f"vae-z{i}", min_width=120)
                               for i in range(MAX_LATENT)]
            with gr.Row():
                zero = gr.Button(t("generative.zero"), size="sm", elem_id="vae-zero")
                rand = gr.Button(t("generative.random"), size="sm", elem_id="vae-random")
            decoded = _image("generative.decoded", "vae-decoded")
            status = gr.Markdown(t("generative.status_ready"), elem_id="vae-status")
        with gr.Column(scale=6, min_width=360):
            vmap = gr.Image(label=t("generative.map"), interactive=False, format="png", height=MAP_PX + 44,
                            elem_id="vae-map", elem_classes="np-gen-img")
            gr.HTML(_legend_html())
            gr.Markdown(t("generative.map_help"))
    with gr.Row(equal_height=False):
        canvas = widgets.digit_canvas(t("generative.draw"), t("generative.clear"), "vae-canvas", "vae-clear")
        with gr.Column(scale=5, min_width=300):
            with gr.Row():
                sees = _image("generative.sees", "vae-sees", height=184)
                recon = _image("generative.recon", "vae-recon", height=184)
            code = gr.JSON(label=t("generative.code"), elem_id="vae-code")
    with gr.Accordion(t("generative.interp"), open=True):
        gr.Markdown(t("generative.interp_help"))
        with gr.Row():
            idx_a = gr.Slider(0, N_HELD_OUT - 1, value=425, step=1, label=t("generative.idx_a"), elem_id="vae-idx-a")
            idx_b = gr.Slider(0, N_HELD_OUT - 1, value=1810, step=1, label=t("generative.idx_b"), elem_id="vae-idx-b")
            from_drawing = gr.Checkbox(label=t("generative.from_drawing"), value=False)
            go = gr.Button(t("generative.interp_go"), variant="primary", elem_id="vae-interp-go")
        strip = gr.Image(label=t("generative.strip"), interactive=False, format="png", height=130,
                         elem_id="vae-strip", elem_classes="np-gen-img")
        pair = gr.Markdown()
    train.build("vae", session_models)

    drawn = gr.State(None)  # the drawing's {"mu", "logvar", "digit"}
    seed = gr.State(0)
    fast = dict(show_progress="hidden", trigger_mode="always_last", api_visibility="private")
    # One event for all sliders (gr.on): 32 separate ones would bloat the page's config.
    gr.on([s.input for s in sliders], on_slider, [which, session_models, *sliders], decoded, **fast)
    gr.on([s.release for s in sliders], on_slider_release, [which, session_models, drawn, *sliders], vmap, **fast)
    model_outputs = [*sliders, decoded, vmap, status, drawn]
    gr.on([which.change, session_models.change, zero.click, opened], on_vae_model, [which, session_models],
          model_outputs, api_visibility="private", trigger_mode="always_last")
    rand.click(on_random, [which, session_models, seed], [*sliders, decoded, vmap, seed], api_visibility="private")
    def map_click(v: dict, evt: gr.SelectData):  # inputs as a set: a dict, beside the event data
        return on_map_click(v[which], v[session_models], v[drawn], [v[s] for s in sliders], evt)

    vmap.select(map_click, {which, session_models, drawn, *sliders}, [sliders[0], sliders[1], decoded, vmap],
                api_visibility="private")
    canvas.input(on_draw, [canvas, which, session_models],
                 [*sliders, decoded, vmap, sees, recon, code, status, drawn], **fast)
    interp = dict(fn=on_interpolate, inputs=[which, session_models, idx_a, idx_b, from_drawing, drawn],
                  outputs=[strip, pair], api_visibility="private", trigger_mode="always_last")
    gr.on([go.click, idx_a.release, idx_b.release, vae_tab.select, opened], **interp)


def _build_ae(tab, session_models):
    gr.Markdown(t("generative.ae_intro"))
    with gr.Row():
        idx = gr.Slider(0, N_HELD_OUT - 1, value=650, step=1, label=t("generative.ae_idx"), elem_id="ae-idx")
        noise = gr.Slider(0, ae.MAX_NOISE, value=0.5, step=0.05, label=t("generative.noise"), elem_id="ae-noise")
        seed = gr.Number(0, precision=0, minimum=0, maximum=SEED_MAX, label=t("generative.noise_seed"))
    with gr.Row():
        clean = _image("generative.clean", "ae-clean", height=212)
        noisy = _image("generative.noisy", "ae-noisy", height=212)
        out_ae = _image("generative.ae_out", "ae-out", height=212)
        out_dae = _image("generative.dae_out", "dae-out", height=212)
    errors = gr.Markdown(elem_id="ae-errors")
    with gr.Accordion(t("generative.contrast"), open=True):
        gr.Markdown(t("generative.contrast_help"))
        with gr.Row():
            ae_interp = gr.Image(label=t("generative.ae_interp"), interactive=False, format="png", height=130)
            vae_interp = gr.Image(label=t("generative.vae_interp"), interactive=False, format="png", height=130)
        with gr.Row():
            ae_random = gr.Image(label=t("generative.ae_random"), interactive=False, format="png", height=130)
            vae_random = gr.Image(label=t("generative.vae_random"), interactive=False, format="png", height=130)
    train.build("ae", session_models)

    fast = dict(show_progress="hidden", trigger_mode="always_last", api_visibility="private")
    outs = [clean, noisy, out_ae, out_dae, errors]
    gr.on([idx.input, noise.input, seed.change, tab.select], on_ae, [idx, noise, seed, session_models], outs, **fast)
    gr.on([idx.release, tab.select], on_contrast, [idx, session_models],
          [ae_interp, vae_interp, ae_random, vae_random], **fast)


def _build_gan(tab, session_models):
    gr.Markdown(t("generative.gan_intro"))
    with gr.Row(equal_height=False):
        with gr.Column(scale=4, min_width=300):
            digit = gr.Dropdown([(str(d), d) for d in range(10)], value=3, label=t("generative.gan_digit"),
                                elem_id="gan-digit")
            with gr.Row():
                seed = gr.Number(0, precision=0, minimum=0, maximum=SEED_MAX, label=t("generative.seed"),
                                 elem_id="gan-seed")
                dice = gr.Button(t("generative.dice"), size="sm")
            gr.Markdown(t("generative.gan_sliders"))
            sliders = [gr.Slider(-3, 3, value=0.0, step=0.05, label=f"z{i + 1}", elem_id=f"gan-z{i}")
                       for i in range(GAN_SLIDERS)]
            go = gr.Button(t("generative.generate"), variant="primary", elem_id="gan-go")
        with gr.Column(scale=3, min_width=240):
            out = _image("generative.gan_out", "gan-out")
            status = gr.Markdown(elem_id="gan-status")
        with gr.Column(scale=5, min_width=320):
            grid = gr.Image(label=t("generative.gan_grid"), interactive=False, format="png", height=560,
                            elem_id="gan-grid", elem_classes="np-gen-img")
    train.build("gan", session_models)

    fast = dict(show_progress="hidden", trigger_mode="always_last", api_visibility="private")
    gr.on([s.input for s in sliders], on_gan_slider, [digit, seed, session_models, *sliders], out, **fast)
    gr.on([go.click, digit.change, seed.change, tab.select], on_gan_seed, [digit, seed, session_models],
          [*sliders, out], api_visibility="private")
    gr.on([seed.change, tab.select], on_gan_grid, [seed, session_models], [grid, status], api_visibility="private")
    dice.click(lambda: int(np.random.default_rng().integers(0, 10**6)), None, seed, api_visibility="private")


def _build_api(session_models):
    """Hidden components carrying the public endpoints (a gr.File lets any upload reach our checks)."""
    with gr.Row(visible=False):
        z_text = gr.Textbox()
        z_out = gr.Image(format="png")
        enc_file = gr.File()
        enc_out = gr.JSON()
        g_digit = gr.Number(precision=None)
        g_seed = gr.Number(precision=None)
        g_out = gr.Image(format="png")
    z_text.submit(vae_decode, [z_text, session_models], z_out, api_name="vae_decode", show_progress="hidden")
    enc_file.upload(vae_encode, [enc_file, session_models], enc_out, api_name="vae_encode")
    g_digit.submit(gan_generate, [g_digit, g_seed, session_models], g_out, api_name="gan_generate")
