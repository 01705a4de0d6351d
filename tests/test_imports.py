"""Import hygiene: no Gradio or plotly below the UI, and nothing heavy at import time."""

import subprocess
import sys

CHECK = """
import sys
before = set(sys.modules)
import playground
loaded = {m.split(".")[0] for m in set(sys.modules) - before} - {"playground"}
heavy = sorted(m for m in loaded if m not in sys.stdlib_module_names)
assert not heavy, f"import playground loaded {heavy}: it must load nothing beyond the standard library"
assert "torch" not in sys.modules, "import playground pulled in torch"
import playground.data.digits, playground.data.drawing, playground.data.points, playground.data.text
import playground.engine, playground.models, playground.checkpoint, playground.train, playground.experiments
import playground.jobs, playground.jobs.worker, playground.failures
import importlib
for module in playground.models.ARCHS.values():
    importlib.import_module(module)
bad = [m for m in ("gradio", "plotly", "gradio_client") if m in sys.modules]
assert not bad, bad
from playground.data import digits, text
assert digits._bundled.cache_info().currsize == 0, "digits were loaded at import"
assert text.corpus.cache_info().currsize == 0, "the corpus was loaded at import"
print("ok")
"""


def test_core_modules_import_without_gradio_and_load_nothing():
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_no_pickle_based_serialisation_in_the_code():
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parent.parent
    pattern = re.compile(r"torch\.(save|load)\(|\bimport pickle\b|pickle\.loads?\(|\.pt['\"]|\.pth['\"]")
    offenders = [str(p.relative_to(root)) for p in list((root / "playground").rglob("*.py")) +
                 [root / "app.py"] if p.exists() and pattern.search(p.read_text())]
    assert offenders == []
    assert not list((root / "pretrained").rglob("*.pt*")) and not list((root / "pretrained").rglob("*.pkl"))


def _imported_modules(path) -> set[str]:
    """Every module a source file imports, at the top or inside a function, as absolute dotted names."""
    import ast

    package = "playground.models"  # what a relative import in playground/models/ is relative to
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)  # `from playground import engine`
    return found


def test_models_are_leaves_that_import_only_config_data_and_other_models():
    """A model file may use playground.config, playground.data, playground.pictures (numpy colour maps for
    its previews), playground.errors (messages for people) and its sibling models; never the layers
    that use models (checkpoint, engine, jobs, experiments, ui …): those pass in what a model needs."""
    import pathlib

    allowed = ("playground.config", "playground.data", "playground.errors", "playground.pictures", "playground.models")
    banned_outside = ("gradio", "plotly")
    models_dir = pathlib.Path(__file__).resolve().parent.parent / "playground" / "models"
    offenders = {}
    for path in sorted(models_dir.glob("*.py")):
        bad = sorted(m for m in _imported_modules(path)
                     if (m.startswith("playground.") and not m.startswith(allowed) and m != "playground")
                     or m.split(".")[0] in banned_outside)
        if bad:
            offenders[path.name] = bad
    assert offenders == {}
