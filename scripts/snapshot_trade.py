"""Trade tables of the bundled snapshot (called by scripts/build_snapshot.py).

* ``wiod_trade``: the part of the WIOD 2013 bilateral trade table that the French shocks of
  :func:`pacte.sources.wiod_trade.compute_french_shocks` read, 1995-2011: France's imports from
  every exporter, France's exports to every importer, and China's exports to the instrument
  countries (``OTHER_HIGH_INCOME`` and ADH's own list). Million current USD by sector c1-c35.

France's gross output by WIOD sector (the key that splits an A17/A38 code shared by several
WIOD sectors) is ``io_wiod_fra_output``, written by scripts/snapshot_io.py.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pacte.sources.wiod_trade import (
    ADH_OTHER_COUNTRIES_IN_WIOD,
    OTHER_HIGH_INCOME,
    SOURCES,
    parse_wiod_trade,
)

LICENCE = "CC-BY (Timmer et al. 2015, WIOD 2013 release)"
ORIGIN = ("WIOD 2013 release, dérivé de bquast/wiod@59a28ac22fbd7751ea84c0f33722b5246b0af46d "
          "(data/wiot_YYYY.RData, paquet R GPL-3)")


def select_trade(df: pd.DataFrame) -> pd.DataFrame:
    """Rows needed by the French shocks: *->FRA, FRA->*, CHN->instrument countries."""
    instrument = (OTHER_HIGH_INCOME | ADH_OTHER_COUNTRIES_IN_WIOD) - {"FRA"}
    keep = ((df["importer"] == "FRA") | (df["exporter"] == "FRA")
            | ((df["exporter"] == "CHN") & df["importer"].isin(instrument)))
    out = df.loc[keep].sort_values(["year", "exporter", "importer", "sector"])
    return out.astype({"year": "int16", "intermediate_musd": "int32", "final_musd": "int32",
                       "total_musd": "int32"})


def add_tables(raw: Path, write, Meta, prov: dict) -> None:
    trade = parse_wiod_trade(raw / "trade" / SOURCES["wiod2013"]["file"])
    write("wiod_trade", select_trade(trade),
          Meta("WIOD 2013, échanges bilatéraux par secteur (extrait : importations et "
               "exportations de la France, exportations de la Chine vers les pays de "
               "l'instrument), millions de dollars US courants", "1995-2011", ORIGIN, LICENCE),
          prov)
