"""Per-tab string tables: each module defines ``EN`` and ``ZH`` dicts with the same keys (see ``i18n.py``)."""
