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

from collections.abc import Callable, Mapping, Sequence
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
    """Rows of the jobs table given on a wide table (:func:`write_jobs_table`), their text
    already typed: ``values[c]``, a query of the values of the sorted text column ``c`` (one
    column, repeats allowed); ``rows(types)``, a query of the rows with every stored column,
    each sorted text column ``c`` of the ENUM type ``types[c]`` (a cast of its text, taken
    before the rows are unnested: once per wide row, not per jobs row)."""
    values: Mapping[str, str]
    rows: Callable[[Mapping[str, str]], str]


def write_jobs_table(con: duckdb.DuckDBPyConnection, parts: Sequence[str],
                     order: tuple[tuple[str, ...], ...],
                     keyed: Sequence[KeyedRows] = ()) -> None:
    """The table ``jobs`` from the rows of the queries ``parts`` (each with the same columns
    and types, those of the table) and of ``keyed``, sorted by the columns of ``order``
    (groups of text columns: the territory's, then the series' with ``period``), its
    ``year`` computed on read from ``period``. Raises BuildError when a row's year is not
    its period's (the layout would change an answer).

    Each sorted column's distinct values become a temporary ENUM type, declared in their
    sort order (tens of thousands of territory codes, hundreds of sectors and periods):
    the rows are sorted on these ENUM values (one or two bytes each instead of the text),
    and the text is written back by the casts to VARCHAR (a lookup in the type's values,
    which keeps the sorted order). Same order as sorting on the text columns themselves
    (nulls last). Measured on the bundled store (2.8 M rows, 2 threads, median of 5):
    2.3 -> 2.1 s of CPU, 10 MB more at its peak, against numbering each group of columns,
    sorting on the numbers and writing the text back by list lookups (DuckDB copied the
    lists, 120,000 values, for every vector of 2,048 rows: 0.9 s). What is left
    is mostly DuckDB's own write of the rows (compression of the six text columns): 1.6 s
    of CPU to insert the same rows, already sorted, from a table in memory. That write is
    DuckDB's floor, whatever the storage (measured on 12 M URSSAF rows: ~0.07 us of CPU per
    text value appended, constant or not, in the order the rows come or sorted; forcing
    the dictionary or no compression saves under 20 % of it and grows the store). Written
    in two sorted parts (the communes' rows, 87 %, on the derive's side lane beside ESTEL
    and the labels; the other levels appended after them), the build's peak rose 435 ->
    445 MB; with a CHECKPOINT once both lanes were done it stayed (438 -> 436) but the
    build's CPU rose 19.5 -> 19.9 s, the wall gain not measurable under load (medians of
    3 alternated pairs, session 37): not done."""
    union = " UNION ALL ".join(f"({p})" for p in parts)
    cols = _columns(con, f"SELECT * FROM ({parts[0]})")
    ddl = ", ".join(f"{n} {t} GENERATED ALWAYS AS ({JOBS_YEAR}) VIRTUAL" if n == "year"
                    else f"{n} {t}" for n, t in cols)
    stored = [n for n, _ in cols if n != "year"]
    bad = con.execute(f"SELECT source, level, code, year, period FROM ({union}) "
                      f"WHERE year IS DISTINCT FROM {JOBS_YEAR} LIMIT 3").fetchall()
    if bad:
        raise BuildError(f"table des emplois : année différente de celle de la période {bad}")
    sort = [c for group in order for c in group]
    types = {c: f"_jobs_{c}" for c in sort}
    created = []
    try:
        for c in sort:
            more = "".join(f" UNION ALL ({k.values[c]})" for k in keyed)
            con.execute(f"""CREATE OR REPLACE TEMP TYPE {types[c]} AS ENUM (
                SELECT DISTINCT v FROM (SELECT {c} AS v FROM ({union}){more})
                WHERE v IS NOT NULL ORDER BY v)""")
            created.append(types[c])
        typed = ", ".join(f"CAST({c} AS {types[c]}) AS {c}" if c in types else c
                          for c in stored)
        narrow = " UNION ALL ".join([
            f"SELECT {typed} FROM ({union})",
            *(f"SELECT {', '.join(stored)} FROM ({k.rows(types)})" for k in keyed)])
        con.execute(f"CREATE TABLE jobs ({ddl})")
        con.execute(f"INSERT INTO jobs ({', '.join(stored)}) SELECT "
                    + ", ".join(f"CAST({c} AS VARCHAR)" if c in types else c for c in stored)
                    + f" FROM ({narrow} ORDER BY {', '.join(sort)})")
    finally:
        for name in created:
            con.execute(f"DROP TYPE IF EXISTS {name}")


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


def compact_rows(frame):
    """``frame`` (a DataFrame) as an Arrow table whose texts are dictionaries (codes, not
    strings: the catalogue's texts are a few thousand distinct values repeated over its
    287k rows, 86 MB as text, 8 MB encoded; still VARCHAR in the store) and whose missing
    values are nulls, as DuckDB reads them from pandas. The texts are taken from pandas
    without a copy (pandas 3 holds them as Arrow's), then encoded one column at a time."""
    import pyarrow as pa
    import pyarrow.compute as pc

    table = pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata()
    for i, field in enumerate(table.schema):
        if pa.types.is_string(field.type) or pa.types.is_large_string(field.type):
            table = table.set_column(i, field.name, pc.dictionary_encode(table.column(i)))
    return table


def _sorted_codes(col) -> np.ndarray:
    """Codes of a dictionary column (its chunks sharing one dictionary) numbered in the
    sorted order of their text (bytes, as DuckDB sorts text); nulls -1."""
    import pyarrow.compute as pc

    rank = np.empty(len(col.chunk(0).dictionary) if col.num_chunks else 0, np.int64)
    if col.num_chunks:
        rank[pc.array_sort_indices(col.chunk(0).dictionary).to_numpy()] = np.arange(len(rank))
    idx = np.concatenate([c.indices.to_numpy(zero_copy_only=False) for c in col.chunks]
                         if col.num_chunks else [np.zeros(0)])
    valid = np.concatenate([c.is_valid().to_numpy(zero_copy_only=False) for c in col.chunks]
                           if col.num_chunks else [np.zeros(0, bool)])
    return np.where(valid, rank[np.where(valid, idx, 0).astype(np.int64)], -1)


def write_indicator_table(con: duckdb.DuckDBPyConnection, table: str, rows_all) -> None:
    """The indicator table ``table`` from ``rows_all`` (an Arrow table, as
    :func:`compact_rows` makes them: its rows in the engine's order, numbered by ``ord``),
    sorted by level, indicator and ``ord``, with ``percentile``: the share (%) of the
    level's territories with a value at or below this one for the same indicator, period
    and source (``100 * cume_dist()``; null without a value), computed on read from its two
    counts (:func:`calc_cume_counts` over the groups level x indicator x period x source x
    missing or not).

    The rows are written once, already in their order, :data:`CHUNK` at a time, from Arrow:
    DuckDB neither sorts nor windows the wide rows (names, notes), whose copies took 180 MB;
    the texts are taken as Arrow dictionaries (codes, not strings; still VARCHAR in the
    table)."""
    import pyarrow as pa

    rows_all = rows_all.unify_dictionaries()
    value = rows_all["value"].to_numpy()  # nulls -> NaN
    codes = [_sorted_codes(rows_all[c]) for c in ("level", "indicator", "period", "source")]
    group = np.zeros(len(value), np.int64)
    for c in codes:
        group = group * (int(c.max(initial=0)) + 2) + c + 1
    group = group * 2 + np.isnan(value)
    n, k = calc_cume_counts(group, value)
    del group
    # level, indicator, then the engine's order (ord): codes sorted as DuckDB sorts text
    order = np.lexsort((rows_all["ord"].to_numpy(), codes[1], codes[0]))
    del codes
    n, k = n[order], k[order]
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
