"""Figures of the candidate basins computed on aggregated counts, never on averaged shares.

* Job counts: each basin's (year x sector) job panel is the SUM of its member EPCI's panels
  (census and ESTEL, the sources of the default rule); a basin is missing for a year when a
  member is (the rule of :func:`pacte.geography.aggregate`: no partial sum shown as a total).
  Every indicator of the rule is then computed on these summed panels by the catalogue's own
  functions (:func:`pacte.engine.jobs.panel_values`): the industrial share of a basin
  is its industrial jobs over its jobs, its crisis loss the change of its summed industrial
  jobs, its peak the peak of its summed series.
* Score, rank, rank interval and tier: the whole composite index (:func:`pacte.targeting.index.
  calc_index`: imputation, winsorisation, normalisation, weights drawn by Monte Carlo)
  applied to the basins' matrix. Normalisation is therefore among the candidate basins: the
  basin's rank is its rank among basins, and its score is not on the EPCI scale. The draws
  perturb the method (weights, normalisation), not the census counts: the redrawing of
  census samples that the EPCI ranking may use is not applied to summed panels. The tier
  (retenu, incertain, écarté) is that of a programme of :func:`calc_basin_programme_size`
  basins, with the rule's thresholds.
* What is approximated: an indicator of the rule that is not a job series (a model's
  estimate) cannot be summed; it is left missing for basins and imputed by the rule's
  missing-value method, and :func:`calc_basin_matrix` says which.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from pacte.catalogue import INDICATORS, SERIES
from pacte.engine.jobs import Panel, load_panels, panel_values
from pacte.targeting.rule import Config


def calc_membership(members: pd.DataFrame, basin_codes, codes) -> np.ndarray:
    """(B, n) 0/1 matrix: basin b contains territory j (``members``: basin code, code)."""
    bpos = {b: i for i, b in enumerate(basin_codes)}
    cpos = {c: j for j, c in enumerate(codes)}
    M = np.zeros((len(bpos), len(cpos)))
    for b, c in zip(members["basin_code"], members["code"], strict=True):
        if c in cpos:
            M[bpos[b], cpos[c]] = 1.0
    return M


def calc_summed_panel(p: Panel, M: np.ndarray, basin_codes, basin_names) -> Panel:
    """The panel of basins: rows are sums of member rows (missing if any member is)."""
    X = np.nan_to_num(p.X)
    S = np.einsum("bn,ntk->btk", M, X)
    missing = np.einsum("bn,ntk->btk", M, np.isnan(p.X).astype(float)) > 0
    S[missing] = np.nan
    present = (M @ p.present.astype(float)) > 0
    b = len(basin_codes)
    return replace(p, level="bassin", codes=np.asarray(basin_codes, object),
                   names=np.asarray(basin_names, object), X=S, present=present,
                   mayotte=np.zeros(b, bool), flags=np.full(b, "", dtype=object))


def calc_basin_matrix(panels: dict[str, Panel], M: np.ndarray, basin_codes, basin_names,
                      config: Config) -> tuple[np.ndarray, list[str]]:
    """Raw matrix (B, p) of the rule's indicators for the basins, each spec's candidates
    (source, period) filling the gaps in order; and the French notes on what could not be
    computed from summed counts."""
    summed = {s: calc_summed_panel(p, M, basin_codes, basin_names) for s, p in panels.items()}
    X = np.full((len(basin_codes), len(config.specs)), np.nan)
    notes = []
    for j, spec in enumerate(config.specs):
        ind = INDICATORS[spec.id]
        done = False
        for source, period in spec.candidates:
            if source not in summed or source not in ind.sources:
                continue
            v = panel_values(summed[source], ind, period)
            X[:, j] = np.where(np.isnan(X[:, j]), v, X[:, j])
            done |= bool(np.isfinite(v).any())
        if not done:
            notes.append(f"{ind.label} : non agrégeable par somme (estimation d'un modèle), "
                         "valeur imputée selon la règle")
    return X, notes


def calc_basin_programme_size(epci_size: int, n_members) -> int:
    """The rule's programme of ``epci_size`` EPCI expressed in basins: divided by the mean
    number of members of a basin (at least 1)."""
    mean = float(np.mean(n_members)) if len(n_members) else 1.0
    return max(1, int(round(epci_size / mean)))


def load_epci_panels(con, config: Config) -> dict[str, Panel]:
    """EPCI job panels of the sources the rule reads (census, ESTEL...)."""
    wanted = [s for s in dict.fromkeys(src for spec in config.specs
                                       for src, _ in spec.candidates) if s in SERIES]
    return {p.series.id: p for p in load_panels(con, ["epci"], wanted) if p.level == "epci"}


def calc_industry_jobs(p: Panel, year: int | None = None) -> pd.DataFrame:
    """Industrial and total jobs of each panel row at ``year`` (default: its last year)."""
    t = len(p.years) - 1 if year is None else int(np.flatnonzero(p.years == year)[0])
    X = p.X[:, t]
    return pd.DataFrame({"code": p.codes, "industry_jobs": X[:, p.ind].sum(axis=1),
                         "jobs": X.sum(axis=1), "year": int(p.years[t])})
