"""The page and its configuration, answered from memory after the first time.

Every new session fetches ``/config`` (1 MB: every component of every tab), and every browser the page
(``/``: the same configuration inside 1.1 MB of HTML). Gradio makes both anew for each request (a deep
copy of the whole configuration, its URLs rewritten, JSON-encoded: about 50 ms of the server's CPU here
for ``/config``, 80 ms for the page), so forty students opening the page at once cost seconds of a core
before anyone's first answer, and their clients timed out (``bench/load.py``). The configuration of this
app does not change once it is launched (no ``gr.render``, no login), so these answers depend only on
the URL they are asked at: this ASGI middleware keeps each per URL (scheme, host, path, query) and sends
the same bytes again. While an answer is being made, other requests for its URL wait for it rather than
make it too (forty at once after a restart made it forty times). Answers to a signed-in user, failures
and answers that set a cookie are never kept.
"""

from __future__ import annotations

import asyncio


class ConfigCache:
    PATHS = ("/config", "/config/")
    PAGE = "/"

    def __init__(self, app, limit: int = 16):
        self.app = app
        self.limit = limit  # URLs kept (one per host name the app is reached by, in practice)
        self.answers: dict[tuple, tuple[int, list, bytes]] = {}
        self.making: dict[tuple, asyncio.Event] = {}  # URLs whose answer is being made

    def cacheable(self, scope) -> bool:
        path = scope["path"]
        return scope["type"] == "http" and scope["method"] == "GET" and (path.endswith(self.PATHS) or path == self.PAGE)

    async def __call__(self, scope, receive, send):
        if not self.cacheable(scope):
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        if b"authorization" in headers or b"access-token" in headers.get(b"cookie", b""):
            return await self.app(scope, receive, send)  # an answer for one user is not kept for all
        key = (scope.get("scheme"), headers.get(b"host"), headers.get(b"x-forwarded-host"),
               headers.get(b"x-forwarded-proto"), scope.get("root_path"), scope["path"], scope.get("query_string"))
        if key in self.making:  # being made: wait for it, then send it, or make our own if it was not kept
            await self.making[key].wait()
        elif key not in self.answers and len(self.answers) < self.limit:
            self.making[key] = asyncio.Event()
            try:
                return await self.make(key, scope, receive, send)
            finally:
                self.making.pop(key).set()
        kept = self.answers.get(key)
        if kept is None:
            return await self.app(scope, receive, send)
        status, response_headers, body = kept
        await send({"type": "http.response.start", "status": status, "headers": response_headers})
        await send({"type": "http.response.body", "body": body})

    async def make(self, key, scope, receive, send):
        start, chunks = {}, []

        async def capture(message):
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                cookie = any(name.lower() == b"set-cookie" for name, _ in start.get("headers", []))
                if not message.get("more_body") and start.get("status") == 200 and not cookie:
                    self.answers[key] = (200, start.get("headers", []), b"".join(chunks))
            await send(message)

        await self.app(scope, receive, capture)
