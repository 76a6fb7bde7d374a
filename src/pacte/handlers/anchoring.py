"""A territory's anchoring assets beside the nation and its peers (``pacte show``, the
profile, the API): for each anchoring indicator at its latest period, the value, France's,
the territory's percentile within its level and the median of its 5 peers (the default
ranking's most similar territories)."""

from __future__ import annotations

import duckdb
import pandas as pd

from pacte.catalogue import INDICATORS

FAMILY = "anchoring"


def anchoring_profile(con: duckdb.DuckDBPyConnection, level: str, code: str | None,
                      peers: list[str] | None = None) -> pd.DataFrame:
    """One row per anchoring indicator of the territory: indicator, label, period, value,
    unit, national, percentile (0-100, share of the level's territories at or below),
    peers_median, n_peers, direction, note. Empty where the level has none. One SQL query on
    the stored indicator table, whose ``percentile`` column the build computed. With
    ``code=None``, every territory of ``level`` (a first ``code`` column, rows by code).
    ``peers``: another comparison group for the one ``code`` (default: the stored one)."""
    ids = [i for i, ind in INDICATORS.items() if ind.family == FAMILY and level in ind.levels]
    if not ids:
        return pd.DataFrame()
    ph = ", ".join("?" * len(ids))
    has_ranking = bool(con.execute("SELECT count(*) FROM information_schema.tables "
                                   "WHERE table_name = 'ranking'").fetchall()[0][0])
    # each territory's peers in the stored default ranking (none without a ranking)
    peer_rows = ("SELECT DISTINCT code, trim(unnest(string_split(peers, ','))) AS peer "
                 "FROM ranking WHERE level = ? AND peers IS NOT NULL" if has_ranking
                 else "SELECT NULL::VARCHAR AS code, NULL::VARCHAR AS peer WHERE false")
    peer_args = [level] if has_ranking else []
    if peers is not None and code is not None:  # the user's comparison group
        peer_rows = "SELECT ?::VARCHAR AS code, unnest(?::VARCHAR[]) AS peer"
        peer_args = [code, [str(p) for p in peers] or [""]]
    mine_code = "" if code is None else "AND code = ?"
    df = con.execute(f"""
        WITH mine AS (
            SELECT code, indicator, period, source, value, unit, note, percentile
            FROM indicator
            WHERE level = ? {mine_code} AND indicator IN ({ph}) AND value IS NOT NULL
            QUALIFY period = max(period) OVER (PARTITION BY code, indicator)),
        pr AS ({peer_rows}),
        peers AS (
            SELECT m.code, m.indicator, m.period, median(p.value) AS peers_median,
                   count(p.value) AS n_peers
            FROM mine m JOIN pr ON pr.code = m.code AND pr.peer <> ''
            JOIN indicator p ON p.level = ? AND p.code = pr.peer
                 AND p.indicator = m.indicator AND p.period = m.period AND p.source = m.source
            WHERE p.value IS NOT NULL GROUP BY ALL)
        SELECT m.code, m.indicator, m.period, m.value, m.unit, m.note, f.value AS national,
               m.percentile, r.peers_median, coalesce(r.n_peers, 0) AS n_peers
        FROM mine m
        LEFT JOIN peers r ON r.code = m.code AND r.indicator = m.indicator
             AND r.period = m.period
        LEFT JOIN indicator f ON f.level = 'fr' AND f.indicator = m.indicator
             AND f.period = m.period AND f.source = m.source""",
        [level, *([] if code is None else [code]), *ids, *peer_args, level]).df()
    if df.empty:
        return pd.DataFrame()
    order = {i: n for n, i in enumerate(ids)}
    df = df.assign(_o=df["indicator"].map(order)).sort_values(["code", "_o"]).drop(columns="_o")
    labels = {i: INDICATORS[i].label for i in ids}
    df.insert(2, "label", df["indicator"].map(labels))
    df["direction"] = df["indicator"].map({i: INDICATORS[i].direction for i in ids})
    df["n_peers"] = df["n_peers"].astype(int)
    df["note"] = df["note"].fillna("")
    cols = ["indicator", "label", "period", "value", "unit", "national", "percentile",
            "peers_median", "n_peers", "direction", "note"]
    return df[cols if code is not None else ["code", *cols]].reset_index(drop=True)
