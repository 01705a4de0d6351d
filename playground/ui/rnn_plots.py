"""Figures of the RNN tab (plotly): next-character bars, state/gate heatmaps, the long-range plots.

Arrays in, figures out; no model code. Kept beside the tab rather than in ``plots.py`` because only
this tab draws them.
"""

from __future__ import annotations

import html

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from playground.experiments import seeds_per_cell, summarize_longrange
from playground.ui.plots import PALETTE, show_char

FONT = dict(family="Inter, system-ui, sans-serif", size=12)
CELL_COLORS = {"rnn": PALETTE[3], "lstm": PALETTE[0], "gru": PALETTE[2]}
CELL_NAMES = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}
DASH = {"rnn": "solid", "lstm": "solid", "gru": "dash"}  # LSTM and GRU often overlap: keep both visible
SIGMOID_GATES = {"i", "f", "o", "r", "z"}  # in [0, 1]; the rest (h, c, g, n) are tanh-like around 0


def _layout(fig: go.Figure, height: int, **kw) -> go.Figure:
    fig.update_layout(height=height, font=FONT, margin=dict(l=10, r=10, t=30, b=10),
                      plot_bgcolor="rgba(0,0,0,0)", paper_bgcolor="rgba(0,0,0,0)", **kw)
    return fig


def next_char_bars(probs: np.ndarray | None, vocab, top: int = 15) -> go.Figure:
    """The ``top`` most likely next characters, most likely first."""
    fig = go.Figure()
    if probs is not None:
        order = np.argsort(-np.asarray(probs))[:top]
        labels = [f"'{show_char(vocab[i])}'" for i in order]
        values = [float(probs[i]) for i in order]
        fig.add_bar(x=labels, y=values, marker_color=[PALETTE[1]] + [PALETTE[7]] * (len(order) - 1),
                    text=[f"{v:.0%}" if v >= 0.01 else "" for v in values], textposition="outside",
                    hovertemplate="%{x}: %{y:.2%}<extra></extra>")
    _layout(fig, 260, showlegend=False)
    fig.update_yaxes(range=[0, 1.12], tickformat=".0%", fixedrange=True)
    fig.update_xaxes(type="category", fixedrange=True)
    return fig


def continuation_html(prompt: str, generated: str) -> str:
    """The prompt (muted) followed by the continuation (highlighted), whitespace kept."""
    return ('<div class="rnn-text"><span class="rnn-prompt">' + html.escape(prompt) + '</span>'
            '<span class="rnn-gen">' + html.escape(generated) + "</span></div>")


def state_heatmaps(chars: list[str], panels: list[tuple[str, str, np.ndarray]], units: np.ndarray,
                   hover: str) -> go.Figure:
    """One heatmap per panel (kind, title, (T, H) array), rows = the chosen ``units``, columns = characters.
    ``kind`` is "hidden", "cell" or a gate name ("i", "f", "g", "o", "r", "z", "n").

    ``hover`` is a template with {char}, {t}, {unit} and {value} (translated by the caller).
    """
    T = len(chars)
    n = max(len(panels), 1)
    fig = make_subplots(rows=n, cols=1, shared_xaxes=True, vertical_spacing=0.045,
                        subplot_titles=[title for _, title, _ in panels])
    shown = [show_char(c) for c in chars]
    tmpl = (hover.replace("{char}", "'%{customdata}'").replace("{t}", "%{x}")
            .replace("{unit}", "%{y}").replace("{value}", "%{z:.3f}")) + "<extra></extra>"
    for row, (kind, _, values) in enumerate(panels, start=1):
        z = np.asarray(values)[:, units].T  # (units, T)
        if kind in SIGMOID_GATES:
            scale, lo, hi = "Viridis", 0.0, 1.0
        else:
            m = float(np.abs(z).max()) or 1.0
            scale, lo, hi = "RdBu_r", -max(m, 1e-6), max(m, 1e-6)
        fig.add_trace(go.Heatmap(
            z=z, x=list(range(T)), y=[int(u) for u in units], customdata=np.tile(np.array(shown, dtype=object),
                                                                                   (len(units), 1)),
            colorscale=scale, zmin=lo, zmax=hi, hovertemplate=tmpl, showscale=False, xgap=1,
        ), row=row, col=1)
        fig.update_yaxes(type="category", showticklabels=False, title_text="", row=row, col=1)
    fig.update_xaxes(tickmode="array", tickvals=list(range(T)), ticktext=shown, tickangle=0,
                     tickfont=dict(size=11 if T <= 60 else 8, family="monospace"), row=n, col=1)
    fig.update_annotations(font=dict(size=12))
    return _layout(fig, 60 + 150 * n, showlegend=False)


def accuracy_by_length(results: dict | None, labels: dict[str, str]) -> go.Figure:
    """Recall accuracy vs sequence length, one line per cell: the mean over its seeds, with a band from
    the worst seed to the best, and the chance level."""
    fig = go.Figure()
    if results:
        summary = summarize_longrange(results)
        for cell in results["cells"]:
            Ts = [T for T in results["lengths"] if (cell, T) in summary]
            s = [summary[(cell, T)] for T in Ts]
            fig.add_scatter(x=Ts + Ts[::-1], y=[v["max"] for v in s] + [v["min"] for v in s][::-1], fill="toself",
                            fillcolor=CELL_COLORS[cell], opacity=0.15, line=dict(width=0), hoverinfo="skip",
                            showlegend=False)
            fig.add_scatter(x=Ts, y=[v["mean"] for v in s], mode="lines+markers", name=CELL_NAMES[cell],
                            customdata=[[v["min"], v["max"], v["n"]] for v in s],
                            line=dict(color=CELL_COLORS[cell], width=2.5, dash=DASH[cell]),
                            hovertemplate=CELL_NAMES[cell] + " T=%{x}: %{y:.1%} (%{customdata[0]:.1%}–"
                                          "%{customdata[1]:.1%}, %{customdata[2]} seeds)<extra></extra>")
        fig.add_hline(y=results["chance"], line_dash="dot", line_color="#94a3b8",
                      annotation_text=labels["chance"], annotation_position="bottom right")
    fig.update_yaxes(range=[0, 1.05], tickformat=".0%", title_text=labels["acc"])
    fig.update_xaxes(title_text=labels["length"], type="log" if results else "linear",
                     tickvals=results["lengths"] if results else None)
    return _layout(fig, 320, showlegend=True, legend=dict(x=0.99, xanchor="right", y=0.55, yanchor="middle",
                                                          bgcolor="rgba(255,255,255,0.6)"))


def grad_norm_per_step(results: dict | None, seq_len: int, when: str, labels: dict[str, str]) -> go.Figure:
    """‖∂L/∂h_t‖ for t = 1 … seq_len, one line per cell (its run with the first seed), log scale."""
    fig = go.Figure()
    if results:
        key = "grad_norm_trained" if when == "trained" else "grad_norm_init"
        first = min(r.get("seed", 0) for r in results["runs"])
        for r in results["runs"]:
            if r["seq_len"] != seq_len or r.get("seed", 0) != first:
                continue
            y = np.asarray(r[key], dtype=float)
            y[y <= 0] = np.nan  # below float32's range (underflow to 0): a gap, as a log axis cannot show 0
            fig.add_scatter(x=list(range(1, len(y) + 1)), y=y, mode="lines", name=CELL_NAMES[r["cell"]],
                            line=dict(color=CELL_COLORS[r["cell"]], width=2.5, dash=DASH[r["cell"]]),
                            hovertemplate=CELL_NAMES[r["cell"]] + " t=%{x}: %{y:.2e}<extra></extra>")
    fig.update_yaxes(type="log", title_text=labels["grad"], exponentformat="power")
    fig.update_xaxes(title_text=labels["step"])
    return _layout(fig, 320, showlegend=True, legend=dict(x=0.99, xanchor="right", y=0.03, yanchor="bottom",
                                                          bgcolor="rgba(255,255,255,0.6)"))


def accuracy_table(results: dict | None, header: str) -> str:
    """Markdown: one row per cell (with its number of seeds), one column per sequence length: the mean
    held-out accuracy over the seeds, and the worst and best seed."""
    if not results:
        return ""
    summary, seeds = summarize_longrange(results), seeds_per_cell(results)
    rows = [f"| {header} | " + " | ".join(f"T = {T}" for T in results["lengths"]) + " |",
            "|---|" + "---:|" * len(results["lengths"])]
    for cell in results["cells"]:
        rows.append(f"| {CELL_NAMES[cell]} (n={seeds.get(cell, 0)}) | " + " | ".join(
            _mean_range(summary[(cell, T)]) if (cell, T) in summary else "–" for T in results["lengths"]) + " |")
    return "\n".join(rows)


def _mean_range(s: dict) -> str:
    if s["min"] == s["max"]:
        return f"{s['mean']:.0%}"
    return f"{s['mean']:.0%} ({s['min']:.0%}–{s['max']:.0%})"
