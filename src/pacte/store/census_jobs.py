"""Census jobs (15 functions, COG 2025 communes) into the store's jobs table, in SQL: the
commune table, long (one row per commune x year x function), and its sums at every level.

The sums follow :func:`pacte.geography.aggregate`: ``n_missing`` counts the communes with a
missing value (any function) for the year; a territory with one is missing (never a partial
sum shown as a total), except France, the sum of what is known with ``n_missing`` beside it.
Communes outside any EPCI are left out at EPCI level only.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from pacte import geography

#: Columns of the jobs table, in order.
ROW = ("'rp', {level}, {code}, CAST({y}year AS SMALLINT), CAST({y}year AS VARCHAR), 'RP15', "
       "{y}sector, {jobs}, CAST({n_missing} AS INTEGER), false, false")


def _quote(col: str) -> str:
    return '"' + col.replace('"', '""') + '"'


def insert_census_jobs(con: duckdb.DuckDBPyConnection, h: pd.DataFrame, cols: list[str],
                       communes: pd.DataFrame, table: str) -> None:
    """Insert into ``table`` the census rows of ``h`` (``commune``, ``year`` and the
    function columns ``cols``, on COG 2025) at commune level and summed to every level of
    :data:`pacte.geography.LEVELS` through ``communes`` (code and one column per level)."""
    levels = [lv for lv in geography.LEVELS if lv not in ("commune", "fr")]
    con.register("_h", h[["commune", "year", *cols]])
    con.register("_hc", communes[["code", *levels]])
    any_missing = " OR ".join(f"{_quote(c)} IS NULL" for c in cols)
    try:
        names = ", ".join("'" + c.replace("'", "''") + "'" for c in cols)
        con.execute(f"""CREATE TEMP TABLE _rp AS
            SELECT commune AS code, year, CAST(({any_missing}) AS INTEGER) AS n_missing,
                   unnest([{names}]) AS sector,
                   unnest([{', '.join(_quote(c) for c in cols)}]) AS jobs
            FROM _h""")
        con.execute("""CREATE TEMP TABLE _rpc AS SELECT _hc.*, 'FR' AS fr FROM _hc""")
    finally:
        con.unregister("_h")
        con.unregister("_hc")
    con.execute(f"INSERT INTO {table} SELECT "
                + ROW.format(level="'commune'", code="code", jobs="jobs", y="",
                             n_missing="n_missing") + " FROM _rp")
    for level in [*levels, "fr"]:
        # communes with a missing value, per territory and year (each commune counted once)
        jobs = "sum(r.jobs)" if level == "fr" else \
            "CASE WHEN any_value(m.n) > 0 THEN NULL ELSE sum(r.jobs) END"
        con.execute(f"""INSERT INTO {table}
            WITH m AS (SELECT c.{level} AS code, r.year, sum(r.n_missing) AS n
                       FROM (SELECT DISTINCT code, year, n_missing FROM _rp) r
                       JOIN _rpc c ON c.code = r.code WHERE c.{level} IS NOT NULL
                       GROUP BY ALL)
            SELECT {ROW.format(level=f"'{level}'", code=f"c.{level}", jobs=jobs, y="r.",
                               n_missing="any_value(m.n)")}
            FROM _rp r JOIN _rpc c ON c.code = r.code
                 JOIN m ON m.code = c.{level} AND m.year = r.year
            WHERE c.{level} IS NOT NULL GROUP BY c.{level}, r.year, r.sector""")
    con.execute("DROP TABLE _rp")
    con.execute("DROP TABLE _rpc")
