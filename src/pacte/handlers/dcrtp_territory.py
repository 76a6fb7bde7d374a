"""What a DCRTP cut costs one territory, on the real per-commune and per-EPCI amounts of the
OFGL REI (table ``ofgl_rei``, loaded by ``pacte fetch ofgl_rei`` then ``pacte build
--with-fetched``).

The cut is shared out nationally (every commune and EPCI of the REI), under every key whose
inputs are known, then the territory's part is read: its DCRTP history, its cut under each
key, and its « double peine » position (its share of the cut over its share of the
population, and the index of its quintile of industrial weight). Without the fetched file
there is no real amount per territory: :func:`finances_block` says so and how to get it, and
:func:`territory_dcrtp` raises a French DataError naming the two commands.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from pacte.errors import DataError, InvalidParameterError, UnknownTerritoryError
from pacte.finance import KEYS, simulate
from pacte.finance.burden import calc_quintiles, calc_territories
from pacte.finance.inputs import read_epci_rrf
from pacte.finance.law import load_law
from pacte.finance.territory import ATTRIBUTION_REI, base_year, calc_history, rei_inputs
from pacte.handlers.envelope import Answer, envelope
from pacte.handlers.finance import _json_safe, _store_weights

TABLE = "ofgl_rei"
HOW_TO = ("Les montants réels de DCRTP et de FNGIR par commune et par EPCI ne sont pas dans "
          "le store. Pour les obtenir (accès à Internet) : « pacte fetch ofgl_rei » puis "
          "« pacte build --with-fetched » (REI de la DGFiP diffusé par l'OFGL, Licence "
          "Ouverte / Etalab 2.0). Sans eux, « pacte simulate dcrtp » sans --territory est une "
          "démonstration sur données fictives.")
REAL = "données réelles"


def has_rei(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the store holds the fetched OFGL REI table."""
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE "
                            "table_name = ?", [TABLE]).fetchall()[0][0])


def _territory(con, code: str) -> tuple[str, str, str, list[str], str | None]:
    """(level, code, name, member communes, EPCI of the territory or None)."""
    code = str(code).strip()
    hit = next(iter(con.execute("SELECT code, name, epci FROM communes WHERE code = ?",
                                [code]).fetchall()), None)
    if hit:
        return "commune", hit[0], hit[1], [hit[0]], (hit[2] or None)
    hit = next(iter(con.execute("SELECT code, name FROM epci WHERE code = ?",
                                [code]).fetchall()), None)
    if hit:
        members = [r[0] for r in con.execute("SELECT code FROM communes WHERE epci = ? "
                                             "ORDER BY code", [code]).fetchall()]
        return "epci", hit[0], hit[1], members, hit[0]
    raise UnknownTerritoryError(code, None, [], detail=f"Territoire inconnu : {code!r} (code "
                                "commune INSEE ou SIREN d'EPCI attendu)")


def _commune_rrf(con) -> pd.Series | None:
    if not con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = "
                       "'dgcl_criteres'").fetchall()[0][0]:
        return None
    df = con.execute("SELECT commune, rrf FROM dgcl_criteres").df()
    return pd.Series(df["rrf"].to_numpy(float), index=df["commune"].astype(str))


def finances_block(con: duckdb.DuckDBPyConnection, code: str) -> dict:
    """The « Finances locales » block of a territory for the profile and the dashboard:
    ``available`` False with the French how-to (:data:`HOW_TO`) when the REI is not in the
    store; otherwise the DCRTP history and the cut of the law's last year under each key
    that can run (same figures as :func:`territory_dcrtp`)."""
    if not has_rei(con):
        return {"available": False, "title": "Finances locales", "message": HOW_TO,
                "donnees": None}
    ans = territory_dcrtp(con, code)
    return {"available": True, "title": "Finances locales", "message": None,
            "donnees": REAL, "territory": ans.data["territory"],
            "history": _json_safe(ans.data["history"].to_dict("records")),
            "keys": _json_safe(ans.data["keys"].to_dict("records")),
            "annee": ans.meta["annee"], "exercice_rei": ans.meta["exercice_rei"],
            "attribution": ans.meta["attribution"]}


def territory_dcrtp(con: duckdb.DuckDBPyConnection, code: str, year: int | None = None,
                    cut: float | None = None, stage: str | None = None,
                    epci_rrf: str | Path | None = None) -> Answer:
    """The DCRTP of territory ``code`` (commune or EPCI) and its cut of ``year``.

    ``data``: ``territory`` (dict: level, code, name, epci), ``history`` (DataFrame, one row
    per REI exercice: :func:`pacte.finance.territory.calc_history`), ``keys`` (one row per key
    that ran: ``key``, ``label``, ``national_cut``, ``dcrtp_before``, ``cut``,
    ``cut_share_dcrtp``, ``cut_share``, ``population_share``, ``double_peine``,
    ``industrial_quintile``, ``quintile_double_peine``), ``rows`` (the territory's entities,
    one ``cut_<key>`` column per key), ``skipped`` (key -> French reason).
    ``meta``: envelope, ``donnees_fictives`` False, ``donnees`` « données réelles », the
    REI exercice used as base, law parameters and warnings.
    """
    if not has_rei(con):
        raise DataError(HOW_TO)
    level, tcode, tname, members, epci = _territory(con, code)
    rei = con.execute(f"SELECT * FROM {TABLE}").df()
    law = load_law()
    cut_year = max(law.years) if year is None else int(year)
    law.check_year(cut_year)
    rei_year = base_year(rei["year"], cut_year)
    communes = con.execute("SELECT code, name, epci, population FROM communes").df()
    names = con.execute("SELECT code, name FROM epci").df()
    rrf = None
    if epci_rrf is not None:
        if not Path(epci_rrf).exists():
            raise InvalidParameterError(f"{epci_rrf} : fichier des RRF des EPCI introuvable")
        rrf = read_epci_rrf(epci_rrf)
    inputs, layout = rei_inputs(rei, rei_year, communes,
                                pd.Series(names["name"].to_numpy(), index=names["code"]),
                                _commune_rrf(con), rrf)
    industrial, vulnerability = _store_weights(con)
    quint = calc_quintiles(industrial)
    sims, skipped = {}, {}
    for key in KEYS:
        if key == "legal-exempt":
            skipped[key] = "demande une liste d'exonérations (pacte simulate dcrtp --key "
            skipped[key] += "legal-exempt --exempt ...)"
            continue
        try:
            sims[key] = simulate(inputs, year=cut_year, cut=cut, key=key, stage=stage,
                                 industrial=industrial, vulnerability=vulnerability, law=law)
        except InvalidParameterError as exc:
            skipped[key] = str(exc)
    if not sims:
        raise DataError("aucune clé de répartition n'a pu être calculée : "
                        + " ; ".join(f"{k} : {v}" for k, v in skipped.items()))
    ents = inputs.entities
    mine = ((ents["level"] == "epci") & (ents["code"] == tcode)) if level == "epci" else \
        ((ents["level"] == "commune") & (ents["code"] == tcode))
    if level == "epci":
        mine |= (ents["level"] == "commune") & (ents["epci"] == tcode)
    first = next(iter(sims.values()))
    rows = first.rows.loc[mine.to_numpy(), ["level", "code", "name", "epci", "dcrtp_before",
                                             "population"]].copy()
    records = []
    group = epci if epci is not None else tcode
    for key, sim in sims.items():
        rows[f"cut_{key}"] = sim.rows.loc[mine.to_numpy(), "cut"].to_numpy()
        terr = calc_territories(sim.rows)
        pop_total = float(terr["population"].sum())
        cut_total = float(sim.rows["cut"].sum())
        before = float(sim.rows.loc[mine.to_numpy(), "dcrtp_before"].sum())
        got = float(sim.rows.loc[mine.to_numpy(), "cut"].sum())
        pop = (float(terr.loc[tcode, "population"]) if level == "epci" and tcode in terr.index
               else float(np.nansum(rows.loc[rows["level"] == "commune", "population"])))
        q = quint.get(group) if group is not None else None
        qrow = sim.summary[(sim.summary["grouping"] == "industrial")
                           & (sim.summary["group"] == q)] if q else sim.summary.iloc[0:0]
        share = got / cut_total if cut_total else np.nan
        pshare = pop / pop_total if pop_total else np.nan
        records.append({
            "key": key, "label": KEYS[key], "national_cut": cut_total, "dcrtp_before": before,
            "cut": got, "cut_share_dcrtp": got / before if before else np.nan,
            "cut_share": share, "population_share": pshare,
            "double_peine": share / pshare if pshare else np.nan,
            "industrial_quintile": q,
            "quintile_double_peine": float(qrow["double_peine"].iloc[0]) if len(qrow)
            else np.nan})
    history = calc_history(rei, members, tcode if level == "epci" else None)
    meta = envelope(con, ["ofgl_rei", "rp"])
    sm = first.meta
    meta.update(_json_safe({
        "donnees": REAL, "donnees_fictives": False, "estampille": None,
        "annee": cut_year, "exercice_rei": rei_year, "minoration": sm["minoration"],
        "parametres": sm["parametres"], "tout_verifie": sm["tout_verifie"],
        "perimetre": inputs.meta["perimetre"], "cles_ignorees": skipped,
        "disposition_epci": (str(layout.loc[tcode, "layout"]) if level == "epci"
                             and tcode in layout.index else None),
        "avertissements": list(dict.fromkeys(w for s in sims.values()
                                             for w in s.meta["avertissements"])),
        "attribution": ATTRIBUTION_REI,
        "lecture": "double peine : part de la minoration du territoire / part de la "
                   "population ; au-dessus de 1, il porte plus que son poids démographique"}))
    data = {"territory": {"level": level, "code": tcode, "name": tname, "epci": epci},
            "history": history, "keys": pd.DataFrame(records), "rows": rows.reset_index(
                drop=True), "skipped": skipped}
    return Answer(data, meta)
