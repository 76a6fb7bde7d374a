"""Resilience of territories' employment to a recession (pure functions, numpy in/out).

Resistance and recovery follow Martin, Sunley, Gardiner & Tyler (2016): a territory's change
of employment over a phase (contraction: pre-crisis peak -> trough; recovery: trough -> end)
is compared with the change it would have had at the national rate. NaN rules and reason
labels as in ``pacte.indicators.specialisation``.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

import numpy as np

from pacte.errors import DataError
from pacte.indicators.specialisation import (
    NO_DATA,
    ZERO_BASE,
    ZERO_REFERENCE,
    ZERO_REFERENCE_CHANGE,
    _as_array,
    _divide,
    _explain,
)

Form = Literal["normalised", "difference"]
_FORMS = ("normalised", "difference")


class _Phase(NamedTuple):
    value: np.ndarray
    causes: list[tuple[np.ndarray, str]]


def _phase(e_a: object, e_b: object, nat_a: object, nat_b: object, form: str,
           names: tuple[str, str]) -> _Phase:
    """Relative performance of territories against the nation between dates a and b."""
    if form not in _FORMS:
        raise DataError(f"form doit valoir 'normalised' ou 'difference', reçu {form!r}")
    a, b, na, nb = np.broadcast_arrays(
        _as_array(e_a, f"e_{names[0]}"), _as_array(e_b, f"e_{names[1]}"),
        _as_array(nat_a, f"nat_{names[0]}"), _as_array(nat_b, f"nat_{names[1]}"))
    g_r = _divide(b - a, a)  # territory's rate of change
    g_n = _divide(nb - na, na)  # nation's rate of change
    gap = g_r - g_n
    value = _divide(gap, np.abs(g_n)) if form == "normalised" else gap
    causes = [(np.isnan(a) | np.isnan(b) | np.isnan(na) | np.isnan(nb), NO_DATA),
              (a == 0, ZERO_BASE), (na == 0, ZERO_REFERENCE)]
    if form == "normalised":
        causes.append((g_n == 0, ZERO_REFERENCE_CHANGE))
    return _Phase(value, causes)


def calc_resistance(e_pre: object, e_trough: object, nat_pre: object, nat_trough: object,
                    form: Form = "normalised") -> np.ndarray:
    """Resistance of each territory to a recession, relative to the nation.

    With ``g_r = (e_trough - e_pre) / e_pre`` the territory's rate of change over the
    contraction and ``g_N = (nat_trough - nat_pre) / nat_pre`` the nation's:

    - ``form="normalised"`` (default): ``(g_r - g_N) / |g_N|``, the resistance index of
      Martin, Sunley, Gardiner & Tyler (2016), with the expected change taken at the
      national aggregate rate, ``E_r g_N``: it equals
      ``(dE_r - E_r g_N) / |E_r g_N|``. 0 when the territory loses exactly the national
      rate, > 0 more resistant (lost less), < 0 less resistant; -1 when the loss is twice
      the nation's (in a downturn). NaN where ``g_N = 0``.
    - ``form="difference"``: ``g_r - g_N``, the plain gap of rates of change (-0.02 = two
      points worse than the nation), defined even when the nation did not change.

    Inputs are broadcast together: ``e_*`` of shape ``(n,)`` with scalar national figures,
    or ``(n,)`` national figures (each territory against its own reference). NaN where a
    figure is missing, ``e_pre = 0`` (``ZERO_BASE``) or ``nat_pre = 0``.
    References: Martin, R., Sunley, P., Gardiner, B. & Tyler, P. (2016), "How regions react
    to recessions: resilience and the role of economic structure", Regional Studies 50(4),
    561-585, doi:10.1080/00343404.2015.1136410; Martin, R. (2012), "Regional economic
    resilience, hysteresis and recessionary shocks", Journal of Economic Geography 12(1),
    1-32, doi:10.1093/jeg/lbr019 (relative employment loss against the nation).
    """
    return _phase(e_pre, e_trough, nat_pre, nat_trough, form, ("pre", "trough")).value


def calc_resistance_reasons(e_pre: object, e_trough: object, nat_pre: object,
                            nat_trough: object, form: Form = "normalised") -> np.ndarray:
    """Why ``calc_resistance`` is NaN: ``NO_DATA``, ``ZERO_BASE`` (``e_pre = 0``),
    ``ZERO_REFERENCE`` (``nat_pre = 0``), ``ZERO_REFERENCE_CHANGE`` (national change 0,
    normalised form only)."""
    p = _phase(e_pre, e_trough, nat_pre, nat_trough, form, ("pre", "trough"))
    return _explain(p.value.shape, p.causes)


def calc_recovery(e_trough: object, e_post: object, nat_trough: object, nat_post: object,
                  form: Form = "normalised") -> np.ndarray:
    """Recovery of each territory after a recession, relative to the nation.

    Same form as ``calc_resistance`` over the recovery phase, with
    ``g_r = (e_post - e_trough) / e_trough`` and ``g_N = (nat_post - nat_trough) / nat_trough``:
    ``(g_r - g_N) / |g_N|`` (default, Martin, Sunley, Gardiner & Tyler 2016: > 0
    recovered faster than the nation) or ``g_r - g_N`` (``form="difference"``).
    NaN where a figure is missing, ``e_trough = 0``, ``nat_trough = 0`` or (normalised form)
    the national change is 0.
    Reference: Martin, Sunley, Gardiner & Tyler (2016), Regional Studies 50(4), 561-585.
    """
    return _phase(e_trough, e_post, nat_trough, nat_post, form, ("trough", "post")).value


def calc_recovery_reasons(e_trough: object, e_post: object, nat_trough: object,
                          nat_post: object, form: Form = "normalised") -> np.ndarray:
    """Why ``calc_recovery`` is NaN (labels as ``calc_resistance_reasons``)."""
    p = _phase(e_trough, e_post, nat_trough, nat_post, form, ("trough", "post"))
    return _explain(p.value.shape, p.causes)


# --- drop from the pre-crisis peak ---------------------------------------------------------


class DropFromPeak(NamedTuple):
    peak_value: np.ndarray  # (n,) highest value over the peak window
    peak_year: np.ndarray  # (n,) float year of that value (earliest if tied), NaN if none
    drop: np.ndarray  # (n,) (peak - value at crisis_end_year) / peak; 0.12 = 12 % below


class _Drop(NamedTuple):
    result: DropFromPeak
    no_data: np.ndarray
    zero_peak: np.ndarray


def _drop(series: object, years: object, crisis_end_year: float, pre_start_year: float,
          pre_end_year: float | None, skipna: bool) -> _Drop:
    x = _as_array(series, "series", ndim=2)
    y = np.array(years, dtype=float)
    if y.shape != (x.shape[1],) or np.isnan(y).any() or np.unique(y).size != y.size:
        raise DataError(f"years doit lister {x.shape[1]} années distinctes, une par colonne")
    order = np.argsort(y, kind="stable")  # ties of the peak resolve to the earliest year
    x, y = x[:, order], y[order]
    end = crisis_end_year if pre_end_year is None else pre_end_year
    if not pre_start_year <= end <= crisis_end_year:
        raise DataError("il faut pre_start_year <= pre_end_year <= crisis_end_year")
    at = np.flatnonzero(y == crisis_end_year)
    window = (y >= pre_start_year) & (y <= end)
    if at.size == 0 or not window.any():
        raise DataError(f"pas d'année observée pour la fenêtre [{pre_start_year}, {end}] "
                         f"ou pour crisis_end_year={crisis_end_year}")
    w = x[:, window]
    missing = np.isnan(w).all(axis=1) if skipna else np.isnan(w).any(axis=1)
    pos = np.argmax(np.where(np.isnan(w), -np.inf, w), axis=1)  # first maximum
    peak = np.where(missing, np.nan, w[np.arange(w.shape[0]), pos])
    peak_year = np.where(missing, np.nan, y[window][pos])
    value = x[:, at[0]]
    drop = _divide(peak - value, peak)
    return _Drop(DropFromPeak(peak, peak_year, drop), missing | np.isnan(value), peak == 0)


def calc_drop_from_peak(series: object, years: object, crisis_end_year: float,
                        pre_start_year: float, pre_end_year: float | None = None,
                        skipna: bool = True) -> DropFromPeak:
    """How far each territory's value at ``crisis_end_year`` lies below its earlier peak.

    ``series`` has shape ``(n, T)``, ``years`` shape ``(T,)`` (one year per column, any order).
    The peak is the highest value over the years ``pre_start_year <= t <= pre_end_year``
    (``pre_end_year`` defaults to ``crisis_end_year``: the peak before the end of the crisis)::

        peak_i = max_{t in window} x_it
        drop_i = (peak_i - x_i,crisis_end_year) / peak_i

    ``drop`` > 0 below the peak (0.12 = 12 % below), 0 at the peak, < 0 above it (possible
    only with ``pre_end_year < crisis_end_year``). Missing years inside the window are
    skipped (``skipna=True``) or make the peak NaN (``skipna=False``); no observed year in
    the window, or a missing value at ``crisis_end_year``, gives NaN (``NO_DATA``); a peak of
    0 gives ``drop`` NaN (``ZERO_BASE``). Returns ``DropFromPeak(peak_value, peak_year, drop)``.
    Reference: the peak-to-trough loss of Martin (2012), Journal of Economic Geography 12(1),
    1-32, and the "drawdown" of finance (Magdon-Ismail & Atiya, 2004, Risk 17(10), 99-102).
    """
    return _drop(series, years, crisis_end_year, pre_start_year, pre_end_year, skipna).result


def calc_drop_from_peak_reasons(series: object, years: object, crisis_end_year: float,
                                pre_start_year: float, pre_end_year: float | None = None,
                                skipna: bool = True) -> np.ndarray:
    """Why ``calc_drop_from_peak(...).drop`` is NaN, shape ``(n,)``: ``NO_DATA`` or
    ``ZERO_BASE`` (peak of 0)."""
    d = _drop(series, years, crisis_end_year, pre_start_year, pre_end_year, skipna)
    return _explain(d.no_data.shape, [(d.no_data, NO_DATA), (d.zero_peak, ZERO_BASE)])
