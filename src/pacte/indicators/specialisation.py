"""Specialisation and diversity of territories' employment (pure functions, numpy in/out).

Conventions shared by the indicator modules:

- an employment matrix ``E`` has shape ``(n_territories, n_sectors)``, float, non-negative,
  NaN for a missing figure; a territory whose row holds a NaN has no total, so every value
  that needs its total is NaN (the NaN is propagated, never read as 0);
- the reference (national) vector ``R`` has shape ``(n_sectors,)``; by default it is the column
  sum of the territories whose row is complete (territories with missing data are left out of
  the reference, so they do not contaminate the others); pass ``reference=`` to use published
  national figures instead;
- a zero denominator gives NaN (never inf, never a silent 0). Each ``calc_X`` that can return
  NaN has a companion ``calc_X_reasons`` taking the same arguments and returning an array of
  the same shape of French reason labels: ``""`` where the value is defined, else one of
  ``NO_DATA``, ``ZERO_BASE``, ``ZERO_REFERENCE``, ``ZERO_REFERENCE_CHANGE`` (first cause wins).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from pacte.errors import DataError

NO_DATA = "pas de données"
ZERO_BASE = "base nulle"
ZERO_REFERENCE = "référence nulle"
ZERO_REFERENCE_CHANGE = "variation de référence nulle"
NAN_REASONS = (NO_DATA, ZERO_BASE, ZERO_REFERENCE, ZERO_REFERENCE_CHANGE)

# --- helpers shared with shiftshare.py and resilience.py (package-private) -----------------


def _as_array(x: object, name: str, ndim: int | None = None) -> np.ndarray:
    """Float copy of ``x``; rejects infinities, negative figures and a wrong dimension."""
    a = np.array(x, dtype=float)
    if ndim is not None and a.ndim != ndim:
        raise DataError(f"{name} doit être un tableau à {ndim} dimension(s), reçu {a.ndim}")
    if np.isinf(a).any():
        raise DataError(f"{name} contient des valeurs infinies")
    if (a < 0).any():
        raise DataError(f"{name} contient des effectifs négatifs")
    return a


def _divide(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` with NaN (not inf, not 0) wherever ``den == 0``; NaN propagates."""
    num, den = np.broadcast_arrays(np.asarray(num, float), np.asarray(den, float))
    out = np.full(num.shape, np.nan)
    ok = den != 0  # False where den is NaN too, and out stays NaN there
    np.divide(num, den, out=out, where=ok)
    return out


def _explain(shape: tuple[int, ...], causes: list[tuple[np.ndarray, str]]) -> np.ndarray:
    """Reason labels: the first cause whose mask is True, ``""`` where none is."""
    masks = [np.broadcast_to(m, shape) for m, _ in causes]
    out = np.select(masks, [label for _, label in causes], default="")
    return out.astype(f"<U{max(map(len, NAN_REASONS))}")


def _complete_rows(*matrices: np.ndarray) -> np.ndarray:
    """Territories (rows) with no NaN in any of the matrices."""
    return ~np.logical_or.reduce([np.isnan(m).any(axis=1) for m in matrices])


def _reference(E: np.ndarray, reference: object, complete: np.ndarray | None = None,
               name: str = "reference") -> np.ndarray:
    """Explicit reference vector (checked) or column sums of the complete rows of ``E``."""
    if reference is None:
        keep = _complete_rows(E) if complete is None else complete
        return E[keep].sum(axis=0)
    r = _as_array(reference, name, ndim=1)
    if r.shape != (E.shape[1],):
        raise DataError(f"{name} doit compter {E.shape[1]} secteurs, reçu {r.shape[0]}")
    if np.isnan(r).any():
        raise DataError(f"{name} contient des valeurs manquantes")
    return r


class _Profile(NamedTuple):
    shares: np.ndarray  # (n, k) s_ij = e_ij / e_i
    no_data: np.ndarray  # (n,) row incomplete
    zero_base: np.ndarray  # (n,) e_i == 0


def _profile(E: np.ndarray) -> _Profile:
    total = E.sum(axis=1)  # NaN for an incomplete row
    return _Profile(_divide(E, total[:, None]), np.isnan(total), total == 0)


# --- share ---------------------------------------------------------------------------------


def _sector_list(sector_idx: int | Sequence[int], k: int) -> np.ndarray:
    idx = np.atleast_1d(np.asarray(sector_idx))
    if idx.size == 0 or idx.ndim != 1 or not np.issubdtype(idx.dtype, np.integer):
        raise DataError("sector_idx doit être un indice de secteur ou une liste d'indices")
    if ((idx < -k) | (idx >= k)).any():
        raise IndexError(f"indice de secteur hors de [0, {k})")
    if np.unique(idx % k).size != idx.size:
        raise DataError("sector_idx contient un secteur en double")
    return idx


def calc_share(E: object, sector_idx: int | Sequence[int]) -> np.ndarray:
    """Share of a sector, or of a group of sectors, in each territory's employment.

    ``share_i = sum_{j in J} e_ij / e_i`` with ``e_i = sum_j e_ij`` (J = ``sector_idx``: one
    index, or a list of indices whose shares are added, e.g. all industrial sectors).
    Returns shape ``(n,)`` in [0, 1]; NaN for an incomplete row or ``e_i = 0``.
    Reference: INSEE, « part de l'emploi salarié » (share of a sector in total employment).
    """
    E = _as_array(E, "E", ndim=2)
    idx = _sector_list(sector_idx, E.shape[1])
    return _divide(E[:, idx].sum(axis=1), E.sum(axis=1))


def calc_share_reasons(E: object, sector_idx: int | Sequence[int]) -> np.ndarray:
    """Why ``calc_share`` is NaN, shape ``(n,)``: ``NO_DATA`` or ``ZERO_BASE``."""
    E = _as_array(E, "E", ndim=2)
    _sector_list(sector_idx, E.shape[1])
    p = _profile(E)
    return _explain((E.shape[0],), [(p.no_data, NO_DATA), (p.zero_base, ZERO_BASE)])


# --- location quotient ---------------------------------------------------------------------


def calc_location_quotient(E: object, reference: object = None) -> np.ndarray:
    """Location quotient (Balassa index) of each sector in each territory.

    ``LQ_ij = (e_ij / e_i) / (R_j / R)`` with ``e_i = sum_j e_ij``, ``R = sum_j R_j``.
    LQ > 1: the sector weighs more in the territory than in the reference. With the default
    reference, ``sum_i e_i LQ_ij / sum_i e_i = 1`` over complete territories.
    Returns ``(n, k)``; NaN for an incomplete row, ``e_i = 0`` or ``R_j = 0``.
    Reference: Isard, W. (1960), *Methods of Regional Analysis*, MIT Press, ch. 7;
    Miller, Gibson & Wright (1991), Economic Development Review 9(2), 65-68.
    """
    E = _as_array(E, "E", ndim=2)
    R = _reference(E, reference)
    return _divide(_profile(E).shares, _divide(R, R.sum())[None, :])


def calc_location_quotient_reasons(E: object, reference: object = None) -> np.ndarray:
    """Why ``calc_location_quotient`` is NaN, shape ``(n, k)``: ``NO_DATA``, ``ZERO_BASE``
    (territory total 0) or ``ZERO_REFERENCE`` (sector absent from the reference)."""
    E = _as_array(E, "E", ndim=2)
    R = _reference(E, reference)
    p = _profile(E)
    return _explain(E.shape, [(p.no_data[:, None], NO_DATA), (p.zero_base[:, None], ZERO_BASE),
                              ((R == 0) | (R.sum() == 0), ZERO_REFERENCE)])


# --- Krugman dissimilarity -----------------------------------------------------------------


def calc_krugman_index(E: object, reference: object = None) -> np.ndarray:
    """Krugman specialisation (dissimilarity) index of each territory against the reference.

    ``K_i = sum_j |e_ij / e_i - R_j / R|``, in [0, 2]: 0 for the reference's own structure,
    2 when the territory and the reference share no sector.
    Returns ``(n,)``; NaN for an incomplete row, ``e_i = 0`` or ``R = 0``.
    Reference: Krugman, P. (1991), *Geography and Trade*, MIT Press, appendix D.
    """
    E = _as_array(E, "E", ndim=2)
    R = _reference(E, reference)
    diff = np.abs(_profile(E).shares - _divide(R, R.sum())[None, :])
    return diff.sum(axis=1)


def calc_krugman_index_reasons(E: object, reference: object = None) -> np.ndarray:
    """Why ``calc_krugman_index`` is NaN, shape ``(n,)``: ``NO_DATA``, ``ZERO_BASE`` or
    ``ZERO_REFERENCE`` (reference total 0)."""
    E = _as_array(E, "E", ndim=2)
    R = _reference(E, reference)
    p = _profile(E)
    return _explain((E.shape[0],), [(p.no_data, NO_DATA), (p.zero_base, ZERO_BASE),
                                    (np.asarray(R.sum() == 0), ZERO_REFERENCE)])


# --- concentration / diversity -------------------------------------------------------------


def calc_herfindahl(E: object) -> np.ndarray:
    """Herfindahl-Hirschman concentration of each territory's employment over sectors.

    ``H_i = sum_j s_ij**2`` with ``s_ij = e_ij / e_i``, in [1/k, 1] (k = number of columns):
    1/k for an even spread, 1 when one sector holds all jobs.
    Returns ``(n,)``; NaN for an incomplete row or ``e_i = 0``.
    Reference: Hirschman, A. O. (1964), "The paternity of an index", American Economic
    Review 54(5), 761; Herfindahl, O. C. (1950), PhD thesis, Columbia University.
    """
    E = _as_array(E, "E", ndim=2)
    return (_profile(E).shares ** 2).sum(axis=1)


def calc_shannon(E: object, normalised: bool = False) -> np.ndarray:
    """Shannon entropy (diversity) of each territory's employment over sectors.

    ``D_i = -sum_j s_ij ln s_ij`` (natural log, ``0 ln 0 = 0``), in [0, ln k];
    ``normalised=True`` returns ``D_i / ln k`` in [0, 1] (k = number of columns, >= 2).
    Returns ``(n,)``; NaN for an incomplete row or ``e_i = 0``.
    Reference: Shannon, C. E. (1948), Bell System Technical Journal 27, 379-423;
    Attaran, M. (1986), "Industrial diversity and economic performance in U.S. areas",
    Annals of Regional Science 20(2), 44-54.
    """
    E = _as_array(E, "E", ndim=2)
    k = E.shape[1]
    if normalised and k < 2:
        raise DataError("l'entropie normalisée demande au moins deux secteurs")
    s = _profile(E).shares
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(s > 0, s * np.log(np.where(s > 0, s, 1.0)), s * 0.0)  # NaN stays NaN
    d = -terms.sum(axis=1) + 0.0  # + 0.0 turns -0.0 into 0.0
    return d / np.log(k) if normalised else d


def calc_herfindahl_reasons(E: object) -> np.ndarray:
    """Why ``calc_herfindahl`` is NaN, shape ``(n,)``: ``NO_DATA`` or ``ZERO_BASE``."""
    E = _as_array(E, "E", ndim=2)
    p = _profile(E)
    return _explain((E.shape[0],), [(p.no_data, NO_DATA), (p.zero_base, ZERO_BASE)])


def calc_shannon_reasons(E: object, normalised: bool = False) -> np.ndarray:
    """Why ``calc_shannon`` is NaN, shape ``(n,)``: ``NO_DATA`` or ``ZERO_BASE``."""
    if normalised and np.ndim(E) == 2 and np.shape(E)[1] < 2:
        raise DataError("l'entropie normalisée demande au moins deux secteurs")
    return calc_herfindahl_reasons(E)


# --- job change ----------------------------------------------------------------------------


class JobChange(NamedTuple):
    absolute: np.ndarray  # e_end - e_start
    relative: np.ndarray  # (e_end - e_start) / e_start, NaN where e_start = 0


def calc_job_change(e_start: object, e_end: object) -> JobChange:
    """Absolute and relative change of employment between two dates.

    ``absolute = e_end - e_start``; ``relative = (e_end - e_start) / e_start`` (0.1 = +10 %).
    Any shapes that broadcast together. ``relative`` is NaN where ``e_start = 0`` (base nulle)
    and both are NaN where a figure is missing. Returns ``JobChange(absolute, relative)``.
    Reference: INSEE, « taux de variation » (définitions, evolution rate).
    """
    a = _as_array(e_start, "e_start")
    b = _as_array(e_end, "e_end")
    delta = b - a
    return JobChange(delta, _divide(delta, a))


def calc_job_change_reasons(e_start: object, e_end: object) -> np.ndarray:
    """Why ``calc_job_change(...).relative`` is NaN: ``NO_DATA`` or ``ZERO_BASE``."""
    a, b = np.broadcast_arrays(_as_array(e_start, "e_start"), _as_array(e_end, "e_end"))
    return _explain(a.shape, [(np.isnan(a) | np.isnan(b), NO_DATA), (a == 0, ZERO_BASE)])
