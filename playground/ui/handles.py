"""Objects a page's server functions reach by an unguessable token.

A ``gr.HTML`` server function (``server_functions=``) is a plain HTTP call from the page: fast, and outside
Gradio's event queue, but it gets no ``gr.State``. What it must work on (the FNN tab's training session)
is put here by a Gradio event, which hands the page its token; the page sends the token back with each
call. The least recently used are dropped beyond ``limit``: a page whose session was dropped is told so.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict


class Handles:
    def __init__(self, limit: int):
        self.limit = limit
        self._items: OrderedDict[str, object] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, item) -> str:
        """Keep ``item`` → its token (128 random bits)."""
        token = secrets.token_urlsafe(16)
        with self._lock:
            self._items[token] = item
            while len(self._items) > self.limit:
                self._items.popitem(last=False)
        return token

    def get(self, token) -> object | None:
        """The item of ``token``, or None for an unknown (or dropped) token or one that is not a string."""
        if not isinstance(token, str):
            return None
        with self._lock:
            item = self._items.get(token)
            if item is not None:
                self._items.move_to_end(token)
            return item

    def __len__(self) -> int:
        return len(self._items)
