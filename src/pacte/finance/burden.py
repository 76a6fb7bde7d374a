"""Who bears a DCRTP cut: shares of the cut by quintile of territories (pure, no I/O).

A territory is an EPCI with its member communes (a commune in no EPCI is its own
territory). Quintiles are quintiles of EPCI (equal counts), Q1 = lowest value, Q5 = highest
(most industrial, most vulnerable); ties are broken by EPCI code so the grouping does not
depend on row order. The *double peine* index of a group is its share of the cut divided by
its share of the population: above 1, the group bears more than its demographic weight.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Grouping id -> French label.
GROUPINGS = {"total": "ensemble", "industrial": "poids de l'industrie",
             "vulnerability": "score de vulnérabilité"}
UNCLASSIFIED = "non classé"
SUMMARY_COLUMNS = ["grouping", "group", "n_territories", "population", "population_share",
                   "dcrtp_before", "cut", "cut_share", "double_peine", "cut_per_inhabitant",
                   "cut_share_dcrtp"]


def calc_quintiles(values: pd.Series) -> pd.Series:
    """EPCI code -> "Q1".."Q5" by equal-count quintiles of ``values`` (NaN dropped)."""
    v = pd.Series(values, dtype="float64").dropna()
    if v.empty:
        return pd.Series(dtype="str")
    codes = v.index.astype(str).to_numpy(dtype=object)
    order = np.lexsort((codes, v.to_numpy()))
    q = (np.arange(len(v)) * 5) // len(v) + 1
    labels = np.array(["Q1", "Q2", "Q3", "Q4", "Q5"], dtype=object)[q - 1]
    return pd.Series(labels, index=pd.Index(codes[order], dtype=object), dtype=object)


def territory_of(rows: pd.DataFrame) -> np.ndarray:
    """Territory code of each row: the EPCI for communes in one, else the row's own code."""
    epci = rows["epci"].fillna("").to_numpy(dtype=object)
    code = rows["code"].to_numpy(dtype=object)
    return np.where(epci != "", epci, code)


def calc_territories(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per territory (sorted by code): population (the EPCI's, else the commune's),
    DCRTP before, cut (euros). Built from the per-entity table of the simulator."""
    terr = territory_of(rows)
    ids, uniq = pd.factorize(terr, sort=True)
    is_epci = rows["level"].to_numpy(dtype=object) == "epci"
    has_epci_row = np.zeros(len(uniq), dtype=bool)
    has_epci_row[ids[is_epci]] = True
    counted = is_epci | ~has_epci_row[ids]  # the EPCI row, or a commune in no EPCI row
    pop = np.where(counted, np.nan_to_num(rows["population"].to_numpy(dtype=float)), 0.0)
    n = len(uniq)
    cut = np.bincount(ids, weights=rows["cut_cents"].to_numpy(dtype=float), minlength=n)
    return pd.DataFrame({
        "population": np.bincount(ids, weights=pop, minlength=n),
        "dcrtp_before": np.bincount(ids, weights=rows["dcrtp_before"].to_numpy(dtype=float),
                                    minlength=n),
        "cut_cents": cut, "cut": cut / 100.0},
        index=pd.Index(uniq, dtype=object, name="territory"))


def calc_burden(rows: pd.DataFrame, groupings: dict[str, pd.Series] | None = None
                ) -> pd.DataFrame:
    """The summary table (:data:`SUMMARY_COLUMNS`): one "total/ensemble" row, then for each
    grouping (id -> Series EPCI code -> value) its five quintiles and the unclassified
    territories. Shares are fractions over all territories."""
    terr = calc_territories(rows)
    cols = {c: terr[c].to_numpy() for c in ("population", "dcrtp_before", "cut_cents")}
    parts = [_groups(cols, np.zeros(len(terr), dtype=np.int64), ["ensemble"], "total")]
    names = [f"Q{i}" for i in range(1, 6)] + [UNCLASSIFIED]
    for gid, values in (groupings or {}).items():
        if values is None:
            continue
        q = calc_quintiles(values)
        pos = pd.Index(q.index, dtype=object).get_indexer(terr.index)
        ids = np.where(pos >= 0, pd.Index(names).get_indexer(q.to_numpy()[pos]), 5)
        parts.append(_groups(cols, ids, names, gid))
    out = pd.DataFrame({k: np.concatenate([p[k] for p in parts]) for k in parts[0]})
    tot_pop, tot_cut = cols["population"].sum(), cols["cut_cents"].sum()  # exact integers
    cents = out.pop("cut_cents").to_numpy()
    out["cut"] = cents / 100.0
    with np.errstate(divide="ignore", invalid="ignore"):
        out["population_share"] = out["population"] / tot_pop if tot_pop else np.nan
        out["cut_share"] = cents / tot_cut if tot_cut else np.nan
        out["double_peine"] = np.where(out["population_share"] > 0,
                                       out["cut_share"] / out["population_share"], np.nan)
        out["cut_per_inhabitant"] = np.where(out["population"] > 0,
                                             out["cut"] / out["population"], np.nan)
        out["cut_share_dcrtp"] = np.where(out["dcrtp_before"] > 0,
                                          out["cut"] / out["dcrtp_before"], np.nan)
    return out[SUMMARY_COLUMNS]


def _groups(cols: dict[str, np.ndarray], ids: np.ndarray, names: list[str], gid: str) -> dict:
    n = len(names)
    out = {"grouping": np.full(n, gid, dtype=object), "group": np.array(names, dtype=object),
           "n_territories": np.bincount(ids, minlength=n).astype("int64")}
    for col, values in cols.items():
        out[col] = np.bincount(ids, weights=values, minlength=n)
    keep = (out["group"] != UNCLASSIFIED) | (out["n_territories"] > 0)
    return {k: v[keep] for k, v in out.items()}
