"""Candidate industrial basins: contiguous groupings of 1 to 4 EPCI grown from the High-High
clusters of the vulnerability score (a documented greedy regionalisation).

Method (:func:`calc_basins`), deterministic for a seed:

1. **Eligible EPCI**: a score, and a nature not excluded (métropoles by default).
2. **Order**: by score, highest first; EPCI of equal score are ordered by a permutation
   drawn from ``numpy.random.default_rng(seed)`` (the seed's only use).
3. **Seeds**: the eligible EPCI of the High-High local Moran cluster (LISA), in that order;
   then the eligible EPCI among the ``seed_top_share`` highest scores that no High-High
   basin took (an isolated industrial pole among low-scoring neighbours, such as the Arve
   valley, is not a cluster but is what a programme looks for).
4. **Growth** from each seed not yet in a basin: while the basin misses a threshold
   (population, industrial jobs, member count) and has fewer than ``max_members`` members,
   add the unassigned eligible neighbour (queen contiguity, of any member) with the highest
   score. Every member added touches the basin: a basin is contiguous by construction.
5. **Acceptance**: a basin that reaches every threshold is kept; it then absorbs its
   unassigned High-High neighbours (highest score first) while it has room, so that a
   cluster is not cut in two. A seed that cannot reach the thresholds (an island, a High-High
   EPCI hemmed in by métropoles or by basins already formed) yields no basin, and is reported.
   ``max_population``, when set, is never exceeded by an addition.

Each EPCI belongs to at most one basin; an EPCI outside every basin is simply not proposed.
The result is a proposal for discussion, never a perimeter: the programme's territories are
formed by local agreement, and this method knows only contiguity, counts and the score.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pacte.spatial.params import BasinParams
from pacte.spatial.weights import Contiguity

#: Why a High-High seed gave no basin (French, shown to users).
FAILED_SEED = "seuils non atteints avec {max} EPCI voisins disponibles au plus"


def calc_order(score: np.ndarray, seed: int) -> np.ndarray:
    """Examination order: score descending, ties by a seeded permutation (positions)."""
    score = np.asarray(score, float)
    tie = np.random.default_rng(seed).permutation(len(score))
    key = np.where(np.isfinite(score), -score, np.inf)
    return np.lexsort((tie, key))


def calc_basins(cont: Contiguity, score, cluster, population, industry_jobs, nature,
                params: BasinParams) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(members, failed). ``members``: one row per EPCI in a basin, columns ``basin``
    (1, 2... in order of formation), ``code``, ``role`` (``amorce`` or ``membre``),
    ``joined`` (order of entry). ``failed``: seeds without a basin (``code``, ``reason``).
    Arrays are aligned on ``cont.codes``."""
    codes = list(cont.codes)
    score = np.asarray(score, float)
    pop = np.nan_to_num(np.asarray(population, float))
    ind = np.nan_to_num(np.asarray(industry_jobs, float))
    cluster = np.asarray(cluster, dtype=object)
    eligible = np.isfinite(score) & ~np.isin(np.asarray(nature, dtype=object),
                                             list(params.exclude_natures))
    order = calc_order(score, params.seed)
    position = np.empty(len(codes), int)
    position[order] = np.arange(len(codes))
    index = {c: i for i, c in enumerate(codes)}
    assigned = np.zeros(len(codes), bool)

    def meets(members: list[int]) -> bool:
        p = pop[members].sum()
        return (len(members) >= params.min_members and p >= params.min_population
                and ind[members].sum() >= params.min_industry_jobs
                and (params.max_population is None or p <= params.max_population))

    def best_neighbour(members: list[int], only_hh: bool) -> int | None:
        inside = set(members)
        cand = {index[n] for m in members for n in cont.neighbours[codes[m]]
                if n in index} - inside
        ok = [j for j in cand if eligible[j] and not assigned[j]
              and (not only_hh or cluster[j] == "HH")
              and (params.max_population is None
                   or pop[members].sum() + pop[j] <= params.max_population)]
        return min(ok, key=lambda j: position[j]) if ok else None

    n_top = int(np.floor(params.seed_top_share * np.isfinite(score).sum()))
    top = np.zeros(len(codes), bool)
    top[order[:n_top]] = True
    seeds = [s for s in order if cluster[s] == "HH"] + [
        s for s in order if top[s] and cluster[s] != "HH"]
    rows, failed = [], []
    for s in seeds:
        if not eligible[s] or assigned[s]:
            continue
        members = [s]
        while not meets(members) and len(members) < params.max_members:
            j = best_neighbour(members, only_hh=False)
            if j is None:
                break
            members.append(j)
        if not meets(members):
            failed.append({"code": codes[s],
                           "reason": FAILED_SEED.format(max=params.max_members)})
            continue
        while len(members) < params.max_members:
            j = best_neighbour(members, only_hh=True)
            if j is None:
                break
            members.append(j)
        assigned[members] = True
        basin = 1 + (rows[-1]["basin"] if rows else 0)
        rows += [{"basin": basin, "code": codes[m], "role": "amorce" if k == 0 else "membre",
                  "joined": k + 1} for k, m in enumerate(members)]
    return (pd.DataFrame(rows, columns=["basin", "code", "role", "joined"]),
            pd.DataFrame(failed, columns=["code", "reason"]))
