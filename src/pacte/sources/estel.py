"""INSEE ESTEL employment by zone d'emploi (ZE2010), 1998-2017.

Two files (see MANIFEST-employment-national.md):

- ``ESTEL_emploi_salarie_sectoriel_ZE2010_1998-2017.csv``: salaried jobs at 31 December by
  ZE x 5 sectors (A5) plus a ``TT-Total`` line, one column per year (2017 first);
- ``ESTEL_emploi_non_salarie_ZE2010_1998-2017.csv``: non-salaried jobs by ZE (no sector).

Both open with five title rows (``skiprows=5``), write counts with a thousands comma
(``"2,558"``) and give the ZE as ``"0050_Mont-de-Marsan"``. The ZE code is kept as a
4-character string (``"0050"``, never 50).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from pacte.errors import ParseError
from pacte.sources._csv import read_header, read_table, to_counts

SECTORS = {
    "AZ": "Agriculture",
    "BE": "Industrie",
    "FZ": "Construction",
    "GU": "Tertiaire marchand",
    "OQ": "Tertiaire non marchand",
}
TOTAL = "TT"

_ZE = re.compile(r"^(\d{4})_(.+)$")
_ACTIVITY = re.compile(r"^([A-Z]{2})-(.+)$")
_YEAR = re.compile(r"\d{4}")


# --- ESTEL ----------------------------------------------------------------------------------


def _split_ze(path: Path, zone: pd.Series) -> pd.DataFrame:
    parts = zone.str.strip().str.extract(_ZE.pattern)
    bad = parts[0].isna()
    if bad.any():
        line = int(zone.index[np.flatnonzero(bad.to_numpy())[0]])
        raise ParseError(
            path, "zone d'emploi illisible (attendu « 0050_Nom »)", line=line, value=zone[line]
        )
    return parts.rename(columns={0: "ze2010", 1: "ze2010_name"})


def _year_columns(path: Path, header: list[str], line: int) -> list[str]:
    years = [c for c in header if _YEAR.fullmatch(c)]
    if not years:
        raise ParseError(path, "aucune colonne d'année (AAAA) dans l'en-tête", line=line)
    return years


def _counts_wide(path: Path, data: pd.DataFrame, years: list[str]) -> pd.DataFrame:
    return pd.DataFrame({y: to_counts(data[y], path, y, thousands=True) for y in years})


def _check_sector_sums(path: Path, table: pd.DataFrame, years: list[str]) -> None:
    """Every ZE must have its 5 sectors and TT once each, and the sectors must add up to TT."""
    duplicated = table.duplicated(["ze2010", "code"])
    if duplicated.any():
        line = int(table.index[np.flatnonzero(duplicated.to_numpy())[0]])
        raise ParseError(path, "ligne d'activité en double pour la zone", line=line,
                         value=f"{table.at[line, 'ze2010']} {table.at[line, 'code']}")
    expected = set(SECTORS) | {TOTAL}
    for ze, group in table.groupby("ze2010", sort=False):
        absent = expected - set(group["code"])
        if absent:
            raise ParseError(path, f"zone d'emploi {ze} sans les lignes {', '.join(sorted(absent))}",
                             line=int(group.index[0]), value=ze)
    sectors = table[table["code"] != TOTAL].groupby("ze2010", sort=False)[years].sum(min_count=5)
    total = table[table["code"] == TOTAL].set_index("ze2010")
    gap = sectors.sub(total[years].loc[sectors.index])
    both_missing = sectors.isna() & total[years].loc[sectors.index].isna()
    wrong = (gap.fillna(1) != 0) & ~both_missing
    if wrong.to_numpy().any():
        i, j = (int(k[0]) for k in np.nonzero(wrong.to_numpy()))
        ze, year = sectors.index[i], years[j]
        raise ParseError(
            path,
            f"la somme des 5 secteurs ({sectors.iat[i, j]:,.0f}) diffère du total TT "
            f"pour la zone {ze} en {year}",
            line=int(total.at[ze, "line"]),
            value=f"{total.at[ze, year]:,.0f}",
        )


def parse_estel_salaried(path: str | Path) -> pd.DataFrame:
    """Salaried jobs by ZE2010 x A5 sector x year, long.

    Columns: ``ze2010`` (4-char code), ``ze2010_name``, ``region_label`` (as in the file,
    e.g. ``"28_NORMANDIE"`` or ``"INT-INTERREGIONAL"``), ``sector`` (one of :data:`SECTORS`),
    ``year`` (int), ``jobs`` (float64). The ``TT-Total`` rows are not returned but checked:
    the 5 sectors must add up to them exactly for every ZE and year.
    """
    path = Path(path)
    _, header, header_line = read_header(path, first_cell="Zone_emploi")
    years = _year_columns(path, header, header_line)
    data = read_table(path, ["Zone_emploi", "Region", "Activite", *years], first_cell="Zone_emploi")
    ze = _split_ze(path, data["Zone_emploi"])
    activity = data["Activite"].str.strip().str.extract(_ACTIVITY.pattern)[0]
    unknown = ~activity.isin([*SECTORS, TOTAL])
    if unknown.any():
        line = int(data.index[np.flatnonzero(unknown.to_numpy())[0]])
        raise ParseError(path, "activité inconnue (attendu AZ, BE, FZ, GU, OQ ou TT)",
                         line=line, value=data.at[line, "Activite"])
    table = pd.concat([ze, activity.rename("code"), _counts_wide(path, data, years)], axis=1)
    table["region_label"] = data["Region"].str.strip()
    table["line"] = table.index
    _check_sector_sums(path, table, years)
    kept = table[table["code"] != TOTAL]
    long = kept.melt(
        id_vars=["ze2010", "ze2010_name", "region_label", "code"],
        value_vars=years, var_name="year", value_name="jobs",
    ).rename(columns={"code": "sector"})
    long["year"] = long["year"].astype("int64")
    long = long.sort_values(["ze2010", "sector", "year"], kind="stable", ignore_index=True)
    return long[["ze2010", "ze2010_name", "region_label", "sector", "year", "jobs"]]


def parse_estel_nonsalaried(path: str | Path) -> pd.DataFrame:
    """Non-salaried jobs by ZE2010 x year, long: ``ze2010`` (str), ``year`` (int),
    ``jobs`` (float64). A ZE listed twice raises a :class:`ParseError`."""
    path = Path(path)
    _, header, header_line = read_header(path, first_cell="Zone_emploi")
    years = _year_columns(path, header, header_line)
    data = read_table(path, ["Zone_emploi", *years], first_cell="Zone_emploi")
    ze = _split_ze(path, data["Zone_emploi"])
    duplicated = ze["ze2010"].duplicated()
    if duplicated.any():
        line = int(ze.index[np.flatnonzero(duplicated.to_numpy())[0]])
        raise ParseError(path, "zone d'emploi en double", line=line, value=ze.at[line, "ze2010"])
    table = pd.concat([ze[["ze2010"]], _counts_wide(path, data, years)], axis=1)
    long = table.melt(id_vars="ze2010", var_name="year", value_name="jobs")
    long["year"] = long["year"].astype("int64")
    return long.sort_values(["ze2010", "year"], kind="stable", ignore_index=True)
