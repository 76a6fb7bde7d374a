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

import duckdb

from pacte.errors import BuildError

#: ``jobs.year``, computed on read from ``period``.
JOBS_YEAR = "CAST(left(period, 4) AS SMALLINT)"
#: ``indicator.percentile``, computed on read from its two counts.
PERCENTILE = ("CASE WHEN value IS NULL THEN NULL "
              "ELSE 100 * (CAST(percentile_k AS DOUBLE) / percentile_n) END")


def _columns(con: duckdb.DuckDBPyConnection, source: str) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in con.execute(f"DESCRIBE {source}").fetchall()]


def write_jobs_table(con: duckdb.DuckDBPyConnection, source: str,
                     order: tuple[tuple[str, ...], ...]) -> None:
    """The table ``jobs`` from the rows of ``source`` (same columns and types) sorted by
    the columns of ``order`` (groups of columns, e.g. the territory's then the series'),
    its ``year`` computed on read from ``period``. Raises BuildError when a row's year is
    not its period's (the layout would change an answer).

    The rows are sorted on one integer per group, the rank of the group's values among
    their distinct values (taken in the same order): the same order as sorting on the
    text columns themselves, in half the time (2.8 M rows of the real store: a few tens of
    thousands of distinct values to sort instead)."""
    bad = con.execute(f"SELECT source, level, code, year, period FROM {source} "
                      f"WHERE year IS DISTINCT FROM {JOBS_YEAR} LIMIT 3").fetchall()
    if bad:
        raise BuildError(f"table des emplois : année différente de celle de la période {bad}")
    cols = _columns(con, source)
    ddl = ", ".join(f"{n} {t} GENERATED ALWAYS AS ({JOBS_YEAR}) VIRTUAL" if n == "year"
                    else f"{n} {t}" for n, t in cols)
    stored = ", ".join(n for n, _ in cols if n != "year")
    con.execute(f"CREATE TABLE jobs ({ddl})")
    joins, keys = [], []
    # plain equality joins (a fifth faster than IS NOT DISTINCT FROM on 2.8 M rows) when no
    # key is null, as in every store built so far
    nulls = con.execute(f"SELECT count(*) FROM {source} WHERE " + " OR ".join(
        f"{c} IS NULL" for group in order for c in group)).fetchall()[0][0]
    equal = "IS NOT DISTINCT FROM" if nulls else "="
    for i, group in enumerate(order):
        listed = ", ".join(group)
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _jobs_key{i} AS
            SELECT {listed}, row_number() OVER (ORDER BY {listed}) AS k
            FROM (SELECT DISTINCT {listed} FROM {source})""")
        on = " AND ".join(f"k{i}.{c} {equal} s.{c}" for c in group)
        joins.append(f"JOIN _jobs_key{i} k{i} ON {on}")
        keys.append(f"k{i}.k")
    con.execute(f"INSERT INTO jobs ({stored}) SELECT "
                + ", ".join(f"s.{n}" for n, _ in cols if n != "year")
                + f" FROM {source} s {' '.join(joins)} ORDER BY {', '.join(keys)}")
    for i in range(len(order)):
        con.execute(f"DROP TABLE _jobs_key{i}")


def write_indicator_table(con: duckdb.DuckDBPyConnection, table: str, source: str) -> None:
    """The indicator table ``table`` from the rows of ``source`` (with ``ord``), sorted by
    level, indicator and ``ord``, with ``percentile``: the share (%) of the level's
    territories with a value at or below this one for the same indicator, period and
    source (``100 * cume_dist()``; null without a value), computed on read from its two
    counts."""
    cols = _columns(con, source)
    ddl = ", ".join(f"{n} {t}" for n, t in cols)
    names = ", ".join(n for n, _ in cols)
    part = "PARTITION BY level, indicator, period, source, value IS NULL"
    con.execute(f"""CREATE TABLE {table} ({ddl}, percentile_n INTEGER, percentile_k INTEGER,
                    percentile DOUBLE GENERATED ALWAYS AS ({PERCENTILE}) VIRTUAL)""")
    con.execute(f"""INSERT INTO {table} ({names}, percentile_n, percentile_k)
        SELECT {names}, CAST(count(*) OVER ({part}) AS INTEGER),
               CAST(count(*) OVER ({part} ORDER BY value RANGE BETWEEN UNBOUNDED PRECEDING
                                   AND CURRENT ROW) AS INTEGER)
        FROM {source} ORDER BY level, indicator, ord""")
