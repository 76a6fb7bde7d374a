"""URSSAF commune x APE jobs into the store's jobs table, in SQL: the national file has
~12 M commune x APE x year rows, which DuckDB joins and sums in little memory."""

from __future__ import annotations

import duckdb
import pandas as pd

from pacte import geography


def insert_urssaf_jobs(con: duckdb.DuckDBPyConnection, t, log: list, table: str = "jobs"
                       ) -> pd.DataFrame:
    """URSSAF commune x APE jobs, harmonised onto COG 2025 and aggregated to EPCI, inserted
    into ``table`` (the jobs table being built) in SQL: the national file has ~12 M commune x APE x year rows, which DuckDB
    joins and sums in little memory. Returns the EPCI coverage table (complete or partial)."""
    codes = con.execute("SELECT DISTINCT commune FROM urssaf_jobs").df()["commune"]
    vint = geography.detect_vintage(codes, t["cog_codes"])
    w = geography.commune_weights(codes, vint.year, t["commune_passage"],
                                  t["commune_splits"], t["communes"]["code"])
    con.register("_w", w)
    con.execute("""CREATE TEMP TABLE _uh AS
        SELECT w.code AS commune, u.year, u.ape, sum(u.jobs * w.weight) AS jobs
        FROM urssaf_jobs u JOIN _w w ON u.commune = w.source
        WHERE u.jobs IS NOT NULL AND u.jobs <> 0 GROUP BY ALL""")
    con.unregister("_w")
    before = con.execute("""SELECT year, sum(jobs), count(*) FILTER (WHERE jobs IS NULL)
                            FROM urssaf_jobs GROUP BY year ORDER BY year""").fetchall()
    after = dict(con.execute("SELECT year, sum(jobs) FROM _uh GROUP BY year").fetchall())
    rep = geography.describe_weights(w, len(codes), sum(int(b[2]) for b in before))
    for year, total, missing in before:
        log.append({"source": "urssaf", "vintage": vint.year,
                    "vintage_candidates": ",".join(map(str, vint.candidates)),
                    "year": int(year), "column": "jobs", "n_source_codes": rep.n_source_codes,
                    "n_changed": rep.n_changed, "n_split": rep.n_split,
                    "n_missing_values": int(missing), "total_before": float(total),
                    "total_after": float(after.get(year, 0.0))})
    com = t["communes"].set_index("code")
    covered = set(w["code"])  # communes of the file, even those with no salaried job
    members = com.groupby("epci").size()
    n_cov = com.loc[com.index.isin(covered)].groupby("epci").size()
    cov = pd.DataFrame({"source": "urssaf", "level": "epci", "code": n_cov.index,
                        "n_communes": members.reindex(n_cov.index).to_numpy(),
                        "n_covered": n_cov.to_numpy()})
    cov["complete"] = cov["n_communes"] == cov["n_covered"]
    con.register("_cov", cov)
    con.register("_com", t["communes"][["code", "epci"]])
    row = """'urssaf', '{lv}', {key}, CAST(year AS SMALLINT), CAST(year AS VARCHAR), 'APE',
             {sector}, {val}, CAST(0 AS INTEGER), false, {partial}"""
    for lv, key, src, partial in (
            ("commune", "commune", "_uh", "false"),
            ("epci", "c.epci", "_uh JOIN _com c ON c.code = _uh.commune",
             "coalesce(NOT any_value(v.complete), false)")):
        join = "" if lv == "commune" else " LEFT JOIN _cov v ON v.code = c.epci"
        where = "" if lv == "commune" else " WHERE c.epci IS NOT NULL"
        for sector in ("ape", "'TOTAL'"):
            group = f"{key}, year" + (", ape" if sector == "ape" else "")
            con.execute(f"""INSERT INTO {table} SELECT {row.format(lv=lv, key=key, sector=sector,
                            val='sum(jobs)', partial=partial)}
                            FROM {src}{join}{where} GROUP BY {group}""")
    con.unregister("_cov")
    con.unregister("_com")
    con.execute("DROP TABLE _uh")
    return cov
