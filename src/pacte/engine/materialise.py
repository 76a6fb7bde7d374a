"""The catalogue computed once, at build time, into the store (table ``indicator``), and
read back by every reader (CLI, API, profiles, targeting): readers never recompute.

``write_indicators`` is a build step (``pacte.store.build(..., steps=[...])``): it runs in the
same atomic build as the base tables. ``read_indicators`` answers the same questions as
:func:`pacte.engine.compute_indicators` from the stored table, in the same row order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Future

import duckdb
import numpy as np
import pandas as pd

from pacte.catalogue import INDICATORS, SERIES
from pacte.catalogue import LONG_COLUMNS as COLUMNS
from pacte.engine.anchoring import anchoring_blocks, finish_anchoring
from pacte.engine.compute import MODELS, check_parameters, indicator_parts
from pacte.engine.exposure_top import MESSAGE as TOP_MESSAGE
from pacte.engine.exposure_top import write_exposure_top
from pacte.engine.jobs import NO_NATIONAL
from pacte.errors import StoreError
from pacte.store.build_tables import BUILD_TABLES
from pacte.store.frames import frame
from pacte.store.heap import release_duckdb_heap, release_heap
from pacte.store.layout import compact_rows, write_indicator_table
from pacte.store.rows import indicator_sql

TABLE = "indicator"
#: The exposure model's id (its family's), whose run also gives ``exposure_top``'s rows.
EXPOSURE = "exposure"
#: The models reading the build-only tables (:data:`BUILD_TABLES`), run on the build's
#: connection in a thread beside the others: those tables are dropped once they have run (a
#: model named here reading none of them costs nothing; one missing fails on the dropped
#: table, loudly).
BUILD_TABLE_READERS = ("anchoring",)


def write_indicators(con: duckdb.DuckDBPyConnection, say=lambda _m: None,
                     anchoring: Future | None = None) -> dict[str, int]:
    """Compute every catalogue indicator at every level (France included) and write the
    long table ``indicator`` (ordered: ``ord`` keeps the engine's row order), and the
    exposure's top industries (``exposure_top``). ``anchoring``: the future of the
    anchoring model's blocks made early (:class:`Catalogue`), its census' then made here,
    or None (the model run here)."""
    say("Calcul de tous les indicateurs du catalogue")
    # all levels at once: each store-level model runs once for every level; the exposure
    # model's run also gives the rows of ``exposure_top`` (its contributions, not redone).
    # The anchoring model (1.2 s of CPU, half of it in DuckDB's queries, which release the
    # GIL) in a thread beside the value chains' and the exposure's (1.0 s), the build-only
    # tables it reads dropped once it has run (:func:`_run_models`). Bundled build, median
    # of 5 pairs under load: the step's main-thread CPU 4.3 -> 2.6 s, its peak 385 -> 401
    # MB (398-429: about the derive steps' 421-427; the exposure's texts as codes,
    # :mod:`pacte.engine.exposure_indicators`, took 25 MB off it), the build's 441 -> 441
    from concurrent.futures import ThreadPoolExecutor

    tops = _Compacted()  # the exposure's top industries: 37 MB of text, 4 MB encoded
    runs = _run_models(con, tops, anchoring)
    # the exposure's top industries written on a cursor in a thread (DuckDB's work, which
    # releases the GIL: 0.15 s of CPU, 0.3 s of wall alone) beside the rows below (pandas
    # and Arrow, mostly the GIL's), no longer after them on the step's path; its message
    # said in its place, once the indicators' table is written
    cur = con.cursor()
    try:
        with ThreadPoolExecutor(1) as pool:
            top = pool.submit(write_exposure_top, cur, tops=tops)
            del tops
            try:
                n = _write_rows(con, runs)
            except BaseException:
                top.exception()  # waits for the thread before the cursor closes
                raise
            del runs
            say(TOP_MESSAGE)
            return {TABLE: n, **top.result()}
    finally:
        cur.close()


def _write_rows(con: duckdb.DuckDBPyConnection, runs: dict[str, pd.DataFrame]) -> int:
    """The table ``indicator`` from the models' ``runs`` (consumed) and the job
    indicators; returns its rows."""
    import pyarrow as pa

    # France's rows first, then every other level's, each model's run freed once its rows
    # are read, and each part's text encoded as soon as it is made (compact_rows: codes,
    # not strings): the 287k rows never exist as text at once (86 MB; 8 MB encoded). The
    # step alone, bundled snapshot: peak 484 -> 429 MB, same CPU (median of 3)
    fr = indicator_parts(con, "fr", runs=runs, each=_compact)
    parts = indicator_parts(con, runs=runs, consume=True, each=_compact)
    runs.clear()
    rows = pa.concat_tables([*parts, *fr], promote_options="permissive")
    del parts, fr
    rows = rows.add_column(0, "ord", pa.array(np.arange(len(rows), dtype=np.int64)))
    # with each value's percentile within its level (readers show it without scanning it)
    write_indicator_table(con, TABLE, rows)
    return len(rows)


def _run_models(con: duckdb.DuckDBPyConnection, tops: list, anchoring: Future | None = None
                ) -> dict[str, pd.DataFrame]:
    """Every store-level model's run for every level (the exposure's also fills ``tops``).
    The models reading the build-only tables (:data:`BUILD_TABLE_READERS`: temporary
    tables of ``con``, which a cursor does not see) run on ``con`` in a thread, beside the
    others on a cursor of it, one after another; the build-only tables are dropped once the
    readers have run. The first failure is raised (the readers' if both sides fail), once
    both sides are done: ``con`` is never left in use by the thread. With ``anchoring``
    (its blocks made early, :class:`Catalogue`), the thread finishes them instead (the
    census' block, the frame)."""
    from concurrent.futures import ThreadPoolExecutor

    def readers() -> dict[str, pd.DataFrame]:
        if anchoring is not None:  # its blocks made beside the derive (:class:`Catalogue`),
            # taken out of the future (whose step lives as long as the build)
            return {"anchoring": finish_anchoring(con, anchoring.result().pop())}
        return {m: MODELS[m](con, None) for m in BUILD_TABLE_READERS}

    runs: dict[str, pd.DataFrame] = {}
    cur = con.cursor()
    try:
        with ThreadPoolExecutor(1) as pool:
            future = pool.submit(readers)
            try:
                for m, f in MODELS.items():
                    if m not in BUILD_TABLE_READERS:
                        runs[m] = f(cur, None, tops=tops) if m == EXPOSURE else f(cur, None)
                        # what the run freed given back at once, not under the next one's
                        # beside the thread's (measured: RSS at the exposure's start 359,
                        # 371, 377 -> 332, 351, 366 MB; about 1 ms)
                        release_heap()
                        release_duckdb_heap()
            except BaseException:
                if (error := future.exception()) is not None:
                    raise error from None
                raise
            first = future.result()
    finally:
        cur.close()
    _drop_build_tables(con)
    # their memory given back now (403 -> 303 MB at once, measured), not over DuckDB's
    # allocator decay under the rows' encoding
    release_duckdb_heap()
    release_heap()
    return {**first, **runs}


class Catalogue:
    """The catalogue's build step (:func:`write_indicators`), whose anchoring model starts
    early (:meth:`early`, :class:`pacte.store.early.EarlyWork`): its blocks but the census'
    once the jobs table is written, on the build-only tables' files, beside the derive's
    last statements and the build's envelope (mostly DuckDB's work: 0.2-0.4 s before the
    step), then beside the other models as before; the step makes the census' block and
    the rest. The build-only tables it read are not loaded (57 MB). Bundled build, 6
    alternated pairs under heavy load (load average 8 on 2 cores): the build's CPU (user +
    sys) 18.46 -> 17.93 s, to the rankings' start 9.64 -> 9.43 s, peak (maxrss) 435.7 ->
    435.1 MB (medians). A new one for each build."""

    def __init__(self) -> None:
        self.__name__ = write_indicators.__name__
        self._anchoring: Future | None = None

    def early(self) -> Callable[[duckdb.DuckDBPyConnection], None]:
        """The work to run early, on a cursor of the build's connection seeing the
        build-only tables (:data:`BUILD_TABLES`); once it is asked for, the step waits for
        it (and raises its failure)."""
        self._anchoring = future = Future()
        future.set_running_or_notify_cancel()

        def run(cur: duckdb.DuckDBPyConnection) -> None:
            try:
                future.set_result([anchoring_blocks(cur, jobs=False)])
            except BaseException as exc:
                future.set_exception(exc)
                raise
        return run

    def __call__(self, con: duckdb.DuckDBPyConnection, say=lambda _m: None) -> dict[str, int]:
        anchoring, self._anchoring = self._anchoring, None
        return write_indicators(con, say, anchoring)


def _compact(df: pd.DataFrame):
    """One part of the long table as the store's rows: values as floats, texts encoded."""
    df["value"] = df["value"].astype(float)
    return compact_rows(df)


class _Compacted(list):
    """A list keeping each frame it receives as compact rows (:func:`compact_rows`): the
    rows gathered during the catalogue's computation are never all held as text. An Arrow
    table (the exposure's top industries, made compact) is kept as it is."""

    def append(self, df) -> None:
        super().append(_compacted(df))

    def extend(self, dfs: Iterable) -> None:
        super().extend(_compacted(df) for df in dfs)


def _compacted(df):
    return df if not isinstance(df, pd.DataFrame) else compact_rows(df)


def _drop_build_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the build-only temporary tables (:data:`pacte.store.build_tables.BUILD_TABLES`:
    the snapshot's per-commune files), whose last reader is the catalogue's computation
    (the anchoring model): DuckDB held them in memory (~60 MB) for the rest of the build."""
    names = [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE temporary AND table_name IN "
        "(SELECT unnest(?))", [sorted(BUILD_TABLES)]).fetchall()]
    for name in names:
        con.execute(f'DROP TABLE temp.main."{name}"')


def has_indicators(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.tables "
                            "WHERE table_name = ?", [TABLE]).fetchall()[0][0])


def _require(con) -> None:
    if not has_indicators(con):
        raise StoreError("ce store ne contient pas les indicateurs calculés (store d'une "
                         "version antérieure) — relancez « pacte build »")


def read_indicators(con: duckdb.DuckDBPyConnection, level: str | None = None,
                    indicators: Iterable[str] | None = None, period: str | None = None,
                    code: str | None = None) -> pd.DataFrame:
    """The stored indicators of ``level`` (default: every level but France), optionally
    filtered; same rows, order and columns as ``compute_indicators``."""
    indicators = list(indicators) if indicators else None
    check_parameters(level, indicators, period)
    _require(con)
    sql, params = indicator_sql(level, indicators, period, code, COLUMNS)
    return frame(con, sql, params)


def read_show_indicators(con: duckdb.DuckDBPyConnection, level: str, code: str | None
                         ) -> pd.DataFrame:
    """One territory's indicators beside France's (``pacte show``, profiles), from the store:
    levels at the crisis dates and the last year of each source, every change and peak.
    With ``code=None``, every territory of ``level`` at once (a first ``code`` column, rows
    by code then in the same order)."""
    df = read_indicators(con, level, code=code)
    # levels: only at the crisis dates and the last year of each job source (a model's
    # levels, whose source is not a job series, are all kept)
    keep = {f"{s.id}\t{p}" for s in SERIES.values()
            for p in (s.crisis[0], s.crisis[1], s.years[-1])}
    levels = {i for i, ind in INDICATORS.items() if ind.kind == "level"}
    shown = (~df["indicator"].isin(levels) | ~df["source"].isin(list(SERIES))
             | (df["source"] + "\t" + df["period"]).isin(keep))
    df = df[shown.to_numpy(dtype=bool)]
    nat = read_indicators(con, "fr").set_index(["indicator", "period", "source"])["value"]
    idx = pd.MultiIndex.from_frame(df[["indicator", "period", "source"]])
    pairs = dict.fromkeys(zip(df["indicator"].tolist(), df["source"].tolist(), strict=True))
    label_of = {(i, s): INDICATORS[i].label_for(s) if i in INDICATORS else i  # the source's
                for i, s in pairs}                                             # concept
    labels = [label_of[p] for p in zip(df["indicator"].tolist(), df["source"].tolist(),
                                       strict=True)]
    df = df.assign(national=nat.reindex(idx).to_numpy(), label=labels)
    has_national = {s: SERIES[s].has_national for s in SERIES}
    local = ~np.array([has_national.get(x, True) for x in df["source"].tolist()], dtype=bool)
    df.loc[local, "note"] = [NO_NATIONAL if n == "" else f"{n}; {NO_NATIONAL}"
                             for n in df.loc[local, "note"]]
    order = {i: n for n, i in enumerate(INDICATORS)}
    keys = ["_o", "source", "period"] if code is not None else ["code", "_o", "source", "period"]
    df = df.assign(_o=df["indicator"].map(order)).sort_values(keys, kind="stable")
    cols = ["indicator", "label", "source", "period", "value", "national", "unit",
            "resolution", "note"]
    return df[cols if code is not None else ["code", *cols]].reset_index(drop=True)
