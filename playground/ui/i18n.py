"""How the app speaks English and 中文: the mechanism; the words live in ``strings/<tab>.py``.

Every string a person can see is a key in one table, made of the ``EN`` and ``ZH`` dicts of the modules
in ``strings/`` (one per tab, plus the page itself and the shared Train panel; long texts such as the
theory panels are Markdown files under ``text/<lang>/`` that a strings module reads in). Components
take ``t("key")`` (a ``gr.I18n`` key, translated in the browser). Text made on the server (status
lines, warnings, errors) goes through ``msg(key, request)``, in the language of the page: the
``np_lang`` cookie set by the language switch, else the browser's Accept-Language.

A text computed from a real model (a shape table, a parameter count) is a function of the language,
registered with ``@computed("key")`` where it is defined; :func:`table` calls it when the page's table
is made, so nothing depends on the order in which tabs are built or the app is launched.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache
from typing import Callable

import gradio as gr
from gradio.i18n import I18nData

LANGS = ("en", "zh")


def _load_strings() -> dict[str, dict[str, str]]:
    """Every ``strings/<name>.py`` merged into one table per language; a key defined twice is an error."""
    from playground.ui import strings

    merged: dict[str, dict[str, str]] = {lang: {} for lang in LANGS}
    for info in pkgutil.iter_modules(strings.__path__):
        module = importlib.import_module(f"{strings.__name__}.{info.name}")
        assert set(module.EN) == set(module.ZH), (info.name, set(module.EN) ^ set(module.ZH))
        for lang, table in (("en", module.EN), ("zh", module.ZH)):
            clash = set(table) & set(merged[lang])
            assert not clash, f"strings/{info.name}.py redefines {sorted(clash)}"
            merged[lang].update(table)
    return merged


STRINGS = _load_strings()
_COMPUTED: dict[str, Callable[[str], str]] = {}


def computed(key: str):
    """Register ``fn(lang) -> str`` as the text of ``key``, computed when the page's table is made."""
    def register(fn: Callable[[str], str]) -> Callable[[str], str]:
        assert key not in STRINGS["en"] and key not in _COMPUTED, f"i18n key {key!r} defined twice"
        _COMPUTED[key] = fn
        return fn
    return register


def has(key: str) -> bool:
    return key in STRINGS["en"] or key in _COMPUTED


def text(key: str, lang: str) -> str:
    """The text of ``key`` in ``lang`` (a computed one is computed once per language)."""
    return _computed_text(key, lang) if key in _COMPUTED else STRINGS[lang][key]


@lru_cache(maxsize=None)
def _computed_text(key: str, lang: str) -> str:
    return _COMPUTED[key](lang)


def table() -> gr.I18n:
    """The whole table, for ``launch(i18n=...)``, computed texts included."""
    return gr.I18n(**{lang: {**STRINGS[lang], **{key: text(key, lang) for key in _COMPUTED}} for lang in LANGS})


def t(key: str) -> I18nData:
    """A translated string for a component (resolved in the browser)."""
    if not has(key):
        raise KeyError(f"missing i18n key {key!r}")
    return I18nData(key)


def lang_of(request: gr.Request | None) -> str:
    """The page's language: the switch's cookie, else the browser's first choice, else English."""
    if request is None:
        return "en"
    cookie = (getattr(request, "cookies", None) or {}).get("np_lang")
    if cookie in LANGS:
        return cookie
    accept = (request.headers.get("accept-language") or "").lower()
    return "zh" if accept.startswith("zh") else "en"


def msg(key: str, request: gr.Request | None = None, lang: str | None = None, **params) -> str:
    """A server-made message in the page's language, formatted with ``params``."""
    return text(key, lang or lang_of(request)).format(**params)
