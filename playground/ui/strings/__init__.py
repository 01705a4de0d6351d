"""Per-tab string tables: each module defines ``EN`` and ``ZH`` dicts with the same keys (see ``i18n.py``).

Long texts (the theory panels) are Markdown files in ``text/<lang>/``; a tab's module reads its own
with :func:`markdown`, so every key still comes from one module.
"""

from pathlib import Path

TEXT = Path(__file__).resolve().parent.parent / "text"


def markdown(lang: str, name: str) -> str:
    """The Markdown text ``text/<lang>/<name>.md``."""
    return (TEXT / lang / f"{name}.md").read_text(encoding="utf-8")
