"""URSSAF commune x APE jobs into the store's jobs table, in SQL: the national file has
~12 M commune x APE x year rows, which DuckDB joins and sums in little memory.

The harmonised rows are held with integer keys (the 2025 commune's and the APE code's
numbers in code order) rather than their text: on the national-size bench file, 210 MB for
the 12 M rows instead of 326, and the sums by EPCI grouped and sorted on integers (their
insert 7.3 -> 4.7 s of CPU, most of it now the writing of the 4.9 M rows). The text is
written back by list lookups (or joins, for the commune rows) as the rows are inserted.

What bounds the step (national-size bench file, 13-14 s of CPU, session 37): DuckDB's
write of its 17.4 M rows into the store, ~0.63 us of CPU per row of 11 columns (~11 s;
the same insert into a temporary table: 0.25-0.3 us), already parallel on both cores; the
sums by EPCI ~2 s (numpy's bincount on the same keys: ~1 s, but on one core)."""

from __future__ import annotations

import duckdb

from pacte.store import harmonise

#: A row of the jobs table.
ROW = """'urssaf', '{lv}', {key}, CAST(year AS SMALLINT), CAST(year AS VARCHAR), 'APE',
         {sector}, {val}, CAST(0 AS INTEGER), false, {partial}"""

#: The keys' texts as lists (numbers from 1): communes and their EPCI's number, EPCI (and
#: whether the file covers them partly), APE codes.
LISTS = """WITH _lc AS (SELECT list(code ORDER BY k) AS code, list(ek ORDER BY k) AS ek
                     FROM _u_com),
           _le AS (SELECT list(epci ORDER BY ek) AS epci, list(partial ORDER BY ek) AS partial
                   FROM _u_epci),
           _la AS (SELECT list(ape ORDER BY k) AS ape FROM _u_ape)"""


def _keys(con: duckdb.DuckDBPyConnection) -> str:
    """Tables ``_u_com`` (code, k, ek: every 2025 commune, numbered in code order, and its
    EPCI's number), ``_u_epci`` (epci, ek) and ``_u_ape`` (ape, k: the file's APE codes in
    code order). Returns the comparison joining an APE code to its key (null-safe if the
    file has a null APE code)."""
    con.execute("""CREATE OR REPLACE TEMP TABLE _u_epci AS
        SELECT epci, CAST(row_number() OVER (ORDER BY epci) AS INTEGER) AS ek
        FROM (SELECT DISTINCT epci FROM communes WHERE epci IS NOT NULL)""")
    con.execute("""CREATE OR REPLACE TEMP TABLE _u_com AS
        SELECT c.code, CAST(row_number() OVER (ORDER BY c.code) AS INTEGER) AS k, e.ek
        FROM communes c LEFT JOIN _u_epci e ON e.epci = c.epci""")
    con.execute("""CREATE OR REPLACE TEMP TABLE _u_ape AS
        SELECT ape, CAST(row_number() OVER (ORDER BY ape) AS INTEGER) AS k
        FROM (SELECT DISTINCT ape FROM urssaf_jobs)""")
    null = con.execute("SELECT count(*) FROM _u_ape WHERE ape IS NULL").fetchall()[0][0]
    return "IS NOT DISTINCT FROM" if null else "="


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
    ape_eq = _keys(con)
    # a source commune that is the only one feeding its 2025 commune, whole: its rows go
    # through as they are (the national file of the current COG: every commune)
    con.execute("""CREATE OR REPLACE TEMP TABLE _w_u AS
        SELECT w.*, c.k AS ck,
               count(*) OVER (PARTITION BY w.code) = 1 AND w.weight = 1
               AND count(*) OVER (PARTITION BY w.source) = 1 AS direct
        FROM _w_u w JOIN _u_com c ON c.code = w.code""")
    # the harmonised rows: 2025 commune's number, year, APE code's number, jobs
    con.execute(f"""CREATE TEMP TABLE _uh AS
        SELECT w.ck, u.year, a.k AS ak, CAST(u.jobs AS DOUBLE) AS jobs
        FROM urssaf_jobs u JOIN _w_u w ON u.commune = w.source
        JOIN _u_ape a ON a.ape {ape_eq} u.ape
        WHERE w.direct AND u.jobs IS NOT NULL AND u.jobs <> 0""")
    con.execute(f"""INSERT INTO _uh
        SELECT w.ck, u.year, a.k AS ak, sum(u.jobs * w.weight) AS jobs
        FROM urssaf_jobs u JOIN _w_u w ON u.commune = w.source
        JOIN _u_ape a ON a.ape {ape_eq} u.ape
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
    con.execute("""CREATE OR REPLACE TEMP TABLE _u_epci AS
        SELECT e.*, coalesce(NOT v.complete, false) AS partial
        FROM _u_epci e LEFT JOIN coverage v ON v.code = e.epci""")
    con.execute("DROP TABLE _w_u")
    con.execute("DROP TABLE _u_codes")
    com, ape = "_lc.code[ck]", "_la.ape[ak]"
    con.execute(f"""INSERT INTO {table} SELECT {ROW.format(
        lv='commune', key='c.code', sector='a.ape', val='jobs', partial='false')}
        FROM _uh JOIN _u_com c ON c.k = _uh.ck JOIN _u_ape a ON a.k = _uh.ak""")
    con.execute(f"""INSERT INTO {table} {LISTS} SELECT {ROW.format(
        lv='commune', key=com, sector="'TOTAL'", val='jobs', partial='false')}
        FROM (SELECT ck, year, sum(jobs) AS jobs FROM _uh GROUP BY ck, year), _lc""")
    # by EPCI (the communes outside any left out), sorted with ``order`` by territory, APE
    # code and year: grouped and sorted on one integer packing the three numbers
    epci = "_le.epci[ek]", "_le.partial[ek]"
    for sector, packed in ((ape, "ek * 4294967296 + ak * 65536 + year"),
                           ("'TOTAL'", "ek * 4294967296 + year")):
        con.execute(f"""INSERT INTO {table} {LISTS} SELECT {ROW.format(
            lv='epci', key=epci[0], sector=sector, val='jobs', partial=epci[1])}
            FROM (SELECT CAST(key // 4294967296 AS INTEGER) AS ek,
                         CAST(key // 65536 % 65536 AS INTEGER) AS ak,
                         CAST(key % 65536 AS SMALLINT) AS year, jobs
                  FROM (SELECT {packed} AS key, sum(jobs) AS jobs
                        FROM (SELECT _lc.ek[ck] AS ek, year, ak, jobs FROM _uh, _lc)
                        WHERE ek IS NOT NULL GROUP BY key{' ORDER BY key' if order else ''})
                  ), _le, _la""")
    for name in ("_uh", "_u_com", "_u_epci", "_u_ape"):
        con.execute(f"DROP TABLE {name}")
