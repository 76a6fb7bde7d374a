"""Answers of GET routes kept in memory per store file: the store is immutable between two
builds, so the same address gives the same bytes until ``pacte build`` replaces the file.

Keyed by the store generation (:class:`pacte.api.live_store.LiveStore`), the path and the
query string; only 200 JSON answers up to ``max_entry`` bytes are kept, least recently
used first out beyond ``max_bytes`` (settings ``PACTE_CACHE_ENTRY_BYTES`` and
``PACTE_CACHE_BYTES``). A new store file empties the cache before any
answer of it is served, so a cached figure is never one of a replaced store."""

from __future__ import annotations

import threading
from collections import OrderedDict

from pacte.settings import Settings

MAX_CACHE_BYTES = Settings.__dataclass_fields__["cache_bytes"].default
MAX_ENTRY_BYTES = Settings.__dataclass_fields__["cache_entry_bytes"].default
#: Routes whose answer depends on more than the store (the download cache's state).
NOT_CACHED = frozenset({"/api/sources"})


class ResponseCache:
    """Pure ASGI middleware, outside the gzip one: it keeps the compressed bytes too (the key
    says whether the client accepts gzip)."""

    def __init__(self, app, max_bytes: int = MAX_CACHE_BYTES, max_entry: int = MAX_ENTRY_BYTES):
        self.app = app
        self.max_bytes = max_bytes
        self.max_entry = max_entry
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple, tuple[list, bytes]] = OrderedDict()
        self._size = 0
        self._generation = None
        self.hits = 0

    def _get(self, key):
        with self._lock:
            if key[0] != self._generation:
                self._entries.clear()
                self._size, self._generation = 0, key[0]
                return None
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                self.hits += 1
            return found

    def _put(self, key, headers: list, body: bytes) -> None:
        with self._lock:
            if key[0] != self._generation or key in self._entries:
                return
            self._entries[key] = (headers, body)
            self._size += len(body)
            while self._size > self.max_bytes and self._entries:
                _, (_, old) = self._entries.popitem(last=False)
                self._size -= len(old)

    async def __call__(self, scope, receive, send):
        if (scope["type"] != "http" or scope["method"] != "GET"
                or not scope["path"].startswith("/api/") or scope["path"] in NOT_CACHED):
            return await self.app(scope, receive, send)
        store = getattr(scope["app"].state, "store", None) if "app" in scope else None
        generation = store.fresh_generation() if store is not None else None
        if generation is None:  # no store, or a new file not opened yet
            return await self.app(scope, receive, send)
        gzip = b"gzip" in dict(scope.get("headers", [])).get(b"accept-encoding", b"")
        key = (generation, scope["path"], scope.get("query_string", b""), gzip)
        found = self._get(key)
        if found is not None:
            headers, body = found
            await send({"type": "http.response.start", "status": 200,
                        "headers": list(headers)})  # outer middlewares edit the list
            await send({"type": "http.response.body", "body": body})
            return
        start, chunks, size = None, [], 0

        async def keep(message):
            nonlocal start, size
            if message["type"] == "http.response.start":  # copied before gzip edits it
                start = {"status": message["status"],
                         "headers": list(message.get("headers", []))}
            elif message["type"] == "http.response.body" and start is not None:
                chunks.append(message.get("body", b""))
                size += len(chunks[-1])
                if not message.get("more_body", False):
                    headers = list(start.get("headers", []))
                    kind = dict(headers).get(b"content-type", b"")
                    if (start["status"] == 200 and kind.startswith(b"application/json")
                            and size <= self.max_entry):
                        self._put(key, headers, b"".join(chunks))
            await send(message)

        await self.app(scope, receive, keep)
