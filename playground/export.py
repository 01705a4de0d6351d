"""Export any model, pretrained or trained, as a zip that runs on its own with plain PyTorch.

The zip holds the model's ``config.json`` and ``model.safetensors``, the source of its architecture
(``playground/models/<arch>.py`` and the few core modules it imports — no Gradio, no UI), the assets
those read when building the model (the corpus, for the character vocabulary), and ``run.py``: a short
script that builds the model from config.json, loads the weights with safetensors and runs it on an
example input. Requirements of the export: ``pip install torch safetensors numpy``.
"""

from __future__ import annotations

import ast
import io
import zipfile
from pathlib import Path

from playground import checkpoint, models

PACKAGE = Path(__file__).resolve().parent
ASSETS_FOR = {"text": ["assets/moby_dick.txt.gz", "assets/LICENSE-moby-dick.txt"]}

RUN = '''"""Load and run "{name}" ({arch}), exported from Neural Playground.

    pip install torch safetensors numpy
    python run.py

The network is defined in playground/models/{arch}.py (shipped beside this file); its settings are in
config.json and its weights in model.safetensors (no pickle).
"""

import json
import sys
from pathlib import Path

import torch
from safetensors.torch import load_model

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from playground.config import from_overrides  # noqa: E402
from playground.models import {arch} as arch  # noqa: E402

meta = json.loads((HERE / "config.json").read_text())
cfg = from_overrides(arch.Config, meta["config"])
model = arch.build(cfg).eval()
load_model(model, str(HERE / "model.safetensors"))
print(f"{{meta['arch']}}: {{sum(p.numel() for p in model.parameters()):,}} parameters; metrics: {{meta['metrics']}}")

torch.manual_seed(0)
x = arch.example_input(cfg)  # {example}
with torch.no_grad():
    y = model(x)
out = y[0] if isinstance(y, (tuple, list)) else y
print("input", tuple(x.shape), "-> output", tuple(out.shape))
print(json.dumps({{"checksum": float(out.double().sum())}}))
'''


def _imports(path: Path) -> set[str]:
    """The ``playground.*`` modules a source file imports (as dotted names): ``from playground.data
    import text`` is the package ``playground.data`` and its module ``playground.data.text``."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("playground"):
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names
                         if _source(f"{node.module}.{a.name}").is_file())
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("playground"))
    return found


def _source(module: str) -> Path:
    rel = module.split(".")[1:]
    path = PACKAGE.joinpath(*rel)
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def files_for(arch: str) -> list[Path]:
    """The package files the model of ``arch`` needs, found by following its imports."""
    todo, seen = [models.ARCHS[arch], "playground", "playground.config", "playground.models"], set()
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        if module != "playground.models":  # the registry's imports are lazy; ship it as it is
            todo.extend(_imports(_source(module)) - seen)
    paths = sorted(_source(m) for m in seen)
    for module in seen:
        for asset in ASSETS_FOR.get(module.rsplit(".", 1)[-1], []):
            paths.append(PACKAGE / asset)
    return paths


def example_code(arch: str) -> str:
    """How ``run.py`` makes its example input (the model module's ``example_input``), for the docs."""
    import inspect
    fn = models.get(arch).example_input
    lines = [ln.strip() for ln in inspect.getsource(fn).splitlines() if ln.strip().startswith("return")]
    return lines[-1].removeprefix("return ").strip() if lines else "see example_input"


def bundle(model_dir: str | Path, name: str) -> bytes:
    """The zip (as bytes) of the model in ``model_dir``; ``CheckpointError`` when it is not a model."""
    model_dir = Path(model_dir)
    meta = checkpoint.read_meta(model_dir)
    arch = meta["arch"]
    if arch not in models.ARCHS:
        raise checkpoint.CheckpointError(f"model {name!r} has an unknown architecture")
    weights = model_dir / checkpoint.WEIGHTS_FILE
    if not weights.is_file():
        raise checkpoint.CheckpointError(f"model {name!r} has no weights")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(model_dir / checkpoint.CONFIG_FILE, f"{name}/config.json")
        z.write(weights, f"{name}/model.safetensors")
        for path in files_for(arch):
            z.write(path, f"{name}/playground/{path.relative_to(PACKAGE).as_posix()}")
        z.writestr(f"{name}/run.py", RUN.format(name=name, arch=arch, example=example_code(arch)))
    return buf.getvalue()


def snippet(name: str, arch: str) -> str:
    """What the Models tab shows: how to run the downloaded zip."""
    return RUN.format(name=name, arch=arch, example=example_code(arch))
