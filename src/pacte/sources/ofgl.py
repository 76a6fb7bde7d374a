"""OFGL ``rei`` dataset (DGFiP « recensement des éléments d'imposition », published by the
Observatoire des finances et de la gestion publique locales on data.ofgl.fr): DCRTP and FNGIR
per commune and per intercommunalité.

The Opendatasoft export (``/api/explore/v2.1/catalog/datasets/rei/exports/csv``) is a long
table: UTF-8 with a byte-order mark, ``;`` separator, decimal point, one row per commune
(``idcom``) x exercice (``annee``) x variable (``varlib``), the value in ``valeur``. Other
fields: ``libcom``, ``dep``, ``sirepci`` (SIREN of the commune's EPCI), ``optepci`` (its
fiscal regime, FPU / FPA / FPZ), ``secret_statistique``, ``destinataire``... Only the field
names are relied on, in any order (a ``select=`` export keeps only some of them).

Variables read (``varlib``, matched after :func:`pacte.sources.dgcl.normalise_label`):
« DCRTP / Commune », « DCRTP / INTERCOMMUNALITÉ », « Prélèvement GIR / Commune »,
« Prélèvement GIR / INTERCOMMUNALITÉ », « Reversement GIR / Commune », « Reversement GIR /
INTERCOMMUNALITÉ ». Other variables (a full, unfiltered export) are skipped and counted.

The REI places every amount on a commune row, including the EPCI's: an EPCI variable is
either repeated on each member's row or split between them. :func:`pacte.finance.territory.
calc_epci_amounts` takes one value per EPCI (see there); this parser keeps the rows as
published, one row per commune and exercice.
"""

from __future__ import annotations

import csv
import re

import numpy as np
import pandas as pd

from pacte.errors import ParseError
from pacte.sources._csv import open_text, parse_fr_numbers, read_table, sniff_separator
from pacte.sources.dgcl import normalise_label
from pacte.sources.geo import COMMUNE_RE

#: normalised ``varlib`` -> output column.
VARIABLES = {
    "dcrtp / commune": "dcrtp",
    "dcrtp / intercommunalite": "dcrtp_epci",
    "prelevement gir / commune": "fngir_prelevement",
    "prelevement gir / intercommunalite": "fngir_prelevement_epci",
    "reversement gir / commune": "fngir_reversement",
    "reversement gir / intercommunalite": "fngir_reversement_epci",
}
AMOUNTS = list(VARIABLES.values())
#: Columns of the frame :func:`parse_ofgl_rei` returns (the ``ofgl_rei`` store table).
COLUMNS = ["commune", "year", "name", "dep", "epci_siren", "epci_regime_fiscal", *AMOUNTS]
REQUIRED = ("annee", "idcom", "varlib", "valeur")
OPTIONAL = ("libcom", "dep", "sirepci", "optepci", "secret_statistique")
_YEAR = re.compile(r"((?:19|20)\d\d)(?:-\d\d-\d\d(?:T.*)?)?")


def _header(path) -> tuple[str, list[str]]:
    sep = sniff_separator(path, "OFGL (annee;idcom;varlib;valeur)")
    with open_text(path) as f:
        return sep, [h.strip().lower() for h in next(csv.reader(f, delimiter=sep))]


def parse_ofgl_rei(path) -> pd.DataFrame:
    """The OFGL REI export as one row per commune and exercice (:data:`COLUMNS`).

    ``commune`` (INSEE code, str), ``year`` (int16), ``name``, ``dep``, ``epci_siren``,
    ``epci_regime_fiscal`` (str, "" where absent), then the six amounts in euros (float64,
    NaN where the variable is absent for that commune or under statistical secrecy):
    ``dcrtp``, ``dcrtp_epci``, ``fngir_prelevement``, ``fngir_prelevement_epci``,
    ``fngir_reversement``, ``fngir_reversement_epci``. The ``*_epci`` columns are the EPCI
    amounts exactly as published on the commune's row.

    Raises :class:`ParseError` naming the file, the line and the value on a missing field,
    a bad commune code or exercice, a non-numeric amount, a variable given twice for the
    same commune and exercice, or a file with none of the DCRTP / FNGIR variables.
    """
    sep, header = _header(path)
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ParseError(path, "champs OFGL manquants dans l'en-tête : " + ", ".join(missing)
                         + " (export attendu : annee;idcom;varlib;valeur ...)", line=1)
    wanted = [c for c in (*REQUIRED, *OPTIONAL) if c in header]
    # read_table matches header cells exactly: map back to the file's own spelling
    with open_text(path) as f:
        raw_header = [h.strip() for h in next(csv.reader(f, delimiter=sep))]
    spelled = {h.lower(): h for h in raw_header}
    raw = read_table(path, [spelled[c] for c in wanted], sep=sep)
    raw.columns = wanted

    var = raw["varlib"].fillna("").map(normalise_label).map(VARIABLES)
    keep = var.notna()
    if not keep.any():
        raise ParseError(path, "aucune variable DCRTP ou FNGIR (« DCRTP / Commune », "
                         "« DCRTP / INTERCOMMUNALITÉ », « Prélèvement GIR / … », « Reversement "
                         "GIR / … ») dans le fichier")
    raw, var = raw[keep], var[keep]

    codes = raw["idcom"].fillna("").str.strip()
    codes = codes.where(~codes.str.fullmatch(r"\d{4}"), codes.str.zfill(5))
    bad = ~codes.str.fullmatch(COMMUNE_RE.pattern.strip("^$"))
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise ParseError(path, "code commune INSEE invalide (5 caractères attendus)",
                         line=int(raw.index[pos]), value=raw["idcom"].iloc[pos])
    years = raw["annee"].fillna("").str.strip().str.extract(f"^{_YEAR.pattern}$")[0]
    if years.isna().any():
        pos = int(np.flatnonzero(years.isna().to_numpy())[0])
        raise ParseError(path, "exercice invalide dans le champ « annee »",
                         line=int(raw.index[pos]), value=raw["annee"].iloc[pos])
    values = parse_fr_numbers(raw["valeur"], path, "valeur", "signed")
    if "secret_statistique" in raw:
        secret = raw["secret_statistique"].fillna("").str.strip().str.lower()
        values = values.where(~secret.isin({"oui", "true", "1", "o", "x"}))
    long = pd.DataFrame({"commune": codes, "year": years.astype("int16"), "var": var,
                         "value": values})
    dup = long.duplicated(["commune", "year", "var"])
    if dup.any():
        pos = int(np.flatnonzero(dup.to_numpy())[0])
        raise ParseError(path, "variable en double pour la même commune et le même exercice",
                         line=int(raw.index[pos]), value=raw["varlib"].iloc[pos])
    wide = long.pivot(index=["commune", "year"], columns="var", values="value")
    wide = wide.reindex(columns=AMOUNTS).astype("float64")
    info = pd.DataFrame({"commune": codes, "year": long["year"]})
    for out, col in (("name", "libcom"), ("dep", "dep"), ("epci_siren", "sirepci"),
                     ("epci_regime_fiscal", "optepci")):
        info[out] = raw[col].fillna("").str.strip() if col in raw else ""
    # the first non-empty description of each commune and exercice
    info = info.replace("", np.nan).groupby(["commune", "year"]).first().fillna("")
    out = wide.join(info).reset_index()
    out["epci_siren"] = out["epci_siren"].str.replace(r"\.0$", "", regex=True)
    return out[COLUMNS].sort_values(["commune", "year"], kind="stable").reset_index(drop=True)
