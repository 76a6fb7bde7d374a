"""Census jobs (15 functions, COG 2025 communes) into the store's jobs table, in SQL: the
commune table, long (one row per commune x year x function), and its sums at every level.

The sums follow :func:`pacte.geography.aggregate`: ``n_missing`` counts the communes with a
missing value (any function) for the year; a territory with one is missing (never a partial
sum shown as a total), except France, the sum of what is known with ``n_missing`` beside it.
Communes outside any EPCI are left out at EPCI level only. The sums are taken on the wide
table (one row per commune and year, one column per function), then made long: a
seventeenth of the rows to join and group.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from pacte import geography

#: Columns of the jobs table, in order.
ROW = ("'rp', {level}, {code}, CAST(year AS SMALLINT), CAST(year AS VARCHAR), 'RP15', "
       "sector, jobs, CAST({n_missing} AS INTEGER), false, false")


def _quote(col: str) -> str:
    return '"' + col.replace('"', '""') + '"'


def insert_census_jobs(con: duckdb.DuckDBPyConnection, h: pd.DataFrame, cols: list[str],
                       communes: pd.DataFrame, table: str) -> None:
    """Insert into ``table`` the census rows of ``h`` (``commune``, ``year`` and the
    function columns ``cols``, on COG 2025) at commune level and summed to every level of
    :data:`pacte.geography.LEVELS` through ``communes`` (code and one column per level)."""
    levels = [lv for lv in geography.LEVELS if lv not in ("commune", "fr")]
    any_missing = " OR ".join(f"{_quote(c)} IS NULL" for c in cols)
    names = "[" + ", ".join("'" + c.replace("'", "''") + "'" for c in cols) + "]"
    con.register("_h", h[["commune", "year", *cols]])
    con.register("_hc", communes[["code", *levels]])
    try:
        con.execute(f"""CREATE TEMP TABLE _rpw AS
            SELECT _h.*, CAST(({any_missing}) AS INTEGER) AS n_missing, _hc.* EXCLUDE (code),
                   CASE WHEN _hc.code IS NOT NULL THEN 'FR' END AS fr
            FROM _h LEFT JOIN _hc ON _hc.code = _h.commune""")
    finally:
        con.unregister("_h")
        con.unregister("_hc")
    values = ", ".join(_quote(c) for c in cols)
    con.execute(f"""INSERT INTO {table}
        SELECT {ROW.format(level="'commune'", code="code", n_missing="n_missing")}
        FROM (SELECT commune AS code, year, n_missing, unnest({names}) AS sector,
                     unnest([{values}]) AS jobs FROM _rpw)""")
    for level in [*levels, "fr"]:
        # a territory with a commune missing (any function) is missing, France aside
        sums = ", ".join(
            f"sum({_quote(c)})" if level == "fr" else
            f"CASE WHEN sum(n_missing) > 0 THEN NULL ELSE sum({_quote(c)}) END"
            for c in cols)
        con.execute(f"""INSERT INTO {table}
            SELECT {ROW.format(level=f"'{level}'", code="code", n_missing="n")}
            FROM (SELECT code, year, n, unnest({names}) AS sector, unnest(v) AS jobs
                  FROM (SELECT {level} AS code, year, sum(n_missing) AS n, [{sums}] AS v
                        FROM _rpw WHERE {level} IS NOT NULL GROUP BY ALL))""")
    con.execute("DROP TABLE _rpw")
