"""WIOD 2013 bilateral trade by sector: parse and validate (the French industry shocks are
computed by :mod:`pacte.indicators.trade`).

The input is a long table derived from the World Input-Output Tables of the WIOD 2013 release
(Timmer, Dietzenbacher, Los, Stehrer & de Vries 2015, "An Illustrated User Guide to the World
Input-Output Database", Review of International Economics 23(3): 575-605): one row per
(year, exporter, importer, sector) with intermediate, final and total flows in **million
current US dollars** (integers). Domestic flows are excluded. 40 countries + RoW, 35 sectors
c1-c35 (NACE rev. 1.1), 1995-2011.

Units of the shocks: thousand **current** US dollars per French job at the start of the period
(no deflator: ADH (2013) work in 2007 dollars, so a 2000-2007 French shock in current dollars is
slightly larger in real terms than it looks; pass a price index to
:func:`pacte.indicators.trade.compute_french_shocks` to convert). No conversion to euros.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from pacte.errors import ParseError
from pacte.indicators.trade import (
    FLOWS,
    OTHER_HIGH_INCOME,
    WIOD_COUNTRIES,
    WIOD_SECTORS,
)

SOURCES = {
    "wiod2013": {
        "title": "World Input-Output Database, release 2013 : échanges bilatéraux par secteur",
        "url": "https://www.rug.nl/ggdc/valuechain/wiod/wiod-2013-release",
        "derived_from": "bquast/wiod@59a28ac22fbd7751ea84c0f33722b5246b0af46d:data/wiot_YYYY.RData",
        "file": "wiod2013_bilateral_trade_by_sector_1995_2011.parquet",
        "sha256": "141e40cb80736a872f268f665afdf37a5d12a4ded9bdf2b02ac592b1e10dd566",
        "licence": "WIOD : CC-BY, citer Timmer et al. (2015) ; paquet R d'origine GPL-3",
        "unit": "millions de dollars US courants",
        "years": (1995, 2011),
    }
}

COLUMNS = (
    "year",
    "exporter",
    "importer",
    "sector",
    "intermediate_musd",
    "final_musd",
    "total_musd",
)
#: OTHER_HIGH_INCOME (from pacte.indicators.trade): importers whose purchases from China instrument France's (the logic of ADH 2013: the
#: growth of China's exports to other high-income markets reflects China's supply, not French
#: demand). ADH used Australia, Denmark, Finland, Germany, Japan, New Zealand, Spain and
#: Switzerland for the US. For France we keep the high-income WIOD countries *outside the euro
#: area*, whose demand shocks are less tied to France's (same logic as Dauth, Findeisen & Suedekum
#: 2014, JEEA 12(6), for Germany: non-euro high-income countries). Korea and Taiwan are left out
#: (their imports from China are largely parts for processing trade); New Zealand and Switzerland
#: are inside WIOD's RoW. See :data:`ADH_OTHER_COUNTRIES_IN_WIOD` for ADH's own list.
__all__ = ["OTHER_HIGH_INCOME", "WIOD_COUNTRIES", "WIOD_SECTORS"]

ADH_OTHER_COUNTRIES_IN_WIOD = frozenset({"AUS", "DNK", "FIN", "DEU", "JPN", "ESP"})
"""ADH (2013)'s eight instrument countries that WIOD has (NZL and CHE are in RoW)."""


def _first_bad(path: object, mask: np.ndarray, values: pd.Series, message: str) -> None:
    """Raise ParseError at the first True of ``mask``; ``line`` is the 1-based table row."""
    if mask.any():
        i = int(np.flatnonzero(mask)[0])
        raise ParseError(path, message, line=i + 1, value=values.iloc[i])


def validate_wiod_trade(df: pd.DataFrame, path: object = "<table WIOD>") -> None:
    """Check a WIOD bilateral trade table; raise :class:`ParseError` (French) at the first fault.

    Checks: the seven columns are present; no missing value; integer years within 1995-2011;
    exporter and importer among WIOD's 41 codes; sector among c1-c35; no domestic flow
    (exporter == importer); no duplicated key; intermediate >= 0; total = intermediate + final
    within 1 (rounding). Final flows may be negative (they include inventory changes).
    ``line`` in the error is the 1-based row number of the table.
    """
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise ParseError(path, f"colonnes manquantes : {', '.join(missing)}")
    df = df.reset_index(drop=True)
    for col in COLUMNS:
        _first_bad(
            path, df[col].isna().to_numpy(), df[col], f"valeur manquante dans la colonne {col}"
        )
    for col in ("year", *FLOWS):
        num = pd.to_numeric(df[col], errors="coerce")
        bad = num.isna().to_numpy() | (num.to_numpy(dtype=float) % 1 != 0)
        _first_bad(path, bad, df[col], f"la colonne {col} doit contenir des entiers")
    first, last = SOURCES["wiod2013"]["years"]
    year = df["year"].astype("int64")
    _first_bad(
        path,
        ((year < first) | (year > last)).to_numpy(),
        df["year"],
        f"année hors de {first}-{last}",
    )
    for col in ("exporter", "importer"):
        _first_bad(
            path,
            ~df[col].isin(WIOD_COUNTRIES).to_numpy(),
            df[col],
            f"code pays WIOD inconnu ({col})",
        )
    _first_bad(
        path,
        ~df["sector"].isin(WIOD_SECTORS).to_numpy(),
        df["sector"],
        "secteur WIOD inconnu (attendu c1 à c35)",
    )
    _first_bad(
        path,
        (df["exporter"] == df["importer"]).to_numpy(),
        df["exporter"],
        "flux domestique (exportateur = importateur)",
    )
    dup = df.duplicated(["year", "exporter", "importer", "sector"]).to_numpy()
    key = df["year"].astype(str) + " " + df["exporter"] + "->" + df["importer"] + " " + df["sector"]
    _first_bad(path, dup, key, "ligne en double (année, exportateur, importateur, secteur)")
    inter = df["intermediate_musd"].astype("int64")
    _first_bad(
        path, (inter < 0).to_numpy(), df["intermediate_musd"], "consommation intermédiaire négative"
    )
    gap = (df["total_musd"].astype("int64") - inter - df["final_musd"].astype("int64")).abs()
    _first_bad(
        path, (gap > 1).to_numpy(), df["total_musd"], "total différent de intermédiaire + final"
    )


def parse_wiod_trade(path: str | Path) -> pd.DataFrame:
    """Read and validate the WIOD bilateral trade Parquet file.

    Returns a DataFrame with columns year (int64), exporter, importer, sector (str),
    intermediate_musd, final_musd, total_musd (int64, million current USD).
    Raises :class:`ParseError` naming the file, the row and the faulty value.
    """
    try:
        df = pd.read_parquet(path)
    except (OSError, ValueError) as exc:
        raise ParseError(
            path, f"fichier Parquet illisible ({exc.__class__.__name__} : {exc})"
        ) from exc
    validate_wiod_trade(df, path)
    out = df.loc[:, list(COLUMNS)].reset_index(drop=True)
    out = out.astype({"year": "int64", **{c: "int64" for c in FLOWS}})
    return out.astype({c: str for c in ("exporter", "importer", "sector")})


def parse_low_wage_countries(path: str | Path, broad: bool = False) -> frozenset[str]:
    """WIOD codes of the low-wage countries of a ``low_wage_countries.csv`` file (bundled in
    ``pacte/data/``, loaded into the store as table ``wiod_low_wage``).

    broad=False: the default set (CHN, IND, IDN, BRA, MEX, TUR, RUS, BGR, ROM);
    broad=True: adds the eight central and eastern European countries that joined the EU in 2004.
    The file's header comments state the rule and its references.
    """
    return low_wage_set(parse_low_wage_table(path), broad)


def parse_low_wage_table(path: str | Path) -> pd.DataFrame:
    """The low-wage countries file as a table ``wiod_code, low_wage, low_wage_broad``
    (booleans); ``#`` lines are comments."""
    text = Path(path).read_text(encoding="utf-8")
    rows = list(csv.DictReader(line for line in text.splitlines()
                               if line and not line.startswith("#")))
    if not rows or not {"wiod_code", "low_wage", "low_wage_broad"} <= set(rows[0]):
        raise ParseError(path, "colonnes attendues : wiod_code, low_wage, low_wage_broad")
    return pd.DataFrame({
        "wiod_code": [r["wiod_code"] for r in rows],
        "low_wage": [r["low_wage"].strip().lower() == "true" for r in rows],
        "low_wage_broad": [r["low_wage_broad"].strip().lower() == "true" for r in rows]})


def low_wage_set(table: pd.DataFrame, broad: bool = False) -> frozenset[str]:
    """The low-wage set of a ``wiod_low_wage`` table."""
    col = "low_wage_broad" if broad else "low_wage"
    return frozenset(table.loc[table[col].astype(bool), "wiod_code"])


def parse_wiod_sector_labels(path: str | Path) -> pd.DataFrame:
    """French labels of the 35 WIOD sectors: ``sector, nace_rev11, label_fr``."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = {"sector", "label_fr"} - set(df.columns)
    if missing:
        raise ParseError(path, f"colonnes manquantes : {', '.join(sorted(missing))}")
    return df
