"""The build steps' early work (:class:`EarlyWork`): what a step can do before its turn,
beside the end of the derive steps and the build's first steps."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import duckdb


class EarlyWork:
    """The steps' early work: a step's ``early()`` (:func:`pacte.store.build.beside` keeps
    its steps') returns a function of a DuckDB cursor, run in a thread once the derive
    steps have written the jobs table (:func:`pacte.store.derive.run`), on a cursor of the
    build's connection on which the build-only tables are views of their files (on the
    connection, temporary tables a cursor does not see), beside the derive's last
    statements and the build's first steps. The step waits for what it needs of it (and
    raises its failure); :meth:`close` waits for all of it, before the connection closes,
    whatever failed; :meth:`check` raises its first failure once the steps are done."""

    def __init__(self) -> None:
        #: the build's steps (set once known: they may be imported in a thread)
        self.steps: Callable[[], Sequence[Callable]] = tuple
        self._threads: list = []
        self._errors: list[BaseException] = []

    def start(self) -> Callable[[duckdb.DuckDBPyConnection], None] | None:
        """The steps' early work asked for: None without any, else the function starting
        it on a cursor (closed once the work is done)."""
        works = [e() for s in self.steps() if (e := getattr(s, "early", None)) is not None]
        return (lambda cur: self._run(works, cur)) if works else None

    def _run(self, works: list, cur: duckdb.DuckDBPyConnection) -> None:
        # a thread of its own, ended with its work: a pool's thread, idle until the build's
        # end, kept ~10 MB more through the rest of it (the build's peak 433 -> 424 MB and
        # 439 -> 426, measured in alternated pairs against main's 420-425)
        import threading

        def run() -> None:
            try:
                for work in works:
                    work(cur)
            except BaseException as exc:
                self._errors.append(exc)
            finally:
                cur.close()

        thread = threading.Thread(target=run, name="pacte-early")
        try:
            thread.start()
        except BaseException:
            cur.close()
            raise
        self._threads.append(thread)

    def check(self) -> None:
        """Raise the early work's first failure, once it is done."""
        self.close()
        if self._errors:
            raise self._errors[0]

    def close(self) -> None:
        """Wait for the early work."""
        for thread in self._threads:
            thread.join()
