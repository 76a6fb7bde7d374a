"""URSSAF commune x APE jobs into the store's jobs table, in SQL: the national file has
~12 M commune x APE x year rows, which DuckDB joins and sums in little memory."""

from __future__ import annotations

import duckdb

from pacte.store import harmonise

#: A row of the jobs table.
ROW = """'urssaf', '{lv}', {key}, CAST(year AS SMALLINT), CAST(year AS VARCHAR), 'APE',
         {sector}, {val}, CAST(0 AS INTEGER), false, {partial}"""


def insert_urssaf_jobs(con: duckdb.DuckDBPyConnection, splits, log: list,
                       table: str = "jobs", order: bool = False) -> None:
    """URSSAF commune x APE jobs (``urssaf_jobs``), harmonised onto COG 2025 and aggregated
    to EPCI, inserted into ``table`` (the jobs table being built); their harmonisation
    logged in ``log``. Creates the table ``coverage``: per EPCI, its communes and those the
    file covers (complete or partial). With ``order``, the EPCI rows (APE codes, then
    totals) are inserted sorted by territory, APE code and year; the commune rows (12 M for
    the national file, read whole by the catalogue) as they come."""
    codes = "SELECT DISTINCT commune AS code FROM urssaf_jobs"
    con.execute(f"CREATE OR REPLACE TEMP TABLE _u_codes AS {codes}")
    codes = "SELECT code FROM _u_codes"
    vint = harmonise.detect_vintage(con, codes)
    harmonise.create_weights(con, "_w_u", codes, vint.year, splits)
    # a source commune that is the only one feeding its 2025 commune, whole: its rows go
    # through as they are (the national file of the current COG: every commune)
    con.execute("""CREATE OR REPLACE TEMP TABLE _w_u AS
        SELECT *, count(*) OVER (PARTITION BY code) = 1 AND weight = 1
                  AND count(*) OVER (PARTITION BY source) = 1 AS direct FROM _w_u""")
    con.execute("""CREATE TEMP TABLE _uh AS
        SELECT w.code AS commune, u.year, u.ape, CAST(u.jobs AS DOUBLE) AS jobs
        FROM urssaf_jobs u JOIN _w_u w ON u.commune = w.source
        WHERE w.direct AND u.jobs IS NOT NULL AND u.jobs <> 0""")
    con.execute("""INSERT INTO _uh
        SELECT w.code AS commune, u.year, u.ape, sum(u.jobs * w.weight) AS jobs
        FROM urssaf_jobs u JOIN _w_u w ON u.commune = w.source
        WHERE NOT w.direct AND u.jobs IS NOT NULL AND u.jobs <> 0 GROUP BY ALL""")
    before = con.execute("""SELECT year, sum(jobs), count(*) FILTER (WHERE jobs IS NULL)
                            FROM urssaf_jobs GROUP BY year ORDER BY year""").fetchall()
    after = dict(con.execute("SELECT year, sum(jobs) FROM _uh GROUP BY year").fetchall())
    n_codes = con.execute("SELECT count(*) FROM _u_codes").fetchall()[0][0]
    rep = harmonise.describe_weights(con, "_w_u", n_codes, sum(int(b[2]) for b in before))
    log.extend(harmonise.log_rows("urssaf", vint, "jobs", rep, [
        (year, missing, total, after.get(year)) for year, total, missing in before]))
    # communes of the file, even those with no salaried job
    con.execute("""CREATE TABLE coverage AS
        SELECT 'urssaf' AS source, 'epci' AS level, c.epci AS code,
               count(*) AS n_communes, count(v.code) AS n_covered,
               count(*) = count(v.code) AS complete
        FROM communes c LEFT JOIN (SELECT DISTINCT code FROM _w_u) v ON v.code = c.code
        WHERE c.epci IS NOT NULL GROUP BY c.epci HAVING count(v.code) > 0 ORDER BY code""")
    con.execute("DROP TABLE _w_u")
    con.execute("DROP TABLE _u_codes")
    sort = " ORDER BY 3, 7, 5" if order else ""
    con.execute(f"""INSERT INTO {table} SELECT {ROW.format(
        lv='commune', key='commune', sector='ape', val='jobs', partial='false')}
        FROM _uh""")
    con.execute(f"""INSERT INTO {table} SELECT {ROW.format(
        lv='commune', key='commune', sector="'TOTAL'", val='sum(jobs)', partial='false')}
        FROM _uh GROUP BY commune, year""")
    epci = ("_uh JOIN communes c ON c.code = _uh.commune "
            "LEFT JOIN coverage v ON v.code = c.epci WHERE c.epci IS NOT NULL")
    partial = "coalesce(NOT any_value(v.complete), false)"
    con.execute(f"""INSERT INTO {table} SELECT {ROW.format(
        lv='epci', key='c.epci', sector='ape', val='sum(jobs)', partial=partial)}
        FROM {epci} GROUP BY c.epci, year, ape{sort}""")
    con.execute(f"""INSERT INTO {table} SELECT {ROW.format(
        lv='epci', key='c.epci', sector="'TOTAL'", val='sum(jobs)', partial=partial)}
        FROM {epci} GROUP BY c.epci, year{sort}""")
    con.execute("DROP TABLE _uh")
