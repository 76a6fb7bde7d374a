"""A territory's anchoring assets beside the nation and its peers (``pacte show``, the
profile, the API): for each anchoring indicator at its latest period, the value, France's,
the territory's percentile within its level and the median of its 5 peers (the default
ranking's most similar territories)."""

from __future__ import annotations

import duckdb
import pandas as pd

from pacte.catalogue import INDICATORS

FAMILY = "anchoring"


def peers_of(con: duckdb.DuckDBPyConnection, level: str, code: str) -> list[str]:
    """The codes of a territory's peers in the stored default ranking ([] if none)."""
    try:
        row = con.execute("SELECT peers FROM ranking WHERE level = ? AND code = ?",
                          [level, code]).fetchall()
        row = row[0] if row else None
    except duckdb.CatalogException:
        return []
    return [p.strip() for p in (row[0] or "").split(",") if p.strip()] if row else []


def anchoring_profile(con: duckdb.DuckDBPyConnection, level: str, code: str) -> pd.DataFrame:
    """One row per anchoring indicator of the territory: indicator, label, period, value,
    unit, national, percentile (0-100, share of the level's territories at or below),
    peers_median, n_peers, direction, note. Empty where the level has none. One SQL query on
    the stored indicator table (no recomputation)."""
    ids = [i for i, ind in INDICATORS.items() if ind.family == FAMILY and level in ind.levels]
    if not ids:
        return pd.DataFrame()
    peers = peers_of(con, level, code) or [""]
    ph, pp = ", ".join("?" * len(ids)), ", ".join("?" * len(peers))
    df = con.execute(f"""
        WITH mine AS (
            SELECT indicator, period, value, unit, note FROM indicator
            WHERE level = ? AND code = ? AND indicator IN ({ph}) AND value IS NOT NULL
            QUALIFY period = max(period) OVER (PARTITION BY indicator)),
        same AS (
            SELECT a.indicator, a.period, a.code, a.value FROM indicator a
            JOIN mine m ON a.indicator = m.indicator AND a.period = m.period
            WHERE a.level = ? AND a.value IS NOT NULL)
        SELECT m.indicator, m.period, m.value, m.unit, m.note, f.value AS national,
               100 * avg(CASE WHEN s.value <= m.value THEN 1.0 ELSE 0.0 END) AS percentile,
               median(s.value) FILTER (WHERE s.code IN ({pp})) AS peers_median,
               count(s.value) FILTER (WHERE s.code IN ({pp})) AS n_peers
        FROM mine m
        LEFT JOIN same s ON s.indicator = m.indicator AND s.period = m.period
        LEFT JOIN indicator f ON f.level = 'fr' AND f.indicator = m.indicator
             AND f.period = m.period
        GROUP BY ALL""", [level, code, *ids, level, *peers, *peers]).df()
    if df.empty:
        return pd.DataFrame()
    order = {i: n for n, i in enumerate(ids)}
    df = df.assign(_o=df["indicator"].map(order)).sort_values("_o").drop(columns="_o")
    df.insert(1, "label", df["indicator"].map(lambda i: INDICATORS[i].label))
    df["direction"] = df["indicator"].map(lambda i: INDICATORS[i].direction)
    df["n_peers"] = df["n_peers"].astype(int)
    df["note"] = df["note"].fillna("")
    cols = ["indicator", "label", "period", "value", "unit", "national", "percentile",
            "peers_median", "n_peers", "direction", "note"]
    return df[cols].reset_index(drop=True)
