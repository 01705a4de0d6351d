"""Bits per character of the pretrained RNN, LSTM and GRU on the held-out text, and the long-range table.

    python bench/rnn.py                 # bpc of pretrained/charlm_{rnn,lstm,gru} + unigram, and the table
    python bench/rnn.py --longrange     # also (re)run the delayed-recall experiment → pretrained/longrange/
    python bench/rnn.py --longrange --no-bpc   # only the experiment

Held-out text: the whole of ``text.split_ids("test")`` (the last 5 % of Moby-Dick, ~59k characters),
read in order as one stream with the recurrent state carried from chunk to chunk (``charlm.bpc``).
The unigram baseline is ``text.unigram_bpc("test")``. Timing is a ratio measured in the same run:
generating with our from-scratch cells vs the built-in modules. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from playground import checkpoint, experiments  # noqa: E402
from playground.data import text  # noqa: E402
from playground.models import charlm  # noqa: E402


def bpc_table() -> dict:
    out = {"split": "test", "chars": int(len(text.split_ids("test")) - 1), "unigram_bpc": text.unigram_bpc("test")}
    for cell in charlm.CELLS:
        model, cfg, meta = checkpoint.pretrained(f"charlm_{cell}")
        t0 = time.perf_counter()
        out[f"{cell}_bpc"] = charlm.bpc(model, "test")
        out[f"{cell}_eval_s"] = round(time.perf_counter() - t0, 2)
        out[f"{cell}_params"] = charlm.param_counts(model)["total"]
        out[f"{cell}_train_s"] = meta["metrics"].get("train_seconds")
    return out


def generation_ratio(n: int = 300) -> dict:
    """Seconds to generate n characters with our cells ÷ with the built-in module (same LSTM weights)."""
    model = checkpoint.pretrained("charlm_lstm")[0]
    prompt = text.encode("Call me Ishmael.")[0]
    times = {}
    for impl in ("builtin", "scratch", "builtin"):  # builtin twice: the first warms up
        t0 = time.perf_counter()
        charlm.generate(model, prompt, n, 1.0, torch.Generator().manual_seed(0), impl=impl)
        times[impl] = time.perf_counter() - t0
    same = (charlm.generate(model, prompt, 100, 1.0, torch.Generator().manual_seed(0), impl="scratch")
            == charlm.generate(model, prompt, 100, 1.0, torch.Generator().manual_seed(0), impl="builtin"))
    return {"scratch_over_builtin_generation": round(times["scratch"] / times["builtin"], 2),
            "scratch_and_builtin_sample_the_same_text": same}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--longrange", action="store_true", help="run the delayed-recall experiment first")
    p.add_argument("--no-bpc", action="store_true", help="only the long-range part (no pretrained models needed)")
    p.add_argument("--seeds", default="0,1,2", help="seeds of the long-range runs (comma-separated)")
    p.add_argument("--cells", default="rnn,lstm,gru", help="cells of the long-range runs (comma-separated)")
    p.add_argument("--add", action="store_true", help="add these runs to the stored table (more seeds where "
                   "they disagree) instead of replacing it")
    args = p.parse_args()
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))

    if args.longrange:
        def on_run(r):
            print(f"longrange {r['cell']:>4} T={r['seq_len']:>3}: val_acc {r['val_acc']:.3f} "
                  f"({r['steps']} steps, {r['seconds']} s)", flush=True)

        t0 = time.perf_counter()
        seeds = [int(v) for v in args.seeds.split(",")]
        table = experiments.run_longrange(cells=args.cells.split(","), seeds=seeds, on_run=on_run)
        old = experiments.load_longrange() if args.add else None
        if old:
            keep = [r for r in old["runs"] if (r["cell"], r.get("seed", 0)) not in
                    {(r["cell"], r["seed"]) for r in table["runs"]}]
            table = {**old, "runs": keep + table["runs"], "seeds": sorted({r.get("seed", 0) for r in keep + table["runs"]})}
        table["seconds"] = round(time.perf_counter() - t0, 1)
        table["command"] = "OMP_NUM_THREADS=1 python bench/rnn.py --longrange " + " ".join(sys.argv[2:])
        experiments.LONGRANGE_FILE.parent.mkdir(parents=True, exist_ok=True)
        experiments.LONGRANGE_FILE.write_text(json.dumps(table) + "\n")

    result = {}
    if not args.no_bpc:
        result.update(bpc_table())
        result.update(generation_ratio())
    table = experiments.load_longrange()
    if table:
        result["longrange_acc"] = {f"{c}@{T}": {k: round(v, 3) for k, v in s.items()}
                                   for (c, T), s in experiments.summarize_longrange(table).items()}
        result["longrange_grad_ratio_init"] = {  # ‖∂L/∂h_1‖ / ‖∂L/∂h_T‖ at the longest length, at initialisation
            r["cell"]: r["grad_norm_init"][0] / r["grad_norm_init"][-1]
            for r in table["runs"] if r["seq_len"] == max(table["lengths"]) and r.get("seed", 0) == 0}
    if not args.no_bpc:
        result["lstm_and_gru_beat_rnn_and_unigram"] = all(
            result[f"{c}_bpc"] < min(result["rnn_bpc"], result["unigram_bpc"]) for c in ("lstm", "gru"))
        for cell in charlm.CELLS:
            print(f"{cell:>5}: {result[f'{cell}_bpc']:.3f} bits/char on {result['chars']} held-out characters")
        print(f"unigram: {result['unigram_bpc']:.3f} bits/char")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
