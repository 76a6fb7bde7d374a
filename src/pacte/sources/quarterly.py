"""INSEE quarterly salaried employment ("Emploi salarié en fin de trimestre"), BDM export.

File ``valeurs_trimestrielles_emploi_salarie_dep_A17_A5_2001T4-2022T4.csv`` (see
MANIFEST-employment-national.md): ``;``-separated, one series per row, one column per
quarter (``2001-T4`` ... ``2022-T4``), each series followed by a ``Codes`` row of status
flags. The series is described only by its ``Libellé``::

    Emploi salarié en fin de trimestre - <secteur> (<code>) - <territoire>[ - Série arrêtée]

- the sector code is in parentheses (``A5-BE``, ``A17-C1``, ``78.20Z``, ``SMNA``); series
  without one are totals or splits that are not sectors (``Ensemble des salariés``, ``... du
  secteur privé``/``public``) or the old ``Construction - Série arrêtée`` that ``A5-FZ``
  replaces: they are left out;
- the territory is a *name*: départements and régions are matched through the name
  dictionaries given by the caller after ``strip()`` (``"France métropolitaine "`` has a
  trailing space); Guadeloupe, Martinique, Guyane and La Réunion are both département and
  région and are returned at both levels; ``France`` / ``France hors Mayotte`` is the
  ``fra`` level (code ``FR``) and ``France métropolitaine`` the ``frm`` level (``FRM``);
- ``Série arrêtée`` flags a discontinued series (``discontinued=True``);
- quarters a series does not cover are empty cells: they stay NaN, never 0.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from pacte.errors import ParseError
from pacte.sources._csv import read_header, read_table, to_counts

MEASURE = "Emploi salarié en fin de trimestre"
DISCONTINUED = " - Série arrêtée"
LEVELS = ("dep", "reg", "fra", "frm")
NATIONAL_AREAS = {
    "France": ("fra", "FR"),
    "France hors Mayotte": ("fra", "FR"),
    "France métropolitaine": ("frm", "FRM"),
}
"""Area names that are not départements or régions -> (level, code)."""

COLUMNS = ["level", "code", "sector", "sector_label", "quarter", "jobs", "discontinued"]

_QUARTER = re.compile(r"\d{4}-T[1-4]")
_SECTOR = re.compile(r"(.*?)\s*\(([^()]+)\)")


def _invert(names: Mapping[str, str], what: str) -> dict[str, str]:
    """code -> name into stripped name -> code; two codes with the same name is an error."""
    by_name: dict[str, str] = {}
    for code, name in names.items():
        key = name.strip()
        if key in by_name and by_name[key] != code:
            raise ValueError(f"Nom de {what} ambigu : {key!r} désigne {by_name[key]} et {code}")
        by_name[key] = code
    return by_name


def _areas(
    name: str, deps: dict[str, str], regs: dict[str, str]
) -> list[tuple[str, str]]:
    found = [("dep", deps[name])] if name in deps else []
    if name in regs:
        found.append(("reg", regs[name]))
    if name in NATIONAL_AREAS:
        found.append(NATIONAL_AREAS[name])
    return found


def _split_label(path: Path, line: int, label: str) -> tuple[str, str, str, bool] | None:
    """Return (sector_code, sector_label, area, discontinued), or None for a series that is
    not a sector of the measure. A label that does not follow the layout raises."""
    discontinued = label.endswith(DISCONTINUED)
    body = label[: -len(DISCONTINUED)] if discontinued else label
    parts = body.split(" - ")
    if len(parts) < 3:
        raise ParseError(path, "libellé de série illisible (attendu « mesure - secteur - "
                         "territoire »)", line=line, value=label)
    if parts[0].strip() != MEASURE:
        return None
    sector = _SECTOR.fullmatch(" - ".join(parts[1:-1]).strip())
    if sector is None:
        return None
    return sector.group(2).strip(), sector.group(1).strip(), parts[-1], discontinued


def parse_quarterly(
    path: str | Path, dep_names: Mapping[str, str], reg_names: Mapping[str, str]
) -> pd.DataFrame:
    """Quarterly salaried employment by territory x sector, long.

    ``dep_names`` and ``reg_names`` map département / région codes to their names (as in
    ``departements.json`` / ``regions.json``: ``{"76": "Seine-Maritime"}``).

    Columns: ``level`` (``dep``, ``reg``, ``fra``, ``frm``), ``code`` (str), ``sector`` (the
    code in parentheses, e.g. ``A5-BE``, ``A17-C1``, ``78.20Z``, ``SMNA``), ``sector_label``,
    ``quarter`` (``"2008-T4"``), ``jobs`` (float64, NaN outside the series' span) and
    ``discontinued`` (bool, the series is "arrêtée"). An area name found in neither
    dictionary raises a :class:`ParseError` naming the line and the name.
    """
    path = Path(path)
    deps, regs = _invert(dep_names, "département"), _invert(reg_names, "région")
    _, header, header_line = read_header(path, first_cell="Libellé", sep=";")
    quarters = [c for c in header if _QUARTER.fullmatch(c)]
    if not quarters:
        raise ParseError(path, "aucune colonne de trimestre (AAAA-Tn) dans l'en-tête",
                         line=header_line)
    data = read_table(path, ["Libellé", *quarters], first_cell="Libellé", sep=";")
    data = data[data["Libellé"].str.strip() != "Codes"]

    series: list[tuple[int, str, str, str, str, bool]] = []
    seen: dict[tuple[str, str, str], int] = {}
    for line, label in data["Libellé"].items():
        split = _split_label(path, int(line), label)
        if split is None:
            continue
        sector, sector_label, area, discontinued = split
        areas = _areas(area.strip(), deps, regs)
        if not areas:
            raise ParseError(path, "territoire inconnu (ni département, ni région, ni France)",
                             line=int(line), value=area)
        for level, code in areas:
            key = (level, code, sector)
            if key in seen:
                raise ParseError(path, f"série en double (déjà ligne {seen[key]})",
                                 line=int(line), value=label)
            seen[key] = int(line)
            series.append((int(line), level, code, sector, sector_label, discontinued))

    meta = pd.DataFrame(series, columns=["line", *COLUMNS[:4], "discontinued"])
    values = pd.DataFrame({q: to_counts(data[q], path, q, missing=()) for q in quarters})
    matrix = values.loc[meta["line"]].to_numpy(dtype="float64")
    n = len(quarters)
    out = pd.DataFrame({
        "level": np.repeat(meta["level"].to_numpy(), n),
        "code": np.repeat(meta["code"].to_numpy(), n),
        "sector": np.repeat(meta["sector"].to_numpy(), n),
        "sector_label": np.repeat(meta["sector_label"].to_numpy(), n),
        "quarter": np.tile(np.asarray(quarters, dtype=object), len(meta)),
        "jobs": matrix.reshape(-1),
        "discontinued": np.repeat(meta["discontinued"].to_numpy(dtype=bool), n),
    })
    for column in ("level", "code", "sector", "sector_label", "quarter"):
        out[column] = out[column].astype("str")
    return out
