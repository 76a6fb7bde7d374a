"""INSEE Code officiel géographique: the list of communes (``v_commune_AAAA.csv``).

Columns (COG 2025): ``TYPECOM, COM, REG, DEP, CTCD, ARR, TNCC, NCC, NCCENR, LIBELLE, CAN,
COMPARENT``. ``TYPECOM`` is ``COM`` (commune), ``COMA`` (commune associée), ``COMD``
(commune déléguée) or ``ARM`` (arrondissement municipal); only ``COM`` rows carry ``REG`` and
``DEP``, the others name their parent in ``COMPARENT`` and may reuse the parent's code (a
commune nouvelle and its chef-lieu's commune déléguée share it).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from pacte.sources._csv import first_bad, read_table
from pacte.sources.geo import COMMUNE_RE

TYPECOMS = frozenset({"COM", "COMA", "COMD", "ARM"})
_CODE = COMMUNE_RE.pattern.strip("^$")
_DEP = re.compile(r"\d\d|2[AB]|97\d")
_REG = re.compile(r"\d\d")

#: Columns of the frame :func:`parse_cog_communes` returns.
COLUMNS = ["code", "name", "dep", "reg", "typecom"]


def parse_cog_communes(path: str | Path) -> pd.DataFrame:
    """The communes (``TYPECOM == 'COM'``) of an INSEE ``v_commune_AAAA.csv``.

    Returns ``code`` (5-character INSEE code), ``name`` (``LIBELLE``, with its article),
    ``dep``, ``reg``, ``typecom`` (always ``COM``), all str, in file order. Raises
    :class:`ParseError` (file, line, value) on a missing column, an unknown ``TYPECOM``, a bad
    code, a commune without département or région, or a commune listed twice.
    """
    path = Path(path)
    raw = read_table(path, ["TYPECOM", "COM", "REG", "DEP", "LIBELLE"])
    raw = raw.apply(lambda col: col.str.strip())
    first_bad(path, ~raw["TYPECOM"].isin(TYPECOMS), raw["TYPECOM"],
               "TYPECOM inconnu (COM, COMA, COMD ou ARM attendu)")
    first_bad(path, ~raw["COM"].str.fullmatch(_CODE), raw["COM"], "code commune invalide")
    com = raw[raw["TYPECOM"] == "COM"]
    first_bad(path, ~com["DEP"].str.fullmatch(_DEP.pattern), com["DEP"],
               "département invalide pour une commune")
    first_bad(path, ~com["REG"].str.fullmatch(_REG.pattern), com["REG"],
               "région invalide pour une commune")
    first_bad(path, com["LIBELLE"] == "", com["LIBELLE"], "commune sans libellé")
    first_bad(path, com["COM"].duplicated(), com["COM"], "commune en double")
    out = com.rename(columns={"COM": "code", "LIBELLE": "name", "DEP": "dep", "REG": "reg",
                              "TYPECOM": "typecom"})
    return out[COLUMNS].reset_index(drop=True)
