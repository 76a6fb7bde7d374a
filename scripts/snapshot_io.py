"""Snapshot tables of France's national input-output tables (called by build_snapshot.py).

``add_tables(raw, write, Meta, prov)`` writes four compact tables, parsed (and validated)
with :mod:`pacte.sources.io_tables`:

* ``io_sut_a17_flows``: SUT 2010 A17, domestic intermediate use (million EUR), one row per
  (supplier, buyer) sector: ``z_domestic`` (product x sector, as published) and
  ``z_domestic_ixi`` (industry x industry, fixed product sales structure);
* ``io_sut_a17_sectors``: SUT 2010 A17 accounts by sector: output, value added, wages,
  employment (thousand jobs), domestic household consumption;
* ``io_wiod_fra_flows``: WIOD 2013 national table of France 1995-2011, domestic
  intermediate flows between the 35 sectors (million USD), long form;
* ``io_wiod_fra_output``: WIOD gross output by sector and year (million USD).

Final demand and imported flows are left out: the engines only use domestic technical
coefficients, output and employment.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from pacte.sources.io_tables import (
    A17_SECTORS,
    WIOD_FINAL_DEMAND,
    WIOD_SECTORS,
    parse_sut_a17,
    parse_wiod_national,
)

SUT_FILE = "io/fr_sut_2010_A17_threeme_long.csv"
WIOD_FILE = "io/wiod2013_FRA_national_io_1995_2011.parquet"
GPL = "GPL-3.0 (données de calibration du modèle ThreeME)"
CC_BY = "CC BY 4.0 (WIOD, citer Timmer et al. 2015) ; forme longue bquast/wiod : GPL-3.0"


def sut_tables(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    sut = parse_sut_a17(path)
    k = len(A17_SECTORS)
    flows = pd.DataFrame({
        "year": np.int16(2010),
        "row_sector": np.repeat(A17_SECTORS, k), "col_sector": np.tile(A17_SECTORS, k),
        "z_domestic": sut["Z_domestic"].ravel(), "z_domestic_ixi": sut["Z_domestic_ixi"].ravel()})
    sectors = pd.DataFrame({
        "year": np.int16(2010), "sector": A17_SECTORS, "label": sut["labels"], "x": sut["x"],
        "value_added": sut["value_added"], "wages": sut["wages"],
        "labor_thousands": sut["labor"],
        "household_consumption_domestic": sut["household_consumption_domestic"]})
    return flows, sectors


def wiod_tables(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Parse every year. The source holds four small negative GFCF cells (c25, 2000-2002
    and 2011, -3 to -6 million USD) that the strict parser rejects; final demand is not
    kept in the snapshot, so they are set to 0 in a temporary copy before parsing."""
    df = pd.read_parquet(path)
    fd = df["col"].isin(WIOD_FINAL_DEMAND) & (df["col"] != "inventories")
    df.loc[fd, "value_musd"] = df.loc[fd, "value_musd"].clip(lower=0)
    flows, output = [], []
    k = len(WIOD_SECTORS)
    with tempfile.TemporaryDirectory() as tmp:
        clean = Path(tmp) / path.name
        df.to_parquet(clean)
        tables = {int(y): parse_wiod_national(clean, int(y)) for y in sorted(df["year"].unique())}
    for year, t in tables.items():
        flows.append(pd.DataFrame({"year": np.int16(year),
                                   "row_sector": np.repeat(WIOD_SECTORS, k),
                                   "col_sector": np.tile(WIOD_SECTORS, k),
                                   "value_musd": t.Z_domestic.ravel()}))
        output.append(pd.DataFrame({"year": np.int16(year), "sector": WIOD_SECTORS,
                                    "gross_output_musd": t.x}))
    return pd.concat(flows, ignore_index=True), pd.concat(output, ignore_index=True)


def add_tables(raw: Path, write, Meta, prov: dict) -> None:
    flows, sectors = sut_tables(raw / SUT_FILE)
    origin = ("ThreeME-org/ThreeME_V3-open@fd2bf59f data/France/calibration_SUT_17x17.xlsx "
              f"(forme longue {SUT_FILE}), dérivé du TES de l'Insee")
    write("io_sut_a17_flows", flows,
          Meta("Tableau entrées-sorties (TRE) France 2010 en A17, consommations intermédiaires "
               "domestiques, millions d'euros (calibration ThreeME)", "2010", origin, GPL), prov)
    write("io_sut_a17_sectors", sectors,
          Meta("TRE France 2010 en A17 : production, valeur ajoutée, salaires, emploi "
               "(milliers), consommation domestique des ménages (calibration ThreeME)", "2010",
               origin, GPL), prov)
    wflows, wout = wiod_tables(raw / WIOD_FILE)
    worigin = ("WIOD release 2013, WIOT nationaux (Timmer et al. 2015, Review of International "
               "Economics 23: 575-605), forme longue dérivée de bquast/wiod@59a28ac2 "
               f"({WIOD_FILE})")
    write("io_wiod_fra_flows", wflows,
          Meta("WIOD 2013, tableau national de la France, consommations intermédiaires "
               "domestiques entre 35 secteurs, millions de dollars US", "1995-2011", worigin,
               CC_BY), prov)
    write("io_wiod_fra_output", wout,
          Meta("WIOD 2013, production brute de la France par secteur, millions de dollars US",
               "1995-2011", worigin, CC_BY), prov)
