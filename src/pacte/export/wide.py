"""The wide table analysts open: one row per territory (code and name), one column per
indicator x source x period, with the unit in the header. Built from the long indicator
table (:data:`pacte.catalogue.LONG_COLUMNS`) as a :class:`~pacte.export.table.Table`: every
writer of :mod:`pacte.export` reads its columns' labels, units, decimals and provenance.
"""

from __future__ import annotations

import pandas as pd

from pacte.catalogue import INDICATORS, source_name
from pacte.catalogue.base import unit_decimals
from pacte.export.table import Column, Table
from pacte.labels import COLUMN_LABELS


def column_id(indicator: str, period: str, source: str) -> str:
    """Machine name of a wide column: ``industry_share_2016_rp``."""
    return f"{indicator}_{period}_{source}"


def indicator_column(indicator: str, period: str, source: str, unit: str, resolution: str
                     ) -> Column:
    """The column of one indicator x period x source: the catalogue's label for that
    source, the unit and the catalogue's precision."""
    ind = INDICATORS.get(indicator)
    return Column(column_id(indicator, period, source),
                  ind.label_for(source) if ind else indicator, unit,
                  ind.precision if ind else unit_decimals(unit), indicator=indicator,
                  source=source, source_name=source_name(source), period=str(period),
                  resolution=resolution)


def wide_table(long: pd.DataFrame) -> Table:
    """Pivot the long table: ``code``, ``name``, then one float column per indicator x period
    x source (catalogue order, then period, then source), each described by
    :func:`indicator_column`."""
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
    cols = [Column("code", COLUMN_LABELS["code"]), Column("name", COLUMN_LABELS["name"])]
    for i, p, s in zip(keys["indicator"], keys["period"], keys["source"], strict=True):
        row = first.loc[(i, p, s)]
        cols.append(indicator_column(i, p, s, row["unit"], row["resolution"]))
    return Table(out, tuple(cols))
