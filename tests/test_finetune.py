"""Fine-tune the CNN on a learner's digits: the collection, the holdout, the mixed batches, the warm start,
the job system and the API of the launched app (/finetune_cnn, /finetune_compare, then /use_model and
/classify_digit as on any job), and every bad input refused with a clear message that changes nothing."""

import dataclasses
import json
import os
import time
from functools import partial
from pathlib import Path

import numpy as np
import pytest
import torch
from gradio_client import handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from playground import checkpoint, config
from playground.data import collections, digits
from playground.errors import UserError
from playground.jobs import backends, scheduler
from playground.models import cnn

HANG_GUARD = 600  # seconds: waits end on a state; this only turns a hang into a failure, on any machine
JOB_ID = "cnn-20261203-121314-a1b2c3"


def _test_digits(per_class: int, classes=range(10), offset: int = 0):
    """Real held-out MNIST digits: ``per_class`` of each class → (uint8 (N, 28, 28), labels (N,))."""
    images, labels = digits.load_digits("test")
    idx = np.concatenate([np.flatnonzero(labels.numpy() == c)[offset:offset + per_class] for c in classes])
    return images[idx].numpy(), labels[idx].numpy()


@pytest.fixture
def runs(tmp_path, monkeypatch):
    """A runs directory of the test's own, as playground.runs_dir() (and so the workers) see it."""
    monkeypatch.setenv("NP_RUNS_DIR", str(tmp_path / "runs"))
    cnn._personal.cache_clear()
    return tmp_path / "runs"


# ----------------------------------------------------------------------------- settings and collections


def test_defaults_are_those_of_an_ordinary_job():
    cfg = cnn.Config()
    assert (cfg.start, cfg.personal) == ("", "")
    assert isinstance(cnn.train_data(cnn.TINY), cnn.TrainData)  # not the fine-tune's mixed batches
    model = cnn.build(cnn.TINY)
    assert set(cnn.evaluate(model, cnn.TINY)) == {"val_loss", "val_acc"}
    assert cnn.initial(cnn.TINY, load=None) is None  # the worker builds a fresh model, as before
    pretrained = checkpoint.read_meta(checkpoint.PRETRAINED / "cnn")["config"]
    assert config.from_overrides(cnn.Config, pretrained) == cnn.Config(**{**pretrained})  # still loads
    ui = [f.name for f in config.fields(cnn.Config) if f.metadata.get("ui")]
    assert not {"start", "personal", "holdout", "replay"} & set(ui)  # not in the Train panel


@pytest.mark.parametrize("field, value", [
    ("start", "scratch"), ("start", "cnn-1-2-3"), ("start", "../../etc"), ("start", "mlp-20261203-121314-a1b2c3"),
    ("start", JOB_ID + "x"), ("start", 7), ("personal", "abc"), ("personal", "A" * 64), ("personal", "0" * 63),
])
def test_start_and_personal_must_be_ids(field, value):
    with pytest.raises(UserError, match=f"{field} must be"):
        config.from_overrides(cnn.Config, {field: value})


def test_start_and_personal_accept_ids():
    cfg = config.from_overrides(cnn.Config, {"start": JOB_ID, "personal": "0f" * 32})
    assert (cfg.start, cfg.personal) == (JOB_ID, "0f" * 32)
    assert config.from_overrides(cnn.Config, {"start": "pretrained"}).start == "pretrained"


def test_a_collection_is_kept_once_by_its_contents_and_read_back(runs):
    images, labels = _test_digits(2)
    cid = collections.save(images.astype(np.float32) / 255, labels)  # floats in [0, 1], as to_mnist gives
    assert collections.ID_PATTERN.fullmatch(cid) and (runs / "collections" / f"{cid}.npz").is_file()
    back, back_labels = collections.load(cid)
    np.testing.assert_array_equal(back, images)
    np.testing.assert_array_equal(back_labels, labels)
    assert collections.save(images, labels) == cid  # the same digits: the same id, one file
    assert collections.save(images, (labels + 1) % 10) != cid
    assert len(list((runs / "collections").iterdir())) == 2


@pytest.mark.parametrize("n, labels, code", [
    (1, [3], "collection_few"), (collections.MAX_DIGITS + 1, None, "collection_many"),
    (3, [1, 2], "collection_labels"), (3, [1, 2, 10], "collection_label_range"),
    (3, [1, -1, 2], "collection_label_range"), (3, [1, 2.5, 2], "collection_label_range"),
])
def test_a_collection_is_bounded(runs, n, labels, code):
    labels = np.zeros(n, dtype=np.int64) if labels is None else np.array(labels)
    with pytest.raises(collections.CollectionError) as e:
        collections.save(np.zeros((n, 28, 28), np.uint8), labels)
    assert e.value.code == code
    assert not (runs / "collections").exists() or not list((runs / "collections").iterdir())


def test_unknown_or_damaged_collections_are_refused(runs):
    with pytest.raises(collections.CollectionError, match="no collection"):
        collections.load("ab" * 32)
    cid = collections.save(*_test_digits(1))
    (runs / "collections" / f"{cid}.npz").write_bytes(b"not a zip")
    with pytest.raises(collections.CollectionError, match="cannot be read"):
        collections.load(cid)


# ----------------------------------------------------------------------------- holdout and mixing


def test_the_holdout_is_deterministic_and_keeps_some_of_each_class_for_training():
    labels = np.array([0] * 5 + [1] * 2 + [2] * 1 + [3] * 10)
    held = cnn.holdout_mask(labels, 0.2, seed=0)
    np.testing.assert_array_equal(held, cnn.holdout_mask(labels, 0.2, seed=0))
    counts = {c: int(held[labels == c].sum()) for c in range(4)}
    assert counts == {0: 1, 1: 1, 2: 0, 3: 2}  # round(k·0.2), at least 1, never the last of a class
    assert not cnn.holdout_mask(labels, 0.0, seed=0).any()
    seeds = {tuple(np.flatnonzero(cnn.holdout_mask(labels, 0.2, seed=s))) for s in range(10)}
    assert len(seeds) > 1, "the seed decides which digits are held out"


def test_a_fine_tunes_batches_mix_the_learners_training_digits_with_bundled_ones(runs):
    images, labels = _test_digits(5)
    cid = collections.save(images, labels)
    cfg = dataclasses.replace(cnn.TINY, personal=cid, batch_size=32, replay=0.25, holdout=0.2, augment=False)
    data = cnn.train_data(cfg)
    train_x, _, held_x, held_y = cnn.personal_digits(cfg)
    assert isinstance(data, cnn.FineTuneData) and len(train_x) == 40 and len(held_y) == 10
    assert data.mine == 24 and len(data) == -(-40 * cnn.FineTuneData.REPEATS // 24)
    mine = {x.tobytes(): 0 for x in train_x}
    held = {x.tobytes() for x in held_x}
    bundled = {x.numpy().tobytes() for x in digits.load_digits("train")[0]}
    for x, y in data.epoch(torch.Generator().manual_seed(0)):
        assert x.shape == (32, 1, 28, 28) and y.shape == (32,)
        raw = np.rint((x[:, 0] * digits.MNIST_STD + digits.MNIST_MEAN).numpy() * 255).astype(np.uint8)
        for k, image in enumerate(raw):
            key = image.tobytes()
            assert key not in held, "a held-out digit of the learner's was trained on"
            if k < 24:
                mine[key] += 1  # KeyError: a digit not among the learner's training digits
            else:
                assert key in bundled, "the replayed part holds bundled training digits"
    # each training digit of the learner's, REPEATS times an epoch (the last batch may run over by a few)
    assert set(mine.values()) <= {cnn.FineTuneData.REPEATS, cnn.FineTuneData.REPEATS + 1}
    assert sum(mine.values()) == 24 * len(data)


def test_evaluate_scores_the_learners_held_out_digits(runs):
    images, labels = _test_digits(3)
    cfg = dataclasses.replace(cnn.Config(), personal=collections.save(images, labels))
    model, _, _ = checkpoint.pretrained("cnn")
    metrics = cnn.evaluate(model, cfg)
    assert metrics["val_acc"] == pytest.approx(0.9935)  # the pretrained CNN on the 2,000 held-out digits
    _, _, held, held_labels = cnn.personal_digits(cfg)
    expected = np.mean([cnn.predict(model, h / 255.0).argmax() == y for h, y in zip(held, held_labels)])
    assert len(held_labels) == 10 and metrics["personal_acc"] == pytest.approx(expected)
    answer = cnn.compare(model, model, cfg)
    assert answer == {"personal": {"before": metrics["personal_acc"], "after": metrics["personal_acc"], "n": 10},
                      "held_out": {"before": metrics["val_acc"], "after": metrics["val_acc"], "n": 2000}}


# ----------------------------------------------------------------------------- the warm start


def _saved_job(runs: Path, job_id: str, cfg=cnn.TINY, seed: int = 1) -> torch.nn.Module:
    torch.manual_seed(seed)
    model = cnn.build(cfg)
    checkpoint.save(runs / job_id / "model", "cnn", cfg, model, metrics={"val_acc": 0.5})
    return model


def test_the_warm_start_holds_the_start_models_weights(runs):
    start = _saved_job(runs, JOB_ID)
    cfg = dataclasses.replace(cnn.TINY, start=JOB_ID, dropout=0.2)
    model = cnn.initial(cfg, partial(checkpoint.load_start, "cnn"))
    assert model is not start and model.drop1.p == 0.2
    for (name, a), (_, b) in zip(model.state_dict().items(), start.state_dict().items()):
        assert torch.equal(a, b), name
    fresh = cnn.build(cfg)
    assert not torch.equal(fresh.fc2.weight, model.fc2.weight)
    pretrained = cnn.initial(dataclasses.replace(cnn.Config(), start="pretrained"), partial(checkpoint.load_start, "cnn"))
    assert torch.equal(pretrained.fc2.weight, checkpoint.pretrained("cnn")[0].fc2.weight)


def test_a_warm_start_refuses_other_shapes_and_missing_starts(runs):
    _saved_job(runs, JOB_ID)
    with pytest.raises(ValueError, match="must match the start model .*c1 8 ≠ 4"):
        cnn.initial(dataclasses.replace(cnn.TINY, start=JOB_ID, c1=8), partial(checkpoint.load_start, "cnn"))
    with pytest.raises(ValueError, match="the start model cnn-20261203-999999-a1b2c3 cannot be loaded"):
        cnn.initial(dataclasses.replace(cnn.TINY, start="cnn-20261203-999999-a1b2c3"),
                    partial(checkpoint.load_start, "cnn"))


@pytest.fixture
def manager(runs):
    m = scheduler.JobManager(runs, max_running=1, max_queued=3, backend=backends.Local(), stop_grace=3.0)
    yield m
    m.shutdown()


def test_a_fine_tune_job_starts_from_a_job_and_survives_its_deletion(runs, manager):
    start = manager.start("cnn", dataclasses.asdict(cnn.TINY))
    start_st = manager.wait(start, timeout=HANG_GUARD)
    assert start_st["state"] == "done"
    cid = collections.save(*_test_digits(2))
    job = manager.start("cnn", {**dataclasses.asdict(cnn.TINY), "start": start, "personal": cid})
    st = manager.wait(job, timeout=HANG_GUARD)
    assert st["state"] == "done" and st["error"] is None, st["error"]
    assert st["total_steps"] == 10  # 10 training digits · 16 repeats / 16 of them a batch, one epoch
    # its first scores are the start model's own: the warm start holds the start's weights
    assert st["final"]["before_val_acc"] == start_st["final"]["val_acc"]
    assert st["metrics"]["val_acc"][0] == [0, start_st["final"]["val_acc"]]
    assert [p[0] for p in st["metrics"]["personal_acc"]] == [0, 10]
    import shutil
    shutil.rmtree(runs / start)  # the start is gone: the finished fine-tune still loads
    model, cfg, meta = checkpoint.load(manager.model_dir(job))
    assert cfg.start == start and meta["metrics"]["before_val_acc"] == start_st["final"]["val_acc"]
    assert cnn.evaluate(model, dataclasses.replace(cfg, personal=""))["val_acc"] == st["final"]["val_acc"]
    again = manager.start("cnn", {**dataclasses.asdict(cnn.TINY), "start": start, "personal": cid})
    st = manager.wait(again, timeout=HANG_GUARD)
    assert st["state"] == "failed" and f"the start model {start} cannot be loaded" in st["error"], st


# ----------------------------------------------------------------------------- through the API


def _png(folder: Path, name: str, image: np.ndarray) -> str:
    path = folder / f"{name}.png"
    Image.fromarray(255 - image).resize((140, 140)).save(path)  # dark ink on white, as the pad draws
    return str(path)


@pytest.fixture(scope="module")
def drawings(tmp_path_factory):
    """Nine real digits as pictures (three each of 3, 5 and 8) with their labels, and one more of each."""
    folder = tmp_path_factory.mktemp("drawings")
    images, labels = _test_digits(4, classes=(3, 5, 8))
    paths = [_png(folder, f"d{k}", im) for k, im in enumerate(images)]
    mine = [k for k in range(len(labels)) if k % 4 != 3]
    return [paths[k] for k in mine], [int(labels[k]) for k in mine], [paths[k] for k in range(len(labels)) if k % 4 == 3]


def _wait(client, job_id):
    deadline = time.time() + HANG_GUARD
    while (st := client.predict(job_id, api_name="/job_status"))["state"] in ("queued", "running"):
        assert time.time() < deadline, f"{job_id} still {st['state']} after {HANG_GUARD} s"
        time.sleep(0.3)
    return st


def _probs(client, path):
    return np.array(client.predict(handle_file(path), api_name="/classify_digit")["probabilities"])


FAST = json.dumps({"epochs": 1})  # 6 drawings trained on, 6 steps of 32, then one evaluation


def test_finetune_through_the_api_then_use_it_and_fine_tune_it_again(app_url, drawings):
    from gradio_client import Client

    client, other = Client(app_url, verbose=False), Client(app_url, verbose=False)  # two new sessions
    paths, labels, others = drawings
    pretrained = _probs(other, others[0])
    job_id = client.predict([handle_file(p) for p in paths], json.dumps(labels), FAST, api_name="/finetune_cnn")
    assert isinstance(job_id, str) and cnn.START_PATTERN.fullmatch(job_id)
    st = _wait(client, job_id)
    assert st["state"] == "done" and st["arch"] == "cnn" and st["error"] is None, st
    assert st["config"]["start"] == "pretrained" and collections.ID_PATTERN.fullmatch(st["config"]["personal"])
    assert (st["config"]["c1"], st["config"]["c2"], st["config"]["hidden"]) == (32, 64, 128)  # the start's
    assert st["config"]["lr"] == cnn.FINETUNE["lr"] and st["config"]["epochs"] == 1
    assert st["total_steps"] == 6 and [p[0] for p in st["metrics"]["personal_acc"]] == [0, 6]
    answer = client.predict(job_id, api_name="/finetune_compare")
    assert answer["job_id"] == job_id and answer["start"] == "pretrained" and answer["seconds"] > 0
    assert answer["held_out"]["n"] == 2000 and answer["held_out"]["before"] == pytest.approx(0.9935)
    assert answer["held_out"]["after"] == st["final"]["val_acc"] > 0.9
    assert answer["personal"]["n"] == 3 and answer["personal"]["after"] == st["final"]["personal_acc"]
    assert 0 <= answer["personal"]["before"] <= 1
    used = client.predict(job_id, api_name="/use_model")
    assert used["arch"] == "cnn" and used["job_id"] == job_id
    probs = _probs(client, others[0])
    assert probs.sum() == pytest.approx(1, abs=1e-4)
    # read by the fine-tuned model (log-probabilities: a digit read with certainty by both differs far out)
    assert np.abs(np.log(probs + 1e-30) - np.log(pretrained + 1e-30)).max() > 0.1
    np.testing.assert_allclose(_probs(other, others[0]), pretrained, atol=1e-6)  # other sessions: unchanged
    # a second fine-tune starts from the model this session uses: the first one
    second = client.predict([handle_file(p) for p in paths[:4]], json.dumps(labels[:4]), FAST,
                            api_name="/finetune_cnn")
    st = _wait(client, second)
    assert st["state"] == "done" and st["config"]["start"] == job_id, st
    assert st["final"]["before_val_acc"] == answer["held_out"]["after"]  # it began where the first ended
    answer = client.predict(second, api_name="/finetune_compare")
    assert answer["start"] == job_id and answer["personal"]["n"] == 1  # three 3s: one held out; one 5: none
    with pytest.raises(AppError, match="is not a fine-tune on your digits"):
        client.predict(_plain_job(client), api_name="/finetune_compare")


def _plain_job(client):
    job_id = client.predict("cnn", json.dumps({"c1": 4, "c2": 8, "hidden": 16, "epochs": 1, "augment": False,
                                               "batch_size": 32}), api_name="/start_training")
    _wait(client, job_id)
    return job_id


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory, drawings):
    folder = tmp_path_factory.mktemp("bad")
    (folder / "notes.txt").write_text("not a picture")
    Image.new("L", (60, 60), 255).save(folder / "white.png")
    return {"text": str(folder / "notes.txt"), "white": str(folder / "white.png")}


def _bad_cases(paths, labels, bad):
    two, lab2 = paths[:2], json.dumps(labels[:2])
    return [
        ([], "[]", "{}", "send the drawings as a list of image files"),
        (paths[:1], json.dumps(labels[:1]), "{}", "one drawing is not enough to fine-tune on: send at least 2"),
        (paths[:3], json.dumps(labels[:2]), "{}", "there are 3 images but 2 labels"),
        (two, "[3, 10]", "{}", "label 2 is 10: labels must be whole numbers 0–9"),
        (two, "[-1, 3]", "{}", "label 1 is -1"),
        (two, "[3, 2.5]", "{}", "label 2 is 2.5"),
        (two, '[3, "5"]', "{}", 'label 2 is "5"'),
        (two, "[3, true]", "{}", "label 2 is true"),
        (two, "3, 5", "{}", "labels must be a JSON list"),
        (two, '{"a": 1}', "{}", "labels must be a JSON list"),
        ([paths[0], bad["text"]], lab2, "{}", "image 2: This file is not an image"),
        ([paths[0], bad["white"]], lab2, "{}", "image 2: There is no digit to read"),
        ([paths[0], paths[0]], "[3, 3]", "{}", "image 2 is the same drawing as image 1"),
        (two, lab2, '{"start": "cnn-20000101-000000-abcdef"}', "unknown start model \"cnn-20000101-000000-abcdef\""),
        (two, lab2, '{"start": "../../etc/passwd"}', "unknown start model"),
        (two, lab2, '{"start": 5}', "unknown start model 5"),
        (two, lab2, '{"personal": "ab"}', "personal is set by the fine-tune"),
        (two, lab2, '{"c1": 8}', "c1 must be 32, as in the start model cnn-.*; got 8"),
        (two, lab2, '{"epochs": 99}', r"epochs must be a number in \[1, 50\]"),
        (two, lab2, '{"holdout": 0.9}', r"holdout must be a number in \[0.0, 0.5\]"),
        (two, lab2, '{"colour": 1}', "unknown setting"),
        (two, lab2, "{oops", "config is not valid JSON"),
    ]


def test_every_bad_input_is_refused_clearly_and_changes_nothing(app_url, drawings, bad_files):
    from gradio_client import Client

    paths, labels, others = drawings
    learner = Client(app_url, verbose=False)  # a session of its own that uses its own model
    job_id = learner.predict([handle_file(p) for p in paths[:3]], json.dumps(labels[:3]), FAST,
                             api_name="/finetune_cnn")
    assert _wait(learner, job_id)["state"] == "done"
    learner.predict(job_id, api_name="/use_model")
    before = _probs(learner, others[1])
    folder = Path(os.environ["NP_RUNS_DIR"]) / "collections"  # the app's (conftest's app_url)
    kept = sorted(folder.iterdir())
    from playground import jobs
    n_jobs = len(jobs.manager().jobs(curves=False))
    for images, labels_json, settings, message in _bad_cases(paths, labels, bad_files):
        with pytest.raises(AppError, match=message):
            learner.predict([handle_file(p) for p in images], labels_json, settings, api_name="/finetune_cnn")
    assert sorted(folder.iterdir()) == kept, "a refused fine-tune wrote a collection"
    assert len(jobs.manager().jobs(curves=False)) == n_jobs, "a refused fine-tune started a job"
    np.testing.assert_allclose(_probs(learner, others[1]), before, atol=1e-7)  # still the session's own model


def test_refusals_speak_the_pages_language(app_url, drawings):
    from gradio_client import Client

    paths, labels, _ = drawings
    zh = Client(app_url, verbose=False, headers={"Accept-Language": "zh-CN"})
    with pytest.raises(AppError, match="有 3 张图却有 2 个标签"):
        zh.predict([handle_file(p) for p in paths[:3]], "[3, 3]", "{}", api_name="/finetune_cnn")
    with pytest.raises(AppError, match="没有这个任务"):
        zh.predict("cnn-20000101-000000-abcdef", api_name="/finetune_compare")


def test_finetune_compare_refuses_unknown_and_unfinished_jobs(new_client, drawings):
    with pytest.raises(AppError, match="unknown job 'cnn-20000101-000000-abcdef'"):
        new_client.predict("cnn-20000101-000000-abcdef", api_name="/finetune_compare")
    paths, labels, _ = drawings
    job_id = new_client.predict([handle_file(p) for p in paths], json.dumps(labels), json.dumps({"epochs": 30}),
                                api_name="/finetune_cnn")
    try:
        st = new_client.predict(job_id, api_name="/job_status")
        if st["state"] in ("queued", "running"):
            with pytest.raises(AppError, match=f"job {job_id} has no before/after yet"):
                new_client.predict(job_id, api_name="/finetune_compare")
    finally:
        new_client.predict(job_id, api_name="/cancel_job")
        st = _wait(new_client, job_id)
    assert st["state"] == "cancelled"
