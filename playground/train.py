"""Train or evaluate a model from the command line.

    python -m playground.train cnn                        # retrain the pretrained CNN
    python -m playground.train cnn --set epochs=2 --out runs/my-cnn
    python -m playground.train cnn --eval                 # held-out accuracy of pretrained/cnn
    python -m playground.train cnn --device cuda

Needs only torch, numpy, safetensors and Pillow (no Gradio), so it also runs on a bare GPU box.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time

from playground import checkpoint, engine, models
from playground.config import from_overrides


def _parse_value(text: str):
    try:
        return json.loads(text)
    except ValueError:
        return text


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m playground.train", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("arch", help=f"one of: {', '.join(models.ARCHS)}")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a Config field (repeatable)")
    p.add_argument("--out", help="where to save (default: pretrained/<arch>)")
    p.add_argument("--device", default="auto", help="auto, cpu or cuda")
    p.add_argument("--eval", action="store_true", help="only evaluate the saved model at --out")
    args = p.parse_args(argv)

    try:
        arch = models.get(args.arch)
        overrides = dict(kv.split("=", 1) for kv in args.set)
        cfg = from_overrides(arch.Config, {k: _parse_value(v) for k, v in overrides.items()})
        device = engine.pick_device(args.device)
    except ValueError as e:
        p.error(str(e))
    out = args.out or str(checkpoint.PRETRAINED / args.arch)
    evaluate = checkpoint.evaluator(arch)

    if args.eval:
        model, cfg, meta = checkpoint.load(out, device=str(device))
        t0 = time.perf_counter()
        metrics = evaluate(model, cfg)
        print(json.dumps({"arch": args.arch, "model": out, "device": str(device),
                          "seconds": round(time.perf_counter() - t0, 2), **metrics}))
        return 0

    print(f"training {args.arch} on {device}: {cfg}", flush=True)

    def on_step(step, total, metrics):
        if step % 50 == 0 or step == total:
            print(f"step {step}/{total} train_loss {metrics['train_loss']:.4f}", flush=True)

    t0 = time.perf_counter()

    def on_epoch(epoch, metrics):
        shown = " ".join(f"{k} {v:.4f}" for k, v in metrics.items())
        print(f"epoch {epoch + 1}/{cfg.epochs} {shown} elapsed {time.perf_counter() - t0:.1f}s", flush=True)

    result = engine.fit(arch, cfg, device=device, on_step=on_step, on_epoch=on_epoch, evaluate=evaluate)
    command = "python -m playground.train " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))
    metrics = {**result.final, "train_seconds": round(result.seconds, 1), "device": str(device)}
    checkpoint.save(out, args.arch, cfg, result.model.cpu(), metrics=metrics, command=command)
    print(json.dumps({"saved": out, **metrics}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
