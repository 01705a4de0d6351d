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

*The queue looked for work a thousand times a second.* Gradio's queue loop sleeps 1 ms whenever nothing
can start (no event waiting, or every worker busy) and looks again: 5-7 % of a core on an idle server here,
and under load a thousand wake-ups a second of the event loop, each taking the interpreter lock from the
threads answering. Work can only become possible when an event joins the queue or one ends, so now the loop
waits for either (and looks again after 0.1 s at most, should anything else free a place).

*Each request was matched against every route, twice.* FastAPI tries the app's ~70 routes in order, once to
match and once to handle; the four that carry nearly every request (``/queue/join``, ``/queue/data``,
``/upload``, ``/component_server``) came 45th to 55th. They now come first: no other route can match their
paths (``hot_routes_first`` checks), so every request goes where it went before.

*The collector walked the whole app, hundreds of milliseconds at a time.* The running app holds about half a
million objects that live as long as it does (the page's blocks, their configurations, the models, the
modules). Python's oldest-generation collection visits them all: 220-300 ms of the event loop at a time here,
a few times a minute under load, each landing on whoever was waiting. ``settle()``, once the app serves, moves
them out of the collector's way (``gc.freeze()``, Python's own tool for this); later collections visit only
what was made since.

``install()`` does the first four, ``settle()`` the last (``tests/test_serving.py``).
"""

from __future__ import annotations

import asyncio
import gc
import importlib.util
import sys
import types

from gradio import queueing, routes, state_holder
from starlette.routing import Match


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


class _WaitingAsyncio:
    """``asyncio`` as one of a queue's loops sees it: its short sleep when there is nothing to do (nothing can
    start; no event runs, for the progress loop) waits for a change of the queue instead."""

    LONGEST = 0.1  # seconds: look again at the latest after this, whatever woke or did not wake the loop

    def __init__(self, queue: queueing.Queue, loop):
        self.queue, self.changed = queue, asyncio.Event()
        self.progress = loop.__name__ == "start_progress_updates"

    def __getattr__(self, name):
        return getattr(asyncio, name)

    def idle(self, delay) -> bool:
        if self.progress:
            return delay == self.queue.progress_update_sleep_when_free and not any(self.queue.active_jobs)
        return delay == self.queue.sleep_when_free

    async def sleep(self, delay, result=None):
        if not self.idle(delay):
            return await asyncio.sleep(delay, result)
        try:
            await asyncio.wait_for(self.changed.wait(), self.LONGEST)
        except asyncio.TimeoutError:
            pass
        self.changed.clear()  # after waking: a change made before the wait began is never missed
        return result


_ORIGINAL_QUEUE = {name: getattr(queueing.Queue, name)
                   for name in ("start", "start_processing", "start_progress_updates", "push", "process_events")}


def _waiting(queue, loop):
    """``loop`` (a ``Queue`` method of Gradio's) bound to ``queue``, with ``asyncio.sleep`` waiting for a change."""
    waiting = _WaitingAsyncio(queue, loop)
    queue.waiting.append(waiting)
    return types.MethodType(types.FunctionType(loop.__code__, {**loop.__globals__, "asyncio": waiting}, loop.__name__,
                                               loop.__defaults__, loop.__closure__), queue)


def _changed(queue) -> None:
    for waiting in queue.waiting:
        waiting.changed.set()


async def _push(self, *args, **kwargs):
    try:
        return await _ORIGINAL_QUEUE["push"](self, *args, **kwargs)
    finally:
        _changed(self)  # an event may wait now


async def _process_events(self, *args, **kwargs):
    _changed(self)  # an event runs: its progress is watched
    try:
        return await _ORIGINAL_QUEUE["process_events"](self, *args, **kwargs)
    finally:
        _changed(self)  # a worker and a place in its endpoint's limit are free again


def _start(self) -> None:
    """Start this queue with Gradio's own loops, their short sleeps when there is nothing to do waiting for
    a change, which its ``push`` and ``process_events`` announce (all set on the queue itself, so a queue
    started this way keeps working whatever is installed later)."""
    self.waiting = []
    self.start_processing = _waiting(self, _ORIGINAL_QUEUE["start_processing"])
    self.start_progress_updates = _waiting(self, _ORIGINAL_QUEUE["start_progress_updates"])
    self.push, self.process_events = types.MethodType(_push, self), types.MethodType(_process_events, self)
    _ORIGINAL_QUEUE["start"](self)


HOT_ROUTES = (("/gradio_api/queue/join", "POST"), ("/gradio_api/queue/data", "GET"), ("/gradio_api/upload", "POST"),
              ("/gradio_api/component_server", "POST"))


def hot_routes_first(app, hot=HOT_ROUTES) -> list[str]:
    """Move the routes of ``hot`` (path, method) to the front of the router that holds them, where no other
    route of that router matches their path and method (so nothing is answered differently); returns the
    paths moved."""
    moved = []
    for router in [app.router] + [r.original_router for r in app.router.routes if hasattr(r, "original_router")]:
        ahead = []
        for path, method in hot:
            scope = {"type": "http", "path": path, "root_path": "", "method": method, "headers": []}
            matching = [r for r in router.routes if r.matches(scope)[0] == Match.FULL]
            mine = [r for r in matching if getattr(r, "path", None) == path]
            if len(mine) == len(matching) == 1:
                ahead.append(mine[0])
        if ahead:
            router.routes[:] = ahead + [r for r in router.routes if r not in ahead]
            getattr(router, "_mark_routes_changed", lambda: None)()
            moved += [r.path for r in ahead]
    return moved


_ORIGINAL_CREATE_APP = routes.App.create_app


def _create_app(*args, **kwargs):
    app = _ORIGINAL_CREATE_APP(*args, **kwargs)
    hot_routes_first(app)
    return app


def install() -> None:
    """Make every new ``SessionState`` lazy, mark the absent modules Gradio tries on each event, let the queue
    wait for work rather than poll, and put the busiest routes first (idempotent)."""
    state_holder.SessionState.__init__ = _init
    for name in ABSENT:
        if name not in sys.modules and importlib.util.find_spec(name) is None:
            sys.modules[name] = None  # "import name" now raises ImportError at once
    queueing.Queue.start = _start
    routes.App.create_app = staticmethod(_create_app)


def settle() -> int:
    """Leave everything made so far out of later garbage collections (call once the app serves); returns how
    many objects that is. Garbage is collected first, so none of it is kept for good."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def uninstall() -> None:
    """Gradio's own sessions, queue and routes again (for tests)."""
    state_holder.SessionState.__init__ = _ORIGINAL_INIT
    queueing.Queue.start = _ORIGINAL_QUEUE["start"]
    routes.App.create_app = staticmethod(_ORIGINAL_CREATE_APP)

