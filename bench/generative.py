"""How good are the generative models, and is the VAE slider fast? Three questions, one JSON line.

(a) The class-conditional GAN: the pretrained CNN reads N samples per requested class; the fraction
    read as the class asked for (target ≥ 95 %), overall and per class.
(b) The VAEs: held-out negative ELBO in nats per digit (binarised held-out MNIST digits, one z per
    digit), and an importance-sampled bound on −log p(x) with k samples (Burda et al. 2015).
(c) Latency: a /vae_decode round trip (what a slider move costs) vs the no-op /ping round trip through
    gradio_client on the launched app (target ≤ 1.5×).

    python bench/generative.py                 # everything (a few minutes)
    python bench/generative.py --no-app --per-class 100
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playground import checkpoint  # noqa: E402
from playground.models import gan, vae  # noqa: E402
from served import served  # noqa: E402


def gan_accuracy(per_class: int, seed: int = 2026) -> dict:
    """(a) CNN agreement with the requested class over per_class × 10 samples from fresh noise."""
    model, _, _ = checkpoint.pretrained("gan")
    judge, _, _ = checkpoint.pretrained("cnn")
    hits = gan.class_hits(model, judge, per_class, seed=seed).float()  # (10, per_class)
    return {"gan_samples": hits.numel(), "gan_cnn_agreement": round(hits.mean().item(), 4),
            "gan_cnn_agreement_worst_class": round(hits.mean(1).min().item(), 4)}


def vae_nats(k: int) -> dict:
    """(b) −ELBO and the k-sample importance bound on the 2,000 held-out digits, for each shipped VAE."""
    out = {}
    for name in ("vae", "vae20"):
        try:
            model, cfg, _ = checkpoint.pretrained(name)
        except checkpoint.CheckpointError:
            continue
        m = vae.evaluate(model, cfg)
        out[f"{name}_latent"] = cfg.latent
        out[f"{name}_neg_elbo_nats"] = round(m["val_loss"], 2)
        out[f"{name}_kl_nats"] = round(m["kl"], 2)
        out[f"{name}_nll_k{k}_nats"] = round(vae.importance_nll(model, k=k), 2)
    return out


def app_latency(n: int) -> dict:
    """(c) Median round trips of /vae_decode and /ping on a launched `python app.py`."""
    from gradio_client import Client

    with served() as (url, _):
        client = Client(url, verbose=False)
        rng = np.random.default_rng(0)

        def timed(api, *args):
            t = time.perf_counter()
            client.predict(*args, api_name=api)  # a file answer is downloaded too: the full round trip
            return (time.perf_counter() - t) * 1000

        # Interleaved, so both endpoints see the same load on a shared machine; 5 warm-up pairs.
        noop, decode = [], []
        for i in range(n + 5):
            z = json.dumps([round(float(v), 2) for v in rng.uniform(-3, 3, 2)])  # a new z, as a slider sends
            a, b = timed("/ping"), timed("/vae_decode", z)
            if i >= 5:
                noop.append(a)
                decode.append(b)
        ratios = [d / p for d, p in zip(decode, noop)]
        return {"noop_ms": round(statistics.median(noop), 2), "vae_decode_ms": round(statistics.median(decode), 2),
                "vae_decode_vs_noop": round(statistics.median(decode) / statistics.median(noop), 3),
                "vae_decode_vs_noop_pairwise_median": round(statistics.median(ratios), 3)}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--per-class", type=int, default=100, help="GAN samples per class (1,000 in all)")
    p.add_argument("--k", type=int, default=100, help="importance samples for the NLL bound")
    p.add_argument("--n", type=int, default=60, help="round trips per endpoint")
    p.add_argument("--no-app", action="store_true", help="skip the launched-app latency")
    args = p.parse_args()
    torch.set_num_threads(1)
    out = {"machine": f"{os.cpu_count()} CPU cores (one torch thread), torch {torch.__version__}"}
    out.update(gan_accuracy(args.per_class))
    print(f"(a) {out}", file=sys.stderr, flush=True)
    out.update(vae_nats(args.k))
    print(f"(b) {out}", file=sys.stderr, flush=True)
    if not args.no_app:
        out.update(app_latency(args.n))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
