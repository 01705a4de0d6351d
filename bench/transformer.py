"""How well do the pretrained Transformers do their tasks, and how fast does /attention answer?

(a) Text: bits per character of ``pretrained/transformer_text`` on the WHOLE held-out test split
    (``text.split_ids("test")``, the last 5 % of Moby-Dick, never trained on), read with a sliding
    window: windows of ``block_size`` characters every ``block_size // 2`` characters, each character
    scored once, so every prediction after the first window sees at least half a block of context.
    Also with stride = block (independent chunks: on average half the context) and the unigram baseline
    (``text.unigram_bpc()``: character frequencies of the training split, no context at all).
(b) Reverse: exact-match accuracy of ``pretrained/transformer_reverse`` on held-out sequences (numbers
    divisible by 7, never seen in training): the 2,000 of ``evaluate`` plus N fresh ones drawn with
    another seed, by teacher-forced argmax, and on a subset by greedy generation as the tab's Solve does.
(c) API: the round trip of /attention (text task, a 30-character sentence) against the no-op /ping of
    the same launched app, median of repeated calls: ``attention_over_ping``.
(d) Generation: ``tr.generate`` (a key-value cache while the text fits the context) against the same
    sampling reading the whole window at every step, as it did before, in the same run: 40 and 100
    characters after "It was the" (the 100 outgrow the 64-character context and slide).

    python bench/transformer.py            # about a minute on one thread
    python bench/transformer.py --n 2000   # fewer fresh reverse sequences

The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playground import checkpoint  # noqa: E402
from playground.data import text  # noqa: E402
from playground.models import transformer as tr  # noqa: E402


def text_figures() -> dict:
    model, cfg, meta = checkpoint.pretrained("transformer_text")
    t0 = time.perf_counter()
    sliding = tr.bpc(model, "test", stride=cfg.block_size // 2)
    seconds = time.perf_counter() - t0
    return {"text_test_bpc": round(sliding, 4), "text_stride": cfg.block_size // 2,
            "text_test_bpc_chunks": round(tr.bpc(model, "test", stride=cfg.block_size), 4),
            "text_val_bpc": round(tr.bpc(model, "val", stride=cfg.block_size // 2), 4),
            "unigram_test_bpc": round(text.unigram_bpc("test"), 4),
            "test_characters": len(text.split_ids("test")), "text_block_size": cfg.block_size,
            "text_params": sum(p.numel() for p in model.parameters()),
            "text_train_seconds": meta["metrics"].get("train_seconds"), "bpc_seconds": round(seconds, 1)}


def reverse_figures(n: int, n_greedy: int) -> dict:
    model, cfg, meta = checkpoint.pretrained("transformer_reverse")
    _, acc_eval = tr.task_accuracy(model, tr.held_out_sequences(cfg))
    fresh = tr.task_sequences(n, cfg.seq_len, torch.Generator().manual_seed(2024), held_out=True)
    _, acc_fresh = tr.task_accuracy(model, fresh)
    right = sum(tr.solve(model, tr.decode(cfg, s[:cfg.seq_len].tolist()))["correct"] for s in fresh[:n_greedy])
    return {"reverse_exact_match_heldout_2000": acc_eval, f"reverse_exact_match_fresh_{n}": acc_fresh,
            f"reverse_exact_match_greedy_{n_greedy}": right / n_greedy, "reverse_seq_len": cfg.seq_len,
            "reverse_params": sum(p.numel() for p in model.parameters()),
            "reverse_train_seconds": meta["metrics"].get("train_seconds")}


def api_figures(calls: int) -> dict:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import app as app_module
    from gradio_client import Client

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    demo = app_module.build_demo()
    app_module.launch(demo, server_name="127.0.0.1", server_port=port, quiet=True)
    try:
        client = Client(demo.local_url, verbose=False)
        sentence = "Call me Ishmael. Some years ago"
        client.predict(sentence, "text", api_name="/attention")  # warm: load the model once
        client.predict(api_name="/ping")

        def median(*args, api_name):
            times = []
            for _ in range(calls):
                t0 = time.perf_counter()
                client.predict(*args, api_name=api_name)
                times.append(time.perf_counter() - t0)
            return statistics.median(times)

        ping = median(api_name="/ping")
        att = median(sentence, "text", api_name="/attention")
        gen = median("The whale", 100, 0.8, api_name="/transformer_generate")
    finally:
        demo.close()
    return {"ping_ms": round(ping * 1000, 1), "attention_ms": round(att * 1000, 1),
            "attention_over_ping": round(att / ping, 2), "generate_100_over_ping": round(gen / ping, 2)}


def generation_figures(repeats: int = 15) -> dict:
    model = checkpoint.pretrained("transformer_text")[0]
    ids, _ = tr.encode(model.cfg, "It was the")

    @torch.no_grad()
    def whole_window(n):
        seq = list(ids)
        for _ in range(n):
            logits = model(torch.tensor([seq[-model.block_size:]]))[0, -1]
            seq.append(int(torch.multinomial(torch.softmax(logits / 0.8, dim=-1), 1)))
        return seq

    out = {}
    for n in (40, 100):
        cached, whole = [], []
        for _ in range(repeats):  # alternating, so both see the same machine
            t0 = time.perf_counter()
            tr.generate(model, ids, n, 0.8)
            cached.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            whole_window(n)
            whole.append(time.perf_counter() - t0)
        c, w = statistics.median(cached), statistics.median(whole)
        out[f"generate_{n}_ms"] = round(c * 1000, 1)
        out[f"generate_{n}_whole_window_ms"] = round(w * 1000, 1)
        out[f"generate_{n}_speedup"] = round(w / c, 2)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=10_000, help="fresh held-out reverse sequences")
    p.add_argument("--greedy", type=int, default=500, help="of which solved by greedy generation")
    p.add_argument("--calls", type=int, default=20, help="API calls per median")
    args = p.parse_args()
    torch.set_num_threads(1)
    out = {"threads": 1, **generation_figures(), **text_figures(), **reverse_figures(args.n, args.greedy),
           **api_figures(args.calls)}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
