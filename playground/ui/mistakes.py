"""Where the CNN fails: its confusion matrix on the 2,000 held-out digits, the digits behind each cell,
and any of them opened in the CNN tab's analysis view. /confusion and /misclassified.

The model's answers on the held-out digits are computed once per model (the pretrained CNN or a job's)
and kept (:func:`predictions`); the matrix, a cell's digits and the API answers are read from them.
The matrix and the digits are drawn by the page from JSON (a click is a ``np-pick`` page event that a
:func:`widgets.picker` turns into a Gradio event), so a click costs one small event.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict

import gradio as gr
import numpy as np
from playground import jobs
from playground.data import digits
from playground.models import cnn
from playground.ui import plots, session, widgets
from playground.ui.i18n import msg, t

CACHED_MODELS = 8  # models whose held-out answers are kept (2,000 × 10 floats each)
MAX_MODEL_CHARS = 80
_cache: OrderedDict[str, tuple[np.ndarray, np.ndarray]] = OrderedDict()
_lock = threading.Lock()

CSS = """
.np-cm { border-collapse: collapse; font-variant-numeric: tabular-nums; margin: 4px auto; }
.np-cm th, .np-cm td { padding: 0; text-align: center; font-size: 0.85rem; border: none !important; }
.np-cm th { font-weight: 600; padding: 2px 6px; color: var(--body-text-color-subdued); }
.np-cm button { display: block; width: 2.6em; height: 2.2em; padding: 0; margin: 0; min-width: 0; text-align: center;
  border: 1px solid var(--border-color-primary); cursor: pointer; color: var(--body-text-color); font: inherit; }
.np-cm button.np-zero { color: var(--body-text-color-subdued); cursor: default; }
.np-cm button.np-picked { outline: 3px solid var(--color-accent); outline-offset: -3px; }
.np-cm .np-axis { font-weight: 400; font-style: italic; }
.np-thumbs { display: flex; flex-wrap: wrap; gap: 8px; }
.np-thumb { display: flex; flex-direction: column; align-items: center; gap: 2px; border: 1px solid
  var(--border-color-primary); border-radius: 6px; padding: 4px; background: transparent; cursor: pointer;
  font: inherit; font-size: 0.8rem; color: var(--body-text-color); font-variant-numeric: tabular-nums; }
.np-thumb img { width: 56px; height: 56px; image-rendering: pixelated; }
.np-thumb .np-x { align-self: flex-end; line-height: 1; padding: 0 3px; color: var(--body-text-color-subdued); }
.np-strip { padding-top: 30px; }
.np-pager { display: flex; gap: 10px; align-items: center; margin: 6px 0; }
.np-pager button { padding: 2px 12px; }
"""

# The matrix from JSON {"m": counts, "acc": per-class accuracy, "picked": [t, p] | null, "words": {...}}:
# rows are true digits, columns the digit read; correct answers in green, mistakes in orange, the
# stronger the more digits. A click on a cell with digits announces [t, p] to the picker ``to``.
_MATRIX_JS = """
const box = element.querySelector('.np-cm-box');
function show() {
  let v = null; try { v = JSON.parse(props.value || 'null'); } catch (e) {}
  if (!v) { box.innerHTML = ''; return; }
  const off = Math.max(1, ...v.m.flatMap((row, i) => row.filter((_, j) => j !== i)));
  let html = '<table class="np-cm"><tr><th></th><th class="np-axis" colspan="10"></th><th></th></tr><tr><th class="np-axis"></th>';
  for (let j = 0; j < 10; j++) html += '<th>' + j + '</th>';
  html += '<th></th></tr>';
  v.m.forEach((row, i) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    html += '<tr><th>' + i + '</th>';
    row.forEach((n, j) => {
      const a = n === 0 ? 0 : (i === j ? 0.15 + 0.6 * n / total : 0.25 + 0.65 * n / off);
      const rgb = i === j ? '16,185,129' : '249,115,22';
      const picked = v.picked && v.picked[0] === i && v.picked[1] === j ? ' np-picked' : '';
      html += '<td><button class="np-cell' + (n ? '' : ' np-zero') + picked + '" data-t="' + i + '" data-p="' + j
        + '" style="background:rgba(' + rgb + ',' + a.toFixed(3) + ')">' + (n || '·') + '</button></td>';
    });
    html += '<td>' + (100 * v.acc[i]).toFixed(1) + '%%</td></tr>';
  });
  box.innerHTML = html + '</table>';
  const heads = box.querySelectorAll('.np-axis');
  heads[0].textContent = v.words.read; heads[1].textContent = v.words.true;
  box.querySelector('tr').lastElementChild.textContent = v.words.acc;
}
box.addEventListener('click', e => {
  const b = e.target.closest('button.np-cell');
  if (!b || b.classList.contains('np-zero')) return;
  document.dispatchEvent(new CustomEvent('np-pick', {detail: {to: '%(to)s', value: [+b.dataset.t, +b.dataset.p]}}));
});
watch('value', show);
show();
"""

# A cell's digits from JSON {"items": [{"i", "png", "read", "p"}], "words": {...}}, a page at a time.
# A click on one announces its held-out index to the picker ``to``.
_THUMBS_JS = """
const box = element.querySelector('.np-thumbs-box');
const PAGE = %(page)d;
let page = 0;
function show() {
  let v = null; try { v = JSON.parse(props.value || 'null'); } catch (e) {}
  if (!v) { box.innerHTML = ''; return; }
  const pages = Math.max(1, Math.ceil(v.items.length / PAGE));
  page = Math.min(page, pages - 1);
  let html = '<p class="np-thumbs-title"></p>';
  if (pages > 1) html += '<div class="np-pager"><button class="np-prev">‹</button><span>' + (page + 1) + ' / ' + pages
    + '</span><button class="np-next">›</button></div>';
  html += '<div class="np-thumbs">' + v.items.slice(page * PAGE, (page + 1) * PAGE).map(it =>
    '<button class="np-thumb" data-i="' + it.i + '" title="#' + it.i + '"><img alt="#' + it.i + '" src="' + it.png
    + '"><span>→ ' + it.read + ' · ' + Math.round(100 * it.p) + '%%</span></button>').join('') + '</div>';
  box.innerHTML = html;
  box.querySelector('.np-thumbs-title').textContent = v.words.title;
}
box.addEventListener('click', e => {
  if (e.target.closest('.np-prev')) { page = Math.max(0, page - 1); show(); return; }
  if (e.target.closest('.np-next')) { page += 1; show(); return; }
  const b = e.target.closest('button.np-thumb');
  if (b) document.dispatchEvent(new CustomEvent('np-pick', {detail: {to: '%(to)s', value: +b.dataset.i}}));
});
watch('value', () => { page = 0; show(); });
show();
"""
PAGE = 24  # digits shown at a time


# -----------------------------------------------------------------------------
# The model's answers on the held-out digits, once per model


def predictions(chosen: session.SessionModel) -> tuple[np.ndarray, np.ndarray]:
    """(probabilities (2000, 10), true labels (2000,)) of ``chosen`` on the held-out digits, cached."""
    key = chosen.source
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    images, labels = digits.load_digits("test")
    out = (cnn.predict_many(chosen.model, images), labels.numpy())
    with _lock:
        _cache[key] = out
        while len(_cache) > CACHED_MODELS:
            _cache.popitem(last=False)
    return out


def held_out(index) -> tuple[np.ndarray, int] | None:
    """Held-out digit ``index`` as the model reads it ((28, 28) float in [0, 1]) and the digit written;
    None when ``index`` is not the place of a held-out digit."""
    images, labels = digits.load_digits("test")
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(labels):
        return None
    return images[index].numpy().astype(np.float32) / 255.0, int(labels[index])


def _chosen(model, request) -> session.SessionModel:
    """/confusion's ``model``: "pretrained", or the id of a finished CNN job → the model."""
    if not isinstance(model, str) or not model.strip() or len(model) > MAX_MODEL_CHARS:
        raise gr.Error(msg("cnn.err_model", request, value=str(model)[:MAX_MODEL_CHARS]))
    model = model.strip()
    if model == session.PRETRAINED:
        return session.model_for("cnn", None)
    try:
        if jobs.manager().status(model, curves=False)["arch"] != "cnn":
            raise gr.Error(msg("cnn.err_not_cnn", request, job=model))
        _, chosen = session.use_job(model, None)  # refuses a job without a model, or a damaged one
    except jobs.JobError as e:
        raise widgets.refusal(e, request)
    except session.ModelError:
        raise gr.Error(msg("train.damaged", request, job=model))
    return session.model_for("cnn", chosen)


def _digit_class(value, name: str, request) -> int:
    return widgets.number(value, 0, 9, whole=True, error=msg("cnn.err_class", request, name=name, value=repr(value)[:40]))


# -----------------------------------------------------------------------------
# API


def confusion_api(model: str, request: gr.Request) -> dict:
    """API: the confusion matrix of ``model`` ("pretrained" or a finished CNN job's id) on the 2,000
    held-out digits → {"labels": [0…9], "matrix": [[int × 10] × 10] (rows true, columns predicted),
    "accuracy", "per_class": [accuracy of each true digit], "n"}."""
    probs, labels = predictions(_chosen(model, request))
    m = cnn.confusion(probs, labels)
    return {"labels": list(range(10)), "matrix": m.tolist(), "accuracy": float(np.trace(m) / m.sum()),
            "per_class": (np.diag(m) / np.maximum(m.sum(1), 1)).tolist(), "n": int(m.sum())}


def misclassified_api(model: str, true: int, predicted: int, request: gr.Request) -> dict:
    """API: the held-out digits of class ``true`` that ``model`` reads as ``predicted`` (the diagonal:
    those it reads right) → {"count", "items": [{"index", "probabilities": [10 floats]}, …]}, the surest
    first. ``index`` is the digit's place among the held-out digits."""
    true, predicted = _digit_class(true, "true", request), _digit_class(predicted, "predicted", request)
    probs, labels = predictions(_chosen(model, request))
    idx = _cell(probs, labels, true, predicted)
    return {"count": len(idx), "items": [{"index": int(i), "probabilities": [float(p) for p in probs[i]]}
                                         for i in idx]}


def _cell(probs, labels, true: int, predicted: int) -> np.ndarray:
    """Indices of the held-out digits in a cell, the surest reading first."""
    idx = np.flatnonzero((labels == true) & (probs.argmax(1) == predicted))
    return idx[np.argsort(-probs[idx, predicted], kind="stable")]


# -----------------------------------------------------------------------------
# The tab's views


def matrix_view(chosen: session.SessionModel, request, picked=None) -> str:
    """The matrix's JSON for the page (see _MATRIX_JS)."""
    probs, labels = predictions(chosen)
    m = cnn.confusion(probs, labels)
    words = {"true": msg("cnn.fails_true", request), "read": msg("cnn.fails_read", request),
             "acc": msg("cnn.fails_acc", request)}
    return json.dumps({"m": m.tolist(), "acc": (np.diag(m) / np.maximum(m.sum(1), 1)).round(4).tolist(),
                       "picked": picked, "words": words})


def summary(chosen: session.SessionModel, name: str, request) -> str:
    probs, labels = predictions(chosen)
    wrong = int((probs.argmax(1) != labels).sum())
    return msg("cnn.fails_summary", request, model=name, wrong=wrong, n=len(labels),
               acc=1 - wrong / len(labels))


def cell_view(chosen: session.SessionModel, true: int, predicted: int, request) -> str:
    """The JSON of a cell's digits for the page (see _THUMBS_JS)."""
    probs, labels = predictions(chosen)
    idx = _cell(probs, labels, true, predicted)
    images, _ = digits.load_digits("test")
    key = "cnn.fails_cell_right" if true == predicted else "cnn.fails_cell"
    items = [{"i": int(i), "png": plots.png_url(images[i].numpy()), "read": predicted, "p": round(float(probs[i, predicted]), 4)}
             for i in idx]
    return json.dumps({"items": items, "words": {"title": msg(key, request, n=len(idx), true=true, read=predicted)}})


def section(picker_cell: str, picker_digit: str) -> tuple[gr.HTML, gr.Markdown, gr.HTML]:
    """The views inside the tab's "Where it fails" accordion → (matrix, summary line, digits)."""
    gr.Markdown(t("cnn.fails_help"))
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=420):
            matrix = gr.HTML("", elem_id="cnn-confusion", js_on_load=_MATRIX_JS % {"to": picker_cell},
                             html_template='<div class="np-cm-box"></div>')
            line = gr.Markdown("", elem_id="cnn-fails-summary")
        with gr.Column(scale=1, min_width=320):
            thumbs = gr.HTML("", elem_id="cnn-fails-digits",
                             js_on_load=_THUMBS_JS % {"to": picker_digit, "page": PAGE},
                             html_template='<div class="np-thumbs-box"></div>')
    return matrix, line, thumbs
