"""DGCL « critères de répartition » of the dotations, communes file (``YYYY-communes-criteres-
repartition.csv`` on data.gouv.fr / dotations-dgcl.interieur.gouv.fr).

One row per commune, ~180 columns labelled « Section - Libellé ». The column dictionary
(2019 layout, ``finance/dgcl_criteres_repartition_communes_2019_columns.csv``) places:

- the commune code in ``Informations générales - Code INSEE de la commune``;
- DCRTP in ``Potentiel fiscal et financier des communes - Montant de DCRTP de la commune``;
- FNGIR in ``... - Reversement au titre du FNGIR de la commune`` and ``... - Prélèvement au
  titre du FNGIR de la commune``;
- RRF in ``Dotation forfaitaire - Recettes réelles de fonctionnement des communes N-2 pour
  Année N`` (later years: ``... N-2 pour N``, ``... N-2 pour l'année N``);
- the DGF population in ``Informations générales - Population DGF Année N`` (2020:
  ``... Population DGF de l'année N'``).

Labels are matched after normalisation (case, spaces, apostrophes, the trailing space of
some labels), so these year-to-year variants are accepted. The separator is detected from
the header (``,`` in the 2019 layout, ``;`` in some re-publications); amounts may use a
French decimal comma (``"1234,56"``, quoted when the separator is ``,``) or a point, and a
space or no-break space as thousands separator. Validation is strict: any other cell raises
:class:`~pacte.errors.ParseError` naming the file, the line and the value.
"""

from __future__ import annotations

import csv
import re
import tempfile
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from pacte.errors import ParseError
from pacte.sources._csv import open_text, parse_fr_numbers, read_table, sniff_separator
from pacte.sources.geo import COMMUNE_RE

_GEN = "informations generales - "
_PFF = "potentiel fiscal et financier des communes - "

#: output column -> (regex on the normalised label, required, kind). ``kind``: "amount"
#: (non-negative, decimals allowed), "signed" (sign allowed), "count" (non-negative),
#: "text". Normalised: lower case, accents removed, spaces collapsed, ’ -> '.
FIELDS: dict[str, tuple[str, bool, str]] = {
    "commune": (_GEN + r"code insee de la commune", True, "text"),
    "name": (_GEN + r"nom de la commune", False, "text"),
    "dep": (_GEN + r"code departement de la commune", False, "text"),
    "epci_siren": (_GEN + r"code siren de l'epci", False, "text"),
    "epci_regime_fiscal": (_GEN + r"regime fiscal (de l')?epci", False, "text"),
    "exercice": (_GEN + r"exercice", False, "text"),
    "population_dgf": (_GEN + r"population dgf (de l')?annee n'?", True, "count"),
    "population_insee": (_GEN + r"population insee (de l')?annee n'?", False, "count"),
    "dcrtp": (_PFF + r"montant de (la )?dcrtp de la commune", True, "amount"),
    "fngir_reversement": (_PFF + r"reversement au titre du fngir de la commune", True,
                          "amount"),
    # signed: a prélèvement could be published as a negative amount (not confirmed offline)
    "fngir_prelevement": (_PFF + r"prelevement au titre du fngir de la commune", True,
                          "signed"),
    "rrf": (r"dotation forfaitaire - recettes reelles de fonctionnement des communes n-2 "
            r"pour (annee n|n|l'annee n)", True, "amount"),
    "attribution_compensation": (_PFF + r"attribution de compensation de la commune", False,
                                 "signed"),
    "dcrtp_epci": (_PFF + r"montant de (la )?dcrtp de l'epci", False, "amount"),
    "fngir_reversement_epci": (_PFF + r"reversement au titre du fngir de l'epci", False,
                               "amount"),
    "fngir_prelevement_epci": (_PFF + r"prelevement au titre du fngir de l'epci", False,
                               "signed"),
}

#: Columns of the frame :func:`parse_dgcl_criteres` returns, in order.
COLUMNS = ["commune", "year", "name", "dep", "epci_siren", "epci_regime_fiscal",
           "population_dgf", "population_insee", "dcrtp", "fngir_reversement",
           "fngir_prelevement", "rrf", "attribution_compensation", "dcrtp_epci",
           "fngir_reversement_epci", "fngir_prelevement_epci"]

_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_YEAR_IN_NAME = re.compile(r"(?<!\d)(20\d\d)(?!\d)")


def normalise_label(label: str) -> str:
    """Lower case, accents removed, ’ -> ', spaces collapsed and stripped."""
    text = unicodedata.normalize("NFKD", label.replace("\u2019", "'"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return _SPACES.sub(" ", text).strip().lower()


def _resolve(path: Path, header: list[str]) -> dict[str, str]:
    """Output column -> header label, for every field found; ParseError if a required one
    is missing or a pattern matches two labels."""
    found: dict[str, str] = {}
    normalised = [(normalise_label(h), h) for h in header]
    for out, (pattern, required, _kind) in FIELDS.items():
        rx = re.compile(pattern + r"$")
        hits = [h for n, h in normalised if rx.fullmatch(n)]
        if len(hits) > 1:
            raise ParseError(path, f"colonne « {out} » ambiguë dans l'en-tête : "
                             + " ; ".join(hits), line=1)
        if hits:
            found[out] = hits[0]
        elif required:
            raise ParseError(path, f"colonne DGCL introuvable pour « {out} » (libellé attendu "
                             f"du type « {pattern} »)", line=1)
    return found


def _year(path: Path, frame: pd.DataFrame, label: str | None) -> pd.Series:
    if label is not None:
        cells = frame[label].str.strip()
        ok = cells.str.fullmatch(r"(19|20)\d\d")
        if not ok.all():
            pos = int(np.flatnonzero(~ok.to_numpy())[0])
            raise ParseError(path, f"exercice invalide dans la colonne « {label} »",
                             line=int(frame.index[pos]), value=frame[label].iloc[pos])
        return cells.astype("int16")
    years = _YEAR_IN_NAME.findall(path.name)
    if len(years) != 1:
        raise ParseError(path, "exercice introuvable : ni colonne « Informations générales "
                         "- Exercice » ni année dans le nom du fichier")
    return pd.Series(int(years[0]), index=frame.index, dtype="int16")


def parse_dgcl_criteres(path: str | Path) -> pd.DataFrame:
    """The DGCL critères de répartition file, communes, as one row per commune.

    Columns (:data:`COLUMNS`): ``commune`` (5-character INSEE code, str), ``year`` (int16,
    the « Exercice »), ``name``, ``dep``, ``epci_siren``, ``epci_regime_fiscal`` (str),
    ``population_dgf``, ``population_insee`` (float64: NaN where not available), ``dcrtp``,
    ``fngir_reversement``, ``fngir_prelevement``, ``rrf`` (RRF N-2), ``attribution_
    compensation``, ``dcrtp_epci``, ``fngir_reversement_epci``, ``fngir_prelevement_epci``
    (float64 euros; the ``*_epci`` columns repeat the EPCI's amount on each member's row,
    as the labels suggest). Optional columns absent from the file are all NaN/empty.

    Raises :class:`ParseError` (file, line, value) on a missing required column, a bad
    commune code, a duplicated commune or a non-numeric / negative amount.
    """
    path = Path(path)
    try:
        return _parse(path)
    except UnicodeDecodeError:
        pass
    # not valid UTF-8: a few stray Latin-1 bytes in a UTF-8 file (the dictionary's « major�e »
    # suggests the publication has some) are replaced; otherwise the file is read as cp1252
    data = path.read_bytes()
    text = data.decode("utf-8-sig", errors="replace")
    if text.count("\ufffd") > 20:
        text = data.decode("cp1252", errors="replace")
    with tempfile.TemporaryDirectory(prefix="pacte-dgcl-") as tmp:
        copy = Path(tmp) / path.name
        copy.write_text(text, encoding="utf-8", newline="")
        try:
            return _parse(copy)
        except ParseError as exc:
            raise exc.at(path) from None


def _parse(path: Path) -> pd.DataFrame:
    sep = sniff_separator(path, "DGCL")
    with open_text(path) as f:
        header = [h.strip() for h in next(csv.reader(f, delimiter=sep))]
    labels = _resolve(path, header)
    raw = read_table(path, list(dict.fromkeys(labels.values())), sep=sep)

    codes = raw[labels["commune"]].str.strip()
    codes = codes.where(~codes.str.fullmatch(r"\d{4}"), codes.str.zfill(5))  # Excel-dropped 0
    bad = ~codes.str.fullmatch(COMMUNE_RE.pattern.strip("^$"))
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise ParseError(path, "code commune INSEE invalide (5 caractères attendus)",
                         line=int(raw.index[pos]), value=raw[labels["commune"]].iloc[pos])
    dup = codes.duplicated()
    if dup.any():
        pos = int(np.flatnonzero(dup.to_numpy())[0])
        raise ParseError(path, "commune en double", line=int(raw.index[pos]),
                         value=codes.iloc[pos])

    out = pd.DataFrame(index=raw.index)
    out["commune"] = codes
    out["year"] = _year(path, raw, labels.get("exercice"))
    for name, (_pattern, _required, kind) in FIELDS.items():
        if name in ("commune", "exercice"):
            continue
        if name not in labels:
            out[name] = "" if kind == "text" else np.nan
        elif kind == "text":
            out[name] = raw[labels[name]].str.strip()
        else:
            out[name] = parse_fr_numbers(raw[labels[name]], path, labels[name], kind)
    return out[COLUMNS].reset_index(drop=True).astype({"commune": "str"})
