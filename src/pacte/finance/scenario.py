"""Entry points of the DCRTP simulator: :func:`simulate` and :func:`compare_keys`.

They read the law parameters (:mod:`pacte.finance.law`, cached after the first read), then
call the pure core (:mod:`pacte.finance.simulator`, :mod:`pacte.finance.burden`). Every
answer carries a ``meta`` dict: year, stage, key, the cut and where it comes from, every law
parameter used with its legal references and ``verified`` flag, French warnings
(``avertissements``) for what is unverified, and the « données fictives » stamp when the
inputs are fictional (also the answer's ``stamp``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from pacte.errors import InvalidParameterError
from pacte.finance.burden import GROUPINGS, calc_burden, calc_quintiles
from pacte.finance.law import STAGE_LABELS, Law, load_law
from pacte.finance.simulator import KEYS, Rules, calc_allocation, calc_rows, prepare, to_cents

FICTIONAL = "données fictives"
RULE_PARAMETERS = ("repartition.cle_categories", "repartition.assiette_categories",
                   "repartition.cle_interne", "repartition.annee_rrf",
                   "repartition.definition_rrf", "repartition.exoneration_dsu",
                   "repartition.plafond", "repartition.report_excedent",
                   "repartition.report_entre_categories", "fpu.report_dcrtp_epci")


@dataclass
class SimulationInputs:
    """Entities (:data:`pacte.finance.simulator.ENTITY_COLUMNS`) and their provenance:
    ``meta`` holds ``source``, ``millesime``, ``fictif`` (bool) and French ``notes``."""

    entities: pd.DataFrame
    meta: dict = field(default_factory=dict)


@dataclass
class Simulation:
    rows: pd.DataFrame  # one row per entity (simulator.ROW_COLUMNS)
    summary: pd.DataFrame  # burden.SUMMARY_COLUMNS
    totals: dict  # euros: target, cut, shortfall, exhausted, by level
    meta: dict
    stamp: str | None = None  # FICTIONAL when the inputs are fictional (meta "estampille")


@dataclass
class Comparison:
    simulations: dict[str, Simulation]
    rows: pd.DataFrame  # level, code, name, epci, dcrtp_before, then cut_<key> per key
    summary: pd.DataFrame  # grouping, group, population_share, then cut_share_<key> ...
    totals: pd.DataFrame  # one row per key
    meta: dict
    stamp: str | None = None  # FICTIONAL when the inputs are fictional (meta "estampille")


def _rules(law: Law, year: int) -> tuple[Rules, list]:
    used = [law.value(name, year) for name in RULE_PARAMETERS]
    by = {pv.name: pv.value for pv in used}
    rules = Rules(dsu_exempt=bool(by["repartition.exoneration_dsu"]),
                  redistribute=bool(by["repartition.report_excedent"]),
                  spill=bool(by["repartition.report_entre_categories"]))
    return rules, used


def _stamp(inputs: SimulationInputs) -> str | None:
    return FICTIONAL if inputs.meta.get("fictif") else None


def simulate(inputs: SimulationInputs, *, year: int | None = None, cut: float | None = None,
             key: str = "legal", exempt: Iterable[str] | None = None,
             industrial: pd.Series | None = None, vulnerability: pd.Series | None = None,
             stage: str | None = None, law: Law | None = None) -> Simulation:
    """Simulate the DCRTP cut of ``year`` (default: the last year of the parameters).

    ``cut`` in euros (default: the law's cut for ``year`` at ``stage``; ``stage`` ``None``
    = the law, or its bill fallback when the law's figure is unknown, e.g. 2026 -> PLF).
    ``key``: one of :data:`~pacte.finance.simulator.KEYS`. ``exempt``: codes for
    ``legal-exempt`` (an EPCI code exempts the EPCI and its communes). ``industrial`` and
    ``vulnerability``: Series keyed by EPCI code; they give the quintile rows of the summary,
    and ``industrial`` is required by ``spare-industrial`` (its Q5 is spared).
    """
    law = law or load_law()
    year = max(law.years) if year is None else int(year)
    law.check_year(year)
    if key not in KEYS:
        raise InvalidParameterError(f"clé inconnue : « {key} » ; clés possibles : "
                                    + ", ".join(KEYS))
    rules, used = _rules(law, year)
    warnings = [pv.note for pv in used if not pv.verified and pv.note]
    if cut is None:
        pv = law.cut(year, stage)
        target, cut_meta = int(round(float(pv.value) * 100)), pv.as_dict()
        used.append(pv)
        if not pv.verified and pv.note:
            warnings.insert(0, pv.note)
        rng = law.bill_range(year)
        if rng:
            cut_meta["fourchette_projets"] = list(rng)
    else:
        target = int(to_cents([float(cut)])[0])
        cut_meta = {"valeur": target / 100, "source": "saisie par l'utilisateur"}
    exempt_codes: list[str] = []
    if key == "legal-exempt":
        if exempt is None:
            raise InvalidParameterError("la clé « legal-exempt » demande une liste "
                                        "d'exonérations (codes commune ou EPCI)")
        exempt_codes = [str(c).strip() for c in exempt if str(c).strip()]
        known = pd.Index(inputs.entities["code"].astype(str))
        unknown = [c for c in exempt_codes if c not in known]
        if unknown:
            warnings.append(f"{len(unknown)} code(s) de la liste d'exonérations absent(s) des "
                            f"entrées (par exemple {', '.join(unknown[:5])})")
    if key == "spare-industrial":
        if industrial is None:
            raise InvalidParameterError("la clé « spare-industrial » demande le poids de "
                                        "l'industrie de chaque EPCI")
        q = calc_quintiles(industrial)
        exempt_codes = sorted(q.index[q == "Q5"])

    ents = prepare(inputs.entities)
    alloc = calc_allocation(ents, target, key, rules=rules, exempt=exempt_codes)
    rows = calc_rows(ents, alloc)
    summary = calc_burden(rows, {"industrial": industrial, "vulnerability": vulnerability})
    if key in ("legal", "legal-exempt", "spare-industrial") and rules.dsu_exempt and \
            not ents.dsu.any():
        warnings.append("aucune commune éligible à la DSU dans les entrées : aucune "
                        "exonération DSU appliquée")
    if alloc.shortfall:
        warnings.append(f"toute la DCRTP est épuisée : {alloc.shortfall / 100:,.2f} € de la "
                        "minoration ne peuvent être répartis".replace(",", " "))
    warnings.extend(inputs.meta.get("notes", []))
    totals = {"target": target / 100, "cut": (target - alloc.shortfall) / 100,
              "shortfall": alloc.shortfall / 100, "exhausted": alloc.shortfall > 0,
              "dcrtp_before": float(rows["dcrtp_before"].sum()),
              "pools": {p: {k: v / 100 for k, v in d.items()} for p, d in alloc.pools.items()},
              "n_cut": int((alloc.cents > 0).sum()), "n_exempt": int(alloc.exempt.sum())}
    stamp = _stamp(inputs)
    meta = {"annee": year, "stade": stage or "lfi", "stade_libelle":
            STAGE_LABELS.get(stage or "lfi"), "cle": key, "cle_libelle": KEYS[key],
            "minoration": cut_meta, "exonerations": exempt_codes,
            "parametres": [pv.as_dict() for pv in used],
            "verified": {pv.name: pv.verified for pv in used},
            "tout_verifie": all(pv.verified for pv in used), "avertissements": warnings,
            "estampille": stamp, "donnees_fictives": stamp is not None,
            "entrees": dict(inputs.meta), "parts": "fractions (0,25 = 25 %)",
            "arrondi": "au centime ; somme exacte (méthode du diviseur de Sainte-Laguë)",
            "regroupements": {g: GROUPINGS[g] for g in GROUPINGS},
            "source_parametres": law.source}
    return Simulation(rows, summary, totals, meta, stamp)


def compare_keys(inputs: SimulationInputs, *, keys: Iterable[str] | None = None,
                 year: int | None = None, cut: float | None = None,
                 exempt: Iterable[str] | None = None, industrial: pd.Series | None = None,
                 vulnerability: pd.Series | None = None, stage: str | None = None,
                 law: Law | None = None) -> Comparison:
    """Run :func:`simulate` under several keys (default: every key whose inputs are given)
    and put cuts and burden shares side by side."""
    law = law or load_law()
    skipped: dict[str, str] = {}
    if keys is None:
        keys = list(KEYS)
        if exempt is None:
            keys.remove("legal-exempt")
            skipped["legal-exempt"] = "pas de liste d'exonérations"
        if industrial is None:
            keys.remove("spare-industrial")
            skipped["spare-industrial"] = "pas de poids de l'industrie par EPCI"
    keys = list(keys)
    sims = {k: simulate(inputs, year=year, cut=cut, key=k, exempt=exempt,
                        industrial=industrial, vulnerability=vulnerability, stage=stage,
                        law=law) for k in keys}
    first = sims[keys[0]]
    rows = first.rows[["level", "code", "name", "epci", "dcrtp_before"]].copy()
    for k, s in sims.items():
        rows[f"cut_{k}"] = s.rows["cut"].to_numpy()
    base = first.summary[["grouping", "group", "population", "population_share"]].copy()
    for k, s in sims.items():
        base[f"cut_share_{k}"] = s.summary["cut_share"].to_numpy()
        base[f"double_peine_{k}"] = s.summary["double_peine"].to_numpy()
    totals = pd.DataFrame([{"key": k, **{t: v for t, v in s.totals.items() if t != "pools"}}
                           for k, s in sims.items()])
    stamp = _stamp(inputs)
    meta = dict(first.meta)
    meta.update({"cles": keys, "cles_ignorees": skipped, "estampille": stamp})
    meta.pop("cle", None)
    meta.pop("cle_libelle", None)
    return Comparison(sims, rows, base, totals, meta, stamp)
