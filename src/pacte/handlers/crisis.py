"""The 2008-2012 crisis of one EPCI, industry by industry, from the URSSAF APE detail.

URSSAF covers 2006-2022, so the crisis window is the one of ESTEL and of the quarterly
series (31/12/2008 -> 31/12/2012), not the census's 2006-2011. Each industry's change is
split by the classical shift-share (Dunn 1960, :func:`pacte.indicators.shiftshare.
calc_shift_share`) against the change of the same industry in all the territories of the
file: a national reference only when the file is the national one (otherwise NaN, said).
URSSAF counts private salaried jobs only (no public sector, farming or self-employed).

Without the APE detail for the territory (the bundled extract covers the Rouen zone only),
the answer is empty and its ``resolution_note`` says which coarse measure stands in and how
to get the detail.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from pacte.errors import InvalidParameterError
from pacte.handlers.diversify import MIN_COVERAGE, national_coverage
from pacte.handlers.envelope import Answer, envelope
from pacte.indicators.shiftshare import calc_shift_share
from pacte.store.queries import find_territory

CRISIS = (2008, 2012)
#: Nomenclatures: id -> (column of ``naf``, label column, French name).
SCHEMES = {"ape": ("ape", "libelle_sous_classe", "732 codes APE"),
           "a88": ("division_a88", "libelle_division", "88 divisions NAF (A88) des codes APE")}
COLUMNS = ["industry", "label", "jobs_start", "jobs_end", "change", "change_rel",
           "national_growth", "national_share", "industrial_mix", "regional_shift"]
NO_DETAIL = ("pas de détail URSSAF par code APE pour ce territoire : la crise n'y est mesurée "
             "que globalement, par une mesure grossière (recensement 2006-2011, fonction "
             "« fabrication » ; ESTEL 2008-2012 en 5 secteurs pour les zones d'emploi) ; le "
             "fichier national URSSAF (« pacte fetch urssaf_commune_ape » puis « pacte build "
             "--with-fetched ») donne la crise 2008-2012 de chaque EPCI par code APE (emploi "
             "salarié privé)")
NO_REFERENCE = ("pas de référence nationale : le fichier URSSAF du store ne couvre pas la France "
                "(extrait local) ; décomposition non calculée")


def _jobs(con, scheme: str, code: str | None) -> pd.DataFrame:
    """Industry x year jobs (columns 2008, 2012) of EPCI ``code``, or of all EPCI (None)."""
    col = SCHEMES[scheme][0]
    where, params = ("AND j.code = ?", [code]) if code is not None else ("", [])
    df = con.execute(f"""SELECT n.{col} AS industry, j.year, sum(j.jobs) AS jobs
                         FROM jobs j JOIN naf n ON n.ape = j.sector
                         WHERE j.source = 'urssaf' AND j.level = 'epci' AND j.year IN (?, ?)
                         {where} GROUP BY ALL""", [*CRISIS, *params]).df()
    wide = df.pivot_table(index="industry", columns="year", values="jobs", aggfunc="sum")
    return wide.reindex(columns=list(CRISIS)).fillna(0.0)


def calc_crisis_table(own: pd.DataFrame, france: pd.DataFrame | None) -> pd.DataFrame:
    """One territory's rows (:data:`COLUMNS` but the label) from its industry x (start, end)
    jobs ``own``; the shift-share (Dunn) against ``france`` (the same for the reference,
    every territory summed), NaN where None. Industries with no job at both dates left out;
    largest loss first."""
    inds = own.index if france is None else own.index.union(france.index)
    e = own.reindex(inds).fillna(0.0).to_numpy(float)
    e0, e1 = e[:, 0], e[:, 1]
    out = pd.DataFrame({"industry": inds.astype(str), "jobs_start": e0, "jobs_end": e1,
                        "change": e1 - e0})
    with np.errstate(divide="ignore", invalid="ignore"):
        out["change_rel"] = np.where(e0 > 0, 100 * (e1 - e0) / e0, np.nan)
    if france is not None:
        r = france.reindex(inds).fillna(0.0).to_numpy(float)
        ss = calc_shift_share(e0[None], e1[None], r[:, 0], r[:, 1])
        out["national_growth"] = 100 * ss.sector_growth
        out["national_share"] = ss.national_share[0]
        out["industrial_mix"] = ss.industrial_mix[0]
        out["regional_shift"] = ss.regional_shift[0]
    else:
        for c in ("national_growth", "national_share", "industrial_mix", "regional_shift"):
            out[c] = np.nan
    keep = (out["jobs_start"] != 0) | (out["jobs_end"] != 0)
    return out[keep].sort_values(["change", "industry"]).reset_index(drop=True)


def crisis_industries(con: duckdb.DuckDBPyConnection, code: str, industries: str = "a88",
                      top: int | None = None) -> Answer:
    """The 2008-2012 change of each industry of EPCI ``code`` (largest loss first; the
    ``top`` first if given): ``data`` (:data:`COLUMNS`; jobs and effects in jobs, rates in
    %); ``meta``: the envelope, ``resolution``, ``detail`` (APE detail or not),
    ``resolution_note`` (why the coarse measure stands in), ``reference``."""
    if industries not in SCHEMES:
        raise InvalidParameterError(f"nomenclature inconnue : « {industries} » (possibles : "
                                    f"{', '.join(SCHEMES)})")
    ter = find_territory(con, code, "epci")
    own = _jobs(con, industries, ter["code"])
    period = f"{CRISIS[0]}-{CRISIS[1]}"
    base = {"territory": {"level": "epci", "code": ter["code"], "name": ter["name"]},
            "period": period}
    if not (own.sum(axis=0) > 0).all():  # no APE detail at both dates
        meta = envelope(con, ["urssaf"], **base, detail=False, resolution=None,
                        resolution_note=NO_DETAIL, reference=None)
        return Answer(pd.DataFrame({c: [] for c in COLUMNS}), meta)
    national = national_coverage(con) >= MIN_COVERAGE
    df = calc_crisis_table(own, _jobs(con, industries, None) if national else None)
    col, label, name = SCHEMES[industries]
    labels = con.execute(f"SELECT DISTINCT {col} AS industry, {label} AS label FROM naf").df()
    df.insert(1, "label", df["industry"].map(
        labels.drop_duplicates("industry").set_index("industry")["label"]))
    if top is not None:
        df = df.head(top)
    meta = envelope(
        con, ["urssaf"], **base, detail=True, resolution_note="",
        resolution=f"{name}, URSSAF, emploi salarié privé au 31/12 (sans l'emploi public, "
                   "agricole et non salarié)",
        reference=("somme de tous les EPCI du fichier national URSSAF (analyse structurelle-"
                   "résiduelle de Dunn 1960 : effet national, de structure, local)"
                   if national else NO_REFERENCE),
        units={"jobs": "emplois", "rates": "%"})
    return Answer(df[COLUMNS].reset_index(drop=True), meta)
