"""Storage layout of the store's two largest tables: a column that is a function of others
is computed on read (a DuckDB ``VIRTUAL`` generated column), not stored.

- ``jobs.year`` is the first four characters of ``period`` ('2016', '2008-T3'): stored, it
  took 1.9 MB of the real store (a 5-bit value on each of 2.8 M rows whose periods change
  from row to row);
- ``indicator.percentile`` is ``100 * k / n`` with ``n`` the territories of the level with
  a value for the indicator, period and source and ``k`` those at or below this one
  (DuckDB's ``cume_dist``): two small integers instead of a double (1.6 MB less), the same
  double on read (the same division, then the same product).

Readers see the same columns and types (``SELECT *`` included: a generated column is a
column); the percentile's two counts are two more columns, ``percentile_n`` and
``percentile_k``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import numpy as np

from pacte.errors import BuildError

#: ``jobs.year``, computed on read from ``period``.
JOBS_YEAR = "CAST(left(period, 4) AS SMALLINT)"
#: ``indicator.percentile``, computed on read from its two counts.
PERCENTILE = ("CASE WHEN value IS NULL THEN NULL "
              "ELSE 100 * (CAST(percentile_k AS DOUBLE) / percentile_n) END")


def _columns(con: duckdb.DuckDBPyConnection, source: str) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in con.execute(f"DESCRIBE {source}").fetchall()]


@dataclass(frozen=True)
class KeyedRows:
    """Rows of the jobs table given by their keys (:func:`write_jobs_table`): ``keys[i]``, a
    query of the distinct values of the columns of group ``i`` (with ``year`` beside
    ``period``); ``rows``, a query of the rows with ``_k{i}``, their numbers in the tables
    ``_jobs_key{i}`` (columns of group ``i`` and ``k``), and the columns of no group."""
    keys: tuple[str, ...]
    rows: str


def write_jobs_table(con: duckdb.DuckDBPyConnection, parts: Sequence[str],
                     order: tuple[tuple[str, ...], ...],
                     keyed: Sequence[KeyedRows] = ()) -> None:
    """The table ``jobs`` from the rows of the queries ``parts`` (each with the same columns
    and types, those of the table) and of ``keyed``, sorted by the columns of ``order``
    (groups of columns: the territory's, then the series' with ``period``), its ``year``
    computed on read from ``period``. Raises BuildError when a row's year is not its
    period's (the layout would change an answer).

    Each group's distinct values are numbered in their sort order (a small table: tens of
    thousands of territories, thousands of series); the rows are sorted on these numbers
    with only their values beside them (jobs, flags: ~30 bytes a row instead of ~100 with
    the six text columns, a third of the sort's memory), then the text written from the
    numbers by list lookups, which keep the sorted order. Same order as sorting on the text
    columns themselves. ``keyed`` rows come with their numbers (the census commune rows,
    numbered on their wide table: 17 times fewer rows to join)."""
    union = " UNION ALL ".join(f"({p})" for p in parts)
    cols = _columns(con, f"SELECT * FROM ({parts[0]})")
    ddl = ", ".join(f"{n} {t} GENERATED ALWAYS AS ({JOBS_YEAR}) VIRTUAL" if n == "year"
                    else f"{n} {t}" for n, t in cols)
    stored = [n for n, _ in cols if n != "year"]
    for i, group in enumerate(order):
        listed = ", ".join(group)
        # the series' group keeps the year beside its period, checked on this small table
        year = ", year" if "period" in group else ""
        more = "".join(f" UNION SELECT {listed}{year} FROM ({k.keys[i]})" for k in keyed)
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _jobs_key{i} AS
            SELECT *, CAST(row_number() OVER (ORDER BY {listed}) AS INTEGER) AS k
            FROM (SELECT DISTINCT {listed}{year} FROM ({union}){more})""")
        if year and con.execute(f"SELECT count(*) FROM _jobs_key{i} "
                                f"WHERE year IS DISTINCT FROM {JOBS_YEAR}").fetchall()[0][0]:
            bad = con.execute(f"SELECT source, level, code, year, period FROM ({union}) "
                              f"WHERE year IS DISTINCT FROM {JOBS_YEAR} LIMIT 3").fetchall()
            raise BuildError(f"table des emplois : année différente de celle de la période {bad}")
    # plain equality joins (a fifth faster than IS NOT DISTINCT FROM on 2.8 M rows) when no
    # key is null, as in every store built so far
    nulls = con.execute(" + ".join(
        f"(SELECT count(*) FROM _jobs_key{i} WHERE "
        + " OR ".join(f"{c} IS NULL" for c in group) + ")"
        for i, group in enumerate(order)).join(("SELECT ", ""))).fetchall()[0][0]
    equal = "IS NOT DISTINCT FROM" if nulls else "="
    keyed_cols = {c: i for i, group in enumerate(order) for c in group}
    lists = ", ".join(
        f"_d{i} AS (SELECT " + ", ".join(f"list({c} ORDER BY k) AS {c}" for c in group)
        + f" FROM _jobs_key{i})" for i, group in enumerate(order))
    joins = " ".join(f"JOIN _jobs_key{i} k{i} ON " + " AND ".join(
        f"k{i}.{c} {equal} s.{c}" for c in group) for i, group in enumerate(order))
    values = [c for c in stored if c not in keyed_cols]
    keys = ", ".join(f"k{i}.k AS _k{i}" for i in range(len(order)))
    narrow = " UNION ALL BY NAME ".join([
        f"(SELECT {keys}, {', '.join(f's.{c}' for c in values)} FROM ({union}) s {joins})",
        *(f"(SELECT {', '.join(f'_k{i}' for i in range(len(order)))}, {', '.join(values)} "
          f"FROM ({k.rows}))" for k in keyed)])
    con.execute(f"CREATE TABLE jobs ({ddl})")
    con.execute(f"INSERT INTO jobs ({', '.join(stored)}) WITH {lists} SELECT "
                + ", ".join(f"_d{keyed_cols[c]}.{c}[_o._k{keyed_cols[c]}]" if c in keyed_cols
                            else f"_o.{c}" for c in stored)
                + f" FROM ({narrow} ORDER BY "
                + ", ".join(f"_k{i}" for i in range(len(order))) + ") _o "
                + " ".join(f"CROSS JOIN _d{i}" for i in range(len(order))))
    for i in range(len(order)):
        con.execute(f"DROP TABLE _jobs_key{i}")


#: Rows of the indicator table written per statement (each a copy of that many rows): one
#: DuckDB row group (the real store's table in 0.37 s of CPU, 0.62 s by slices of 40,000).
CHUNK = 122_880


def calc_cume_counts(group: np.ndarray, value: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row, ``n``: the rows of its group (``group``: integer ids) and ``k``: those of
    its group whose value is at or below its own (ties counted together: SQL's
    ``count(*) OVER (PARTITION BY group ORDER BY value RANGE BETWEEN UNBOUNDED PRECEDING
    AND CURRENT ROW)``). NaN values are peers of each other (a group of missing values
    has ``k = n`` for each row)."""
    size = len(group)
    v = np.where(np.isnan(value), 0.0, value)
    order = np.lexsort((v, group))
    g, x = group[order], v[order]
    new_group = np.r_[True, g[1:] != g[:-1]] if size else np.zeros(0, bool)
    last_peer = np.r_[new_group[1:] | (x[1:] != x[:-1]), True] if size else new_group
    start = np.maximum.accumulate(np.where(new_group, np.arange(size), 0))
    # the position of the last peer of each row (its run of equal values), backwards
    end = np.minimum.accumulate(np.where(last_peer, np.arange(size), size)[::-1])[::-1]
    group_end = np.r_[np.flatnonzero(new_group)[1:], size]
    n_sorted = (group_end - np.flatnonzero(new_group))[np.cumsum(new_group) - 1]
    n, k = np.empty(size, np.int32), np.empty(size, np.int32)
    n[order], k[order] = n_sorted, end - start + 1
    return n, k


def write_indicator_table(con: duckdb.DuckDBPyConnection, table: str, frame) -> None:
    """The indicator table ``table`` from the rows of ``frame`` (a DataFrame, its rows in the
    engine's order, numbered by ``ord``), sorted by level, indicator and ``ord``, with
    ``percentile``: the share (%) of the level's territories with a value at or below this
    one for the same indicator, period and source (``100 * cume_dist()``; null without a
    value), computed on read from its two counts (:func:`calc_cume_counts` over the groups
    level x indicator x period x source x missing or not).

    The rows are written once, already in their order, :data:`CHUNK` at a time, from Arrow:
    DuckDB neither sorts nor windows the wide rows (names, notes), whose copies took 180 MB;
    the texts, a few thousand distinct values repeated (level, names, units, notes...), are
    taken as Arrow dictionaries (codes, not strings; still VARCHAR in the table). The
    frame's columns are taken as they are encoded: ``frame`` is left with its index only."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    value = frame["value"].to_numpy(dtype=float)
    codes = [pd.factorize(frame[c], sort=True)[0].astype(np.int64)
             for c in ("level", "indicator", "period", "source")]
    group = np.zeros(len(frame), np.int64)
    for c in codes:
        group = group * (int(c.max(initial=0)) + 1) + c
    group = group * 2 + np.isnan(value)
    n, k = calc_cume_counts(group, value)
    # level, indicator, then the engine's order (ord): codes sorted as DuckDB sorts text
    order = np.lexsort((frame["ord"].to_numpy(), codes[1], codes[0]))
    n, k = n[order], k[order]
    columns = {}
    for c in list(frame.columns):
        col = pa.array(frame[c])  # Arrow's text as it is (pandas 3)
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            col = pc.dictionary_encode(col)
        columns[c] = col
        # the frame's column taken: its texts (93 MB of the catalogue's 287k rows) freed
        # before DuckDB stores the rows, the build's peak memory (-40 MB, measured)
        del frame[c]
    rows_all = pa.table(columns)
    for start in range(0, max(len(order), 1), CHUNK):  # in slices: a slice's copy at a time
        part = slice(start, start + CHUNK)
        rows = rows_all.take(pa.array(order[part])).append_column(
            "percentile_n", pa.array(n[part])).append_column("percentile_k", pa.array(k[part]))
        con.register("_ind_rows", rows)
        try:
            cols = _columns(con, "_ind_rows")
            if start == 0:
                ddl = ", ".join(f"{c} {t}" for c, t in cols)
                con.execute(f"""CREATE TABLE {table} ({ddl},
                                percentile DOUBLE GENERATED ALWAYS AS ({PERCENTILE}) VIRTUAL)""")
            con.execute(f"INSERT INTO {table} ({', '.join(c for c, _ in cols)}) "
                        "SELECT * FROM _ind_rows")
        finally:
            con.unregister("_ind_rows")
        del rows
