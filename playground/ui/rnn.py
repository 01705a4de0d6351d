"""The RNN · LSTM · GRU tab: type a prompt, let a character model continue it, look inside the cell.

Sections: continue the text (cell, implementation, length, temperature) with the next-character
probabilities; "Inside the cell" heatmaps of the hidden state, cell state and gates per character;
"Why gates matter" with the ready-made delayed-recall results; the Train panels of ``charlm`` and
``longrange``; the theory. Numbers come from ``models.charlm`` and ``models.longrange``; figures from
``rnn_plots``. Public endpoints: /rnn_generate and /rnn_states.
"""

from __future__ import annotations

import time

import gradio as gr
import numpy as np

from playground import experiments, figures
from playground.data import text
from playground.models import charlm, longrange
from playground.ui import i18n, rnn_plots, session, train, widgets
from playground.ui.i18n import msg, t

CSS = """
#rnn-output .rnn-text { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; white-space: pre-wrap;
  line-height: 1.55; padding: 12px 14px; border-radius: 8px; min-height: 150px; max-height: 420px;
  overflow-y: auto; background: var(--block-background-fill); border: 1px solid var(--border-color-primary); }
#rnn-output .rnn-prompt { color: var(--body-text-color-subdued); }
#rnn-output .rnn-gen { color: var(--color-accent); font-weight: 600; background: rgba(249, 115, 22, 0.08); }
#rnn-output .rnn-empty { color: var(--body-text-color-subdued); font-style: italic; }
#rnn-status p { font-size: 0.95rem; }
"""

CELLS = charlm.CELLS
DEFAULT_PROMPT = "Call me Ishmael. Some years ago"
UI_MAX_LENGTH = 600  # the slider's end; the API accepts up to charlm.MAX_LENGTH
HEAT_MAX = 80  # characters shown in the heatmaps (the last ones of the text)
HEAT_UNITS = 24  # units shown per panel
SHOWN_UNKNOWN = 12  # unknown characters listed in a notice


# -----------------------------------------------------------------------------
# Input checks and model choice


def _model(cell: str, session_models: dict | None, request: gr.Request | None):
    """→ (the model with its cfg and meta, a description for the status line).

    ``cell`` "rnn", "lstm" or "gru" is that pretrained model; "own" is the session's chosen training
    job, else (with a warning) the pretrained LSTM.
    """
    if cell == "own":
        chosen = session.model_for("charlm", session_models, pretrained="charlm_lstm")
        if chosen.job:
            return chosen, msg("rnn.model_job", request, job=chosen.job, cell=chosen.cfg.cell.upper())
        gr.Warning(msg("rnn.no_own_model", request))
        cell = "lstm"
    if cell not in CELLS:
        raise gr.Error(msg("rnn.bad_cell", request, value=str(cell)[:40]))
    return (session.model_for("charlm", None, pretrained=f"charlm_{cell}"),
            msg("rnn.model_pretrained", request, cell=cell.upper()))


def _prompt(prompt, request: gr.Request | None) -> tuple[list[int], list[str]]:
    """Raw text → (ids, notices): cut to text.MAX_PROMPT, unknown characters dropped, empty noted."""
    if prompt is None:
        prompt = ""
    if not isinstance(prompt, str):
        raise gr.Error(msg("rnn.bad_text", request))
    notices = []
    if len(prompt) > text.MAX_PROMPT:  # bounded work: only the end of a huge prompt is read
        notices.append(msg("rnn.truncated", request, n=len(prompt), max=text.MAX_PROMPT))
        prompt = prompt[-text.MAX_PROMPT:]
    ids, unknown = text.encode(prompt)
    if unknown:
        shown = " ".join(repr(c) for c in unknown[:SHOWN_UNKNOWN]) + (" …" if len(unknown) > SHOWN_UNKNOWN else "")
        notices.append(msg("rnn.unknown_chars", request, n=len(unknown), chars=shown))
    if not ids:
        notices.append(msg("rnn.empty_prompt", request))
    return ids, notices


def _numbers(length, temperature, request: gr.Request | None) -> tuple[int, float]:
    """(characters to write, temperature) checked against the model's bounds, else gr.Error."""
    lo, hi = charlm.TEMPERATURE
    return (widgets.number(length, 1, charlm.MAX_LENGTH, whole=True, error=msg(
                "rnn.bad_length", request, max=charlm.MAX_LENGTH, value=repr(length)[:40])),
            widgets.number(temperature, lo, hi, error=msg(
                "rnn.bad_temperature", request, lo=lo, hi=hi, value=repr(temperature)[:40])))


def _warn(notices: list[str]) -> None:
    for note in notices:
        gr.Warning(note)


# -----------------------------------------------------------------------------
# Handlers


def _heatmap(model, cfg, ids: list[int], request: gr.Request | None):
    """The "Inside the cell" figure for the last HEAT_MAX characters of ``ids`` (read in full context)."""
    st = charlm.states(model, ids)
    chars = [text.vocab()[i] for i in ids][-HEAT_MAX:]
    panels = [("hidden", msg("rnn.panel_hidden", request), st["hidden"][-HEAT_MAX:])]
    if "cell" in st:
        panels.append(("cell", msg("rnn.panel_cell", request), st["cell"][-HEAT_MAX:]))
    for g, values in st.get("gates", {}).items():
        panels.append((g, msg(f"rnn.panel_{g}", request), values[-HEAT_MAX:]))
    units = charlm.top_units(st["hidden"][-HEAT_MAX:], HEAT_UNITS)
    hover = msg("rnn.hover", request, char="{char}", t="{t}", unit="{unit}", value="{value}")
    return rnn_plots.state_heatmaps(chars, panels, units, hover)


def on_continue(prompt, cell, impl, length, temperature, session_models, request: gr.Request):
    """Continue button: the continuation, next-character bars, heatmaps and a status line."""
    length, temperature = _numbers(length, temperature, request)
    ids, notices = _prompt(prompt, request)
    _warn(notices)
    (model, cfg, meta, _), name = _model(cell, session_models, request)
    impl = impl if impl in charlm.IMPLS else "scratch"
    t0 = time.perf_counter()
    out = charlm.generate(model, ids, length, temperature, impl=impl)
    seconds = time.perf_counter() - t0
    probs = charlm.next_probs(model, ids, impl=impl)
    generated = text.decode(out)
    heat_ids = ids or charlm.start_ids() + out
    status = msg("rnn.status_done", request, model=name, impl=msg(f"rnn.impl_{impl}", request), n=len(out),
                 seconds=seconds)
    return (rnn_plots.continuation_html(text.decode(ids), generated),
            rnn_plots.next_char_bars(probs, text.vocab()),
            _heatmap(model, cfg, heat_ids, request),
            "\n\n".join([status, *[f"⚠️ {n}" for n in notices]]))


def on_load(prompt, cell, grad_len, grad_when, session_models, request: gr.Request):
    """Page load: the bars and heatmaps for the prompt (no generation), the long-range figures in the
    page's language."""
    ids, _ = _prompt(prompt, request)
    (model, cfg, _, _), _ = _model(cell if cell != "own" else "lstm", session_models, request)
    ids = ids or charlm.start_ids()
    results = experiments.load_longrange()
    return (rnn_plots.next_char_bars(charlm.next_probs(model, ids), text.vocab()), _heatmap(model, cfg, ids, request),
            rnn_plots.accuracy_by_length(results, _labels(request)), _gate_plots(grad_len, grad_when, request))


def rnn_generate(arch: str, prompt: str, length: int, temperature: float, request: gr.Request) -> str:
    """API: continue ``prompt`` with the pretrained ``arch`` ("rnn", "lstm" or "gru") model.

    length: characters to write, 1 … 2000; temperature: 0.05 … 3.0. Returns only the continuation.
    An empty prompt starts from a new paragraph; unknown characters are dropped, a prompt longer than
    2000 characters is cut to its end (both with a warning); out-of-range numbers are refused.
    """
    if arch not in CELLS:
        raise gr.Error(msg("rnn.bad_cell", request, value=str(arch)[:40]))
    length, temperature = _numbers(length, temperature, request)
    ids, notices = _prompt(prompt, request)
    _warn(notices)
    (model, _, _, _), _ = _model(arch, None, request)
    return text.decode(charlm.generate(model, ids, length, temperature, impl="builtin"))


def rnn_states(arch: str, text_in: str, request: gr.Request) -> dict:
    """API: the per-character internals of the pretrained ``arch`` model reading ``text_in``.

    → {"arch", "chars": [T], "hidden": [T][H], "cell": [T][H] (LSTM), "gates": {name: [T][H]} (LSTM:
    i, f, g, o; GRU: r, z, n), "notices": [...]}. Values rounded to 5 decimals. Empty text reads the
    start symbol (a newline); the same input rules as /rnn_generate apply.
    """
    if arch not in CELLS:
        raise gr.Error(msg("rnn.bad_cell", request, value=str(arch)[:40]))
    ids, notices = _prompt(text_in, request)
    _warn(notices)
    (model, _, _, _), _ = _model(arch, None, request)
    ids = ids or charlm.start_ids()
    st = charlm.states(model, ids)

    def lists(a):
        return np.round(a.astype(float), 5).tolist()

    out = {"arch": arch, "chars": [text.vocab()[i] for i in ids], "hidden": lists(st["hidden"])}
    if "cell" in st:
        out["cell"] = lists(st["cell"])
    if "gates" in st:
        out["gates"] = {g: lists(v) for g, v in st["gates"].items()}
    out["notices"] = notices
    return out


def _gate_plots(length, when, request: gr.Request):
    results = experiments.load_longrange()
    return rnn_plots.grad_norm_per_step(results, int(length) if length else 0, when, _labels(request))


def _labels(request: gr.Request | None, lang: str | None = None) -> dict[str, str]:
    keys = {"chance": "rnn.chance", "acc": "rnn.acc_axis", "length": "rnn.length_axis", "step": "rnn.step_axis",
            "grad": "rnn.grad_axis"}
    return {k: msg(v, request, lang=lang) for k, v in keys.items()}


# -----------------------------------------------------------------------------
# Texts made at build time: the theory with its parameter table, the bits-per-character table


def _pretrained_meta(cell: str) -> dict | None:
    try:
        return session.pretrained_meta(f"charlm_{cell}")
    except session.ModelError:
        return None


@i18n.computed("text.rnn_theory_table")
def theory_markdown(lang: str) -> str:
    """The theory text and a parameter table counted on the pretrained models' real modules."""
    rows = ["| | k | D | H | k·(D·H+H²+H) | k·(D·H+H²+2H) | " + msg("rnn.counted", lang=lang) + " |",
            "|---|---:|---:|---:|---:|---:|---:|"]
    for cell in CELLS:
        meta = _pretrained_meta(cell)
        cfg = charlm.Config(**meta["config"]) if meta else charlm.Config(cell=cell)
        counted = charlm.param_counts(charlm.build(cfg))["layer0"]
        f = charlm.param_formula(cell, cfg.d_embed, cfg.hidden)
        rows.append(f"| {rnn_plots.CELL_NAMES[cell]} | {f['gates']} | {cfg.d_embed} | {cfg.hidden} | "
                    f"{f['material']:,} | {f['pytorch']:,} | **{counted:,}** |")
    return i18n.text("text.rnn_theory", lang) + "\n\n" + "\n".join(rows)


@i18n.computed("text.rnn_bpc")
def bpc_markdown(lang: str) -> str:
    """Test-split bits per character of every pretrained character model, as the README states them
    (``playground.figures``: one protocol, the stored values that ``bench/figures.py`` re-derives)."""
    stored = figures.stored()
    names = [*((cell, rnn_plots.CELL_NAMES[cell]) for cell in CELLS), ("transformer", "Transformer"),
             ("unigram", msg("rnn.unigram", lang=lang))]
    cells = [f"{name} **{stored[f'bpc.{key}']:.2f}**" for key, name in names if f"bpc.{key}" in stored]
    return f"{msg('rnn.bpc_title', lang=lang)}: " + " · ".join(cells)


@i18n.computed("text.rnn_inside_help")
def inside_help_markdown(lang: str) -> str:
    return msg("rnn.inside_help", lang=lang, max=HEAT_MAX, units=HEAT_UNITS)


@i18n.computed("text.rnn_acc_table")
def accuracy_markdown(lang: str) -> str:
    return rnn_plots.accuracy_table(experiments.load_longrange(), "") or msg("rnn.no_results", lang=lang)


def build(opened, session_models: gr.State) -> None:
    """Lay out the tab inside the current ``gr.Tab`` and wire its events."""
    results = experiments.load_longrange()
    lengths = results["lengths"] if results else []

    gr.Markdown(t("rnn.intro"))
    with gr.Row(equal_height=False):
        with gr.Column(scale=5, min_width=320):
            prompt = gr.Textbox(DEFAULT_PROMPT, label=t("rnn.prompt"), lines=4, max_lines=10,
                                placeholder=DEFAULT_PROMPT, elem_id="rnn-prompt")
            cell = gr.Radio([("RNN", "rnn"), ("LSTM", "lstm"), ("GRU", "gru"), (t("rnn.cell_own"), "own")],
                            value="lstm", label=t("rnn.cell"), elem_id="rnn-cell")
            impl = gr.Radio([(t("rnn.impl_scratch"), "scratch"), (t("rnn.impl_builtin"), "builtin")],
                            value="scratch", label=t("rnn.impl"), elem_id="rnn-impl")
            with gr.Row():
                length = gr.Slider(1, UI_MAX_LENGTH, value=200, step=1, label=t("rnn.length"), elem_id="rnn-length")
                temperature = gr.Slider(0.1, 2.0, value=0.7, step=0.05, label=t("rnn.temperature"),
                                        elem_id="rnn-temperature")
            go = gr.Button(t("rnn.continue"), variant="primary", elem_id="rnn-continue")
            gr.Markdown(t("text.rnn_bpc"), elem_id="rnn-bpc")
        with gr.Column(scale=6, min_width=320):
            output = gr.HTML(f'<div class="rnn-text rnn-empty">{DEFAULT_PROMPT}</div>', label=t("rnn.output"),
                             elem_id="rnn-output")
            status = gr.Markdown(t("rnn.status_ready"), elem_id="rnn-status")
            bars = gr.Plot(rnn_plots.next_char_bars(None, text.vocab()), label=t("rnn.probs"), elem_id="rnn-bars")
    with gr.Accordion(t("rnn.inside"), open=True, elem_id="rnn-inside"):
        gr.Markdown(t("text.rnn_inside_help"))
        heatmap = gr.Plot(label=t("rnn.heatmap"), elem_id="rnn-heatmap")
    with gr.Accordion(t("rnn.gates"), open=True, elem_id="rnn-gates"):
        gr.Markdown(t("rnn.gates_help"))
        with gr.Row():
            with gr.Column():
                acc_plot = gr.Plot(rnn_plots.accuracy_by_length(results, _labels(None, "en")),
                                   label=t("rnn.acc_plot"), elem_id="rnn-acc-plot")
                gr.Markdown(t("text.rnn_acc_table"), elem_id="rnn-acc-table")
            with gr.Column():
                with gr.Row():
                    grad_len = gr.Dropdown(lengths, value=lengths[-1] if lengths else None, label=t("rnn.grad_len"),
                                           elem_id="rnn-grad-len")
                    grad_when = gr.Radio([(t("rnn.grad_init"), "init"), (t("rnn.grad_trained"), "trained")],
                                         value="init", label=t("rnn.grad_when"), elem_id="rnn-grad-when")
                grad_plot = gr.Plot(rnn_plots.grad_norm_per_step(results, lengths[-1] if lengths else 0, "init",
                                                                 _labels(None, "en")),
                                    label=t("rnn.grad_plot"), elem_id="rnn-grad-plot")
        train.build("longrange", session_models)
    train.build("charlm", session_models)
    with gr.Accordion(t("rnn.theory"), open=False, elem_id="rnn-theory"):
        gr.Markdown(t("text.rnn_theory_table"), latex_delimiters=widgets.LATEX)

    # the public endpoints
    gr.api(rnn_generate, api_name="rnn_generate")
    gr.api(rnn_states, api_name="rnn_states")

    inputs = [prompt, cell, impl, length, temperature, session_models]
    go.click(on_continue, inputs, [output, bars, heatmap, status], api_visibility="private")
    prompt.submit(on_continue, inputs, [output, bars, heatmap, status], api_visibility="private")
    for comp in (grad_len, grad_when):
        comp.change(_gate_plots, [grad_len, grad_when], grad_plot, api_visibility="private", show_progress="hidden")
    opened(on_load, [prompt, cell, grad_len, grad_when, session_models], [bars, heatmap, acc_plot, grad_plot],
              api_visibility="private", show_progress="hidden")
