"""Harmonisation onto COG 2025 in SQL, on the build's connection: the vintage of a commune
list, the weights putting its codes on 2025 communes, and what they do.

The rules are :mod:`pacte.geography`'s (:func:`~pacte.geography.detect_vintage`,
:func:`~pacte.geography.commune_weights`, :func:`~pacte.geography.describe_weights`); here
the joins run in DuckDB on the snapshot's tables (``cog_codes``, ``commune_passage``,
``communes``), and only the few codes a split applies to go through Python
(:func:`~pacte.geography.split_parts`). ``codes`` arguments are SQL queries returning one
column ``code``.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from pacte import geography
from pacte.geography import HarmonisationReport, Vintage


def table_kind(name: str) -> str:
    """``TEMP TABLE name`` for a table of the connection alone, ``TABLE db.name`` for a
    table of an attached database (``db.name``): the build's lanes share their
    intermediate tables there, as a connection's cursors do not see its temporary tables
    (:func:`pacte.store.derive.run`)."""
    return f"TABLE {name}" if "." in name else f"TEMP TABLE {name}"


def detect_vintage(con: duckdb.DuckDBPyConnection, codes: str) -> Vintage:
    """The COG vintage of the codes returned by ``codes``, against ``cog_codes``."""
    # a COG list holds each code once: (cog, code) pairs are counted as rows
    counts = con.execute(f"""
        SELECT CAST(cog AS BIGINT), count(*),
               count(*) FILTER (WHERE code IN (SELECT code FROM ({codes})))
        FROM cog_codes GROUP BY cog""").fetchall()
    n = con.execute(f"SELECT count(DISTINCT code) FROM ({codes})").fetchall()[0][0]
    unknown = [] if any(k == n for _, _, k in counts) else [
        r[0] for r in con.execute(f"""SELECT DISTINCT code FROM ({codes})
            WHERE code IS NOT NULL AND code NOT IN (SELECT code FROM cog_codes)""").fetchall()]
    return geography.choose_vintage(n, {y: k for y, _, k in counts},
                                    {y: s for y, s, _ in counts}, tuple(unknown))


def create_weights(con: duckdb.DuckDBPyConnection, name: str, codes: str, vintage: int,
                   splits: pd.DataFrame) -> None:
    """Temporary table ``name`` (source, code, weight): the codes of ``codes`` (COG
    ``vintage``) on 2025 communes, the weights of each source code summing to 1. Raises
    GeographyError naming the codes with no 2025 commune."""
    create_weight_tables(con, {int(vintage): name},
                         f"SELECT {int(vintage)} AS cog, code FROM ({codes})", splits)


def create_weight_tables(con: duckdb.DuckDBPyConnection, names: dict[int, str], codes: str,
                         splits: pd.DataFrame) -> None:
    """:func:`create_weights` for several vintages at once: temporary table ``names[v]``
    for the codes of vintage ``v`` among the (cog, code) pairs of ``codes``; one query per
    stage for every vintage (the anchoring's seven vintages a run: 35 queries fewer, ~5 ms
    each). Raises GeographyError naming the codes of the first vintage (in ``names``'
    order) with no 2025 commune; no table is then made."""
    vintages = [int(v) for v in names]
    active = {v: splits[(splits["date"] > f"{v}-01-01") & (splits["valid_from"] <= f"{v}-01-01")]
              for v in vintages}
    split = {v: set(a["parent"].tolist()) for v, a in active.items()}
    parents = sorted(set().union(*split.values()))
    found: dict[int, list[str]] = {v: [] for v in vintages}
    for cog, code in con.execute(
            f"SELECT DISTINCT cog, code FROM ({codes}) WHERE code IN (SELECT unnest(?)) "
            "ORDER BY cog, code", [parents]).fetchall() if parents else ():
        if cog in split and code in split[cog]:
            found[cog].append(code)
    parts = [(v, src, part, w) for v in vintages for src, p in geography.split_parts(
        found[v], v, splits, only_split=True) for part, w in p.items()]
    con.register("_split", pd.DataFrame(parts, columns=["cog", "source", "part", "w"]).astype(
        {"cog": "int64", "source": object, "part": object, "w": "float64"}))
    try:
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _weight_parts AS
            WITH parts AS (
                SELECT x.cog, x.code AS source, x.code AS part, CAST(1.0 AS DOUBLE) AS w
                FROM (SELECT DISTINCT cog, code FROM ({codes})
                      WHERE cog IN (SELECT unnest(?))) x
                ANTI JOIN _split s ON s.cog = x.cog AND s.source = x.code
                UNION ALL SELECT cog, source, part, w FROM _split)
            SELECT parts.cog, parts.source, parts.w,
                   CASE WHEN c.code IS NOT NULL THEN c.code
                        WHEN p.code IN (SELECT code FROM communes) THEN p.code END AS code
            FROM parts LEFT JOIN communes c ON c.code = parts.part
            LEFT JOIN commune_passage p ON p.hist_code = parts.part""", [vintages])
    finally:
        con.unregister("_split")
    try:
        unmapped = con.execute("SELECT DISTINCT cog, source FROM _weight_parts "
                               "WHERE code IS NULL ORDER BY cog, source").fetchall()
        for v in vintages:
            if any(c == v for c, _ in unmapped):
                raise geography.unmapped_error([x for c, x in unmapped if c == v], v)
        for v, name in names.items():
            con.execute(f"""CREATE OR REPLACE TEMP TABLE {name} AS
                SELECT source, code, sum(w) AS weight FROM _weight_parts WHERE cog = {int(v)}
                GROUP BY source, code""")
    finally:
        con.execute("DROP TABLE _weight_parts")


def describe_weights(con: duckdb.DuckDBPyConnection, weights: str, n_source_codes: int,
                     n_missing_values: int) -> HarmonisationReport:
    """:func:`pacte.geography.describe_weights` of the weight table ``weights``."""
    changed, split = con.execute(f"""
        SELECT count(*) FILTER (WHERE moved), count(*) FILTER (WHERE n > 1)
        FROM (SELECT source, bool_or(source <> code) AS moved, count(*) AS n
              FROM {weights} GROUP BY source)""").fetchall()[0]
    return HarmonisationReport(vintage=-1, n_source_codes=n_source_codes,
                               n_changed=int(changed), n_split=int(split),
                               n_missing_values=n_missing_values)


def create_ze2010_weights(con: duckdb.DuckDBPyConnection, name: str,
                          splits: pd.DataFrame) -> None:
    """Temporary table ``name`` (source, ze2010, code, share): each 2020 commune of
    ``commune_ze2010`` with its zone d'emploi 2010, on the 2025 communes it became, and the
    share of each 2025 commune's population it brings (by the 2020 populations of
    ``cog_codes``; by the weight where the 2025 commune's sources had no population)."""
    create_weights(con, "_w_ze10", "SELECT code FROM commune_ze2010", 2020, splits)
    con.execute(f"""CREATE OR REPLACE {table_kind(name)} AS
        WITH pop20 AS (SELECT code, CAST(population AS DOUBLE) AS population
                       FROM cog_codes WHERE cog = 2020),
        w AS (SELECT w.source, z.ze2010, w.code, w.weight,
                     coalesce(p.population, 0) * w.weight AS p
              FROM _w_ze10 w JOIN commune_ze2010 z ON z.code = w.source
              LEFT JOIN pop20 p ON p.code = w.source)
        SELECT source, ze2010, code,
               CASE WHEN tot > 0 THEN p / tot ELSE weight END AS share
        FROM (SELECT *, sum(p) OVER (PARTITION BY code) AS tot FROM w)""")
    con.execute("DROP TABLE _w_ze10")


def log_rows(source: str, vint: Vintage, column: str, rep: HarmonisationReport,
             years: list[tuple[int, int, float | None, float | None]]) -> list[dict]:
    """The harmonisation log's rows of one source column: per (year, missing values, total
    before, total after), the vintage found, its candidates and what the weights did."""
    return [{"source": source, "vintage": vint.year,
             "vintage_candidates": ",".join(map(str, vint.candidates)),
             "year": int(year), "column": column, "n_source_codes": rep.n_source_codes,
             "n_changed": rep.n_changed, "n_split": rep.n_split,
             "n_missing_values": int(missing), "total_before": float(before or 0.0),
             "total_after": float(after or 0.0)} for year, missing, before, after in years]
