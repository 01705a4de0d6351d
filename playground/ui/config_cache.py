"""The page configuration, answered from memory after the first time.

Every new session fetches ``/config`` (0.8 MB: every component of every tab). Gradio makes it anew for
each request (a deep copy of the whole configuration, its URLs rewritten, JSON-encoded: about 50 ms of
the server's CPU here), so forty students opening the page at once cost two seconds of a core before
anyone's first answer, and their clients timed out (``bench/load.py``). The configuration of this app
does not change once it is launched (no ``gr.render``, no login), so its answer depends only on the
URL it is asked at: this ASGI middleware keeps the answer per URL (scheme, host, path, query) and
sends the same bytes again.
"""

from __future__ import annotations


class ConfigCache:
    PATHS = ("/config", "/config/")

    def __init__(self, app, limit: int = 16):
        self.app = app
        self.limit = limit  # URLs kept (one per host name the app is reached by, in practice)
        self.answers: dict[tuple, tuple[int, list, bytes]] = {}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "GET" or not scope["path"].endswith(self.PATHS):
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        if b"authorization" in headers or b"access-token" in headers.get(b"cookie", b""):
            return await self.app(scope, receive, send)  # an answer for one user is not kept for all
        key = (scope.get("scheme"), headers.get(b"host"), headers.get(b"x-forwarded-host"),
               headers.get(b"x-forwarded-proto"), scope.get("root_path"), scope["path"], scope.get("query_string"))
        kept = self.answers.get(key)
        if kept is not None:
            status, response_headers, body = kept
            await send({"type": "http.response.start", "status": status, "headers": response_headers})
            await send({"type": "http.response.body", "body": body})
            return
        start, chunks = {}, []

        async def capture(message):
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body") and start.get("status") == 200 and len(self.answers) < self.limit:
                    self.answers[key] = (200, start.get("headers", []), b"".join(chunks))
            await send(message)

        await self.app(scope, receive, capture)
