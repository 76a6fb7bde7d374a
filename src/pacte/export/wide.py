"""The wide table analysts open: one row per territory (code and name), one column per
indicator x source x period, with the unit in the header. Built from the long indicator
table (:data:`pacte.catalogue.LONG_COLUMNS`); every writer of :mod:`pacte.export` reads it.
"""

from __future__ import annotations

import pandas as pd

from pacte.catalogue import INDICATORS, source_name


def column_id(indicator: str, period: str, source: str) -> str:
    """Machine name of a wide column: ``industry_share_2016_rp``."""
    return f"{indicator}_{period}_{source}"


def wide_table(long: pd.DataFrame) -> pd.DataFrame:
    """Pivot the long table: ``code``, ``name``, then one float column per indicator x period
    x source (catalogue order, then period, then source). ``df.attrs['columns']`` maps each
    column id to its indicator, label, unit, source, period and resolution."""
    names = long.drop_duplicates("code").set_index("code")["name"]
    order = {i: n for n, i in enumerate(INDICATORS)}
    keys = long[["indicator", "period", "source"]].drop_duplicates()
    keys = keys.assign(_o=keys["indicator"].map(order).fillna(len(order)),
                       _p=keys["period"].map(lambda p: (len(str(p)), str(p))))
    keys = keys.sort_values(["_o", "_p", "source"], kind="stable")
    ids = [column_id(i, p, s) for i, p, s in
           zip(keys["indicator"], keys["period"], keys["source"], strict=True)]
    col = long["indicator"] + "_" + long["period"].astype(str) + "_" + long["source"]
    piv = (long.assign(_col=col).pivot_table(index="code", columns="_col", values="value",
                                             aggfunc="first", dropna=False)
           .reindex(columns=ids))
    codes = sorted(names.index)
    out = pd.DataFrame({"code": codes, "name": names.reindex(codes).to_numpy()})
    values = piv.reindex(codes).astype(float)
    out = pd.concat([out, values.reset_index(drop=True)], axis=1)
    first = long.drop_duplicates(["indicator", "period", "source"]).set_index(
        ["indicator", "period", "source"])
    meta = {}
    for i, p, s in zip(keys["indicator"], keys["period"], keys["source"], strict=True):
        row = first.loc[(i, p, s)]
        meta[column_id(i, p, s)] = {
            "indicator": i, "label": INDICATORS[i].label_for(s) if i in INDICATORS else i,
            "unit": row["unit"], "source": s, "source_name": source_name(s),
            "period": str(p), "resolution": row["resolution"]}
    out.attrs["columns"] = meta
    return out


def headers(df: pd.DataFrame, french: bool = False) -> dict[str, str]:
    """Column -> header with the unit: ``industry_share_2016_rp (%)`` or, in French,
    ``Part de l'emploi : fonction « fabrication », 2016, recensement (%)``; ``Code``/``Nom`` in French."""
    meta = df.attrs.get("columns", {})
    out = {}
    for c in df.columns:
        m = meta.get(c)
        if m is None:
            out[c] = {"code": "Code", "name": "Nom"}.get(c, c) if french else c
        elif french:
            out[c] = f"{m['label']}, {m['period']}, {m['source_name']} ({m['unit']})"
        else:
            out[c] = f"{c} ({m['unit']})"
    return out


def with_headers(df: pd.DataFrame, french: bool = False) -> pd.DataFrame:
    """A copy with the header names (attrs kept)."""
    out = df.rename(columns=headers(df, french))
    out.attrs = dict(df.attrs)
    return out
