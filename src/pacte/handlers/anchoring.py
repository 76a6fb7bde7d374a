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
    the stored indicator table, whose ``percentile`` column the build computed."""
    ids = [i for i, ind in INDICATORS.items() if ind.family == FAMILY and level in ind.levels]
    if not ids:
        return pd.DataFrame()
    peers = peers_of(con, level, code) or [""]
    ph, pp = ", ".join("?" * len(ids)), ", ".join("?" * len(peers))
    df = con.execute(f"""
        WITH mine AS (
            SELECT indicator, period, source, value, unit, note, percentile FROM indicator
            WHERE level = ? AND code = ? AND indicator IN ({ph}) AND value IS NOT NULL
            QUALIFY period = max(period) OVER (PARTITION BY indicator)),
        peers AS (
            SELECT p.indicator, p.period, median(p.value) AS peers_median,
                   count(p.value) AS n_peers
            FROM indicator p JOIN mine m ON p.indicator = m.indicator AND p.period = m.period
                 AND p.source = m.source
            WHERE p.level = ? AND p.code IN ({pp}) AND p.value IS NOT NULL GROUP BY ALL)
        SELECT m.indicator, m.period, m.value, m.unit, m.note, f.value AS national,
               m.percentile, r.peers_median, coalesce(r.n_peers, 0) AS n_peers
        FROM mine m
        LEFT JOIN peers r ON r.indicator = m.indicator AND r.period = m.period
        LEFT JOIN indicator f ON f.level = 'fr' AND f.indicator = m.indicator
             AND f.period = m.period AND f.source = m.source""",
        [level, code, *ids, level, *peers]).df()
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
