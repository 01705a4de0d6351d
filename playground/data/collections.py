"""A learner's own digits, kept for a fine-tune: content-addressed ``.npz`` files under the runs directory.

A collection is what ``drawing.to_mnist(drawing.read_image(file))`` gives for each of the learner's
pictures (MNIST-style 28×28 floats in [0, 1], stored as uint8) with one label 0–9 each. ``save`` names it
by the SHA-256 of its contents (the same digits and labels: the same id, saved once) and writes it as
``<runs>/collections/<id>.npz`` (``playground.runs_dir()``: ``$NP_RUNS_DIR`` else the repository's
``runs/``), written to a temporary file and renamed. ``load`` reads one back, checked. A fine-tune job
names its collection by id in ``cnn.Config.personal``; the job's worker loads it from the same disk.

Limits: 2 to ``MAX_DIGITS`` digits. Refusals are :class:`CollectionError` (a ``UserError``: the UI
translates its code).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
from pathlib import Path

import numpy as np

from playground.errors import UserError

MAX_DIGITS = 500  # digits in one collection: a class's worth of drawings, 1/16 of the bundled training set
MIN_DIGITS = 2
ID_PATTERN = re.compile(r"[0-9a-f]{64}")  # a SHA-256, in hex
FOLDER = "collections"

ERRORS = {  # user-facing messages, by code (the UI translates them: ui/strings/finetune.py)
    "collection_few": "a fine-tune needs at least {min} digits; got {n}",
    "collection_many": "at most {max} digits in one collection; got {n}",
    "collection_shape": "the digits must be 28×28 pictures; got an array of shape {shape}",
    "collection_labels": "every digit needs one label 0–9: got {n} labels for {m} digits",
    "collection_label_range": "labels must be whole numbers 0–9; label {index} is {value}",
    "collection_unknown": "no collection {id} on this machine (a fine-tune reads the server's disk)",
    "collection_damaged": "the collection {id} cannot be read",
}


class CollectionError(UserError):
    messages = ERRORS


def directory() -> Path:
    """``<runs>/collections``, where every collection lives."""
    import playground

    return playground.runs_dir() / FOLDER


def to_u8(images) -> np.ndarray:
    """MNIST-style digits as floats in [0, 1] (``drawing.to_mnist``) → uint8, as a collection keeps them."""
    return np.clip(np.rint(np.asarray(images, dtype=np.float64) * 255), 0, 255).astype(np.uint8)


def digit_key(digit_u8: np.ndarray) -> str:
    """One uint8 digit → the hex SHA-256 of its pixels: the same drawing has the same key."""
    return hashlib.sha256(np.ascontiguousarray(digit_u8, dtype=np.uint8).tobytes()).hexdigest()


def _check(images: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    images, labels = np.asarray(images), np.asarray(labels)
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise CollectionError("collection_shape", shape=tuple(images.shape))
    n = len(images)
    if labels.ndim != 1 or len(labels) != n:
        raise CollectionError("collection_labels", n=labels.size, m=n)
    if n < MIN_DIGITS:
        raise CollectionError("collection_few", min=MIN_DIGITS, n=n)
    if n > MAX_DIGITS:
        raise CollectionError("collection_many", max=MAX_DIGITS, n=n)
    for i, v in enumerate(labels.tolist()):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v != int(v) or not 0 <= v <= 9:
            raise CollectionError("collection_label_range", index=i, value=repr(v))
    if images.dtype != np.uint8:
        images = to_u8(images)
    return np.ascontiguousarray(images), labels.astype(np.int64)


def save(images: np.ndarray, labels) -> str:
    """Keep digits (N, 28, 28): uint8, or floats in [0, 1] as ``drawing.to_mnist`` gives) with their
    labels (N,) in 0–9 → the collection's id (hex SHA-256 of its contents). Raises ``CollectionError``."""
    images, labels = _check(images, labels)
    digest = hashlib.sha256()
    digest.update(np.asarray(images.shape, dtype=np.int64).tobytes())
    digest.update(images.tobytes())
    digest.update(labels.tobytes())
    cid = digest.hexdigest()
    folder = directory()
    path = folder / f"{cid}.npz"
    if path.is_file():
        return cid
    folder.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, images=images, labels=labels)
    fd, tmp = tempfile.mkstemp(prefix=f".{cid}.", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(buffer.getvalue())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return cid


def load(cid: str) -> tuple[np.ndarray, np.ndarray]:
    """A collection by id → (images uint8 (N, 28, 28), labels int64 (N,)). Raises ``CollectionError``."""
    if not isinstance(cid, str) or not ID_PATTERN.fullmatch(cid):
        raise CollectionError("collection_unknown", id=repr(cid))
    path = directory() / f"{cid}.npz"
    if not path.is_file():
        raise CollectionError("collection_unknown", id=cid)
    try:
        with np.load(path, allow_pickle=False) as f:
            images, labels = f["images"], f["labels"]
        return _check(images, labels)
    except (OSError, ValueError, KeyError):  # CollectionError is a ValueError: a file altered on disk
        raise CollectionError("collection_damaged", id=cid)
