"""Simulator inputs and a territory's DCRTP history from the OFGL REI rows (pure, no I/O).

The REI (DGFiP, published by the OFGL) gives every amount on a commune row, the EPCI's too
(« DCRTP / INTERCOMMUNALITÉ »). An EPCI's amount is published in one of two layouts:

- **repeated**: the EPCI's total on each member commune's row (the layout of the AMP extract
  compiled from the REI: 128,369,341 € on each of the 92 rows in 2020);
- **split**: each member's row carries its part, and the EPCI's amount is their sum.

:func:`calc_epci_amounts` tells them apart per EPCI and exercice: when every member row of
an EPCI with two rows or more carries the same non-zero value, the value is taken once;
otherwise the rows are summed. Each EPCI's layout is reported, so a reader can check it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pacte.errors import DataError
from pacte.finance.scenario import SimulationInputs
from pacte.finance.simulator import ENTITY_COLUMNS
from pacte.labels import plural

REPEATED, SPLIT = "répété sur chaque commune membre", "ventilé entre les communes membres"
ATTRIBUTION_REI = ("DGFiP, recensement des éléments d'imposition (REI), diffusé par l'OFGL "
                   "(data.ofgl.fr, jeu « rei »), Licence Ouverte / Etalab 2.0")


def calc_epci_amounts(epci: pd.Series, value: pd.Series) -> pd.DataFrame:
    """One amount per EPCI from its members' rows: ``epci`` (SIREN per commune row) and
    ``value`` (the EPCI variable as published on that row, NaN where absent).

    Returns a frame indexed by SIREN (sorted) with ``amount`` (euros), ``rows`` (member rows
    with a value) and ``layout`` (:data:`REPEATED` or :data:`SPLIT`). Rows without an EPCI
    (``""``) are ignored; an EPCI whose rows are all empty gets NaN.

    Example: values 600, 250, 150 on three rows -> 1,000 (split); 128,369,341 on 92 rows
    -> 128,369,341 (repeated).
    """
    frame = pd.DataFrame({"epci": epci.astype(str).to_numpy(),
                          "value": pd.to_numeric(value, errors="coerce").to_numpy(float)})
    frame = frame[frame["epci"].str.strip() != ""]
    g = frame.groupby("epci", sort=True)["value"]
    count = g.count()
    nunique = g.nunique()
    first = g.first()
    total = g.sum(min_count=1)
    repeated = (count >= 2) & (nunique == 1) & (first.fillna(0) != 0)
    return pd.DataFrame({"amount": total.where(~repeated, first), "rows": count,
                         "layout": np.where(repeated, REPEATED, SPLIT)})


def base_year(years, cut_year: int | None) -> int:
    """The REI exercice the cut applies to: ``cut_year`` when published, else the latest
    exercice before it, else the latest one. DataError when there is none."""
    years = sorted({int(y) for y in years})
    if not years:
        raise DataError("aucun exercice dans les données REI de l'OFGL")
    if cut_year is None:
        return years[-1]
    before = [y for y in years if y <= int(cut_year)]
    return before[-1] if before else years[-1]


def rei_inputs(rei: pd.DataFrame, year: int, communes: pd.DataFrame,
               epci_names: pd.Series | None = None, commune_rrf: pd.Series | None = None,
               epci_rrf: pd.Series | None = None, source: str = ATTRIBUTION_REI
               ) -> tuple[SimulationInputs, pd.DataFrame]:
    """(inputs, EPCI layouts) of the simulator for exercice ``year`` of the REI rows.

    ``rei``: the ``ofgl_rei`` table (:data:`pacte.sources.ofgl.COLUMNS`). ``communes``:
    ``code``, ``name``, ``epci``, ``population`` of the reference geography (the store's
    ``communes``): it gives populations, and the EPCI of a commune whose REI row names none.
    ``commune_rrf`` / ``epci_rrf``: RRF in euros by code (the legal key needs them; absent,
    the RRF are NaN and only the « dcrtp » and « population » keys can run).
    A commune's own DCRTP missing from the REI counts 0 (noted).
    """
    rows = rei[rei["year"].astype(int) == int(year)].copy()
    if rows.empty:
        raise DataError(f"aucune ligne REI pour l'exercice {year}")
    geo = communes.set_index(communes["code"].astype(str))
    code = rows["commune"].astype(str)
    epci = rows["epci_siren"].fillna("").astype(str).str.strip()
    epci = epci.where(epci != "", code.map(geo["epci"]).fillna(""))
    pop = code.map(geo["population"]).astype(float)
    names = rows["name"].where(rows["name"].fillna("") != "", code.map(geo["name"])).fillna("")
    own = rows["dcrtp"].astype(float)
    notes = []
    if own.isna().any():
        notes.append(f"{plural(int(own.isna().sum()), 'commune')} sans ligne « DCRTP / Commune » "
                     f"en {year} : DCRTP propre comptée à 0")
    if pop.isna().any():
        notes.append(f"{plural(int(pop.isna().sum()), 'commune')} du REI "
                     f"{'absentes' if pop.isna().sum() > 1 else 'absente'} de la géographie "
                     "de référence (COG 2025) : population inconnue")
    crrf = (code.map(commune_rrf).astype(float) if commune_rrf is not None
            else pd.Series(np.nan, index=rows.index))
    com = pd.DataFrame({"level": "commune", "code": code.to_numpy(), "name": names.to_numpy(),
                        "epci": epci.to_numpy(), "dcrtp": own.fillna(0.0).to_numpy(),
                        "rrf": crrf.to_numpy(), "population": pop.to_numpy(),
                        "dsu_eligible": False})
    layout = calc_epci_amounts(epci, rows["dcrtp_epci"])
    members = pd.Series(pop.to_numpy(), index=epci.to_numpy()).groupby(level=0).sum(
        min_count=1)
    ids = layout.index.astype(str)
    erff = (pd.Series(epci_rrf, dtype=float).reindex(ids).to_numpy()
            if epci_rrf is not None else np.full(len(ids), np.nan))
    ename = (pd.Series(epci_names).reindex(ids).fillna("").to_numpy(dtype=str)
             if epci_names is not None else np.full(len(ids), "", dtype=object))
    ep = pd.DataFrame({"level": "epci", "code": ids, "name": ename, "epci": ids,
                       "dcrtp": layout["amount"].fillna(0.0).to_numpy(),
                       "rrf": erff, "population": members.reindex(ids).to_numpy(),
                       "dsu_eligible": False})
    if commune_rrf is None or epci_rrf is None:
        notes.append("RRF des communes ou des EPCI non fournies : la clé légale ne peut pas "
                     "être calculée (clés « dcrtp » et « population » seulement)")
    notes.append("éligibilité à la DSU absente du REI : aucune commune exonérée")
    ents = pd.concat([com, ep], ignore_index=True)[ENTITY_COLUMNS]
    meta = {"source": source, "millesime": int(year), "fictif": False, "notes": notes,
            "perimetre": "REI (OFGL) : " + f"{len(com)} communes, {len(ep)} EPCI"}
    return SimulationInputs(ents, meta), layout


def calc_history(rei: pd.DataFrame, members: list[str], epci: str | None) -> pd.DataFrame:
    """DCRTP and FNGIR by exercice of a territory: its communes' own amounts (``members``:
    commune codes) and, for an EPCI (``epci`` SIREN), the EPCI's amount taken once
    (:func:`calc_epci_amounts`). Columns: ``year``, ``dcrtp_communes``, ``dcrtp_epci``,
    ``dcrtp_total``, ``fngir_net`` (reversements minus prélèvements, communes + EPCI),
    ``layout`` (of the EPCI's DCRTP)."""
    out = []
    for year, part in rei.groupby("year", sort=True):
        mine = part[part["commune"].astype(str).isin(members)]
        row = {"year": int(year), "dcrtp_communes": float(mine["dcrtp"].sum(min_count=1))
               if mine["dcrtp"].notna().any() else np.nan}
        fngir = (mine["fngir_reversement"].fillna(0).sum()
                 - mine["fngir_prelevement"].fillna(0).abs().sum())
        row["dcrtp_epci"], row["layout"] = np.nan, ""
        if epci is not None:
            rows = part[part["epci_siren"].astype(str) == epci]
            if not rows.empty:
                lay = calc_epci_amounts(rows["epci_siren"], rows["dcrtp_epci"])
                rev = calc_epci_amounts(rows["epci_siren"], rows["fngir_reversement_epci"])
                pre = calc_epci_amounts(rows["epci_siren"], rows["fngir_prelevement_epci"])
                row["dcrtp_epci"] = float(lay["amount"].iloc[0])
                row["layout"] = str(lay["layout"].iloc[0])
                fngir += np.nan_to_num(rev["amount"].iloc[0]) - abs(
                    np.nan_to_num(pre["amount"].iloc[0]))
        row["dcrtp_total"] = float(np.nansum([row["dcrtp_communes"], row["dcrtp_epci"]]))
        row["fngir_net"] = float(fngir)
        out.append(row)
    return pd.DataFrame(out, columns=["year", "dcrtp_communes", "dcrtp_epci", "dcrtp_total",
                                      "fngir_net", "layout"])
