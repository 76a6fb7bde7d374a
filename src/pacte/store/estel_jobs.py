"""ESTEL and quarterly jobs into the store's jobs table, in SQL.

ESTEL (zones d'emploi 2010, five sectors A5 and their total; non-salaried jobs as one
total) at ZE2010 level, summed to France, and estimated at ZE2020 level: each ZE2010's jobs
spread over the ZE2020 by the census total jobs of the 2025 communes it holds (nearest
census year, :data:`CENSUS_NEAREST`), apportioned by the ZE2010 weights (Mayotte, absent
from ESTEL, stays absent). The quarterly series (Insee, département, région, France) are
taken as they are, their scheme read from the sector code (« A17-… »).
"""

from __future__ import annotations

import duckdb

#: The census year whose total jobs weigh each ESTEL year's ZE2020 estimate.
CENSUS_NEAREST = {1999: range(1998, 2003), 2006: range(2003, 2009), 2011: range(2009, 2014),
                  2016: range(2014, 2018)}

#: A row of the jobs table from columns code, year, sector, jobs.
ROW = ("'{source}', '{level}', code, CAST(year AS SMALLINT), CAST(year AS VARCHAR), "
       "'{scheme}', sector, CAST(jobs AS DOUBLE), CAST(0 AS INTEGER), {estimate}, false")


def _row(source: str, level: str, scheme: str = "A5", estimate: bool = False) -> str:
    return ROW.format(source=source, level=level, scheme=scheme,
                      estimate=str(estimate).lower())


def insert_estel_jobs(con: duckdb.DuckDBPyConnection, table: str, census: str,
                      ze2010_weights: str) -> None:
    """Insert into ``table`` the ESTEL rows (``estel_salaried``, ``estel_nonsalaried``):
    ZE2010, France, non-salaried ZE2010, and ZE2020 estimates weighted by the census table
    ``census`` (commune, year, TOTAL on COG 2025) through ``ze2010_weights``."""
    # one row per ZE2010 x year x sector (a sector absent from a ZE2010's year: missing),
    # the sectors' sum as TOTAL
    con.execute("""CREATE OR REPLACE TEMP TABLE _estw AS
        WITH s AS (SELECT ze2010, year, sector, coalesce(sum(jobs), 0) AS jobs
                   FROM estel_salaried GROUP BY ALL),
        k AS (SELECT DISTINCT ze2010, year FROM s),
        wide AS (SELECT k.ze2010, k.year, x.sector, s.jobs
                 FROM k CROSS JOIN (SELECT DISTINCT sector FROM s) x
                 LEFT JOIN s ON s.ze2010 = k.ze2010 AND s.year = k.year
                             AND s.sector = x.sector)
        SELECT * FROM wide
        UNION ALL SELECT ze2010, year, 'TOTAL', coalesce(sum(jobs), 0) FROM wide GROUP BY ALL
        """)
    con.execute(f"""INSERT INTO {table}
        SELECT {_row('estel', 'ze2010')} FROM (SELECT ze2010 AS code, * FROM _estw)
        ORDER BY sector = 'TOTAL', sector, code, year""")
    con.execute(f"""INSERT INTO {table}
        SELECT {_row('estel', 'fr')} FROM (
            SELECT 'FR' AS code, year, sector, coalesce(sum(jobs), 0) AS jobs FROM _estw
            GROUP BY ALL) ORDER BY sector = 'TOTAL', sector, year""")
    con.execute(f"""INSERT INTO {table}
        SELECT {_row('estel_ns', 'ze2010', 'TOTAL')} FROM (
            SELECT ze2010 AS code, year, 'TOTAL' AS sector, jobs FROM estel_nonsalaried)""")
    nearest = " UNION ALL ".join(f"SELECT {c} AS cyear, {y} AS year"
                                 for c, years in CENSUS_NEAREST.items() for y in years)
    # k: the share of each ZE2010's census jobs (nearest census year) in each ZE2020
    con.execute(f"""INSERT INTO {table}
        WITH near AS ({nearest}),
        j AS (SELECT n.cyear, w.ze2010, c.ze2020,
                     sum(coalesce(r.TOTAL, 0) * w.share) AS j
              FROM (SELECT DISTINCT cyear FROM near) n CROSS JOIN {ze2010_weights} w
              JOIN communes c ON c.code = w.code
              LEFT JOIN {census} r ON r.commune = w.code AND r.year = n.cyear
              WHERE c.ze2020 IS NOT NULL AND w.ze2010 IS NOT NULL GROUP BY ALL),
        k AS (SELECT cyear, ze2010, ze2020, j / sum(j) OVER (PARTITION BY cyear, ze2010) AS k
              FROM j)
        SELECT {_row('estel', 'ze2020', estimate=True)} FROM (
            SELECT k.ze2020 AS code, e.year, e.sector,
                   coalesce(sum(e.jobs * CASE WHEN isnan(k.k) THEN NULL ELSE k.k END), 0)
                   AS jobs
            FROM _estw e JOIN near n ON n.year = e.year
            JOIN k ON k.cyear = n.cyear AND k.ze2010 = e.ze2010
            GROUP BY ALL)
        ORDER BY sector = 'TOTAL', sector, code, year""")
    con.execute("DROP TABLE _estw")


def insert_quarterly_jobs(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Insert into ``table`` the quarterly series of ``quarterly_jobs`` (level « fra »
    written « fr »)."""
    con.execute(f"""INSERT INTO {table}
        SELECT 'trim', CASE WHEN level = 'fra' THEN 'fr' ELSE level END, code,
               CAST(left(quarter, 4) AS SMALLINT), quarter,
               coalesce(nullif(regexp_extract(sector, '^(A\\d+)-', 1), ''), 'autre'),
               sector, jobs, CAST(0 AS INTEGER), false, false
        FROM quarterly_jobs""")
