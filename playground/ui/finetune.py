"""Fine-tune the CNN on a learner's own digits: the API endpoints (the CNN tab's page builds on them).

/finetune_cnn(images, labels, config) → a job id: the learner's pictures (image files) with their labels
(a JSON list of whole numbers 0–9, one per image, in order) and ``config``, a JSON object of settings
(``"{}"`` for the defaults, ``cnn.FINETUNE``; ``start``: "pretrained" or a finished CNN job's id, by
default the model this session uses). The digits are kept as a collection (``data.collections``); the
job is an ordinary "cnn" job of this session that starts from that model and learns from the learner's
digits mixed with replayed bundled ones, so /job_status, /cancel_job, /use_model and /classify_digit work
on it as on any job. /finetune_compare(job_id) → its accuracies before and after, side by side.

Every refusal is a ``gr.Error`` in the page's language (English or 中文); a refused or failed fine-tune
changes nothing: not the collection (collections are never altered), not the model in use.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import gradio as gr

from playground import config as config_mod
from playground import jobs
from playground.data import collections, drawing
from playground.models import cnn
from playground.ui import session, widgets
from playground.ui.api import parse_config
from playground.ui.i18n import msg

MAX_LABELS_CHARS = 10 * collections.MAX_DIGITS  # "[3, 7, …]": a few characters a label
FIXED = ("personal",)  # settings the fine-tune sets itself


def _owner(request: gr.Request | None) -> str:
    return (request.session_hash if request is not None else "") or ""


def _labels(labels, n_images: int, request) -> list[int]:
    """The JSON list of labels → ints 0–9, one per image; ``gr.Error`` saying what is wrong."""
    if not isinstance(labels, str) or len(labels) > MAX_LABELS_CHARS:
        raise gr.Error(msg("err.ft_labels_json", request))
    try:
        values = json.loads(labels)
    except (ValueError, RecursionError):
        raise gr.Error(msg("err.ft_labels_json", request))
    if not isinstance(values, list):
        raise gr.Error(msg("err.ft_labels_json", request))
    if len(values) != n_images:
        raise gr.Error(msg("err.ft_count", request, images=n_images, labels=len(values)))
    for i, v in enumerate(values, 1):
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 9:
            raise gr.Error(msg("err.ft_label", request, index=i, value=json.dumps(v)[:40]))
    return values


def _start(overrides: dict, session_models: dict | None, request) -> tuple[str, dict]:
    """The model the fine-tune starts from → (its name for ``Config.start``, its config).

    ``config``'s ``start`` when given, else the model this session uses (its finished CNN job, or the
    pretrained CNN when it has none or that job is gone)."""
    start = overrides.get("start")
    if start is None:
        start = session.model_for("cnn", session_models).source  # "pretrained" or a loadable job's id
    if not isinstance(start, str) or not cnn.START_PATTERN.fullmatch(start):
        raise gr.Error(msg("err.ft_start", request, value=json.dumps(start)[:80]))
    try:
        meta = session.start_meta(start)
    except jobs.JobError as e:
        if e.code == "job_no_model":
            raise gr.Error(msg("err.ft_start_state", request, value=start, state=e.params["state"]))
        raise gr.Error(msg("err.ft_start", request, value=json.dumps(start)))
    except session.ModelError:
        raise gr.Error(msg("train.damaged", request, job=start))
    if meta.get("arch") != "cnn":
        raise gr.Error(msg("err.ft_start", request, value=json.dumps(start)))
    return start, meta["config"]


def _digits(images: list, request):
    """Image files → MNIST-style digits (N, 28, 28) in [0, 1]; ``gr.Error`` naming a bad or repeated one."""
    import numpy as np

    out, seen = [], {}
    for i, path in enumerate(images, 1):
        try:
            if not isinstance(path, str):  # not a file Gradio received (see _uploads)
                raise drawing.ImageError("no_image")
            digit = drawing.to_mnist(drawing.read_image(path))
        except drawing.ImageError as e:
            raise gr.Error(msg("err.ft_image", request, index=i, why=msg(f"err.{e.code}", request, **e.params)))
        key = collections.digit_key(collections.to_u8(digit))
        if key in seen:
            raise gr.Error(msg("err.ft_duplicate", request, index=i, first=seen[key]))
        seen[key] = i
        out.append(digit)
    return np.stack(out)


def finetune_cnn(images, labels: str, config: str, session_models: dict | None, request: gr.Request) -> str:
    """API: fine-tune the CNN on the learner's digits → the job's id.

    ``images``: image files (PNG/JPEG/…, any size and polarity), at least 2; ``labels``: a JSON list of
    whole numbers 0–9, one per image in the same order; ``config``: a JSON object of settings (``"{}"``:
    the defaults of ``cnn.FINETUNE``; ``start`` picks the model to start from; ``holdout``, ``replay``,
    ``epochs``, ``lr`` … as on any CNN job, bounded). Images and labels are counted from 1 in messages.
    """
    if images is None or not isinstance(images, (list, tuple)) or not images \
            or len(images) > collections.MAX_DIGITS:
        raise gr.Error(msg("err.ft_images", request, min=collections.MIN_DIGITS, max=collections.MAX_DIGITS))
    if len(images) < collections.MIN_DIGITS:
        raise gr.Error(msg("err.ft_one", request, min=collections.MIN_DIGITS))
    paths = [getattr(f, "path", f) if not isinstance(f, dict) else f.get("path") for f in images]
    values = _labels(labels, len(paths), request)
    overrides = parse_config(config, '{"epochs": 3}', request)
    return start(lambda: _digits(paths, request), values, overrides, session_models, request)


def start(read_digits, values: list[int], overrides: dict, session_models: dict | None, request) -> str:
    """Start a fine-tune of the model in use (or ``overrides``' ``start``) on ``read_digits()`` (N, 28, 28)
    uint8, or floats in [0, 1], labelled ``values`` → the job id; every setting is checked before the digits are read and
    stored. The CNN tab's button and /finetune_cnn both start here."""
    for name in FIXED:
        if name in overrides:
            raise gr.Error(msg("err.ft_fixed", request, name=name))
    start, start_config = _start(overrides, session_models, request)
    for name in cnn.ARCH_FIELDS:
        if name in overrides and overrides[name] != start_config.get(name):
            raise gr.Error(msg("err.ft_arch", request, name=name, expected=start_config.get(name), start=start,
                               value=json.dumps(overrides[name])[:40]))
    arch = {name: start_config[name] for name in (*cnn.ARCH_FIELDS, "dropout") if name in start_config}
    settings = {**cnn.FINETUNE, **arch, **overrides, "start": start}
    try:  # every setting checked before a file is written
        config_mod.from_overrides(cnn.Config, {k: v for k, v in settings.items() if k != "device"})
        cid = collections.save(read_digits(), values)
        return jobs.manager().start("cnn", {**settings, "personal": cid}, owner=_owner(request))
    except ValueError as e:  # settings out of range, the queue, a collection refused
        raise widgets.refusal(e, request)


def comparison(job_id: str, request: gr.Request) -> dict:
    """API: a finished fine-tune's accuracies before and after, side by side →
    {"job_id", "start", "personal": {"before", "after", "n"}, "held_out": {"before", "after", "n"},
    "seconds"}: on the learner's held-out digits (never trained on) and on the 2,000 held-out MNIST
    digits; accuracies in [0, 1] (None where not measured: no held-out digits of the learner's)."""
    try:
        st = jobs.manager().status(job_id)
    except jobs.JobError as e:
        raise widgets.refusal(e, request)
    if st["arch"] != "cnn" or not st["config"].get("personal") or not st["config"].get("start"):
        raise gr.Error(msg("err.ft_not_finetune", request, job=job_id))
    final = st["final"] or {}
    if st["state"] not in ("done", "cancelled") or "before_val_acc" not in final:
        raise gr.Error(msg("err.ft_not_done", request, job=job_id, state=st["state"]))
    names = {f.name for f in dataclasses.fields(cnn.Config)}
    cfg = config_mod.from_overrides(cnn.Config, {k: v for k, v in st["config"].items() if k in names})
    before = {k[len("before_"):]: v for k, v in final.items() if k.startswith("before_")}
    after = {k: v for k, v in final.items() if not k.startswith("before_")}
    try:
        answer = cnn.comparison(cfg, before, after)
    except collections.CollectionError as e:
        raise widgets.refusal(e, request)
    return {"job_id": job_id, "start": cfg.start, **answer, "seconds": st["elapsed"]}


def _uploads() -> gr.File:
    """/finetune_cnn's hidden input: whatever is sent reaches ``finetune_cnn``'s checks as a list (a single
    file too: Gradio's own check of a file list would fail without a message for people). Only files that
    Gradio took into its upload cache count; anything else becomes None, which the checks refuse.

    A File whose list check and preprocessing are set on the instance, not a subclass: Gradio writes a
    ``.pyi`` beside the module of every component subclass when it is defined."""
    files = gr.File(file_count="multiple", visible=False)
    info = files.api_info()  # documented as the file list it is
    cache = Path(files.GRADIO_CACHE).resolve()

    def preprocess(payload):
        out = []
        for item in (payload if isinstance(payload, list) else [payload])[:collections.MAX_DIGITS + 1]:
            path = item.get("path") if isinstance(item, dict) and \
                (item.get("meta") or {}).get("_type") == "gradio.FileData" else None
            out.append(path if isinstance(path, str) and Path(path).resolve().is_relative_to(cache) else None)
        return out

    files.data_model = None  # no list check of Gradio's own: preprocess takes what came
    files.api_info = lambda: info
    files.preprocess = preprocess
    return files


def register(session_models: gr.State) -> None:
    """The endpoints /finetune_cnn and /finetune_compare, on hidden components (call inside a Blocks)."""
    images = _uploads()
    labels = gr.Textbox(visible=False)
    settings = gr.Textbox(visible=False)
    job_id = gr.Textbox(visible=False)
    answer = gr.JSON(visible=False)
    start, compare = gr.Button(visible=False), gr.Button(visible=False)
    start.click(finetune_cnn, [images, labels, settings, session_models], job_id, api_name="finetune_cnn")
    compare.click(comparison, job_id, answer, api_name="finetune_compare")
