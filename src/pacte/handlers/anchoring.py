"""A territory's anchoring assets beside the nation and its peers (``pacte show``, the
profile, the API): for each anchoring indicator at its latest period, the value, France's,
the territory's percentile within its level and the median of its 5 peers (the default
ranking's most similar territories)."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from pacte.catalogue import INDICATORS
from pacte.engine.materialise import read_indicators

FAMILY = "anchoring"


def _latest(df: pd.DataFrame) -> pd.DataFrame:
    """Each indicator's latest period with values (periods sort as text: 2009 < 2013,
    2017-T4 < 2018-T1); changes ('2009-2013') stay."""
    df = df[df["value"].notna()]
    if df.empty:
        return df
    last = df.groupby("indicator")["period"].transform("max")
    return df[df["period"] == last]


def peers_of(con: duckdb.DuckDBPyConnection, level: str, code: str) -> list[str]:
    """The codes of a territory's peers in the stored default ranking ([] if none)."""
    try:
        row = con.execute("SELECT peers FROM ranking WHERE level = ? AND code = ?",
                          [level, code]).fetchone()
    except duckdb.CatalogException:
        return []
    return [p.strip() for p in (row[0] or "").split(",") if p.strip()] if row else []


def anchoring_profile(con: duckdb.DuckDBPyConnection, level: str, code: str) -> pd.DataFrame:
    """One row per anchoring indicator of the territory: indicator, label, period, value,
    unit, national, percentile (0-100, share of the level's territories at or below),
    peers_median, n_peers, direction, note. Empty where the level has none."""
    ids = [i for i, ind in INDICATORS.items() if ind.family == FAMILY and level in ind.levels]
    if not ids:
        return pd.DataFrame()
    everyone = read_indicators(con, level, ids)
    mine = _latest(everyone[everyone["code"] == code])
    if mine.empty:
        return pd.DataFrame()
    fr_ids = [i for i in ids if "fr" in INDICATORS[i].levels]
    nat = (read_indicators(con, "fr", fr_ids).set_index(["indicator", "period"])["value"]
           if fr_ids else pd.Series(dtype=float))
    peers = peers_of(con, level, code)
    rows = []
    for r in mine.itertuples():
        same = everyone[(everyone["indicator"] == r.indicator) & (everyone["period"] == r.period)]
        vals = same["value"].dropna().to_numpy(float)
        pv = same[same["code"].isin(peers)]["value"].dropna().to_numpy(float)
        rows.append({
            "indicator": r.indicator, "label": INDICATORS[r.indicator].label,
            "period": r.period, "value": r.value, "unit": r.unit,
            "national": nat.get((r.indicator, r.period), np.nan),
            "percentile": float(100 * np.mean(vals <= r.value)) if len(vals) else np.nan,
            "peers_median": float(np.median(pv)) if len(pv) else np.nan,
            "n_peers": int(len(pv)), "direction": INDICATORS[r.indicator].direction,
            "note": r.note})
    return pd.DataFrame(rows)
