"""Fine-tune on my digits, through the API of a launched app: does the CNN learn a learner's style?

    python bench/finetune.py                  # 3 seeds, 5 drawings per digit, 20 other drawings per digit
    python bench/finetune.py --seeds 0 --per-digit 5 --others 20

The "personal" style: real MNIST digits turned a quarter turn clockwise (90°), drawn as the pad sends
them (280×280, dark ink on white). Why this one: the bench first measures the pretrained CNN on two
candidate styles and prints both; digits rendered from the TTF fonts of this machine (DejaVu bold, thick
strokes, jittered) are read well by the pretrained CNN (≈ 96 % when measured), so there is little to
learn; the rotated digits are read poorly (≈ 20 %), so they are the style used. The rotated digits come
from the 8,000 bundled *training* digits (the upright originals were in the pretrained model's training
set, never the 2,000 held-out digits, which stay unseen in any form).

For each seed, in an app of its own (``served``, a fresh runs directory): ``per-digit`` drawings of each
digit go to /finetune_cnn (labels as JSON, ``config`` {"seed": seed}: the defaults otherwise); the job is
polled with /job_status until it ends; /finetune_compare gives the accuracy before and after on the
learner's held-out drawings (a fifth of them, never trained on) and on the 2,000 held-out digits, and the
job's seconds; then ``others`` *other* drawings of each digit in the same style are read with
/classify_digit by the pretrained model (a new session) and, after /use_model, by the fine-tuned one.
The last printed line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from served import served  # noqa: E402

FONTS = ["DejaVuSans-Bold.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSansMono-Bold.ttf", "DejaVuSerifCondensed-Bold.ttf"]
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
HANG_GUARD = 900  # seconds: the wait ends on the job's state; this only turns a hang into a failure


def rotated(image: np.ndarray) -> np.ndarray:
    """An MNIST digit (28×28, ink bright) → the style: turned 90° clockwise, dark ink on white, 280×280."""
    from PIL import Image

    return np.asarray(Image.fromarray(np.rot90(255 - image, k=-1).copy()).resize((280, 280), Image.BILINEAR))


def font_digit(d: int, rng) -> np.ndarray:
    """The other candidate style: ``d`` from a DejaVu bold font, thick strokes, a little shift and tilt."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(FONT_DIR / FONTS[rng.integers(len(FONTS))]), 110)
    img = Image.new("L", (160, 160), 255)
    ImageDraw.Draw(img).text((40 + rng.integers(-8, 9), 10 + rng.integers(-8, 9)), str(d), font=font, fill=0,
                             stroke_width=int(rng.integers(3, 8)), stroke_fill=0)
    return np.asarray(img.rotate(float(rng.uniform(-8, 8)), fillcolor=255))


def style_check(n_per_digit: int = 20) -> dict:
    """The pretrained CNN's accuracy on each candidate style (in this process, no API): the reason for the choice."""
    from playground import checkpoint
    from playground.data import digits, drawing
    from playground.models import cnn

    model, _, _ = checkpoint.pretrained("cnn")
    rng = np.random.default_rng(12345)
    images, labels = digits.load_digits("train")
    labels = labels.numpy()
    out = {}
    if FONT_DIR.is_dir():
        hits = [cnn.predict(model, drawing.to_mnist(drawing.read_image(font_digit(d, rng)))).argmax() == d
                for d in range(10) for _ in range(n_per_digit)]
        out["font"] = float(np.mean(hits))
    idx = np.concatenate([rng.choice(np.flatnonzero(labels == d), n_per_digit, replace=False) for d in range(10)])
    hits = [cnn.predict(model, drawing.to_mnist(drawing.read_image(rotated(images[i].numpy())))).argmax() == labels[i]
            for i in idx]
    out["rot90"] = float(np.mean(hits))
    return out


def pick(seed: int, per_digit: int, others: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices of training digits: ``per_digit`` of each digit to fine-tune on, ``others`` more to test on."""
    from playground.data import digits

    labels = digits.load_digits("train")[1].numpy()
    rng = np.random.default_rng(1000 + seed)
    mine, rest = [], []
    for d in range(10):
        idx = rng.choice(np.flatnonzero(labels == d), per_digit + others, replace=False)
        mine.append(idx[:per_digit])
        rest.append(idx[per_digit:])
    return np.concatenate(mine), np.concatenate(rest)


def write(indices: np.ndarray, folder: Path) -> tuple[list[str], list[int]]:
    from PIL import Image

    from playground.data import digits

    images, labels = digits.load_digits("train")
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for k, i in enumerate(indices):
        path = folder / f"{k:04d}.png"
        Image.fromarray(rotated(images[i].numpy())).save(path)
        paths.append(str(path))
    return paths, [int(labels[i]) for i in indices]


def accuracy(client, paths: list[str], labels: list[int]) -> float:
    from gradio_client import handle_file

    hits = [client.predict(handle_file(p), api_name="/classify_digit")["label"] == y for p, y in zip(paths, labels)]
    return float(np.mean(hits))


def one_seed(seed: int, per_digit: int, others: int) -> dict:
    from gradio_client import Client, handle_file

    work = Path(tempfile.mkdtemp(prefix="np-bench-ft-"))
    mine, rest = pick(seed, per_digit, others)
    train_paths, train_labels = write(mine, work / "mine")
    other_paths, other_labels = write(rest, work / "others")
    with served({"NP_RUNS_DIR": str(work / "runs")}) as (url, _):
        client = Client(url, verbose=False)
        t0 = time.time()
        job_id = client.predict([handle_file(p) for p in train_paths], json.dumps(train_labels),
                                json.dumps({"seed": seed}), api_name="/finetune_cnn")
        deadline = time.time() + HANG_GUARD
        while (st := client.predict(job_id, api_name="/job_status"))["state"] in ("queued", "running"):
            assert time.time() < deadline, f"{job_id} still {st['state']} after {HANG_GUARD} s"
            time.sleep(0.5)
        wall = time.time() - t0
        assert st["state"] == "done", st["error"]
        cmp = client.predict(job_id, api_name="/finetune_compare")
        before_others = accuracy(Client(url, verbose=False), other_paths, other_labels)  # a new session: pretrained
        client.predict(job_id, api_name="/use_model")
        after_others = accuracy(client, other_paths, other_labels)
    row = {"seed": seed, "job_id": job_id, "steps": st["total_steps"], "device": st["device"],
           "job_seconds": round(cmp["seconds"], 1), "submit_to_done_seconds": round(wall, 1),
           "others": {"before": before_others, "after": after_others, "n": len(other_paths)},
           "personal_held_out": cmp["personal"], "held_out": cmp["held_out"]}
    print(json.dumps(row), flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--per-digit", type=int, default=5, help="drawings of each digit to fine-tune on")
    parser.add_argument("--others", type=int, default=20, help="other drawings of each digit to test on")
    args = parser.parse_args()
    styles = style_check()
    print(json.dumps({"pretrained_accuracy_by_style": styles}), flush=True)
    rows = [one_seed(s, args.per_digit, args.others) for s in args.seeds]

    def mean(get):
        return round(statistics.mean(get(r) for r in rows), 4)

    print(json.dumps({
        "style": "rot90 (MNIST training digits turned 90° clockwise)",
        "pretrained_accuracy_by_style": styles,
        "drawings": 10 * args.per_digit, "other_drawings": 10 * args.others, "seeds": args.seeds,
        "others_before": mean(lambda r: r["others"]["before"]), "others_after": mean(lambda r: r["others"]["after"]),
        "personal_held_out_before": mean(lambda r: r["personal_held_out"]["before"]),
        "personal_held_out_after": mean(lambda r: r["personal_held_out"]["after"]),
        "personal_held_out_n": rows[0]["personal_held_out"]["n"],
        "held_out_before": mean(lambda r: r["held_out"]["before"]), "held_out_after": mean(lambda r: r["held_out"]["after"]),
        "job_seconds": mean(lambda r: r["job_seconds"]),
        "job_seconds_max": max(r["job_seconds"] for r in rows),
        "per_seed": [{k: r[k] for k in ("seed", "job_seconds", "others", "personal_held_out", "held_out")}
                     for r in rows],
    }))


if __name__ == "__main__":
    main()
