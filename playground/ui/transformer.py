"""The Transformer tab: type text, see where each attention head looks, what comes next, and let it write."""

from __future__ import annotations

import math

import gradio as gr

from playground import figures
from playground.models import transformer as tr
from playground.ui import i18n, plots, session, train, transformer_plots, widgets
from playground.ui.i18n import msg, t

EXAMPLES = {"text": "Call me Ishmael. Some years ago", "reverse": "31415926>62951413"}
MAX_LENGTH, MAX_TEMPERATURE = 1000, 2.0  # bounds of /transformer_generate
CSS = """
#transformer-status p { font-size: 1.02rem; }
#transformer-formula { padding: 0 8px; }
"""


# -----------------------------------------------------------------------------
# Which model, and reading what was typed


def _model(task: str, session_models: dict | None, request: gr.Request | None = None):
    """(model, description) for ``task``: the session's own finished job when it was trained on this
    task ("Use this model"), else the pretrained model of the task."""
    chosen = session.model_for("transformer", session_models, pretrained=f"transformer_{task}",
                               accept=lambda cfg: cfg.task == task)
    if chosen.job:
        return chosen.model, msg("transformer.model_job", request, job=chosen.job)
    stored = figures.stored()  # the figures the README states, one protocol for every character model
    return chosen.model, msg(f"transformer.model_{task}", request, bpc=stored.get("bpc.transformer", float("nan")),
                             acc=stored.get("reverse.exact_match", float("nan")))


def _check_task(task, request) -> str:
    if task not in tr.TASKS:
        raise gr.Error(msg("transformer.err_task", request, task=str(task)[:40]))
    return task


def _read(model, s, request, keep="first") -> tuple[list[int], list[str]]:
    """Typed text → (ids, notices). Empty, or nothing the model knows → gr.Error with a clear message."""
    if not isinstance(s, str) or not s.strip():
        raise gr.Error(msg("transformer.err_empty", request))
    ids, unknown, cut = tr.read(model.cfg, s, keep)
    shown = " ".join(repr(c)[1:-1] if not c.isprintable() else c for c in unknown[:12])
    if not ids:
        raise gr.Error(msg("transformer.err_no_known", request, chars=shown))
    notices = []
    if cut:
        key = "transformer.note_truncated" if keep == "first" else "transformer.note_prompt_cut"
        notices.append(msg(key, request, n=tr.context(model.cfg)))
    if unknown:
        notices.append(msg("transformer.note_unknown", request, chars=shown))
    return ids, notices


def _words(request) -> dict:
    return {k: msg(f"transformer.{k}", request) for k in
            ("hover_query", "hover_key", "hover_weight", "axis_query", "axis_key", "axis_pos", "axis_dim")}


# -----------------------------------------------------------------------------
# Handlers


def _index(value, n: int) -> int:
    """A radio value ("1".."n") → 0-based index, clamped to the model's size."""
    try:
        return min(max(int(value) - 1, 0), n - 1)
    except (TypeError, ValueError):
        return 0


def _selector(n: int, index: int, asked) -> gr.Radio:
    """The choices 1..n; the value is only sent when the one asked had to be clamped, so an answer cannot
    undo a layer or head picked while it was on its way."""
    choices = [str(i + 1) for i in range(n)]
    return gr.Radio(choices) if str(asked) == choices[index] else gr.Radio(choices, value=choices[index])


def analyse(s, task, layer, head, session_models, request: gr.Request):
    """Typed text → both heatmaps, next-character bars, status, the formula with shapes, the selectors."""
    task = task if task in tr.TASKS else "text"
    model, name = _model(task, session_models, request)
    L, H = model.cfg.n_layers, model.cfg.n_heads
    layer_i, head_i = _index(layer, L), _index(head, H)
    radios = _selector(L, layer_i, layer), _selector(H, head_i, head)
    try:
        ids, notices = _read(model, s, request)
    except gr.Error as e:
        return (None, None, transformer_plots.next_figure(None, ()), msg("transformer.status_ready", request)
                if not (s or "").strip() else f"⚠️ {e.message}", gr.skip(), *radios)
    att = tr.attention(model, ids)  # (L, nh, T, T)
    labels = [plots.show_char(c) for c in tr.decode(model.cfg, ids)]
    words = _words(request)
    head_title = msg("transformer.head_n", request, n="{n}")
    one = transformer_plots.head_figure(att[layer_i, head_i], labels,
                                        f"L{layer_i + 1} · " + head_title.format(n=head_i + 1), words)
    grid = transformer_plots.grid_figure(att[layer_i], labels, f"L{layer_i + 1} · " + head_title, words)
    probs = tr.next_probs(model, ids)
    status = msg("transformer.status", request, model=name, n=len(ids), layers=L, heads=H)
    status = "  \n".join([status, *[f"ℹ️ {n}" for n in notices]])
    bars = transformer_plots.next_figure(probs, tr.vocab(model.cfg))
    return one, grid, bars, status, formula(model, len(ids), request), *radios


def formula(model, T: int, request) -> str:
    s = tr.shapes(model, T)
    fmt = lambda shape: " × ".join(map(str, shape))  # noqa: E731
    return FORMULA + "\n\n" + msg("transformer.shapes", request, T=T, d_model=s["d_model"], Q=fmt(s["Q"]),
                                  A=fmt(s["A"]), sqrt=math.sqrt(s["d_k"]), masked=s["masked"],
                                  params=s["params"])


FORMULA = (r"$$\mathrm{Attention}(Q,K,V)=\mathrm{softmax}\!\left(\frac{QK^\top}{\sqrt{d_k}}+M\right)V,"
           r"\qquad M_{ij}=\begin{cases}0 & j\le i\\-\infty & j>i\end{cases}$$")


def transformer_generate(prompt, length, temperature, task, session_models, request: gr.Request):
    """API: ``prompt`` → the ``length`` characters the model writes after it, sampled at ``temperature``
    (0 = greedy). ``task`` "text" (default) or "reverse". Only the new characters are returned."""
    task = _check_task(task, request)
    n = widgets.number(length, 1, MAX_LENGTH, whole=True,
                       error=msg("transformer.err_length", request, max=MAX_LENGTH, value=length))
    temp = widgets.number(temperature, 0, MAX_TEMPERATURE,
                          error=msg("transformer.err_temperature", request, max=MAX_TEMPERATURE, value=temperature))
    model, _ = _model(task, session_models, request)
    ids, notices = _read(model, prompt, request, keep="last")
    for note in notices:
        gr.Info(note)
    return tr.decode(model.cfg, tr.generate(model, ids, n, temp))


def attention_api(s, task, session_models, request: gr.Request) -> dict:
    """API: text → {"tokens": [...], "attention": [layer][head][query][key], "notices": [...]}.

    Every row sums to 1, and every weight above the diagonal is 0 (a token never sees later ones).
    ``task``: "text" or "reverse". Text beyond the context is cut (with a notice); unknown characters
    are left out (with a notice); empty text or an unknown task is an error with a clear message.
    """
    task = _check_task(task, request)
    model, name = _model(task, session_models, request)
    ids, notices = _read(model, s, request)
    att = tr.attention(model, ids)
    return {"task": task, "model": name, "tokens": list(tr.decode(model.cfg, ids)),
            "attention": att.astype(float).tolist(), "notices": notices}


def on_generate(s, task, length, temperature, session_models, request: gr.Request):
    try:
        return (s or "") + transformer_generate(s, length, temperature, task, session_models, request)
    except gr.Error as e:
        gr.Warning(e.message)
        return gr.skip()


def on_solve(s, task, session_models, request: gr.Request) -> str:
    model, name = _model("reverse", session_models, request)
    n = model.cfg.seq_len
    digits = "".join(c for c in (s or "").split(tr.SEP)[0] if c in tr.DIGITS)
    if len(digits) != n or len((s or "").split(tr.SEP)[0].strip()) != n:
        return msg("transformer.solve_need", request, n=n)
    r = tr.solve(model, digits)
    verdict = msg("transformer.right" if r["correct"] else "transformer.wrong", request)
    return msg("transformer.solve_result", request, answer=r["answer"], expected=r["expected"], verdict=verdict)


def on_task(task, session_models, request: gr.Request):
    """A task picked (or the tab's first view): its example, its positional encodings, the controls it
    uses, and the maps of its example, drawn in the same answer so no second redraw can race this one."""
    task = task if task in tr.TASKS else "text"
    model, _ = _model(task, session_models, request)
    solve_mode = task == "reverse"
    pe = tr.positional_encoding(model.block_size, model.cfg.d_model).numpy()  # (context, d_model)
    # start on the last layer for the reverse task: that is where its heads read the digits backwards
    layer = str(model.cfg.n_layers if solve_mode else 1)
    *views, _, _ = analyse(EXAMPLES[task], task, layer, "1", session_models, request)
    selectors = (gr.Radio([str(i + 1) for i in range(n)], value=v)
                 for n, v in ((model.cfg.n_layers, layer), (model.cfg.n_heads, "1")))
    return (EXAMPLES[task], transformer_plots.pe_figure(pe, _words(request)), "", "", gr.Button(visible=solve_mode),
            gr.Slider(value=model.cfg.seq_len if solve_mode else 200), *views, *selectors)


# -----------------------------------------------------------------------------
# Switching heads off


def _head_name(layer: int, head: int) -> str:
    return f"L{layer + 1}·H{head + 1}"


def _head_choices(model) -> list[str]:
    return [_head_name(l, h) for l in range(model.cfg.n_layers) for h in range(model.cfg.n_heads)]


def on_heads(task, session_models, request: gr.Request):
    """The task's model's heads to tick (none ticked), and no result yet."""
    model, _ = _model(task if task in tr.TASKS else "text", session_models, request)
    return gr.CheckboxGroup(choices=_head_choices(model), value=[]), ""


def _score_columns(task, request) -> list[str]:
    third = "transformer.prune_col_acc" if task == "reverse" else "transformer.prune_col_bpc"
    return [msg(k, request) for k in ("transformer.prune_col_loss", third, "transformer.prune_col_change")]


def _score_cells(score: dict, base: dict) -> str:
    third = f"{score['acc']:.1%}" if "acc" in score else f"{score['bpc']:.3f}"
    return f"{score['loss']:.4f} | {third} | {score['loss'] - base['loss']:+.4f}"


def _scored_on(task, model, request) -> str:
    what = (msg("transformer.prune_on_reverse", request, n=len(tr.held_out_sequences(model.cfg)))
            if task == "reverse" else msg("transformer.prune_on_text", request, n=tr.ABLATION_CHARS))
    return msg("transformer.prune_on", request, what=what)


def on_prune(task, off, session_models, request: gr.Request) -> str:
    """The model scored with all its heads and with the ticked ones switched off, side by side."""
    task = task if task in tr.TASKS else "text"
    model, _ = _model(task, session_models, request)
    names = {name: divmod(i, model.cfg.n_heads) for i, name in enumerate(_head_choices(model))}
    off = list(off or [])
    if not off:
        raise gr.Error(msg("transformer.prune_pick", request))
    unknown = [h for h in off if h not in names]
    if unknown:
        raise gr.Error(msg("transformer.prune_bad", request, value=str(unknown[0])[:20]))
    base = tr.held_out_score(model)
    pruned = tr.held_out_score(tr.without_heads(model, [names[h] for h in off]))
    rows = [f"| {msg('transformer.prune_col_model', request)} | {' | '.join(_score_columns(task, request))} |",
            "|---|---:|---:|---:|",
            f"| {msg('transformer.prune_all', request)} | {_score_cells(base, base)} |",
            f"| {msg('transformer.prune_without', request, heads=', '.join(off))} | {_score_cells(pruned, base)} |"]
    return "\n".join([*rows, "", _scored_on(task, model, request)])


def on_each_head(task, session_models, request: gr.Request) -> str:
    """Every head switched off alone, the most harmful first."""
    task = task if task in tr.TASKS else "text"
    model, _ = _model(task, session_models, request)
    base = tr.held_out_score(model)
    effects = tr.head_effects(model)
    effects.sort(key=lambda e: -e["loss"])
    rows = [f"| {msg('transformer.prune_col_head', request)} | {' | '.join(_score_columns(task, request))} |",
            "|---|---:|---:|---:|",
            f"| ({msg('transformer.prune_all', request)}) | {_score_cells(base, base)} |"]
    rows += [f"| {_head_name(e['layer'], e['head'])} | {_score_cells(e, base)} |" for e in effects]
    return "\n".join([*rows, "", _scored_on(task, model, request)])


# -----------------------------------------------------------------------------
# Layout


@i18n.computed("text.transformer_theory_table")
def theory_markdown(lang: str) -> str:
    """The theory text, then the sizes of the pretrained models read from their real modules."""
    s = {key: i18n.text(key, lang) for key in ("text.transformer_theory", "transformer.table_model",
                                              "transformer.table_params", "transformer.table_title")}
    rows = [f"| {s['transformer.table_model']} | n_layers | n_heads | d_model | d_k | context | vocab | "
            f"Q, K, V | A | {s['transformer.table_params']} |", "|---|---:|---:|---:|---:|---:|---:|---|---|---:|"]
    for task in tr.TASKS:
        try:
            cfg = tr.Config(**session.pretrained_meta(f"transformer_{task}")["config"])
        except (session.ModelError, TypeError, ValueError):
            cfg = tr.Config(task=task)
        model = tr.build(cfg)
        sh = tr.shapes(model, model.block_size)
        fmt = lambda shape: " × ".join(map(str, shape))  # noqa: E731
        rows.append(f"| `transformer_{task}` | {sh['n_layers']} | {sh['n_heads']} | {sh['d_model']} | {sh['d_k']} "
                    f"| {sh['context']} | {sh['vocab']} | {fmt(sh['Q'])} | {fmt(sh['A'])} | {sh['params']:,} |")
    return "\n".join([s["text.transformer_theory"], "", s["transformer.table_title"], "", *rows])


def build(opened, session_models: gr.State) -> None:
    """Lay out the tab inside the current ``gr.Tab`` and wire its events."""
    gr.Markdown(t("transformer.intro"))
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=320):
            task = gr.Radio([(t("transformer.task_text"), "text"), (t("transformer.task_reverse"), "reverse")],
                            value="text", label=t("transformer.task"), elem_id="transformer-task")
            box = gr.Textbox(EXAMPLES["text"], label=t("transformer.input"), lines=3, max_lines=8,
                             elem_id="transformer-input")
            status = gr.Markdown(t("transformer.status_ready"), elem_id="transformer-status")
            with gr.Row():
                layer = gr.Radio(["1"], value="1", label=t("transformer.layer"), elem_id="transformer-layer")
                head = gr.Radio(["1"], value="1", label=t("transformer.head"), elem_id="transformer-head")
            bars = gr.Plot(transformer_plots.next_figure(None, ()), label=t("transformer.next"),
                           elem_id="transformer-next")
        with gr.Column(scale=4, min_width=420):
            one = gr.Plot(label=t("transformer.head_map"), elem_id="transformer-head-map")
    grid = gr.Plot(label=t("transformer.grid"), elem_id="transformer-grid")
    with gr.Accordion(t("transformer.continue"), open=True):
        with gr.Row():
            length = gr.Slider(1, MAX_LENGTH, value=200, step=1, label=t("transformer.length"))
            temperature = gr.Slider(0, MAX_TEMPERATURE, value=0.8, step=0.05, label=t("transformer.temperature"))
            with gr.Column(min_width=160):
                generate = gr.Button(t("transformer.generate"), variant="primary", elem_id="transformer-generate")
                solve = gr.Button(t("transformer.solve"), visible=False, elem_id="transformer-solve")
        output = gr.Textbox(label=t("transformer.output"), lines=4, interactive=False, elem_id="transformer-output")
        answer = gr.Markdown(elem_id="transformer-answer")
    with gr.Accordion(t("transformer.formula"), open=True):
        shapes_md = gr.Markdown(FORMULA, latex_delimiters=widgets.LATEX, elem_id="transformer-formula")
    with gr.Accordion(t("transformer.pe"), open=False):
        gr.Markdown(t("transformer.pe_help"))
        pe_plot = gr.Plot(label=t("transformer.pe"), elem_id="transformer-pe")
    with gr.Accordion(t("transformer.prune"), open=False, elem_id="transformer-prune") as prune_box:
        gr.Markdown(t("transformer.prune_help"))
        heads_off = gr.CheckboxGroup([], value=[], label=t("transformer.prune_heads"), elem_id="transformer-heads-off")
        with gr.Row():
            measure = gr.Button(t("transformer.prune_measure"), variant="primary", elem_id="transformer-prune-measure")
            each = gr.Button(t("transformer.prune_each"), elem_id="transformer-prune-each")
        pruned = gr.Markdown(elem_id="transformer-pruned")
    train.build("transformer", session_models)
    with gr.Accordion(t("transformer.theory"), open=False):
        gr.Markdown(t("text.transformer_theory_table"), latex_delimiters=widgets.LATEX)
    with gr.Group(visible=False):  # the public endpoints' own inputs: any value reaches our checks
        api_text, api_task = gr.Textbox(), gr.Textbox(value="text")
        api_json = gr.JSON()
        gen_prompt, gen_task = gr.Textbox(), gr.Textbox(value="text")
        gen_length, gen_temperature = gr.Number(value=200), gr.Number(value=0.8)
        gen_out = gr.Textbox()

    views = [one, grid, bars, status, shapes_md, layer, head]
    # One listener for every redraw, the last one asked winning. (`change`, not `input`, for the box:
    # Gradio's textbox sends `input` for keys only, not for a paste with the mouse or a drag and drop.)
    gr.on([box.change, layer.input, head.input, session_models.change], analyse,
          [box, task, layer, head, session_models], views, show_progress="hidden", api_visibility="private",
          trigger_mode="always_last")
    # One listener for the first view and a change of task, the last one winning: a task picked while the
    # first view is still on its way is not overwritten by it.
    gr.on([opened, task.input], on_task, [task, session_models],
          [box, pe_plot, output, answer, solve, length, *views], api_visibility="private",
          trigger_mode="always_last", show_progress="hidden")
    gr.on([prune_box.expand, task.input, session_models.change], on_heads, [task, session_models],
          [heads_off, pruned], api_visibility="private", show_progress="hidden")
    measure.click(on_prune, [task, heads_off, session_models], pruned, api_visibility="private")
    each.click(on_each_head, [task, session_models], pruned, api_visibility="private")
    generate.click(on_generate, [box, task, length, temperature, session_models], output, api_visibility="private")
    solve.click(on_solve, [box, task, session_models], answer, api_visibility="private")
    api_text.submit(attention_api, [api_text, api_task, session_models], api_json, api_name="attention")
    gen_prompt.submit(transformer_generate, [gen_prompt, gen_length, gen_temperature, gen_task, session_models],
                      gen_out, api_name="transformer_generate")
