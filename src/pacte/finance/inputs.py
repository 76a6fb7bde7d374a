"""Simulator inputs from the DGCL « critères de répartition » file and the AMP fixture.

Columns are found by their official DGCL labels (« Section - Libellé »), normalised (case,
accents, apostrophes, spaces) and matched across vintages; the part after « Section - »
alone is accepted too, as in extracts that shorten labels (``amp/data_mpm.csv``). A missing
column raises :class:`~pacte.errors.ParseError` naming the file and the column.

EPCI rows: the criteria file repeats the EPCI's DCRTP (« Montant de DCRTP de l'EPCI ») on
each member commune's row; one value is taken per EPCI, and differing values are an error.
The file has no EPCI RRF: pass them (``epci_rrf``, Series SIREN -> euros, e.g. OFGL
« Recettes de fonctionnement », see :func:`read_epci_rrf`).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from pacte.errors import InvalidParameterError, ParseError
from pacte.finance.scenario import SimulationInputs
from pacte.finance.simulator import ENTITY_COLUMNS
from pacte.sources import dgcl
from pacte.sources._csv import guess_separator, parse_fr_numbers, read_header, read_table

#: Extra official labels the parser does not read: output -> (regex on the normalised
#: label or on its part after « Section - », required).
EXTRA_FIELDS: dict[str, tuple[str, bool]] = {
    "epci_name": (r"(informations generales - )?nom de l'epci", False),
    "dsu_amount": (r"(dotation de solidarite urbaine - )?montant (de l')?(attribution "
                   r"spontanee( (de la )?dsu)?|total reparti)", False),
}
AMP_SIREN = "200054807"
AMP_NAME = "Métropole d'Aix-Marseille-Provence"
AMP_YEARS = (2016, 2020)
ATTRIBUTION_AMP = ("DGFiP REI, DGCL critères de répartition, OFGL ; extrait compilé par "
                   "oboylaud (GitHub oboylaud/rousset1)")


def match_columns(labels, fields: dict[str, tuple[str, bool]], source: str) -> dict[str, str]:
    """Output name -> label of ``labels`` for each field found (full official label or its
    part after « Section - »). ParseError naming ``source`` for a missing required field
    or an ambiguous one."""
    normalised = [(dgcl.normalise_label(str(h)), h) for h in labels]
    found: dict[str, str] = {}
    for out, (pattern, required) in fields.items():
        rx = re.compile(pattern)
        suffix = re.compile(re.sub(r"^\(?[^-()]+ - \)\??", "", pattern))
        hits = [h for n, h in normalised if rx.fullmatch(n) or suffix.fullmatch(n)]
        if len(set(hits)) > 1 and out != "dsu_amount":
            raise ParseError(source, f"colonne « {out} » ambiguë : " + " ; ".join(hits), line=1)
        if hits:
            found[out] = hits[0]
        elif required:
            raise ParseError(source, f"colonne introuvable : « {out} » (libellé officiel "
                             f"attendu du type « {pattern} »)", line=1)
    return found


def _numbers(values: pd.Series, source: str, label: str) -> np.ndarray:
    """A column of a frame whose row i is line i + 2 of ``source`` (header on line 1), as
    float64: numbers as they are, text through :func:`parse_fr_numbers` (signed)."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.to_numpy(dtype="float64", na_value=np.nan)
    text = values.astype("string").set_axis(pd.RangeIndex(2, len(values) + 2))
    return parse_fr_numbers(text, source, label, "signed").to_numpy()


def _dgcl_fields() -> dict[str, tuple[str, bool]]:
    return {k: (p, req) for k, (p, req, _kind) in dgcl.FIELDS.items()}


def normalise_criteres(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """A frame with the parser's columns (:data:`pacte.sources.dgcl.COLUMNS`) plus
    ``epci_name`` and ``dsu_eligible``, from either a :func:`parse_dgcl_criteres` result or
    a frame with the official labels (e.g. :func:`pacte.finance.demo.demo_criteres`)."""
    if set(dgcl.COLUMNS) <= set(frame.columns):
        out = frame.copy()
        if "dcrtp_epci" in out and out["dcrtp_epci"].isna().all():
            raise ParseError(source, "colonne introuvable ou vide : « Potentiel fiscal et "
                             "financier des communes - Montant de DCRTP de l'EPCI »", line=1)
    else:
        found = match_columns(frame.columns, {**_dgcl_fields(), "dcrtp_epci":
                                              (dgcl.FIELDS["dcrtp_epci"][0], True)}, source)
        out = pd.DataFrame(index=frame.index)
        for name, (_p, _req, kind) in dgcl.FIELDS.items():
            if name not in found:
                out[name] = "" if kind == "text" else np.nan
            elif kind == "text":
                out[name] = frame[found[name]].astype("string").fillna("").str.strip()
            else:
                out[name] = _numbers(frame[found[name]], source, found[name])
        out = out.rename(columns={"exercice": "year"})
        code = out["commune"].astype(str)
        out["commune"] = code.where(~code.str.fullmatch(r"\d{4}"), code.str.zfill(5))
    extras = match_columns(frame.columns, EXTRA_FIELDS, source)
    for col in ("epci_name", "dsu_eligible"):
        if col not in out:
            out[col] = "" if col == "epci_name" else pd.NA
    if "epci_name" in extras:
        out["epci_name"] = frame[extras["epci_name"]].astype("string").fillna("").str.strip()
    dsu_cols = [c for c in frame.columns
                if re.fullmatch(EXTRA_FIELDS["dsu_amount"][0], dgcl.normalise_label(str(c)))]
    if dsu_cols:
        amounts = np.column_stack([_numbers(frame[c], source, c) for c in dsu_cols])
        known = ~np.isnan(amounts).all(axis=1)
        eligible = np.nan_to_num(amounts).max(axis=1) > 0
        out["dsu_eligible"] = pd.array(np.where(known, eligible, False), dtype="boolean")
        out.loc[~known, "dsu_eligible"] = pd.NA
    return out


def from_criteres(frame: pd.DataFrame, *, source: str = "critères de répartition",
                  epci_rrf: pd.Series | dict | None = None, carry_fpu: bool = False,
                  fictional: bool = False) -> SimulationInputs:
    """Simulator inputs (communes, then one row per EPCI) from a DGCL criteria frame.

    ``carry_fpu``: move the DCRTP of communes of FPU EPCI to their EPCI (LF 2010 art. 78
    IV-F). Off by default: the file's amounts are taken as notified (the carry is already
    in them); the number of FPU communes with a DCRTP of their own is reported in the notes.
    """
    c = normalise_criteres(frame, source)
    notes: list[str] = []
    code = c["commune"].astype(str).to_numpy()
    epci = c["epci_siren"].astype("string").fillna("").str.strip().to_numpy(dtype=str)
    dcrtp = c["dcrtp"].to_numpy(dtype="float64")
    if np.isnan(dcrtp).any():
        notes.append(f"{int(np.isnan(dcrtp).sum())} commune(s) sans montant de DCRTP "
                     "(cellule vide) : comptée(s) à 0")
    dcrtp = np.nan_to_num(dcrtp)
    pop = c["population_dgf"].fillna(c["population_insee"]).to_numpy(dtype="float64")
    fpu = c["epci_regime_fiscal"].astype("string").fillna("").str.upper().str.contains(
        "FPU").to_numpy(dtype=bool) & (epci != "")
    communes = pd.DataFrame({
        "level": "commune", "code": code, "name": c["name"].astype("string").fillna("")
        .to_numpy(dtype=str), "epci": epci, "dcrtp": dcrtp,
        "rrf": c["rrf"].to_numpy(dtype="float64"), "population": pop,
        "dsu_eligible": c["dsu_eligible"].astype("boolean").fillna(False).to_numpy(bool)})
    if c["dsu_eligible"].isna().all():
        notes.append("éligibilité à la DSU absente du fichier : aucune commune exonérée")

    has = epci != ""
    grp = pd.DataFrame({"epci": epci[has], "d": c["dcrtp_epci"].to_numpy(float)[has],
                        "name": c["epci_name"].astype(str).to_numpy()[has], "pop": pop[has]})
    g = grp.groupby("epci", sort=True)
    spread = g["d"].nunique()  # distinct amounts of an EPCI, gaps left out
    if (spread > 1).any():
        siren = spread.index[spread > 1][0]
        vals = sorted(grp.loc[grp["epci"] == siren, "d"].dropna().unique())
        raise ParseError(source, f"DCRTP de l'EPCI {siren} différente selon les communes "
                         f"membres ({vals[0]:.2f} / {vals[1]:.2f})")
    empty = int((g["d"].count() == 0).sum())
    if empty:
        notes.append(f"{empty} EPCI sans montant de DCRTP (cellules vides) : comptés à 0")
    rrf = pd.Series(epci_rrf if epci_rrf is not None else {}, dtype="float64")
    rrf.index = rrf.index.astype(str)
    epcis = pd.DataFrame({
        "level": "epci", "code": g.size().index.to_numpy(dtype=str),
        "name": g["name"].first().to_numpy(dtype=str),
        "epci": g.size().index.to_numpy(dtype=str),
        "dcrtp": np.nan_to_num(g["d"].max().to_numpy(float)),
        "rrf": rrf.reindex(g.size().index).to_numpy(float),
        "population": g["pop"].sum(min_count=1).to_numpy(float), "dsu_eligible": False})
    own = fpu & (dcrtp > 0)
    if carry_fpu and own.any():
        moved = pd.Series(dcrtp[own], index=epci[own]).groupby(level=0).sum()
        epcis["dcrtp"] += epcis["code"].map(moved).fillna(0.0).to_numpy()
        communes.loc[own, "dcrtp"] = 0.0
        notes.append(f"règle FPU (IV-F) : DCRTP de {int(own.sum())} commune(s) portée par "
                     f"leur EPCI ({dcrtp[own].sum():.2f} €)")
    elif own.any():
        notes.append(f"{int(own.sum())} commune(s) d'EPCI à FPU ont une DCRTP propre, prise "
                     "telle que notifiée (report FPU non appliqué)")
    if epcis["rrf"].isna().all():
        notes.append("RRF des EPCI non fournies : la clé légale ne peut pas être calculée")
    years = sorted({int(float(y)) for y in c["year"].astype(str).unique()
                    if y.strip().replace(".0", "").isdigit()})
    ents = pd.concat([communes, epcis], ignore_index=True)[ENTITY_COLUMNS]
    return SimulationInputs(ents, {"source": source, "millesime": years[0] if years else None,
                                   "fictif": fictional, "notes": notes,
                                   "perimetre": "fichier DGCL"})


NOT_UTF8 = ("fichier non UTF-8 (lu en Windows-1252) : nom des EPCI et éligibilité à la DSU "
            "non lus (aucune commune exonérée)")


def load_criteres(path: str | Path, *, epci_rrf: pd.Series | dict | None = None,
                  carry_fpu: bool = False) -> SimulationInputs:
    """:func:`from_criteres` on an official file: strict parse (:func:`parse_dgcl_criteres`)
    plus the EPCI name and the DSU amounts read from the same file."""
    path = Path(path)
    parsed = dgcl.parse_dgcl_criteres(path)
    with path.open(encoding="utf-8-sig", errors="replace") as f:
        sep = guess_separator(f.readline())
    note = None
    try:
        _, header, _ = read_header(path, sep=sep)
    except UnicodeDecodeError:  # read above as cp1252 by the strict parse
        header, note = [], NOT_UTF8
    extra = match_columns(header, EXTRA_FIELDS, str(path)) if header else {}
    dsu = [h for h in header if re.fullmatch(EXTRA_FIELDS["dsu_amount"][0],
                                             dgcl.normalise_label(h))]
    wanted = list(dict.fromkeys([*extra.values(), *dsu]))
    if wanted:
        try:
            raw = read_table(path, wanted, sep=sep).reset_index(drop=True)
            parsed = pd.concat([parsed, raw], axis=1)
        except UnicodeDecodeError:
            note = NOT_UTF8
    inputs = from_criteres(parsed, source=str(path), epci_rrf=epci_rrf, carry_fpu=carry_fpu)
    if note:
        inputs.meta["notes"].append(note)
    return inputs


def read_epci_rrf(path: str | Path) -> pd.Series:
    """EPCI RRF (euros) by SIREN from a CSV: either two columns (SIREN, RRF) or the OFGL
    long layout (SIREN, « Agrégat », « Montant »: rows « Recettes de fonctionnement »)."""
    path = Path(path)
    import csv

    try:
        frame = pd.read_csv(path, sep=None, engine="python", dtype=str)
    except (pd.errors.EmptyDataError, csv.Error, UnicodeDecodeError) as exc:
        why = ("fichier vide" if isinstance(exc, pd.errors.EmptyDataError | csv.Error)
               and not path.read_bytes().strip() else
               "fichier non UTF-8 : enregistrez-le en UTF-8" if isinstance(
                   exc, UnicodeDecodeError) else f"CSV illisible ({exc})")
        raise ParseError(path, f"RRF des EPCI : {why}") from None
    if frame.empty:
        raise ParseError(path, "RRF des EPCI : aucune ligne de données")
    found = match_columns(frame.columns, {
        "siren": (r"(code )?siren( (de l')?epci| groupement)?", True),
        "agregat": (r"agregat", False),
        "value": (r"(montant|recettes reelles de fonctionnement|rrf|recettes de "
                  r"fonctionnement)( .*)?", True)}, str(path))
    if "agregat" in found:
        keep = frame[found["agregat"]].map(dgcl.normalise_label) == "recettes de fonctionnement"
        frame = frame[keep]
    values = _numbers(frame[found["value"]].reset_index(drop=True), str(path), found["value"])
    sirens = frame[found["siren"]].str.strip().reset_index(drop=True)
    dup = sirens.duplicated(keep="first")
    if dup.any():
        i = int(dup.to_numpy().argmax())
        first = int(sirens[sirens == sirens[i]].index[0])
        raise ParseError(path, f"RRF des EPCI : SIREN en double (déjà ligne {first + 2})",
                         line=i + 2, value=sirens[i])
    return pd.Series(values, index=sirens.to_numpy(), dtype=float)


def load_amp(folder: str | Path, *, year: int = 2020,
             epci_rrf: float | None = None) -> SimulationInputs:
    """The AMP fixture (``finance/amp/``): 92 communes and the Métropole d'Aix-Marseille-
    Provence (SIREN 200054807), whose row carries its real DCRTP of 2016 and 2020
    (``dcrtp_2016``, ``dcrtp_2020`` columns; ``dcrtp`` = the one of ``year``). The
    communes' DCRTP is carried by the FPU métropole (IV-F): 0 on their rows. RRF and
    population from the DGCL extract ``data_mpm.csv`` (labels matched by official name)."""
    if year not in AMP_YEARS:
        raise InvalidParameterError(f"année {year} absente de l'extrait AMP (2016 ou 2020)")
    folder = Path(folder)
    rei_path, dgcl_path = folder / "REI_DOT_AMP_2020a1.csv", folder / "data_mpm.csv"
    for p in (rei_path, dgcl_path):
        if not p.exists():
            raise ParseError(p, "fichier de l'extrait AMP introuvable")
    rei = pd.read_csv(rei_path, sep=";", dtype=str, keep_default_na=False)
    cols = match_columns(rei.columns, {
        "code": (r"codgeo", True), "name": (r"commune", True),
        **{f"d{y}": (rf"dc?t?rtp_{y}", True) for y in AMP_YEARS}}, str(rei_path))
    ext = pd.read_csv(dgcl_path, dtype=str, keep_default_na=False)
    ecol = match_columns(ext.columns, {
        "code": (r"(informations generales - )?code insee (de la )?commune", True),
        "rrf": (r"(dotation forfaitaire - )?recettes reelles de fonctionnement des communes "
                r"n-2( pour (annee n|n|l'annee n))?", True),
        "population": (r"(informations generales - )?population dgf( (de l')?annee n'?)?",
                       True)}, str(dgcl_path))
    codes = rei[cols["code"]].str.strip().str.zfill(5)
    ext_codes = ext[ecol["code"]].str.strip().str.zfill(5)
    if list(codes) != list(ext_codes):
        raise ParseError(dgcl_path, "les communes ne sont pas celles de "
                         f"{rei_path.name} (même ordre attendu)")
    totals = {}
    for y in AMP_YEARS:
        vals = np.unique(_numbers(rei[cols[f"d{y}"]], str(rei_path), cols[f"d{y}"]))
        if len(vals) != 1:
            raise ParseError(rei_path, f"DCRTP {y} de la métropole non constante sur les "
                             f"lignes des communes ({len(vals)} valeurs)")
        totals[y] = float(vals[0])
    pop = _numbers(ext[ecol["population"]], str(dgcl_path), ecol["population"])
    rrf = _numbers(ext[ecol["rrf"]], str(dgcl_path), ecol["rrf"])
    n = len(codes)
    communes = pd.DataFrame({"level": "commune", "code": codes.to_numpy(dtype=str),
                             "name": rei[cols["name"]].to_numpy(dtype=str), "epci": AMP_SIREN,
                             "dcrtp": 0.0, "rrf": rrf, "population": pop,
                             "dsu_eligible": False, "dcrtp_2016": np.nan,
                             "dcrtp_2020": np.nan})
    metro = pd.DataFrame([{"level": "epci", "code": AMP_SIREN, "name": AMP_NAME,
                           "epci": AMP_SIREN, "dcrtp": totals[year],
                           "rrf": np.nan if epci_rrf is None else float(epci_rrf),
                           "population": float(np.nansum(pop)), "dsu_eligible": False,
                           "dcrtp_2016": totals[2016], "dcrtp_2020": totals[2020]}])
    notes = [f"extrait AMP : {n} communes ; DCRTP des communes portée par la métropole (FPU, "
             "IV-F), mise à 0 sur leurs lignes", "éligibilité à la DSU absente de l'extrait : "
             "aucune commune exonérée"]
    if epci_rrf is None:
        notes.append("RRF de la métropole non fournies : la clé légale ne peut pas être "
                     "calculée")
    return SimulationInputs(pd.concat([communes, metro], ignore_index=True),
                            {"source": ATTRIBUTION_AMP, "millesime": year, "fictif": False,
                             "notes": notes, "perimetre": "Métropole d'Aix-Marseille-Provence"})
