"""INSEE census "Analyse fonctionnelle des emplois" by commune (RP 1999, 2006, 2011, 2016).

Files ``RP_analyse_fonctionnelle_emplois_communes_YYYY.csv`` (see
MANIFEST-employment-national.md): jobs at the place of work in each of the 34,970 communes
(COG 2019), split into 15 occupational *functions* (not NAF sectors), plus the jobs of
"cadres des fonctions métropolitaines" (CFM).

Layout traps handled here (PARSING.md):

- nine title rows, then a label row whose cell "Commerce\\ninter-entreprises" holds a quoted
  newline, then the code row ``CODGEO,LIBGEO,REG,DEP,ELT99,...``: the header is found by
  content (first cell ``CODGEO``) and rows are counted as CSV records, so commune 01001 is
  kept and line numbers in errors match an editor's;
- column names carry the two-digit year (``FABRIC99``); the year is read from the title
  ("... dans les communes en 1999") and checked against that suffix;
- counts of 1,000 or more have a thousands comma (``"6,096"``);
- ``nd`` (Mayotte in 1999, 2006 and 2016) stays NaN, never 0.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from pacte.errors import ParseError
from pacte.sources._csv import read_header, read_table, require_columns, to_counts

FUNCTIONS = {
    "ADMPUB": "Administration publique",
    "AGRICU": "Agriculture",
    "BTP": "Bâtiment-Travaux publics",
    "COMINT": "Commerce inter-entreprises",
    "CONREC": "Conception, recherche",
    "CULLOI": "Culture, loisirs",
    "DISTRI": "Distribution",
    "EDUFOR": "Éducation, formation",
    "ENTREP": "Entretien, réparation",
    "FABRIC": "Fabrication",
    "GESTIO": "Gestion",
    "LOGIST": "Transports, logistique",
    "PREINT": "Prestations intellectuelles",
    "SANSOC": "Santé, action sociale",
    "SERPRO": "Services de proximité",
}
"""The 15 functions of INSEE's functional analysis of jobs: code -> French label."""

COLUMNS = ["commune", "year", "jobs_total", *FUNCTIONS, "cfm"]
"""Output columns (``cfm`` only when the file has the CFM total)."""

COMMUNE_PATTERN = r"[0-9][0-9AB][0-9]{3}"

_TITLE_YEAR = re.compile(r"\ben ((?:19|20)\d{2})\b")
_TOTAL_COLUMN = re.compile(r"ELT(\d{2})")


def _title_year(preamble: list[list[str]]) -> int | None:
    for record in preamble:
        for cell in record:
            found = _TITLE_YEAR.search(cell)
            if found:
                return int(found.group(1))
    return None


def _resolve_year(
    path: Path, preamble: list[list[str]], header: list[str], header_line: int, year: int | None
) -> tuple[int, str]:
    """Return the census year and the two-digit suffix of the column names."""
    suffixes = [m.group(1) for c in header if (m := _TOTAL_COLUMN.fullmatch(c))]
    if len(suffixes) != 1:
        raise ParseError(path, "une et une seule colonne d'emploi total ELTaa attendue",
                         line=header_line, value=", ".join(suffixes) or None)
    suffix = suffixes[0]
    title = _title_year(preamble)
    if year is None:
        year = title
    if year is None:
        raise ParseError(path, "millésime introuvable dans le titre : passez year=")
    if title is not None and title != year:
        raise ParseError(path, f"le titre annonce {title}, pas {year}")
    if f"{year % 100:02d}" != suffix:
        raise ParseError(path, f"les colonnes portent le suffixe {suffix}, pas celui de {year}",
                         line=header_line, value=f"ELT{suffix}")
    return year, suffix


def _check_communes(path: Path, commune: pd.Series) -> None:
    malformed = ~commune.str.fullmatch(COMMUNE_PATTERN)
    if malformed.any():
        line = int(commune.index[np.flatnonzero(malformed.to_numpy())[0]])
        raise ParseError(path, "code commune malformé (5 caractères, ex. 01001 ou 2A004)",
                         line=line, value=commune[line])
    duplicated = commune.duplicated()
    if duplicated.any():
        line = int(commune.index[np.flatnonzero(duplicated.to_numpy())[0]])
        first = int(commune.index[np.flatnonzero((commune == commune[line]).to_numpy())[0]])
        raise ParseError(path, f"code commune en double (déjà ligne {first})",
                         line=line, value=commune[line])


def parse_census_functions(path: str | Path, year: int | None = None) -> pd.DataFrame:
    """Jobs by commune and function for one census, wide: one row per commune.

    Columns: ``commune`` (str, 5 characters), ``year`` (int), ``jobs_total`` (the ELTaa
    column), the 15 :data:`FUNCTIONS` codes, and ``cfm`` when the file has the CFMaa total;
    counts are float64 with NaN where the file says ``nd``. ``year`` defaults to the one in
    the file's title; when given, it must agree with the title and the column suffix.
    ``*.csv.gz`` paths are read transparently.
    """
    path = Path(path)
    preamble, header, header_line = read_header(path, first_cell="CODGEO")
    year, yy = _resolve_year(path, preamble, header, header_line, year)
    sources = {"jobs_total": f"ELT{yy}", **{code: f"{code}{yy}" for code in FUNCTIONS}}
    if f"CFM{yy}" in header:
        sources["cfm"] = f"CFM{yy}"
    require_columns(path, header, ["CODGEO", *sources.values()], header_line)
    data = read_table(path, ["CODGEO", *sources.values()], first_cell="CODGEO")
    commune = data["CODGEO"].str.strip()
    _check_communes(path, commune)
    out = pd.DataFrame({"commune": commune})
    out["year"] = np.int64(year)
    for name, column in sources.items():
        out[name] = to_counts(data[column], path, column, thousands=True)
    return out.reset_index(drop=True)
