"""Three tiers for a programme of any size N, from the Monte Carlo draws of the ranking.

For each territory, ``p_top`` is the share of draws in which it is among the N first
(:func:`calc_p_top`); the tier follows from two thresholds given in the rule file
(``programme``): « retenu » when ``p_top ≥ retained`` (0.9 by default), « écarté » when
``p_top ≤ excluded`` (0.1), « incertain » in between (:func:`calc_tiers`). When some
territories are not eligible, the draws are first re-ranked among the eligible ones
(:func:`calc_subset_ranks`): a programme selects the N first eligible territories.

All functions are pure (numpy arrays in, arrays out); the draws are an (n, K) integer matrix
of ranks, one column per draw (1 = first).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from pacte.errors import InvalidParameterError
from pacte.targeting.facts import Ranking

RETAINED, UNCERTAIN, EXCLUDED = "retenu", "incertain", "écarté"
#: Shown for a territory that the rule leaves unranked (too many imputed inputs).
UNRANKED = "non classé"
TIERS = (RETAINED, UNCERTAIN, EXCLUDED)


def calc_p_top(ranks: np.ndarray, top: int) -> np.ndarray:
    """Share of draws (columns of ``ranks``, (n, K)) in which each territory's rank is at
    most ``top``: the probability of being in the ``top`` first over the draws."""
    if top < 1:
        raise InvalidParameterError(f"--top doit être un entier ≥ 1 (valeur : {top})")
    ranks = np.asarray(ranks)
    if ranks.ndim != 2 or ranks.shape[1] == 0:
        raise InvalidParameterError("aucun tirage Monte Carlo : probabilités incalculables")
    return (ranks <= top).mean(axis=1)


def calc_tiers(p_top: np.ndarray, retained: float = 0.9, excluded: float = 0.1
               ) -> np.ndarray:
    """« retenu » (p ≥ ``retained``), « écarté » (p ≤ ``excluded``), else « incertain »."""
    if not 0 <= excluded < retained <= 1:
        raise InvalidParameterError(f"seuils des paliers : il faut 0 ≤ écarté < retenu ≤ 1 "
                                    f"(trouvé {excluded!r}, {retained!r})")
    p = np.asarray(p_top, float)
    return np.where(p >= retained, RETAINED, np.where(p <= excluded, EXCLUDED, UNCERTAIN)
                    ).astype(object)


def calc_subset_ranks(ranks: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Ranks (m, K) of the ``mask`` rows among themselves in each draw (1 = the best of
    them), from ranks (n, K) over all territories; ties (never in the draws, whose ranks
    are distinct) go to the row order."""
    sub = np.ascontiguousarray(np.asarray(ranks)[np.asarray(mask, bool)].T)  # (K, m)
    # one draw a row, numpy's default sort (SIMD): distinct ranks have one order, so the
    # stable sort is needed only for a draw with a tie; 35 -> 20 ms (1,250 x 1,000)
    order = np.argsort(sub, axis=1)
    s = np.take_along_axis(sub, order, axis=1)
    tied = (s[:, 1:] == s[:, :-1]).any(axis=1)
    if tied.any():
        order[tied] = np.argsort(sub[tied], axis=1, kind="stable")
    out = np.empty_like(sub)
    np.put_along_axis(out, order, np.broadcast_to(
        np.arange(1, sub.shape[1] + 1, dtype=sub.dtype), sub.shape), axis=1)
    return out.T


def calc_eligible_ranks(ranks: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """Ranks (n, K) of the ``eligible`` rows among themselves in each draw
    (:func:`calc_subset_ranks`), 0 in the other rows: what the programme's tiers and the
    stored selection (``ranking_selection``) both read, computed once at build time."""
    ranks = np.asarray(ranks)
    el = np.asarray(eligible, bool)
    if el.all():
        return ranks.copy()
    sub = np.zeros_like(ranks)
    if el.any():
        sub[el] = calc_subset_ranks(ranks, el)
    return sub


def calc_tier_counts(tiers: np.ndarray) -> dict[str, int]:
    """Number of territories in each tier, in the order retenu, incertain, écarté."""
    t = np.asarray(tiers, object)
    return {k: int((t == k).sum()) for k in TIERS}


def calc_selection_tiers(ranks: np.ndarray, top: int, eligible: np.ndarray | None = None,
                         retained: float = 0.9, excluded: float = 0.1,
                         eligible_ranks: np.ndarray | None = None
                         ) -> tuple[np.ndarray, np.ndarray]:
    """(p_top, tier) of every row of ``ranks`` (n, K) for a programme of ``top``
    territories chosen among the ``eligible`` ones (all when None): a territory that is
    not eligible has p_top 0 and is « écarté ». ``eligible_ranks``: the
    :func:`calc_eligible_ranks` of ``ranks`` and ``eligible``, when computed already."""
    ranks = np.asarray(ranks)
    p = np.zeros(ranks.shape[0])
    el = np.ones(ranks.shape[0], bool) if eligible is None else np.asarray(eligible, bool)
    if el.any():
        if eligible_ranks is not None:
            sub = eligible_ranks if el.all() else eligible_ranks[el]
        else:
            sub = calc_subset_ranks(ranks, el) if not el.all() else ranks
        p[el] = calc_p_top(sub, top)
    return p, calc_tiers(p, retained, excluded)


# --- the programme of the rule file --------------------------------------------------------

@dataclass(frozen=True)
class Programme:
    """Default programme size and tier thresholds (validated by the rule's model,
    :class:`pacte.targeting.rule.Programme`)."""

    size: int = 100
    retained: float = 0.9
    excluded: float = 0.1


def calc_tier_columns(df: pd.DataFrame, ranks: np.ndarray, top: int, programme: Programme
                      ) -> pd.DataFrame:
    """``df`` (a ranking, rows in the order of ``ranks`` (n, K)) with ``p_top`` and ``tier``
    after ``rank_high`` for a programme of ``top`` territories, chosen among the eligible
    ones when ``df`` has an ``eligible`` column."""
    el = df["eligible"].to_numpy(bool) if "eligible" in df else None
    p, tier = calc_selection_tiers(ranks, top, el, programme.retained, programme.excluded)
    return tier_columns(df, p, tier)


def tier_columns(df: pd.DataFrame, p: np.ndarray, tier: np.ndarray) -> pd.DataFrame:
    """``df`` with the columns ``p_top`` and ``tier`` after ``rank_high``."""
    cols = [c for c in df.columns if c not in ("p_top", "tier")]
    at = cols.index("rank_high") + 1 if "rank_high" in cols else len(cols)
    out = df[cols].copy()
    out.insert(at, "tier", tier)
    out.insert(at, "p_top", p)
    return out


def with_tiers(ranking: Ranking, top: int, programme: Programme) -> Ranking:
    """``ranking`` with ``p_top`` and ``tier`` from its Monte Carlo ranks
    (:func:`calc_tier_columns`), its facts saying the programme size and thresholds."""
    if ranking.ranks is None:
        raise ValueError("with_tiers: a ranking without its Monte Carlo ranks")
    return replace(ranking, frame=calc_tier_columns(ranking.frame, ranking.ranks, top,
                                                     programme),
                   facts=tier_facts(ranking.facts, top, programme))


def tier_facts(facts, top: int, programme: Programme):
    """``facts`` (:class:`~pacte.targeting.facts.RankingFacts`) saying the programme size
    and thresholds of the tiers."""
    return replace(facts, tier_size=int(top), tier_retained=programme.retained,
                   tier_excluded=programme.excluded)
