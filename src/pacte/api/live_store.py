"""The store as the server sees it: one read-only connection per process, replaced
atomically when ``pacte build`` renames a new store over the file.

Each request stats the file (device, inode, size, mtime: a few microseconds). When the
file is another one, new requests wait while the requests in flight finish on the old
connection, then the old connection is closed and the new file opened (checked by
:func:`pacte.store.connect.connect`). Closing first is required: DuckDB keeps one database
instance per path in a process, so opening the path while the old connection lives would
hand back the old file. A request therefore reads one store from start to end, never a mix.

A missing or corrupted file is not fatal: every request answers the French
:class:`~pacte.errors.StoreError` (HTTP 503) until a readable store appears at the path.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from pacte.errors import StoreError
from pacte.store.connect import connect, read_meta

Signature = tuple[int, int, int, int] | None


def signature(path: Path) -> Signature:
    """What identifies one version of the file (None when absent)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


class LiveStore:
    """Thread-safe holder of the store connection of one server process."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._cond = threading.Condition()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._sig: Signature = None
        self._busy = 0  # requests in flight on self._con
        self._error: StoreError | None = None
        self._error_sig: Signature = None
        self.build_hash: str | None = None
        self.generation = 0  # connections opened so far (one per store file seen)

    def open(self) -> None:
        """Open the store now (at startup); a failure is kept and answered per request."""
        try:
            self._acquire()
        except StoreError:
            return
        self._release()

    @property
    def error(self) -> StoreError | None:
        return self._error if self._con is None else None

    def fresh_generation(self) -> int | None:
        """The generation of the open connection if the file is still the one it opened."""
        with self._cond:
            if self._con is None or signature(self.path) != self._sig:
                return None
            return self.generation

    def _close(self) -> None:
        if self._con is not None:
            self._con.close()
        self._con, self._sig = None, None

    def _acquire(self) -> duckdb.DuckDBPyConnection:
        with self._cond:
            while True:
                sig = signature(self.path)
                if self._con is not None and sig == self._sig:
                    self._busy += 1
                    return self._con
                if self._con is not None:  # another file: drain, then close
                    if self._busy:
                        self._cond.wait(1.0)
                        continue
                    self._close()
                if self._error is not None and sig == self._error_sig:
                    raise self._error
                try:
                    con = connect(self.path)
                    build_hash = read_meta(con).get("build_hash")
                except StoreError as exc:
                    self._error, self._error_sig = exc, sig
                    self.build_hash = None
                    raise
                self._con, self._sig, self._error = con, sig, None
                self.build_hash = build_hash
                self.generation += 1

    def _release(self) -> None:
        with self._cond:
            self._busy -= 1
            if not self._busy:
                self._cond.notify_all()

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor of the current store, valid until the block ends (the store file may be
        replaced meanwhile: this request still reads the one it started on)."""
        con = self._acquire()
        try:
            cur = con.cursor()
            try:
                yield cur
            finally:
                cur.close()
        finally:
            self._release()

    def close(self) -> None:
        with self._cond:
            self._close()
