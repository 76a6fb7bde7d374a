"""Plant closure / opening answers: jobs, output and value added affected in the territory
and in the rest of France, direct, indirect (supply chain) and induced (household spending),
over Flegg's delta band (:mod:`pacte.indicators.impact`, arrays from
:mod:`pacte.engine.impact`)."""

from __future__ import annotations

import math

import duckdb
import numpy as np
import pandas as pd

from pacte.engine import impact as eng
from pacte.errors import InvalidParameterError
from pacte.handlers.envelope import Answer, envelope
from pacte.indicators.impact import (
    AREAS,
    EFFECTS,
    calc_plant_impact,
    calc_plant_impact_reasons,
)
from pacte.labels import LEVEL_LABELS, fr_number
from pacte.store.queries import find_territory
from pacte.store.state import state_of

EFFECT_LABELS = {"direct": "direct", "indirect": "indirect (chaîne d'approvisionnement)",
                 "induced": "induit (dépenses des ménages)", "total": "total"}
AREA_LABELS = {"local": "territoire", "rest_of_france": "reste de la France",
               "france": "France entière"}
COLUMNS = ["delta", "effect", "effect_label", "area", "area_label", "jobs", "output",
           "value_added"]
UNITS = {"jobs": "emplois", "output": "millions d'euros (production)",
         "value_added": "millions d'euros (valeur ajoutée)"}
#: A17 codes merged into one sector of the model.
MERGED = {"C2": "C2DE", "DE": "C2DE"}
MODEL_NOTE = ("modèle entrées-sorties (Miller & Blair 2009, ch. 2, 6 et 7) : productivité et "
              "structure d'achats nationales (TRE 2010), tableau régional par quotients de "
              "localisation de Flegg (FLQ), ménages endogènes pour l'effet induit ; ordres de "
              "grandeur, sans effets de prix, de substitution ni de délai ; l'effet est "
              "proportionnel au nombre d'emplois")
DELTA_NOTE = ("fourchette sur le delta de Flegg ({band}), valeur centrale {delta} : bas de la "
              "fourchette publiée (0,1 à 0,4 ; Flegg & Webber 1997 retenaient 0,3 pour des "
              "régions bien plus grandes qu'un EPCI) ; plus delta est grand, plus la part des "
              "achats faite hors du territoire est grande ; paramètres datés avec leurs "
              "références : data/model_parameters.yaml ; emplois : personnes en emploi, "
              "arrondis à deux chiffres significatifs dans les tableaux")


def sector_choices(labels: dict[str, str]) -> str:
    return " ; ".join(f"{s} ({labels[s]})" for s in eng.SECTORS)


def check_sector(sector: str, labels: dict[str, str]) -> str:
    """The model's sector code for ``sector`` (case-insensitive; A17 C2 or DE -> C2DE);
    a French error listing the accepted sectors otherwise."""
    s = str(sector).strip().upper()
    s = MERGED.get(s, s)
    if s not in eng.SECTORS:
        raise InvalidParameterError(f"secteur inconnu : {sector!r} ; secteurs acceptés "
                                    f"(A17 du TRE 2010, C2 et DE regroupés) : "
                                    f"{sector_choices(labels)}")
    return s


def check_jobs(jobs: float) -> float:
    if isinstance(jobs, bool) or not isinstance(jobs, int | float | np.integer | np.floating):
        raise InvalidParameterError(f"--jobs doit être un nombre d'emplois (valeur : {jobs!r})")
    if not math.isfinite(jobs) or jobs == 0:
        raise InvalidParameterError("--jobs doit être un nombre d'emplois non nul, négatif "
                                    f"pour une fermeture (valeur : {jobs!r})")
    return float(jobs)


def check_closure(jobs: float, in_sector: float, sector: str, ter: dict, terr) -> None:
    """A closure cannot remove more jobs than the territory has in the sector (on the source
    the model describes it with): a French error giving both figures."""
    if jobs < 0 and -jobs > in_sector + 0.5:
        raise InvalidParameterError(
            f"fermeture de {fr_number(-jobs)} emplois impossible : {ter['name']} "
            f"({ter['code']}) compte {fr_number(in_sector)} emplois dans le secteur {sector} "
            f"({terr.source}, {terr.period}) ; indiquer au plus -{fr_number(in_sector)}")


def _long(table: pd.DataFrame) -> pd.DataFrame:
    """The model's table plus total rows (effect ``total``, area ``france``), labelled."""
    t = table[table["area"].isin(AREAS) & table["effect"].isin(EFFECTS)]
    keys = ["jobs", "output", "value_added"]
    tot = t.groupby(["delta", "area"], as_index=False, sort=False)[keys].sum()
    tot["effect"] = "total"
    both = pd.concat([t, tot], ignore_index=True)
    fr = both.groupby(["delta", "effect"], as_index=False, sort=False)[keys].sum()
    fr["area"] = "france"
    out = pd.concat([both, fr], ignore_index=True)
    order = {e: i for i, e in enumerate([*EFFECTS, "total"])}
    areas = {a: i for i, a in enumerate([*AREAS, "france"])}
    out = out.assign(_e=out["effect"].map(order), _a=out["area"].map(areas))
    out = out.sort_values(["delta", "_e", "_a"], ignore_index=True).drop(columns=["_e", "_a"])
    out["effect_label"] = out["effect"].map(EFFECT_LABELS)
    out["area_label"] = out["area"].map(AREA_LABELS)
    return out[COLUMNS]


def national(con: duckdb.DuckDBPyConnection) -> eng.NationalInputs:
    """The model's national arrays, fixed by the store: read once per process and store
    (about 0.1 s each time otherwise), shared read-only by every request."""
    def make() -> eng.NationalInputs:
        nat = eng.load_national(con)
        for value in vars(nat).values():
            if isinstance(value, np.ndarray):
                value.flags.writeable = False
        return nat

    return state_of(con).get("impact_national", make)


def territory_inputs(con: duckdb.DuckDBPyConnection, level: str, code: str
                     ) -> eng.TerritoryInputs | None:
    """The territory's sector structure (:func:`pacte.engine.impact.load_territory`), fixed
    by the store: read once per process, store and territory (its level's blocks cost about
    0.15 s each time otherwise), so that the same plant with another number of jobs (the
    dashboard, the API) is answered at once. Shared read-only."""
    def make() -> eng.TerritoryInputs | None:
        terr = eng.load_territory(con, level, code)
        if terr is not None:
            terr.E_region.flags.writeable = False
            terr.E_nation.flags.writeable = False
        return terr

    return state_of(con).get(("impact_territory", level, code), make)


def impact(con: duckdb.DuckDBPyConnection, code: str, sector: str, jobs: float,
           level: str | None = None) -> Answer:
    """Impact of ``jobs`` more (``< 0``: fewer) jobs in ``sector`` of the territory
    ``code``. ``data``: long DataFrame (:data:`COLUMNS`), one row per delta x effect
    (direct, indirect, induced, total) x area (local, rest_of_france, france); ``jobs`` in
    jobs, ``output`` and ``value_added`` in million EUR. ``meta``: the envelope plus the
    territory, the sector and its label, the delta band, resolution, sources and notes."""
    jobs = check_jobs(jobs)
    nat = national(con)
    labels = dict(zip(nat.sectors, nat.labels, strict=True))
    s = check_sector(sector, labels)
    ter = find_territory(con, code, level)
    if ter["level"] not in eng.LEVELS:
        lvl = LEVEL_LABELS.get(ter["level"], ter["level"])
        raise InvalidParameterError(
            f"pas de structure sectorielle de l'emploi au niveau « {lvl} » ({ter['name']}) ; "
            "niveaux possibles : " + ", ".join(eng.LEVELS))
    terr = territory_inputs(con, ter["level"], ter["code"])
    if terr is None:
        raise InvalidParameterError(f"{ter['name']} ({ter['code']}) : aucune structure "
                                    "sectorielle de l'emploi dans le store")
    i = nat.sectors.index(s)
    check_closure(jobs, float(terr.E_region[i]), f"{s} ({labels[s]})", ter, terr)
    jpo = nat.jobs_total  # persons employed, whatever source describes the territory
    why = calc_plant_impact_reasons(jpo, i)
    if why:
        raise InvalidParameterError(f"secteur {s} ({labels[s]}) : {why}")
    res = calc_plant_impact(terr.E_region, terr.E_nation, nat.A_nat, jpo,
                            nat.value_added_per_output, i, jobs, nat.income_coeffs,
                            nat.consumption_coeffs, deltas=nat.deltas,
                            household_delta=nat.household_delta)
    df = _long(res["table"])
    coarse = eng.resolution_note(terr)
    notes = list(terr.notes) + ([coarse] if coarse else [])
    sources = ["valuechain"] + (["urssaf"] if "URSSAF" in terr.source else [])
    meta = envelope(
        con, sources, territory={"level": ter["level"], "code": ter["code"],
                                 "name": ter["name"]},
        sector=s, sector_label=labels[s], jobs=jobs, deltas=list(res["deltas"]),
        delta_note=DELTA_NOTE.format(
            band=" ; ".join(fr_number(d, 2).rstrip("0").rstrip(",") for d in nat.deltas),
            delta=fr_number(nat.delta, 2).rstrip("0").rstrip(",")),
        units=UNITS, resolution=terr.resolution, source=terr.source,
        detail=eng.is_detail(terr), resolution_note=coarse,
        period=terr.period, salaried=terr.salaried, sector_jobs_local=float(terr.E_region[i]),
        jobs_per_output=float(jpo[i]), model=MODEL_NOTE, notes=notes,
        sectors=[{"code": c, "label": labels[c]} for c in nat.sectors])
    return Answer(df, meta)
