"""What Gradio does for every session and every event, made cheaper without changing what anything reads.

Found by profiling ``bench/load.py`` (py-spy, and a probe that records what the server's event loop is
doing whenever it answers late); both costs are paid inside the event loop, so every request waits them out.

*A session's first event copied the whole page's configuration.* Gradio 6.31 makes a ``SessionState`` on
a session's first event, and its constructor computes the configuration of every component of the page
(``config_for_block`` for each of ~740 blocks: 55–90 ms of the server's CPU here). Forty students pressing
their first button at once waited 3–5 s for an answer that takes milliseconds. That copy serves one
purpose, a *deep link* of the session's current values (``/gradio_api/deep_link``), which this app offers
nowhere. Now a session's entry for a component is made when Gradio first asks for it, and all of them when
the deep-link route lists them, in the order Gradio would have listed them.

*Every event looked for matplotlib, twice.* Around each event Gradio imports matplotlib to switch its
backend, and passes on ``ImportError``. Where matplotlib is not installed (here: it is no dependency), a
failed import is not remembered, so each event searched ``sys.path`` twice: dozens of ``stat`` calls, each
releasing the interpreter lock and waiting to take it back from the threads answering other requests,
which under load stalled the event loop for 150–300 ms at a time. Marking the absent module as absent
(``sys.modules["matplotlib"] = None``, Python's own way) makes the import fail at once, as it did anyway.

``install()`` does both (``tests/test_serving.py``).
"""

from __future__ import annotations

import importlib.util
import sys

from gradio import state_holder


class LazyConfigValues(dict):
    """``SessionState.config_values``, each entry made from the session's block when first read."""

    def __init__(self, session: state_holder.SessionState, keys: list[int]):
        super().__init__()
        self.session, self.keys_at_start, self.known = session, keys, set(keys)

    def __missing__(self, key):
        if key not in self.known:
            raise KeyError(key)
        blocks = self.session.blocks_config
        value = self[key] = blocks.config_for_block(key, [], blocks.blocks[key])
        return value

    def complete(self) -> LazyConfigValues:
        """Every entry made, in Gradio's order: the blocks at the session's start, then those added since."""
        if not self.known:
            return self  # made already: entries added since come last, as in Gradio's dict
        made = dict(self)
        ordered = {key: made.pop(key) if key in made else self[key] for key in self.keys_at_start}
        self.clear()
        self.update(ordered)
        self.update(made)
        self.known = set()  # all made: nothing is left to make
        return self

    def items(self):
        return dict.items(self.complete())

    def values(self):
        return dict.values(self.complete())

    def __iter__(self):
        return dict.__iter__(self.complete())


class _WithoutBlocks:
    """The Blocks as Gradio's constructor reads it, but with no blocks to copy the configuration of."""

    blocks: dict = {}

    def __init__(self, real):
        self.real = real

    def __getattr__(self, name):
        return getattr(self.real, name)


_ORIGINAL_INIT = state_holder.SessionState.__init__


def _init(self, blocks) -> None:
    _ORIGINAL_INIT(self, _WithoutBlocks(blocks))  # all it does, but an empty config_values...
    self.config_values = LazyConfigValues(self, [k for k in self.blocks_config.blocks if k in blocks.blocks])


ABSENT = ("matplotlib",)  # imported by Gradio around every event, passing on ImportError


def install() -> None:
    """Make every new ``SessionState`` lazy, and mark the absent modules Gradio tries on each event (idempotent)."""
    state_holder.SessionState.__init__ = _init
    for name in ABSENT:
        if name not in sys.modules and importlib.util.find_spec(name) is None:
            sys.modules[name] = None  # "import name" now raises ImportError at once


def uninstall() -> None:
    """Gradio's own sessions again (for tests)."""
    state_holder.SessionState.__init__ = _ORIGINAL_INIT
