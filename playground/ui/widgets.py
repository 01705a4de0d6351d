"""UI pieces several tabs share: the digit canvas, the LaTeX delimiters and the bounded-number check.

The CNN tab and the VAE sub-tab both take a hand-drawn digit from the same pad (:func:`digit_canvas`, a
canvas the page draws itself, read with :func:`pad_ink`), which reads its ink while the pen moves. Every
endpoint that takes a number checks it with :func:`number`, which answers with the tab's own message.
"""

from __future__ import annotations

import base64
import binascii
import json
import numbers
import secrets
from typing import Callable

import gradio as gr
import numpy as np

from playground.errors import UserError
from playground.ui import plots
from playground.ui.i18n import msg

CSS = """
.np-map img { padding-top: 34px; object-fit: contain; }  /* keep the block label off the picture */
.np-progress { height: 10px; border-radius: 5px; background: var(--neutral-200); overflow: hidden; }
.np-progress-bar { height: 100%; background: var(--color-accent); transition: width 0.8s linear; }
.np-answer { min-height: 150px; display: flex; gap: 18px; align-items: center; padding: 8px 4px; }
.np-digit { font-size: 88px; line-height: 1; font-weight: 700; min-width: 64px; text-align: center; }
.np-top { flex: 1; display: flex; flex-direction: column; gap: 6px; font-variant-numeric: tabular-nums; }
.np-row { display: grid; grid-template-columns: 1.2em 1fr 3.2em; gap: 8px; align-items: center; }
.np-bar { height: 12px; border-radius: 6px; background: var(--neutral-200); overflow: hidden; }
.np-bar span { display: block; height: 100%; background: var(--color-accent); }
.np-answer-error { color: var(--body-text-color-subdued); }
.np-opener { display: none !important; }
.np-pad canvas { display: block; width: 100%; max-width: 280px; aspect-ratio: 1; touch-action: none;
  background: #fff; border: 1px solid var(--border-color-primary); border-radius: 6px; cursor: crosshair; }
"""
LATEX = [{"left": "$$", "right": "$$", "display": True}, {"left": "$", "right": "$", "display": False}]

CANVAS = 280  # px; MNIST's 28×28 at ×10
BRUSH = 18  # px on the 280-px canvas: after scaling into 20×20 a stroke is ~2 px wide, as in MNIST


# -----------------------------------------------------------------------------
# The digit pad


PAD_LIVE_MS = 100  # while the pen is down, the ink is read at most this often (ms): the answer follows it
MAX_PAD_CHARS = 2_000_000  # a 280×280 PNG of strokes is a few kB; anything this large is not from the pad
_PNG_URL = "data:image/png;base64,"

# The pad draws in the page: Pointer Events (mouse, touch and pen alike), round strokes of one width, and
# the ink as a PNG of the strokes on a transparent layer, the same picture a Sketchpad's composite is. Its
# value is JSON {"png": data URL}; "" once cleared.
#
# Two ways out, for two speeds. The quick answer (``read``, a server function: one HTTP call, outside
# Gradio's event queue, whose every event costs the page a walk over all its components) is asked while
# the pen moves (at most every PAD_LIVE_MS, one call in flight, the newest ink next) and at each pen-up,
# and announced to the page as a ``np-answer`` event that :func:`answer_view` shows. The Gradio ``input``
# event, for everything slower, fires at each pen-up and clear only.
_PAD_JS = """
const cv = element.querySelector('canvas');
const ctx = cv.getContext('2d');
const W = cv.width, BRUSH = %(brush)d, LIVE_MS = %(live)d, ID = '%(id)s', READS = %(reads)s;
let down = false, last = null, timer = null, ink = false, busy = false, again = false, asked = 0;
function pos(e) {
  const r = cv.getBoundingClientRect();
  return [(e.clientX - r.left) * W / r.width, (e.clientY - r.top) * W / r.height];
}
function seg(a, b) {
  ctx.lineCap = 'round'; ctx.lineJoin = 'round'; ctx.lineWidth = BRUSH; ctx.strokeStyle = '#000';
  ctx.beginPath(); ctx.moveTo(a[0], a[1]); ctx.lineTo(b[0], b[1]); ctx.stroke();
}
function ink_json() { return ink ? JSON.stringify({png: cv.toDataURL('image/png')}) : ''; }
async function read(value) {  // one call in flight; ink drawn meanwhile is read when it returns
  if (busy) { again = true; return; }
  busy = true;
  const mine = ++asked;
  let answer;
  try { answer = await server.read(value, props.job || ''); } catch (e) { answer = {error: String(e)}; }
  busy = false;
  if (mine === asked) document.dispatchEvent(new CustomEvent('np-answer', {detail: {pad: ID, answer: answer}}));
  if (again) { again = false; read(ink_json()); }
}
function live() { timer = null; if (down) read(ink_json()); }
function done() {  // pen-up or clear: the quick answer, then the slower views
  clearTimeout(timer); timer = null; again = false;
  props.value = ink_json();
  if (READS) { busy = false; read(props.value); }
  trigger('input');
}
cv.addEventListener('pointerdown', e => {
  if (e.button !== 0) return;
  e.preventDefault(); cv.setPointerCapture(e.pointerId);
  down = true; ink = true; last = pos(e); seg(last, last);
});
cv.addEventListener('pointermove', e => {
  if (!down) return;
  for (const ev of (e.getCoalescedEvents ? e.getCoalescedEvents() : [e])) { const p = pos(ev); seg(last, p); last = p; }
  if (READS && LIVE_MS && timer === null) timer = setTimeout(live, LIVE_MS);
});
const up = () => { if (!down) return; down = false; done(); };
cv.addEventListener('pointerup', up);
cv.addEventListener('pointercancel', up);
cv.addEventListener('np-clear', () => { down = false; ink = false; ctx.clearRect(0, 0, W, W); done(); });
watch('picture', () => {  // a digit the server put on the pad (already answered): shown, and drawn on after
  let p = null; try { p = JSON.parse(props.picture || 'null'); } catch (e) {}
  if (!p) return;
  const img = new Image();
  img.onload = () => { ctx.clearRect(0, 0, W, W); ctx.drawImage(img, 0, 0, W, W); ink = true; props.value = ink_json(); };
  img.src = p.png;
});
cv.dataset.ready = '1';
"""

# The quick answer, as the pad announces it or as the view's value (JSON) from a Gradio event:
# {"label", "top": [[digit, p], …]}, {"error": text} or nothing.
_ANSWER_JS = """
const box = element.querySelector('.np-answer');
const pct = p => Math.round(100 * p) + '%%';
function show(a) {
  if (!a) { box.innerHTML = ''; return; }
  if (a.error) { box.innerHTML = '<p class="np-answer-error"></p>'; box.firstChild.textContent = a.error; return; }
  box.innerHTML = '<div class="np-digit">' + a.label + '</div><div class="np-top">' + a.top.map(([d, p]) =>
    '<div class="np-row"><span>' + d + '</span><span class="np-bar"><span style="width:' + pct(p) + '"></span></span>'
    + '<span>' + pct(p) + '</span></div>').join('') + '</div>';
}
document.addEventListener('np-answer', e => { if (e.detail.pad === '%(pad)s') show(e.detail.answer); });
watch('value', () => { let a = null; try { a = JSON.parse(props.value || 'null'); } catch (e) {} show(a); });
"""


def digit_canvas(label, clear_label, elem_id: str, clear_id: str, read: Callable | None = None) -> gr.HTML:
    """A pad for one digit (black ink, one brush width) and its Clear button, in a column of their own.

    Lay it out inside a ``gr.Row``; listen to its ``input`` event (each pen-up and clear) and read its
    value with :func:`pad_ink`. The page draws the pad itself: no tool to pick, ready as soon as it shows,
    touch and pen as well as the mouse. ``read(args, request)``, a server function given ``[value, job]``,
    answers quickly while the pen moves and at each pen-up (see :func:`answer_view`); ``job`` is the pad's
    ``job`` prop, the session's own model for it ("" = pretrained: :func:`follow_model`).
    """
    with gr.Column(scale=4, min_width=300):
        pad = gr.HTML(value="", label=label, show_label=True, container=True, elem_id=elem_id,
                      elem_classes="np-pad", server_functions=[read] if read else None, job="", picture="",
                      js_on_load=_PAD_JS % {"brush": BRUSH, "live": PAD_LIVE_MS, "id": elem_id,
                                            "reads": "true" if read else "false"},
                      html_template=f'<canvas width="{CANVAS}" height="{CANVAS}"></canvas>')
        clear = gr.Button(clear_label, elem_id=clear_id)
    clear.click(None, js="() => { const c = document.querySelector('#%s canvas');"
                         " if (c) c.dispatchEvent(new Event('np-clear')); }" % elem_id)
    return pad


def answer_view(label, pad_id: str, elem_id: str) -> gr.HTML:
    """Where a pad's quick answer shows: the digit read, and its three likeliest digits with bars. An
    event may also set it: its value is then that answer as JSON ("" for none)."""
    return gr.HTML(value="", label=label, show_label=True, container=True, elem_id=elem_id,
                   elem_classes="np-answer-view", js_on_load=_ANSWER_JS % {"pad": pad_id},
                   html_template='<div class="np-answer"></div>')


def pad_picture(digit: np.ndarray) -> gr.HTML:
    """An update that puts ``digit`` (28, 28) in [0, 1], ink = 1, on a pad: dark ink on a clear layer, as
    the pad draws. Its answer is the caller's to show; strokes drawn after it add to it."""
    rgba = np.zeros((28, 28, 4), np.uint8)
    rgba[..., 3] = (np.clip(digit, 0, 1) * 255).astype(np.uint8)  # black ink, its strength as opacity
    png = plots.png_url(plots.upscale(rgba, CANVAS // 28))
    return gr.HTML(picture=json.dumps({"png": png, "n": secrets.token_hex(4)}))  # n: the same digit twice redraws


def picker(elem_id: str) -> gr.HTML:
    """An unseen part whose ``input`` event fires with the value a view of the page announces for it
    (``document.dispatchEvent(new CustomEvent('np-pick', {detail: {to: elem_id, value}}))``), as JSON:
    a click in a view drawn by the page becomes one small Gradio event."""
    return gr.HTML("", elem_id=elem_id, elem_classes="np-opener", container=False, padding=False,
                   html_template="", js_on_load="document.addEventListener('np-pick', e => {"
                   f" if (e.detail.to !== '{elem_id}') return;"
                   " props.value = JSON.stringify(e.detail.value); trigger('input'); });")


def picked(value):
    """A :func:`picker`'s value → what the page announced (None when it is not JSON)."""
    try:
        return json.loads(value) if isinstance(value, str) and len(value) < 1000 else None
    except ValueError:
        return None


def follow_model(pad: gr.HTML, session_models: gr.State, slot: str) -> None:
    """Keep the pad's ``job`` prop on the session's model for ``slot``, for its quick reads."""
    session_models.change(lambda chosen: gr.HTML(job=(chosen or {}).get(slot) or ""), session_models, pad,
                          api_visibility="private", show_progress="hidden")


def opener(elem_id: str) -> gr.HTML:
    """An unseen part of a tab whose ``input`` event fires once per page, when the tab is first shown
    (Gradio mounts a tab's content then, and keeps it): a tab's first view is computed when it is opened,
    not for every page that loads."""
    return gr.HTML("", elem_id=elem_id, elem_classes="np-opener", container=False, padding=False,
                   html_template="", js_on_load="trigger('input');")


def pad_ink(value) -> np.ndarray | None:
    """The pad's value → its ink map, or None when it is empty.

    Raises ``drawing.ImageError`` ("not_image") for a value the pad would not send.
    """
    from playground.data import drawing

    if not value:
        return None
    if not isinstance(value, str) or len(value) > MAX_PAD_CHARS:
        raise drawing.ImageError("not_image")
    try:
        sent = json.loads(value)
        png = sent["png"]
        if not (isinstance(png, str) and png.startswith(_PNG_URL)):
            raise ValueError("not a PNG data URL")
        data = base64.b64decode(png[len(_PNG_URL):], validate=True)
    except (ValueError, TypeError, KeyError, binascii.Error):
        raise drawing.ImageError("not_image") from None
    return drawing.read_image(data)


# -----------------------------------------------------------------------------
# Checking what an endpoint was sent


def number(value, lo: float, hi: float, error: str, whole: bool = False) -> int | float:
    """``value`` if it is a number in [lo, hi] (a whole one when ``whole``), as an int when ``whole``
    else a float; otherwise ``gr.Error(error)``, the caller's message in the page's language.

    Text that spells a number counts (an endpoint's ``gr.Number`` passes JSON text on as it came);
    True/False, None, NaN and ±inf do not.
    """
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise gr.Error(error) from None
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not lo <= value <= hi:
        raise gr.Error(error)  # NaN fails the range test too
    if whole and value != int(value):
        raise gr.Error(error)
    return int(value) if whole else float(value)


def refusal(error: ValueError, request: gr.Request | None = None) -> gr.Error:
    """The ``gr.Error`` that tells a person why ``error`` refused them, in the page's language: a
    ``UserError`` (settings, jobs, pictures) by its code, any other ValueError in its own words."""
    if isinstance(error, UserError):
        return gr.Error(msg(f"err.{error.code}", request, **error.params))
    return gr.Error(str(error))
