"""The audit's variance decomposition of the ranks by source of uncertainty (Saisana,
Saltelli & Tarantola 2005): one Monte Carlo run per source alone, then every source at once
(:func:`pacte.targeting.uncertainty.calc_uncertainty_ranks`)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from pacte.targeting.uncertainty import (
    Nominal,
    Sampler,
    Uncertainty,
    calc_uncertainty_ranks,
)


def calc_rank_variance(ranks: np.ndarray) -> float:
    """Mean over territories of the variance of their rank over the draws."""
    return float(np.asarray(ranks, float).var(axis=1).mean())


def calc_source_shares(X: np.ndarray, M: np.ndarray, w_ind: np.ndarray, w_dim: np.ndarray,
                       unc: Uncertainty, nominal: Nominal, seed: int, draws: int,
                       sampler: Sampler | None, top: int,
                       all_ranks: Callable[[], np.ndarray | None] | None = None) -> list[dict]:
    """Share of the rank variance due to each source of ``unc.sources``: the Monte Carlo run
    with that source alone (the others at their nominal value), the mean over territories
    of the rank variance, its share of the sum over sources, and the number of territories
    whose probability of being in the ``top`` first lies strictly between 0.1 and 0.9; last
    row (source ``all``): every source at once (the sum of the sources alone differs from
    it by their interactions). ``all_ranks()``: the ranks of that last run when already
    drawn (the same seed and draws), else None."""
    rows = []
    for source in (*unc.sources, "all"):
        u = unc if source == "all" else unc.only(source)
        R = all_ranks() if source == "all" and all_ranks is not None else None
        if R is None:
            R = calc_uncertainty_ranks(X, M, w_ind, w_dim, u, nominal, seed, draws, sampler)
        p = (R <= top).mean(axis=1)
        rows.append({"source": source, "variance": calc_rank_variance(R),
                     "uncertain": int(((p > 0.1) & (p < 0.9)).sum())})
    total = sum(r["variance"] for r in rows[:-1])
    for r in rows:
        r["share"] = r["variance"] / total if total > 0 else float("nan")
    return rows
