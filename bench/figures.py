"""Recompute every figure a page or the README states, from the shipped weights and data, and compare.

    python bench/figures.py              # all figures (about 5 min on one busy CPU core)
    python bench/figures.py --quick      # the part the test suite runs (tests/test_figures.py)
    python bench/figures.py --write      # after retraining a model: store what it measures, then
                                         #   python bench/figures.py --readme  to rewrite the README's tables

What each figure is and how it is measured (one protocol each): ``playground/figures.py``. The stored
values (``pretrained/figures.json``) are what the pages and the README show. Exit 1 when a recomputed
figure differs from its stored value beyond its tolerance. The last line is one JSON object:
{"checked", "stale", "seeds": {"delayed_recall": {cell: seeds}}, "values", "seconds"}.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from playground import figures  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="only the figures the test suite recomputes")
    p.add_argument("--write", action="store_true", help="store the recomputed values as the stated ones")
    p.add_argument("--readme", action="store_true", help="rewrite the README's figure tables from the store")
    args = p.parse_args()
    torch.set_num_threads(1)  # the stored values were measured so; results do not depend on it
    if args.readme:
        figures.write_readme(ROOT / "README.md")
        print(json.dumps({"readme": "rewritten from pretrained/figures.json"}))
        return 0
    t0 = time.perf_counter()

    def show(name, value):
        print(f"{name:32s} {value:.6g}  ({time.perf_counter() - t0:.0f} s)", flush=True)

    values = figures.measure(quick=args.quick, on_figure=show)
    if args.write:
        figures.write(values)
    stale = figures.stale(values)
    for name in stale:
        print(f"STALE {name}: stored {figures.stored().get(name)}, recomputed {values[name]}", flush=True)
    print(json.dumps({"checked": len(values), "stale": stale, "seeds": {"delayed_recall": figures.recall_seeds()},
                      "values": values, "seconds": round(time.perf_counter() - t0, 1)}))
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
