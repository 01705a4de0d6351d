"""The failure lab's presets (issue 19, "Break it, then fix it"): does each fail, and does its one fix work?

For every preset of ``playground/failures.py``, its broken and its fixed settings are trained as a job
trains them (``engine.fit``, one torch thread, layer health on, the job's evaluation) over ``--seeds``
seeds, and the one number that shows the failure is reported (``failures.HEADLINE``): the dead-ReLU
fraction of the worst layer on all training points; the output layer's gradient norm ÷ the first
layer's; test accuracy; the largest training loss ÷ the first; training − test accuracy; the digit
classes the pretrained CNN reads among 500 generated digits; recall accuracy. And seconds per run (the
issue asks under a minute each on this 2-core CPU). Progress lines, then one JSON object as the last line.

    python bench/failures.py [--seeds 3] [--only dead_relu,vanishing]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from playground import failures  # noqa: E402


def _round(v):
    if isinstance(v, float):
        return float(f"{v:.4g}")
    if isinstance(v, list):
        return [_round(x) for x in v]
    if isinstance(v, dict):
        return {k: _round(x) for k, x in v.items()}
    return v


def main(seeds: int, only: list[str]):
    torch.set_num_threads(1)  # as a job runs
    out = {}
    for name in only:
        preset = failures.PRESETS[name]
        metric, meaning = failures.HEADLINE[name]
        row = {"arch": preset.arch, "fix": preset.fix, "metric": metric, "meaning": meaning}
        for side, overrides in (("broken", preset.broken), ("fixed", preset.fixed())):
            runs = []
            for seed in range(seeds):
                r = failures.measure(name, overrides, seed)
                runs.append(r)
                extra = {k: _round(r[k]) for k in ("val_acc", "train_acc", "worst_dead_init", "entropy",
                                                   "agreement", "max_loss", "first_loss") if k in r}
                print(f"{name} {side} seed {seed}: {metric} = {_round(r['value'])} in {r['seconds']:.1f} s "
                      f"{extra}", flush=True)
            row[side] = [_round(r["value"]) for r in runs]
            row[f"{side}_seconds"] = [round(r["seconds"], 1) for r in runs]
            for k in ("val_acc", "train_acc", "worst_dead_init", "entropy", "agreement", "max_loss", "finite"):
                if k in runs[0]:
                    row[f"{side}_{k}"] = [_round(r.get(k)) for r in runs]
        out[name] = row
    out["max_seconds"] = max(max(r["broken_seconds"] + r["fixed_seconds"]) for r in out.values())
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--only", default=",".join(failures.PRESETS), help="comma-separated preset names")
    a = p.parse_args()
    main(a.seeds, [n.strip() for n in a.only.split(",") if n.strip()])
