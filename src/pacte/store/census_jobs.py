"""Census jobs (15 functions) into the store's jobs table, in SQL: the census file
harmonised onto COG 2025 communes (:func:`harmonise_census`), then long (one row per commune
x year x function) and summed at every level (:func:`insert_census_jobs`).

Harmonisation follows :func:`pacte.geography.harmonise`: each source commune's values are
spread over the 2025 communes by the weights of :mod:`pacte.store.harmonise`, and a 2025
commune receiving a missing value from any source is missing (never 0).

The sums follow :func:`pacte.geography.aggregate`: ``n_missing`` counts the communes with a
missing value (any function) for the year; a territory with one is missing (never a partial
sum shown as a total), except France, the sum of what is known with ``n_missing`` beside it.
Communes outside any EPCI are left out at EPCI level only. The sums are taken on the wide
table (one row per commune and year, one column per function), then made long: a
seventeenth of the rows to join and group.
"""

from __future__ import annotations

import duckdb

from pacte import geography
from pacte.store import harmonise
from pacte.store.layout import KeyedRows

#: Census columns renamed in the jobs table (their sector codes).
RENAMED = {"jobs_total": "TOTAL", "cfm": "CFM"}

#: Columns of the jobs table, in order.
ROW = ("'rp', {level}, {code}, CAST(year AS SMALLINT), CAST(year AS VARCHAR), 'RP15', "
       "sector, jobs, CAST({n_missing} AS INTEGER), false, false")


def _quote(col: str) -> str:
    return '"' + col.replace('"', '""') + '"'


def harmonise_census(con: duckdb.DuckDBPyConnection, splits, log: list,
                     table: str = "_rp") -> list[str]:
    """Temporary table ``table`` (commune, year, one column per census function, TOTAL and
    CFM): ``census_functions`` on COG 2025 communes; its harmonisation logged in ``log``
    (one entry per year). Returns the function columns (sector codes)."""
    src = [r[0] for r in con.execute("DESCRIBE census_functions").fetchall()
           if r[0] not in ("commune", "year")]
    cols = [RENAMED.get(c, c) for c in src]
    codes = "SELECT DISTINCT commune AS code FROM census_functions"
    vint = harmonise.detect_vintage(con, codes)
    harmonise.create_weights(con, "_w_rp", codes, vint.year, splits)
    values = ", ".join(
        f"CASE WHEN bool_or(c.{_quote(s)} IS NULL) THEN NULL "
        f"ELSE sum(c.{_quote(s)} * w.weight) END AS {_quote(d)}"
        for s, d in zip(src, cols, strict=True))
    con.execute(f"""CREATE OR REPLACE {harmonise.table_kind(table)} AS
        SELECT w.code AS commune, c.year, {values}
        FROM census_functions c JOIN _w_rp w ON w.source = c.commune
        GROUP BY w.code, c.year ORDER BY commune, year""")
    n_codes = con.execute("SELECT count(DISTINCT commune) FROM census_functions").fetchall()[0][0]
    rep = harmonise.describe_weights(con, "_w_rp", n_codes, 0)
    con.execute("DROP TABLE _w_rp")
    after = dict(con.execute(f"SELECT year, sum(TOTAL) FROM {table} GROUP BY year").fetchall())
    log.extend(harmonise.log_rows("rp", vint, "TOTAL", rep, [
        (year, missing, before, after.get(year)) for year, missing, before in con.execute("""
            SELECT year, count(*) FILTER (WHERE jobs_total IS NULL), sum(jobs_total)
            FROM census_functions GROUP BY year ORDER BY year""").fetchall()]))
    return cols


def insert_census_jobs(con: duckdb.DuckDBPyConnection, h: str, cols: list[str],
                       table: str, wide: str = "_rpw", communes: bool = True) -> None:
    """Insert into ``table`` the census rows of the table ``h`` (``commune``, ``year`` and
    the function columns ``cols``, on COG 2025) at commune level (unless not ``communes``)
    and summed to every level of :data:`pacte.geography.LEVELS` through ``communes`` (code
    and one column per level), from the wide temporary table ``wide`` (one row per commune
    and year, with its territories) that the caller drops. Without ``communes``, the
    bundled build writes the commune rows from ``wide`` straight into the sorted jobs table
    (:func:`commune_keyed_rows`: 2.4 M rows, 85 % of the table, never copied whole)."""
    levels = [lv for lv in geography.LEVELS if lv not in ("commune", "fr")]
    any_missing = " OR ".join(f"{_quote(c)} IS NULL" for c in cols)
    names = "[" + ", ".join("'" + c.replace("'", "''") + "'" for c in cols) + "]"
    con.execute(f"""CREATE OR REPLACE {harmonise.table_kind(wide)} AS
        SELECT _h.commune, _h.year, {", ".join(f"_h.{_quote(c)}" for c in cols)},
               CAST(({any_missing}) AS INTEGER) AS n_missing,
               {", ".join(f"_hc.{lv}" for lv in levels)},
               CASE WHEN _hc.code IS NOT NULL THEN 'FR' END AS fr
        FROM {h} _h LEFT JOIN communes _hc ON _hc.code = _h.commune""")
    values = ", ".join(_quote(c) for c in cols)
    if communes:
        con.execute(f"""INSERT INTO {table}
            SELECT {ROW.format(level="'commune'", code="code", n_missing="n_missing")}
            FROM (SELECT commune AS code, year, n_missing, unnest({names}) AS sector,
                         unnest([{values}]) AS jobs FROM {wide})""")
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
                        FROM {wide} WHERE {level} IS NOT NULL GROUP BY ALL))""")


def commune_keyed_rows(wide: str, cols: list[str]) -> KeyedRows:
    """The commune rows of the wide table ``wide`` (see :func:`insert_census_jobs`) for
    :func:`pacte.store.layout.write_jobs_table`: a commune's code and a year's period cast
    to the write's types once per wide row, the 17 functions' codes once."""
    names = "[" + ", ".join("'" + c.replace("'", "''") + "'" for c in cols) + "]"
    values = ", ".join(_quote(c) for c in cols)

    def rows(t) -> str:
        return f"""SELECT CAST('commune' AS {t['level']}) AS level, code,
                          CAST('rp' AS {t['source']}) AS source,
                          CAST('RP15' AS {t['scheme']}) AS scheme,
                          unnest(CAST({names} AS {t['sector']}[])) AS sector, period,
                          unnest([{values}]) AS jobs, n_missing, false AS estimate,
                          false AS partial
                   FROM (SELECT CAST(commune AS {t['code']}) AS code,
                                CAST(CAST(year AS VARCHAR) AS {t['period']}) AS period,
                                CAST(n_missing AS INTEGER) AS n_missing, {values}
                         FROM {wide})"""

    return KeyedRows(
        values={"level": "SELECT 'commune'", "code": f"SELECT commune FROM {wide}",
                "source": "SELECT 'rp'", "scheme": "SELECT 'RP15'",
                "sector": f"SELECT unnest({names})",
                "period": f"SELECT DISTINCT CAST(year AS VARCHAR) FROM {wide}"},
        rows=rows)
