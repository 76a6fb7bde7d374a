"""Shift-share decompositions of employment change (pure functions, numpy in/out).

Notation: ``e0_ij``, ``e1_ij`` employment of territory i in sector j at the start and the end
(matrices ``E0``, ``E1`` of shape ``(n, k)``); ``R0_j``, ``R1_j`` the reference (national)
employment, by default the column sums of the territories complete at both dates (see
``pacte.indicators.specialisation``); ``G = (R1 - R0) / R0`` the national growth rate and
``G_j = (R1_j - R0_j) / R0_j`` the national growth rate of sector j.

Zero-weight convention: a term ``e0_ij * x`` is 0 when ``e0_ij = 0``, even if ``x`` is
undefined (a sector absent from the reference at the start). The regional shift is computed
as ``RS_ij = (e1_ij - e0_ij) - e0_ij * G_j``, which equals Dunn's ``e0_ij (g_ij - G_j)`` when
``e0_ij > 0`` and attributes the jobs of a sector born in the territory (``e0_ij = 0``) to the
regional shift, so that NS + IM + RS = e1 - e0 in every cell.

NaN: a cell with a missing figure (start or end) gives NaN in every component of that cell;
the per-territory totals (``.totals()``) are NaN as soon as one cell is. ``calc_*_reasons``
give, per cell, the reason of the first NaN among the components (French labels, ``""``
where all are defined).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import NamedTuple

import numpy as np

from pacte.errors import DataError
from pacte.indicators.specialisation import (
    NO_DATA,
    ZERO_BASE,
    ZERO_REFERENCE,
    _as_array,
    _complete_rows,
    _divide,
    _explain,
    _reference,
)


class _Totals:
    """Mixin: per-territory sums of the ``(n, k)`` arrays of a frozen result."""

    def __post_init__(self) -> None:
        for f in fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                value.setflags(write=False)  # frozen means frozen, arrays included

    def totals(self) -> dict[str, np.ndarray]:
        """Sum over sectors of each ``(n, k)`` component, shape ``(n,)``; NaN propagates."""
        out = {}
        for f in fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray) and value.ndim == 2:
                out[f.name] = value.sum(axis=1)
        return out


@dataclass(frozen=True)
class ShiftShare(_Totals):
    """Classical (Dunn) shift-share: ``change = national_share + industrial_mix +
    regional_shift`` cell by cell. Arrays are ``(n, k)`` except ``sector_growth`` ``(k,)``."""

    national_growth: float  # G
    sector_growth: np.ndarray  # G_j
    change: np.ndarray  # e1_ij - e0_ij
    national_share: np.ndarray  # NS_ij = e0_ij G
    industrial_mix: np.ndarray  # IM_ij = e0_ij (G_j - G)
    regional_shift: np.ndarray  # RS_ij = e0_ij (g_ij - G_j)


@dataclass(frozen=True)
class EstebanMarquillas(_Totals):
    """Esteban-Marquillas shift-share: ``change = national_share + industrial_mix +
    net_competitive_effect + allocation_effect``, where the last two split the competitive
    effect (Dunn's regional shift). Arrays ``(n, k)`` except ``sector_growth`` ``(k,)``."""

    national_growth: float  # G
    sector_growth: np.ndarray  # G_j
    change: np.ndarray  # e1_ij - e0_ij
    national_share: np.ndarray  # e0_ij G
    industrial_mix: np.ndarray  # e0_ij (G_j - G)
    competitive_effect: np.ndarray  # e0_ij (g_ij - G_j)
    homothetic_employment: np.ndarray  # e*_ij = e0_i R0_j / R0
    net_competitive_effect: np.ndarray  # e*_ij (g_ij - G_j)
    allocation_effect: np.ndarray  # (e0_ij - e*_ij) (g_ij - G_j)


class _Dunn(NamedTuple):
    E0: np.ndarray
    R0: np.ndarray
    growth: float
    sector_growth: np.ndarray
    change: np.ndarray
    national_share: np.ndarray
    industrial_mix: np.ndarray
    regional_shift: np.ndarray


def _dunn(E0: object, E1: object, reference0: object, reference1: object) -> _Dunn:
    E0 = _as_array(E0, "E0", ndim=2)
    E1 = _as_array(E1, "E1", ndim=2)
    if E0.shape != E1.shape:
        raise DataError(f"E0 et E1 n'ont pas la même forme : {E0.shape} et {E1.shape}")
    if (reference0 is None) != (reference1 is None):
        raise DataError("reference0 et reference1 se donnent ensemble ou pas du tout")
    complete = _complete_rows(E0, E1)
    R0 = _reference(E0, reference0, complete, "reference0")
    R1 = _reference(E1, reference1, complete, "reference1")
    G = float(_divide(R1.sum() - R0.sum(), R0.sum()))
    Gj = _divide(R1 - R0, R0)
    change = E1 - E0
    base = E0 + 0.0 * E1  # NaN where either date is missing: nothing to decompose there
    absent = base == 0  # zero-weight convention
    ns = base * G
    im = np.where(absent, 0.0 * G, base * (Gj - G))
    rs = change - np.where(absent, 0.0 * G, base * Gj)
    return _Dunn(E0, R0, G, Gj, change, ns, im, rs)


def _dunn_causes(d: _Dunn) -> list[tuple[np.ndarray, str]]:
    no_ref = (d.R0.sum() == 0) | ((d.R0 == 0)[None, :] & (d.E0 != 0))
    return [(np.isnan(d.change), NO_DATA), (no_ref, ZERO_REFERENCE)]


def calc_shift_share(E0: object, E1: object, reference0: object = None,
                     reference1: object = None) -> ShiftShare:
    """Classical shift-share decomposition of employment change (Dunn, 1960).

    For territory i and sector j, with ``g_ij = (e1_ij - e0_ij) / e0_ij``::

        e1_ij - e0_ij = NS_ij + IM_ij + RS_ij
        NS_ij = e0_ij G                national share (growth at the national rate)
        IM_ij = e0_ij (G_j - G)        industrial mix (sector structure)
        RS_ij = e0_ij (g_ij - G_j)     regional shift (local competitiveness)

    ``reference0`` / ``reference1`` (shape ``(k,)``, both or neither) override the default
    reference (column sums of the territories complete at both dates). With the default,
    RS sums to 0 over territories in each sector, and IM to 0 over territories and sectors.
    Returns a ``ShiftShare``; ``.totals()`` gives the per-territory sums.
    References: Dunn, E. S. (1960), "A statistical and analytical technique for regional
    analysis", Papers of the Regional Science Association 6, 97-112; Wieland, T., R package
    REAT (Regional Economic Analysis Toolbox), function ``shift()``.
    """
    d = _dunn(E0, E1, reference0, reference1)
    return ShiftShare(d.growth, d.sector_growth, d.change, d.national_share, d.industrial_mix,
                      d.regional_shift)


def calc_shift_share_reasons(E0: object, E1: object, reference0: object = None,
                             reference1: object = None) -> np.ndarray:
    """Why a component of ``calc_shift_share`` is NaN, shape ``(n, k)``: ``NO_DATA`` (missing
    figure) or ``ZERO_REFERENCE`` (reference total 0, or sector j absent from the reference
    at the start while present in the territory)."""
    d = _dunn(E0, E1, reference0, reference1)
    return _explain(d.E0.shape, _dunn_causes(d))


def _esteban_marquillas(E0: object, E1: object, reference0: object,
                        reference1: object) -> tuple[_Dunn, np.ndarray, np.ndarray]:
    d = _dunn(E0, E1, reference0, reference1)
    star = d.E0.sum(axis=1)[:, None] * _divide(d.R0, d.R0.sum())[None, :]
    # g_ij - G_j = RS_ij / e0_ij; a sector absent at both dates has nothing to split (0);
    # a sector born in the territory (e0 = 0 < e1) has no growth rate (NaN, base nulle).
    dev = np.where(d.E0 == 0, np.where(d.change == 0, 0.0, np.nan), _divide(d.regional_shift, d.E0))
    return d, star, dev


def calc_esteban_marquillas(E0: object, E1: object, reference0: object = None,
                            reference1: object = None) -> EstebanMarquillas:
    """Esteban-Marquillas (1972) shift-share: the competitive effect split by homothetic
    employment.

    With ``e*_ij = e0_i R0_j / R0`` the employment territory i would have in sector j if its
    structure were the reference's (``e0_i = sum_j e0_ij``)::

        e1_ij - e0_ij = NS_ij + IM_ij + NCE_ij + AE_ij
        NS_ij  = e0_ij G,  IM_ij = e0_ij (G_j - G)          as in Dunn
        NCE_ij = e*_ij (g_ij - G_j)                         net competitive effect
        AE_ij  = (e0_ij - e*_ij)(g_ij - G_j)                allocation effect
        CE_ij  = NCE_ij + AE_ij = e0_ij (g_ij - G_j)        Dunn's regional shift

    AE > 0 when the territory is specialised (e0 > e*) in a sector where it is competitive
    (g > G_j). ``g_ij - G_j`` is taken as 0 for a sector absent at both dates, and is
    undefined for a sector born in the territory (``e0_ij = 0 < e1_ij``): NCE and AE are NaN
    there (``ZERO_BASE``), CE stays defined. ``e*`` needs the territory's full row at the start.
    References: Esteban-Marquillas, J. M. (1972), "A reinterpretation of shift-share
    analysis", Regional and Urban Economics 2(3), 249-255; Dunn (1960), op. cit.
    """
    d, star, dev = _esteban_marquillas(E0, E1, reference0, reference1)
    return EstebanMarquillas(d.growth, d.sector_growth, d.change, d.national_share,
                             d.industrial_mix, d.regional_shift, star, star * dev,
                             (d.E0 - star) * dev)


def calc_esteban_marquillas_reasons(E0: object, E1: object, reference0: object = None,
                                    reference1: object = None) -> np.ndarray:
    """Why a component of ``calc_esteban_marquillas`` is NaN, shape ``(n, k)``: ``NO_DATA``
    (missing figure in the cell, or anywhere in the territory's start row for ``e*``, NCE,
    AE), ``ZERO_REFERENCE`` (as for ``calc_shift_share``) or ``ZERO_BASE`` (sector born in the
    territory: NCE and AE undefined)."""
    d, _, _ = _esteban_marquillas(E0, E1, reference0, reference1)
    causes = _dunn_causes(d)
    causes.insert(1, (np.isnan(d.E0).any(axis=1)[:, None], NO_DATA))
    causes.append(((d.E0 == 0) & (d.change != 0), ZERO_BASE))
    return _explain(d.E0.shape, causes)


@dataclass(frozen=True)
class Gerfin:
    """Gerfin's multiplicative (index) shift-share, per territory: ``net_total =
    industrial_mix * regional_factor``. Arrays are ``(n,)``; ``national_index`` is ``R1 / R0``."""

    __post_init__ = _Totals.__post_init__  # read-only arrays

    national_index: float  # R1 / R0
    expected_index: np.ndarray  # sum_j e0_ij (R1_j / R0_j) / e0_i: growth at national sector rates
    industrial_mix: np.ndarray  # expected_index / national_index
    regional_factor: np.ndarray  # (e1_i / e0_i) / expected_index
    net_total: np.ndarray  # (e1_i / e0_i) / national_index


def _gerfin(E0: object, E1: object, reference0: object, reference1: object):
    d = _dunn(E0, E1, reference0, reference1)
    base = d.E0 + 0.0 * d.change  # NaN where either date is missing
    e0 = base.sum(axis=1)
    e1 = (base + d.change).sum(axis=1)
    index = 1.0 + d.growth  # R1 / R0 (NaN when R0 = 0)
    expected = e0 * index + d.industrial_mix.sum(axis=1)  # sum_j e0_ij R1_j / R0_j
    return d, e0, e1, index, expected


def calc_gerfin(E0: object, E1: object, reference0: object = None,
                reference1: object = None) -> Gerfin:
    """Gerfin's (1964) multiplicative shift-share of each territory's employment change.

    With ``e0_i``, ``e1_i`` the territory's jobs (all sectors) at the start and the end,
    ``R0_j``, ``R1_j`` the reference jobs by sector and ``R0``, ``R1`` their totals::

        expected_i  = sum_j e0_ij (R1_j / R0_j) / e0_i     growth at the national sector rates
        IM_i = expected_i / (R1 / R0)                      industrial-mix factor (Strukturfaktor)
        RF_i = (e1_i / e0_i) / expected_i                  regional factor (Standortfaktor)
        NT_i = (e1_i / e0_i) / (R1 / R0) = IM_i * RF_i     net total factor

    A factor above 1 means faster growth than the nation (NT), thanks to a structure of
    growing sectors (IM) or to local conditions (RF). These are REAT's formulas
    (``shift(..., shift.method = "Gerfin")``: "Industrial mix", "Regional share", "Net total
    shift"). Same reference and zero-weight conventions as :func:`calc_shift_share` (a sector
    absent at the start contributes nothing to ``expected``; its jobs at the end count in
    ``e1_i``). NaN: missing figure in the row, territory without jobs at the start, or zero
    reference (see :func:`calc_gerfin_reasons`).
    References: Gerfin, H. (1964), "Gesamtwirtschaftliches Wachstum und regionale
    Entwicklung", Kyklos 17(4): 565-593; Farhauer & Kröll (2013), Standorttheorien, Springer;
    Wieland, T., R package REAT 3.0.3, R/shift.R.
    """
    _, e0, e1, index, expected = _gerfin(E0, E1, reference0, reference1)
    nat = e0 * index
    return Gerfin(float(index), _divide(expected, e0), _divide(expected, nat),
                  _divide(e1, expected), _divide(e1, nat))


def calc_gerfin_reasons(E0: object, E1: object, reference0: object = None,
                        reference1: object = None) -> np.ndarray:
    """Why the factors of ``calc_gerfin`` are NaN, shape ``(n,)``: ``NO_DATA`` (a missing
    figure in the territory's row), ``ZERO_REFERENCE`` (reference total 0 at either date, or a
    sector of the territory absent from the reference at the start) or ``ZERO_BASE`` (no jobs
    at the start, or none expected at national sector rates)."""
    d, e0, _, index, expected = _gerfin(E0, E1, reference0, reference1)
    cell = _explain(d.E0.shape, _dunn_causes(d))
    no_data = (cell == NO_DATA).any(axis=1)
    no_ref = (cell == ZERO_REFERENCE).any(axis=1) | (index == 0) | np.isnan(index)
    return _explain(e0.shape, [(no_data, NO_DATA), (no_ref, ZERO_REFERENCE),
                               ((e0 == 0) | (expected == 0), ZERO_BASE)])
