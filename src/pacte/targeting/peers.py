"""The default comparison group of a territory: territories similar in size and nature as
well as in profile (a 500,000-inhabitant métropole is read against métropoles and large
agglomérations, not against rural communautés de communes that happen to share its profile).

One rule for every output (the ranking's ``peers`` column read by ``pacte show``, the
profile, the anchoring table, the dashboard and the API's comparison groups):

- candidates of the same kind (EPCI: the same nature class, a métropole read with the
  communautés urbaines; other levels: the same type of area) whose population is within a
  factor 2, widened to a factor 3, then to any kind, until ``n`` qualify (``n_min`` suffice
  within a factor 3); the largest territory, with no one of its size, gets the ``n_min``
  nearest in population;
- among them, the nearest on the standardised dimension scores of the index and the log of
  the population (Euclidean distance), the population gap breaking ties.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

#: EPCI natures read together: a métropole and a communauté urbaine are both large cities.
NATURE_CLASS = {"ME": "ME/CU", "CU": "ME/CU", "CA": "CA", "CC": "CC"}
NATURE_LABELS = {"ME/CU": "métropoles et communautés urbaines",
                 "CA": "communautés d'agglomération", "CC": "communautés de communes"}
#: Fewest similar territories accepted within a factor 3 of the population.
N_MIN = 5


def calc_similar(pop: pd.Series, own: str, same_kind: pd.Series, profile: pd.DataFrame | None,
                 n: int = 10, n_min: int = N_MIN) -> list[str]:
    """Codes of the (at most ``n``) territories nearest to ``own``: of the same kind
    (``same_kind`` True) and population within a factor 2, widened to a factor 3, then to
    any kind, until ``n`` qualify (``min(n, n_min)`` suffice within a factor 3); else the
    ``n_min`` nearest in population. Among them, the nearest on the standardised ``profile``
    columns (if given) and log population, the population gap breaking ties. ``pop`` is
    indexed by code."""
    n_min = min(n, n_min)
    logp = np.log(pop.clip(lower=1.0))
    gap = (logp - logp[own]).abs()
    others = pop.index != own
    kind_ok = same_kind.reindex(pop.index).fillna(False).to_numpy(dtype=bool)
    cand = None
    for factor, kind, need in ((2, True, n), (3, True, n), (3, False, n), (3, True, n_min),
                               (3, False, n_min)):
        ok = others & (gap <= math.log(factor)).to_numpy() & (kind_ok if kind else True)
        if ok.sum() >= need:
            cand = pop.index[ok]
            break
    if cand is None:  # nobody of this size (the largest métropole): the nearest in size
        cand = gap[others].sort_values(kind="stable").index[:n_min]
    feats = pd.DataFrame({"logp": logp})
    if profile is not None and not profile.empty:
        feats = feats.join(profile, how="left")
    z = (feats - feats.mean()) / feats.std(ddof=0).replace(0, 1)
    z = z.fillna(0.0)
    dist = np.sqrt(((z.loc[cand] - z.loc[own]) ** 2).sum(axis=1))
    order = pd.DataFrame({"d": dist, "g": gap[cand]}).sort_values(["d", "g"], kind="stable")
    return [str(c) for c in order.index[:n]]


def calc_kind(nature: pd.Series, area_type: pd.Series, own: str, level: str) -> pd.Series:
    """True where a territory is of the same kind as ``own``: nature class for EPCI, type of
    area (rural / urbain) at the other levels."""
    if level == "epci":
        cls = nature.map(NATURE_CLASS)
        return cls == NATURE_CLASS.get(nature.get(own))
    return area_type == area_type.get(own)


def calc_peer_lists(codes: pd.Series, population: pd.Series, nature: pd.Series,
                    area_type: pd.Series, dims: np.ndarray, level: str, n: int) -> list[str]:
    """The comparison group of every territory (comma-separated codes, in ``codes`` order):
    the rule of :func:`calc_similar` with the dimension scores ``dims`` (territories x
    dimensions) as the profile, vectorised (standardisation once, one pass per territory
    on arrays). ``n = 0`` gives empty groups."""
    code = codes.astype(str).to_numpy()
    m = len(code)
    if n <= 0 or m < 2:
        return [""] * m
    n_min = min(n, N_MIN)
    logp = np.log(np.clip(np.nan_to_num(population.to_numpy(dtype=float)), 1.0, None))
    kind = (nature.map(NATURE_CLASS) if level == "epci" else area_type).astype(str).to_numpy()
    feats = np.column_stack([logp, np.asarray(dims, dtype=float).reshape(m, -1)])
    sd = feats.std(axis=0)
    z = (feats - np.nanmean(feats, axis=0)) / np.where(sd == 0, 1.0, sd)
    z = np.nan_to_num(z)
    lf2, lf3 = math.log(2), math.log(3)
    stages = ((lf2, True, n), (lf3, True, n), (lf3, False, n), (lf3, True, n_min),
              (lf3, False, n_min))
    kind = np.unique(kind, return_inverse=True)[1].ravel()  # integers compare faster
    out = []
    # by blocks of rows, the candidates of every stage at once (matrices block x m), and
    # only the candidates at or below the n-th smallest distance sorted (a stable sort of
    # them in row order gives the same first n): 0.12 -> 0.03 s for the EPCI, where one
    # pass per territory ran 15 array operations; the gaps and distances are computed
    # with the per-territory arithmetic (the sum of the squares in column order)
    for lo in range(0, m, _BLOCK):
        rows = np.arange(lo, min(lo + _BLOCK, m))
        gap = np.abs(logp[None, :] - logp[rows, None])
        others = np.arange(m)[None, :] != rows[:, None]
        same = kind[None, :] == kind[rows, None]
        near = {lim: others & (gap <= lim) for lim in (lf2, lf3)}
        chosen = np.full((len(rows), m), False)
        found = np.zeros(len(rows), bool)
        for lim, k, need in stages:
            ok = near[lim] & same if k else near[lim]
            hit = ~found & (ok.sum(axis=1) >= need)
            chosen[hit] = ok[hit]
            found |= hit
        for r in np.flatnonzero(~found):  # nobody of this size: the nearest in size
            rest = np.flatnonzero(others[r])
            chosen[r, rest[np.argsort(gap[r, rest], kind="stable")[:n_min]]] = True
        sq = (z[None, :, 0] - z[rows, None, 0]) ** 2
        for j in range(1, z.shape[1]):
            sq += (z[None, :, j] - z[rows, None, j]) ** 2
        dist = np.where(chosen, np.sqrt(sq), np.inf)
        kth = min(n, m) - 1
        bound = np.partition(dist, kth, axis=1)[:, kth:kth + 1]
        keep = chosen & (dist <= bound)
        for r in range(len(rows)):
            cand = np.flatnonzero(keep[r])
            order = np.lexsort((gap[r, cand], dist[r, cand]))[:n]
            out.append(", ".join(code[cand[order]]))
    return out


#: Rows of :func:`calc_peer_lists`'s blocks (block x territories x features floats).
_BLOCK = 128


def similar_peers(con, level: str, ranked: pd.DataFrame, dims: np.ndarray, n: int
                  ) -> list[str]:
    """:func:`calc_peer_lists` for the ranked territories (``ranked``: code, population,
    area_type, in the order of ``dims``' rows), their nature read from the store."""
    nat = dict(con.execute("SELECT code, nature FROM territory WHERE level = ?",
                           [level]).fetchall())
    nature = ranked["code"].map(nat)
    return calc_peer_lists(ranked["code"], ranked["population"], nature,
                           ranked["area_type"], dims, level, n)
