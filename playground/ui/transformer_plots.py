"""Figures of the Transformer tab (plotly): one head's attention map, all heads of a layer, the
next-character bars and the positional encodings.

Arrays in, figures out; the numbers come from ``models.transformer``. ``words`` carries the axis and
hover texts in the page's language (the tab makes them).
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from playground.ui.plots import ACCENT, FONT, MUTED, show_char

GRID_COLS = 4
MASKED = "#e5e7eb"  # the grey of the masked (future) cells


def _heatmap(att: np.ndarray, labels: list[str], words: dict, coloraxis: str | None = None) -> go.Heatmap:
    """One head's (T, T) map; cells above the diagonal are left empty so the grey mask shows."""
    T = len(labels)
    z = np.where(np.triu(np.ones((T, T), bool), 1), np.nan, att)
    named = [f"#{i} “{c}”" for i, c in enumerate(labels)]
    custom = [[[named[q], named[k]] for k in range(T)] for q in range(T)]  # [q][k] → (query, key)
    return go.Heatmap(
        z=z, x=list(range(T)), y=list(range(T)), customdata=custom, hoverongaps=False,
        coloraxis=coloraxis, colorscale=None if coloraxis else "Viridis", zmin=0,
        hovertemplate=(f"{words['hover_query']} %{{customdata[0]}}<br>"
                       f"{words['hover_key']} %{{customdata[1]}}<br>"
                       f"{words['hover_weight']} %{{z:.3f}}<extra></extra>"),
    )


def _axes(fig: go.Figure, labels: list[str], small: bool = False, **where) -> None:
    T = len(labels)
    show = T <= (24 if small else 70)
    ticks = dict(tickmode="array", tickvals=list(range(T)), ticktext=labels if show else None,
                 showticklabels=show, tickfont=dict(size=9 if small or T > 40 else 12), showgrid=False,
                 zeroline=False, tickangle=0)
    fig.update_xaxes(**ticks, **where)
    fig.update_yaxes(**ticks, autorange="reversed", scaleanchor=None, **where)


def head_figure(att: np.ndarray, labels: list[str], title: str, words: dict) -> go.Figure:
    fig = go.Figure(_heatmap(att, labels, words))
    _axes(fig, labels)
    fig.update_layout(title=dict(text=title, x=0.5), height=600, margin=dict(l=40, r=10, t=40, b=40),
                      xaxis_title=words["axis_key"], yaxis_title=words["axis_query"], plot_bgcolor=MASKED,
                      paper_bgcolor="rgba(0,0,0,0)", font=FONT)
    return fig


def grid_figure(atts: np.ndarray, labels: list[str], head_title: str, words: dict) -> go.Figure:
    """All heads of one layer (nh, T, T) side by side, on one colour scale."""
    nh = len(atts)
    cols = min(GRID_COLS, nh)
    rows = math.ceil(nh / cols)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[head_title.format(n=h + 1) for h in range(nh)],
                        horizontal_spacing=0.05, vertical_spacing=0.12 / rows)
    for h, a in enumerate(atts):
        fig.add_trace(_heatmap(a, labels, words, coloraxis="coloraxis"), row=h // cols + 1, col=h % cols + 1)
    _axes(fig, labels, small=True)
    fig.update_layout(height=80 + rows * 300, margin=dict(l=10, r=10, t=70, b=10), plot_bgcolor=MASKED,
                      coloraxis=dict(colorscale="Viridis", cmin=0, cmax=float(atts.max())),
                      paper_bgcolor="rgba(0,0,0,0)", font=FONT)
    return fig


def next_figure(probs: np.ndarray | None, vocab: tuple[str, ...], top: int = 12) -> go.Figure:
    fig = go.Figure()
    if probs is not None:
        order = np.argsort(probs)[::-1][:top]
        fig.add_bar(x=[show_char(vocab[i]) for i in order], y=probs[order],
                    marker_color=[ACCENT] + [MUTED] * (len(order) - 1),
                    text=[f"{p:.0%}" if p >= 0.01 else "" for p in probs[order]], textposition="outside",
                    hovertemplate="“%{x}”: %{y:.2%}<extra></extra>")
    fig.update_layout(height=280, margin=dict(l=10, r=10, t=10, b=10), font=FONT, showlegend=False,
                      yaxis=dict(range=[0, 1.15], tickformat=".0%", fixedrange=True),
                      xaxis=dict(type="category", fixedrange=True),
                      plot_bgcolor="rgba(0,0,0,0)", paper_bgcolor="rgba(0,0,0,0)")
    return fig


def pe_figure(pe: np.ndarray, words: dict) -> go.Figure:
    """The sinusoidal positional encodings (positions, d_model), a row per position."""
    fig = go.Figure(go.Heatmap(z=pe, colorscale="RdBu", zmid=0,
                               hovertemplate=f"{words['axis_pos']} %{{y}}, {words['axis_dim']} %{{x}}: "
                                             f"%{{z:.3f}}<extra></extra>"))
    fig.update_layout(height=340, margin=dict(l=10, r=10, t=10, b=10), font=FONT,
                      xaxis_title=words["axis_dim"], yaxis=dict(title=words["axis_pos"], autorange="reversed"),
                      paper_bgcolor="rgba(0,0,0,0)")
    return fig
