"""Where the CNN fails and the learner's own digits: /confusion, /misclassified, and the collection's zip."""

import io
import zipfile

import numpy as np
import pytest
from gradio_client.exceptions import AppError
from PIL import Image

from playground import checkpoint
from playground.data import collections, digits, drawing
from playground.models import cnn
from playground.ui import collection


def test_the_confusion_matrix_is_the_pretrained_models_own_reading_of_the_held_out_digits(client):
    out = client.predict("pretrained", api_name="/confusion")
    m = np.array(out["matrix"])
    assert out["labels"] == list(range(10)) and m.shape == (10, 10) and out["n"] == m.sum() == 2000
    _, labels = digits.load_digits("test")
    assert (m.sum(1) == np.bincount(labels.numpy(), minlength=10)).all()  # rows are the true digits
    model, cfg, _ = checkpoint.pretrained("cnn")
    assert out["accuracy"] == pytest.approx(cnn.evaluate(model, cfg)["val_acc"], abs=1e-9)  # computed apart
    assert out["per_class"] == pytest.approx((np.diag(m) / m.sum(1)).tolist())
    assert m.trace() < 2000  # the pretrained model does make mistakes: the view has something to show


def test_a_cells_digits_are_the_ones_written_as_its_row_and_read_as_its_column(client):
    m = np.array(client.predict("pretrained", api_name="/confusion")["matrix"])
    off = m - np.diag(np.diag(m))
    t, p = np.unravel_index(off.argmax(), off.shape)
    out = client.predict("pretrained", int(t), int(p), api_name="/misclassified")
    assert out["count"] == m[t, p] == len(out["items"]) > 0
    _, labels = digits.load_digits("test")
    for item in out["items"]:
        assert labels[item["index"]] == t and int(np.argmax(item["probabilities"])) == p
        assert sum(item["probabilities"]) == pytest.approx(1, abs=1e-4)
    right = client.predict("pretrained", 4, 4, api_name="/misclassified")  # the diagonal: read right
    assert right["count"] == m[4, 4]
    sure = [it["probabilities"][4] for it in right["items"]]
    assert sure == sorted(sure, reverse=True)  # the surest first


@pytest.mark.parametrize("args, message", [
    (("nope",), "unknown job"),
    (("",), "pretrained"),
    (("x" * 500,), "pretrained"),
    (("pretrained", 10, 1), "digit from 0 to 9"),
    (("pretrained", 1, -1), "digit from 0 to 9"),
    (("pretrained", 1.5, 1), "digit from 0 to 9"),
])
def test_bad_models_and_classes_are_refused_with_a_clear_message(client, args, message):
    api = "/confusion" if len(args) == 1 else "/misclassified"
    with pytest.raises(AppError, match=message):
        client.predict(*args, api_name=api)


def test_a_job_that_is_not_a_cnn_is_refused(client):
    job = client.predict("mlp", '{"epochs": 1, "n_points": 100}', api_name="/start_training")
    with pytest.raises(AppError, match="did not train a CNN"):
        client.predict(job, api_name="/confusion")


# -----------------------------------------------------------------------------
# The collection's zip


def _held_out(n):
    x, y = digits.load_digits("test")
    return [(x[i].numpy(), int(y[i])) for i in range(n)]


def _kept(n):
    items = []
    for d, label in _held_out(n):
        items, why = collection.add(items, collections.to_u8(drawing.to_mnist(d / 255.0)), label)
        assert why is None
    return items


def test_a_collection_goes_home_as_a_zip_and_comes_back_the_same():
    items = _kept(12)
    path = collection.to_zip(items)
    with zipfile.ZipFile(path) as z:
        assert "labels.csv" in z.namelist() and len(z.namelist()) == 13
    back, counts = collection.from_zip(path, [])
    assert counts["kept"] == 12 and sum(counts.values()) == 12
    assert [it["label"] for it in back] == [it["label"] for it in items]
    # the pictures come back as the model will read them (near: a 28×28 digit is centred again)
    for a, b in zip(items, back):
        assert np.abs(a["digit"].astype(int) - b["digit"].astype(int)).mean() < 8
    again, counts = collection.from_zip(path, back)  # the same digits twice: all duplicates
    assert len(again) == 12 and counts["duplicate"] == 12 and counts["kept"] == 0


def _zip(tmp_path, files: dict, labels: str | None):
    path = tmp_path / "mine.zip"
    with zipfile.ZipFile(path, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
        if labels is not None:
            z.writestr("labels.csv", labels)
    return path


def test_bad_files_labels_and_duplicates_in_a_zip_are_counted_and_the_rest_is_kept(tmp_path):
    (a, la), (b, lb), (c, lc) = _held_out(3)
    png = {}
    for name, d in (("a.png", a), ("b.png", b), ("c.png", c)):
        buf = io.BytesIO()
        Image.fromarray(d).save(buf, format="PNG")
        png[name] = buf.getvalue()
    files = {**png, "notes.png": b"not a picture", "copy.png": png["a.png"]}
    labels = f"file,label\na.png,{la}\nb.png,12\nc.png,{lc}\nnotes.png,3\ncopy.png,{la}\ngone.png,4\nb.png,x\n"
    items, counts = collection.from_zip(_zip(tmp_path, files, labels), [])
    assert [it["label"] for it in items] == [la, lc]
    assert counts == {"kept": 2, "not_image": 1, "bad_label": 2, "duplicate": 1, "missing": 1, "full": 0}


@pytest.mark.parametrize("make, code", [
    (lambda p: p.write_bytes(b"PK\x03\x04 but not really a zip"), "zip_bad"),
    (lambda p: p.write_bytes(b"\0" * (collection.MAX_ZIP_BYTES + 1)), "zip_size"),
])
def test_a_file_that_is_no_collection_is_refused_whole(tmp_path, make, code):
    path = tmp_path / "x.zip"
    make(path)
    with pytest.raises(ValueError, match=code):
        collection.from_zip(path, [])


def test_a_zip_without_labels_is_refused_and_a_full_collection_keeps_no_more(tmp_path):
    with pytest.raises(ValueError, match="zip_labels"):
        collection.from_zip(_zip(tmp_path, {"a.png": b"x"}, None), [])
    items = _kept(3)
    full = [{"digit": np.full((28, 28), i % 256, np.uint8), "label": 0} for i in range(collection.MAX_DIGITS)]
    _, why = collection.add(full, items[0]["digit"], 1)
    assert why == "full"
