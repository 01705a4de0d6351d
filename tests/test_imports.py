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
import playground.data, playground.engine, playground.models, playground.checkpoint, playground.train
import playground.models.cnn
bad = [m for m in ("gradio", "plotly", "gradio_client") if m in sys.modules]
assert not bad, bad
from playground import data
assert data._bundled.cache_info().currsize == 0, "digits were loaded at import"
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
