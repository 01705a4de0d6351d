"""The learner's own digits: confirm or correct what the CNN read, keep the drawing, take the collection
home (a zip of PNGs and ``labels.csv``) and bring it back later. The CNN tab fine-tunes on it.

A collection is a session's ``gr.State``: a list of {"digit": (28, 28) uint8, MNIST-style (white ink on
black, as the model reads it), "label": int}. Its zip holds those 28×28 pictures, so what is kept is
what the model will learn from.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
import zipfile
from pathlib import Path

import gradio as gr
import numpy as np
from PIL import Image

from playground.data import collections, drawing
from playground.ui import plots, widgets
from playground.ui.i18n import msg, t

MAX_DIGITS = 200  # drawings a collection keeps
MAX_ZIP_BYTES = 5 * 2**20  # an uploaded collection
MAX_MEMBER_BYTES = 2**20  # one file inside it, uncompressed
LABELS_FILE = "labels.csv"


def add(items: list, digit_u8: np.ndarray, label: int) -> tuple[list, str | None]:
    """``items`` with the digit appended → (new list, None) or (items, the code of why not: "full", "duplicate")."""
    if len(items) >= MAX_DIGITS:
        return items, "full"
    key = collections.digit_key(digit_u8)
    if any(collections.digit_key(it["digit"]) == key for it in items):
        return items, "duplicate"
    return [*items, {"digit": digit_u8, "label": int(label)}], None


# The strip from JSON [{"png", "label"}, …]: each kept digit as the model sees it, its label, and a × that
# announces its place to the picker ``to`` (to remove it).
_STRIP_JS = """
const box = element.querySelector('.np-strip');
function show() {
  let v = []; try { v = JSON.parse(props.value || '[]'); } catch (e) {}
  box.innerHTML = '<div class="np-thumbs">' + v.map((it, i) => '<div class="np-thumb" data-i="' + i + '">'
    + '<button class="np-x" title="×" aria-label="remove ' + i + '">×</button><img alt="' + it.label + '" src="'
    + it.png + '"><span>' + it.label + '</span></div>').join('') + '</div>';
}
box.addEventListener('click', e => {
  const x = e.target.closest('button.np-x');
  if (x) document.dispatchEvent(new CustomEvent('np-pick', {detail: {to: '%(to)s', value: +x.parentNode.dataset.i}}));
});
watch('value', show);
show();
"""


def strip(items: list) -> str:
    """The strip's value (see _STRIP_JS): each kept digit as a PNG with its label."""
    return json.dumps([{"png": plots.png_url(it["digit"]), "label": it["label"]} for it in items])


def to_zip(items: list) -> str | None:
    """The collection as a zip (``digit-001.png``… + ``labels.csv``) in a temp folder; None when empty."""
    if not items:
        return None
    path = Path(tempfile.mkdtemp(prefix="np-digits-")) / "my-digits.zip"
    rows = io.StringIO()
    writer = csv.writer(rows, lineterminator="\n")
    writer.writerow(["file", "label"])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for i, it in enumerate(items, 1):
            name = f"digit-{i:03d}.png"
            buf = io.BytesIO()
            Image.fromarray(it["digit"]).save(buf, format="PNG")
            z.writestr(name, buf.getvalue())
            writer.writerow([name, it["label"]])
        z.writestr(LABELS_FILE, rows.getvalue())
    return str(path)


def from_zip(path, items: list) -> tuple[list, dict]:
    """Digits from an uploaded zip added to ``items`` → (new list, counts {"kept", "not_image",
    "bad_label", "duplicate", "missing", "full"}). Raises ``ValueError`` with a code ("zip_size",
    "zip_bad", "zip_labels") when the file as a whole cannot be read."""
    p = Path(path)
    if not p.is_file() or p.stat().st_size > MAX_ZIP_BYTES:
        raise ValueError("zip_size")
    counts = dict.fromkeys(("kept", "not_image", "bad_label", "duplicate", "missing", "full"), 0)
    try:
        with zipfile.ZipFile(p) as z:
            members = {i.filename: i for i in z.infolist() if not i.is_dir()}
            info = members.get(LABELS_FILE)
            if info is None or info.file_size > MAX_MEMBER_BYTES:
                raise ValueError("zip_labels")
            rows = list(csv.reader(io.StringIO(z.read(info).decode("utf-8-sig", errors="replace"))))
            for row in rows[1:] if rows and [c.strip().lower() for c in rows[0][:2]] == ["file", "label"] else rows:
                if len(row) < 2 or not row[0].strip():
                    counts["bad_label"] += 1
                    continue
                name, label = row[0].strip(), row[1].strip()
                if label not in {str(d) for d in range(10)}:
                    counts["bad_label"] += 1
                    continue
                member = members.get(name)
                if member is None:
                    counts["missing"] += 1
                    continue
                if member.file_size > MAX_MEMBER_BYTES:
                    counts["not_image"] += 1
                    continue
                try:
                    digit = collections.to_u8(drawing.to_mnist(drawing.read_image(z.read(member))))
                except (drawing.ImageError, ValueError):
                    counts["not_image"] += 1
                    continue
                items, why = add(items, digit, int(label))
                counts[why or "kept"] += 1
    except zipfile.BadZipFile:
        raise ValueError("zip_bad") from None
    return items, counts


# -----------------------------------------------------------------------------
# The tab's part


def _line(items: list, request) -> str:
    if not items:
        return msg("collect.empty", request)
    per = np.bincount([it["label"] for it in items], minlength=10)
    return msg("collect.count", request, n=len(items), max=MAX_DIGITS,
               per=" · ".join(f"{d}: {c}" for d, c in enumerate(per) if c))


def _views(items: list, request):
    """The State, the strip, its line and the download after a change."""
    return items, strip(items), _line(items, request), gr.DownloadButton(value=to_zip(items), interactive=bool(items))


def on_keep(value, truth, items, request: gr.Request):
    """Keep the pad's drawing with the label the learner confirmed or corrected. A refusal is an error
    (the pad is then left as it is; it is cleared for the next digit only after a success)."""
    try:
        ink = widgets.pad_ink(value)
        if ink is None:
            raise gr.Error(msg("collect.draw_first", request))
        label = widgets.number(truth, 0, 9, whole=True, error=msg("collect.pick_label", request))
        digit = collections.to_u8(drawing.to_mnist(ink))
    except drawing.ImageError as e:
        raise gr.Error(msg(f"err.{e.code}", request, **e.params))
    items, why = add(items or [], digit, label)
    if why:
        raise gr.Error(msg(f"collect.{why}", request, max=MAX_DIGITS))
    return _views(items, request)


def on_remove(pick, items, request: gr.Request):
    """A digit's × clicked: it leaves the collection."""
    index, items = widgets.picked(pick), list(items or [])
    if not (isinstance(index, int) and not isinstance(index, bool) and 0 <= index < len(items)):
        return (gr.skip(),) * 4
    del items[index]
    return _views(items, request)


def on_clear(request: gr.Request):
    return _views([], request)


def on_upload(path, items, request: gr.Request):
    try:
        items, counts = from_zip(path, items or [])
    except ValueError as e:
        gr.Warning(msg(f"collect.{e}", request, mb=MAX_ZIP_BYTES // 2**20, labels=LABELS_FILE))
        return (gr.skip(),) * 4
    skipped = {k: v for k, v in counts.items() if k != "kept" and v}
    text = msg("collect.uploaded", request, kept=counts["kept"])
    if skipped:
        text += " " + msg("collect.skipped", request, what=", ".join(
            msg(f"collect.skip_{k}", request, n=v) for k, v in skipped.items()))
    (gr.Warning if skipped else gr.Info)(text)
    return _views(items, request)


def section(canvas: gr.HTML) -> tuple[gr.Radio, gr.State, gr.Button, gr.Button, gr.Markdown]:
    """Lay out the "Teach it your handwriting" part under the pad and wire it → (the label picker, the
    collection's State, the Keep button, the Fine-tune button, where the fine-tune's result shows). The tab
    sets the picker to what the model read and wires the fine-tune to its Train panel."""
    items = gr.State([])
    with gr.Row(equal_height=False):
        truth = gr.Radio([str(d) for d in range(10)], value=None, label=t("collect.truth"), scale=4,
                         elem_id="cnn-truth")
        keep = gr.Button(t("collect.keep"), variant="primary", scale=1, elem_id="cnn-keep")
    remove_pick = widgets.picker("cnn-pick-remove")
    shown = gr.HTML("[]", label=t("collect.strip"), show_label=True, container=True, elem_id="cnn-collection",
                    js_on_load=_STRIP_JS % {"to": "cnn-pick-remove"}, html_template='<div class="np-strip"></div>')
    line = gr.Markdown(t("collect.empty"), elem_id="cnn-collection-line")
    with gr.Row():
        clear = gr.Button(t("collect.clear"), size="sm", variant="stop", elem_id="cnn-collection-clear")
        download = gr.DownloadButton(t("collect.download"), size="sm", interactive=False,
                                     elem_id="cnn-collection-download")
        upload = gr.UploadButton(t("collect.upload"), size="sm", file_types=[".zip"], file_count="single",
                                 elem_id="cnn-collection-upload")
    with gr.Row(equal_height=False):
        tune = gr.Button(t("collect.finetune"), variant="primary", scale=1, elem_id="cnn-finetune")
        gr.Markdown(t("collect.finetune_help"), elem_id="cnn-finetune-help")
    tuned = gr.Markdown(elem_id="cnn-finetune-result")
    views = [items, shown, line, download]
    keep.click(on_keep, [canvas, truth, items], views, api_visibility="private").success(
        None, js="() => { const c = document.querySelector('#%s canvas'); if (c) c.dispatchEvent(new Event('np-clear')); }"
        % canvas.elem_id)
    remove_pick.input(on_remove, [remove_pick, items], views, api_visibility="private")
    clear.click(on_clear, None, views, api_visibility="private")
    upload.upload(on_upload, [upload, items], views, api_visibility="private")
    return truth, items, keep, tune, tuned
