"""How fast and how well does our CNN train and answer, against the classic recipe of our material?

(a) The material's SimpleCNN recipe (article 002): conv3×3(32) → pool → conv3×3(64) → pool →
    fc(64·5·5 → 128) → fc(10) (the material's 64·6·6 corrected), SGD lr 0.01, batch 64, a
    DataLoader over per-sample PIL → ToTensor → Normalize, 10 epochs.
(b) Ours: playground.models.cnn with its default Config through playground.engine.fit.
Both on the same 8,000 / 2,000 split of the bundled digits, on this machine's CPU, in one run.

    time_ratio = (b)'s training time to first reach (a)'s final held-out accuracy ÷ (a)'s total time

Evaluation time is excluded from both clocks. Then single-image inference latency (model only, and
through /classify_digit vs the no-op /ping endpoint of the same launched app), cold start of
``python app.py`` to its first answer, and the app's peak RSS. The last line is one JSON object.

    python bench/cnn.py            # full run (about 12 minutes on 2 cores)
    python bench/cnn.py --quick    # 2 epochs each, to check the script
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playground import checkpoint, engine, models  # noqa: E402
from playground.data import digits  # noqa: E402
from playground.config import from_overrides  # noqa: E402
from served import drawing, served  # noqa: E402


class SimpleCNN(nn.Module):  # the material's model, with the flatten size corrected
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, kernel_size=3)
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(32, 64, kernel_size=3)
        self.pool2 = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(64 * 5 * 5, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.pool1(F.relu(self.conv1(x)))
        x = self.pool2(F.relu(self.conv2(x)))
        x = x.view(-1, 64 * 5 * 5)
        return self.fc2(F.relu(self.fc1(x)))


class DigitsDataset(torch.utils.data.Dataset):
    """Per-sample access, as torchvision.datasets.MNIST does: uint8 → PIL → transform."""

    def __init__(self, split):
        from torchvision import transforms
        self.x, self.y = digits.load_digits(split)
        self.transform = transforms.Compose([transforms.ToTensor(),
                                             transforms.Normalize((0.1307,), (0.3081,))])

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        from PIL import Image
        return self.transform(Image.fromarray(self.x[i].numpy(), mode="L")), int(self.y[i])


@torch.no_grad()
def accuracy(model, batch_size=1000):
    model.eval()
    x, y = digits.load_digits("test")
    correct = sum((model(digits.normalize(x[i:i + batch_size])).argmax(1) == y[i:i + batch_size]).sum().item()
                  for i in range(0, len(y), batch_size))
    model.train()
    return correct / len(y)


def classic(epochs):
    torch.manual_seed(0)
    model = SimpleCNN()
    loader = torch.utils.data.DataLoader(DigitsDataset("train"), batch_size=64, shuffle=True, num_workers=2)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    train_time, curve = 0.0, []
    for epoch in range(epochs):
        t0 = time.perf_counter()
        for x, y in loader:
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
        train_time += time.perf_counter() - t0
        curve.append((round(train_time, 2), accuracy(model)))
    return {"acc": curve[-1][1], "seconds": round(train_time, 2), "curve": curve}


def ours(epochs, target_acc, eval_every):
    arch = models.get("cnn")
    cfg = from_overrides(arch.Config, {"epochs": epochs})
    clock = {"paused": 0.0, "t0": time.perf_counter(), "reached": None}

    def train_seconds():
        return time.perf_counter() - clock["t0"] - clock["paused"]

    def on_step(step, total, metrics):
        if clock["reached"] is None and step % eval_every == 0:
            t = train_seconds()
            p0 = time.perf_counter()
            acc = accuracy(model_ref["model"])
            clock["paused"] += time.perf_counter() - p0
            if acc >= target_acc:
                clock["reached"] = (round(t, 2), step, acc)

    class PausedEvaluation:  # the engine's own per-epoch evaluation is not training time either
        def __getattr__(self, name):
            return getattr(arch, name)

        def evaluate(self, *a, **k):
            p0 = time.perf_counter()
            metrics = arch.evaluate(*a, **k)
            clock["paused"] += time.perf_counter() - p0
            return metrics

    model_ref = {"model": arch.build(cfg)}
    curve = []

    def on_epoch(epoch, metrics):
        curve.append((round(train_seconds(), 2), metrics["val_acc"]))

    result = engine.fit(PausedEvaluation(), cfg, model=model_ref["model"], on_step=on_step,
                        on_epoch=on_epoch)
    return {"acc": result.final["val_acc"], "seconds": curve[-1][0],
            "reached_classic": clock["reached"], "curve": curve}


def model_latency(n=300):
    model, cfg, _ = checkpoint.pretrained("cnn")
    x = digits.normalize(digits.load_digits("test")[0][:1])
    times = []
    with torch.inference_mode():
        for _ in range(20):
            model(x)
        for _ in range(n):
            t0 = time.perf_counter()
            model(x)
            times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def app_figures(n=60):
    """Launch `python app.py`, time its cold start, round trips and peak RSS."""
    from gradio_client import Client, handle_file

    t0 = time.perf_counter()
    with served() as (url, proc):
        client = Client(url, verbose=False)
        png = drawing(0)
        first = client.predict(handle_file(png), api_name="/classify_digit")
        cold = time.perf_counter() - t0
        assert "label" in first

        def round_trip(api, *args):
            times = []
            for i in range(n + 5):
                t = time.perf_counter()
                client.predict(*args, api_name=api)
                if i >= 5:
                    times.append(time.perf_counter() - t)
            return statistics.median(times) * 1000

        noop = round_trip("/ping")
        classify = round_trip("/classify_digit", handle_file(png))
        noop2 = round_trip("/ping")  # again, to see the noise
        rss = int(next(l for l in open(f"/proc/{proc.pid}/status") if l.startswith("VmHWM")).split()[1])
        return {"cold_start_s": round(cold, 2), "noop_ms": round(min(noop, noop2), 2),
                "classify_ms": round(classify, 2),
                "classify_vs_noop": round(classify / min(noop, noop2), 3),
                "app_peak_rss_mb": round(rss / 1024, 1)}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true", help="2 epochs each: checks the script only")
    p.add_argument("--no-app", action="store_true", help="skip the launched-app figures")
    args = p.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    a = classic(2 if args.quick else 10)
    print(f"(a) classic: {a}", file=sys.stderr, flush=True)
    b = ours(2 if args.quick else models.get("cnn").Config().epochs, a["acc"], eval_every=5)
    print(f"(b) ours: {b}", file=sys.stderr, flush=True)
    out = {
        "machine": f"{os.cpu_count()} CPU cores, torch {torch.__version__}",
        "classic_acc": a["acc"], "classic_seconds": a["seconds"],
        "ours_acc": b["acc"], "ours_seconds": b["seconds"],
        "ours_seconds_to_classic_acc": b["reached_classic"][0] if b["reached_classic"] else None,
        "time_ratio": round(b["reached_classic"][0] / a["seconds"], 3) if b["reached_classic"] else None,
        "model_forward_ms": round(model_latency(), 3),
    }
    if not args.no_app:
        out.update(app_figures())
    print(json.dumps(out))


if __name__ == "__main__":
    main()
