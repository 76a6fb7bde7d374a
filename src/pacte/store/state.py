"""What a process keeps of one store: answers fixed by the store's build hash (its
provenance rows, its territory cards, the level-wide answers of the profiles, the map
backgrounds), computed once per process and store and shared by every request or worker
thread. The build hash covers every input file and the code, so two stores with one hash
hold the same answers, and a rebuilt store is a new :class:`StoreState`.

This is the one home of such process state: handlers and reports ask
:func:`state_of` instead of keeping caches of their own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import duckdb

#: Stores kept per process (a long-lived server sees a new one at each build).
MAX_STORES = 2


class StoreState:
    """Answers of one store (one build hash), each made once even under concurrent
    requests (a lock per answer: the other requests wait for the first)."""

    def __init__(self, build_hash: str | None):
        self.build_hash = build_hash
        self._values: dict[Any, Any] = {}
        self._locks: dict[Any, threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, key: Any, make: Callable[[], Any]) -> Any:
        """``make()`` once per key and store."""
        try:
            return self._values[key]
        except KeyError:
            pass
        with self._lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._values:
                self._values[key] = make()
        return self._values[key]


_STATES: dict[str, StoreState] = {}
_REGISTRY = threading.Lock()


def build_hash_of(con: duckdb.DuckDBPyConnection) -> str | None:
    rows = con.execute("SELECT value FROM meta WHERE key = 'build_hash'").fetchall()
    return rows[0][0] if rows else None


def state_of(con: duckdb.DuckDBPyConnection, build_hash: str | None = None) -> StoreState:
    """The state of the store behind ``con`` (``build_hash``: the store's, when the caller
    read it already). A store without a build hash gets a fresh, unshared state."""
    build_hash = build_hash or build_hash_of(con)
    if not build_hash:
        return StoreState(None)
    with _REGISTRY:
        state = _STATES.get(build_hash)
        if state is None:
            while len(_STATES) >= MAX_STORES:
                _STATES.pop(next(iter(_STATES)))
            state = _STATES[build_hash] = StoreState(build_hash)
    return state
