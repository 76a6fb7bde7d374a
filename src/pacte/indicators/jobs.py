"""The ``calc`` functions of the catalogue's job-series indicators: numpy in,
``(values, reasons)`` out, each a few lines around a pure ``calc_*`` function of
``pacte.indicators.specialisation``, ``shiftshare`` or ``resilience`` (signatures per kind
in :mod:`pacte.catalogue`)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from pacte.indicators import resilience as res
from pacte.indicators import shiftshare as ss
from pacte.indicators import specialisation as sp

Result = tuple[np.ndarray, np.ndarray]
#: Below this national rate of change (1 %), resistance / recovery indices get a caveat.
SMALL_CHANGE = 0.01


def _industry(E: np.ndarray, ind: np.ndarray) -> np.ndarray:
    """Industrial jobs: sum of the industrial columns; NaN where one of them is missing."""
    return E[..., ind].sum(axis=-1)


def _two_groups(E: np.ndarray, ind: np.ndarray) -> np.ndarray:
    """(..., k) -> (..., 2): [industry, other sectors]."""
    return np.stack([_industry(E, ind), E[..., ~ind].sum(axis=-1)], axis=-1)


def _no_data(values: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(values), sp.NO_DATA, "")


def _row_reasons(values: np.ndarray, cells: np.ndarray) -> np.ndarray:
    """Per-territory reason from per-cell reasons (n, k): the first non-empty one."""
    first = cells[np.arange(cells.shape[0]), np.argmax(cells != "", axis=1)]
    return np.where(np.isnan(values), first, "")


def calc_industry_jobs(E, R, ind) -> Result:
    v = _industry(E, ind)
    return v, _no_data(v)


def calc_industry_share(E, R, ind) -> Result:
    idx = np.flatnonzero(ind)
    return 100 * sp.calc_share(E, idx), sp.calc_share_reasons(E, idx)


def calc_lq_industry(E, R, ind) -> Result:
    G, RG = _two_groups(E, ind), _two_groups(R, ind)
    return (sp.calc_location_quotient(G, RG)[:, 0],
            sp.calc_location_quotient_reasons(G, RG)[:, 0])


def calc_krugman(E, R, ind) -> Result:
    return sp.calc_krugman_index(E, R), sp.calc_krugman_index_reasons(E, R)


def calc_herfindahl(E, R, ind) -> Result:
    return sp.calc_herfindahl(E), sp.calc_herfindahl_reasons(E)


def calc_shannon(E, R, ind) -> Result:
    return sp.calc_shannon(E, normalised=True), sp.calc_shannon_reasons(E, normalised=True)


def _change(a: np.ndarray, b: np.ndarray, relative: bool) -> Result:
    c = sp.calc_job_change(a, b)
    v = 100 * c.relative if relative else c.absolute
    return v, np.where(np.isnan(v), sp.calc_job_change_reasons(a, b), "")


def calc_job_change_abs(E0, E1, R0, R1, ind) -> Result:
    return _change(E0.sum(axis=1), E1.sum(axis=1), relative=False)


def calc_job_change_rel(E0, E1, R0, R1, ind) -> Result:
    return _change(E0.sum(axis=1), E1.sum(axis=1), relative=True)


def calc_industry_job_change_abs(E0, E1, R0, R1, ind) -> Result:
    return _change(_industry(E0, ind), _industry(E1, ind), relative=False)


def calc_industry_job_change_rel(E0, E1, R0, R1, ind) -> Result:
    return _change(_industry(E0, ind), _industry(E1, ind), relative=True)


def shift_share_calc(component: str) -> Callable[..., Result]:
    def calc(E0, E1, R0, R1, ind) -> Result:
        v = ss.calc_shift_share(E0, E1, R0, R1).totals()[component]
        return v, _row_reasons(v, ss.calc_shift_share_reasons(E0, E1, R0, R1))
    calc.__name__ = f"calc_{component}"
    return calc


def calc_allocation_effect(E0, E1, R0, R1, ind) -> Result:
    v = ss.calc_esteban_marquillas(E0, E1, R0, R1).totals()["allocation_effect"]
    return v, _row_reasons(v, ss.calc_esteban_marquillas_reasons(E0, E1, R0, R1))


def _grew(R0, R1, ind, industry: bool) -> bool:
    """True when the reference (France) did not contract over the window."""
    a, b = (_industry(R0, ind), _industry(R1, ind)) if industry else (R0.sum(), R1.sum())
    return bool(np.all(np.asarray(b) >= np.asarray(a)))


def resilience_calc(fn, reasons, industry: bool) -> Callable[..., Result]:
    """Martin's (2012) normalised index. For resistance, where the reference did not
    contract over the window (census 2006-2011: France +2,0 %), the index has no meaning
    (it rescales a growth gap by the national growth): the difference form
    ``100 (g_territoire - g_France)``, the « écart de croissance » in points, is returned
    instead, and :func:`small_change_caveat` says so."""
    def calc(E0, E1, R0, R1, ind) -> Result:
        if industry:
            args = (_industry(E0, ind), _industry(E1, ind), _industry(R0, ind),
                    _industry(R1, ind))
        else:
            args = (E0.sum(axis=1), E1.sum(axis=1), R0.sum(), R1.sum())
        if fn is res.calc_resistance and _grew(R0, R1, ind, industry):
            return (100 * fn(*args, form="difference"),
                    reasons(*args, form="difference"))
        return fn(*args), reasons(*args)
    calc.__name__ = f"{fn.__name__}{'_industry' if industry else ''}"
    return calc


def small_change_caveat(industry: bool, resistance: bool = False) -> Callable[..., str]:
    """Caveat of Martin's normalised index: dividing by a national change close to 0 blows
    the index up (census total jobs 2011-2016: +0.1 %)."""
    def caveat(R0, R1, ind) -> str:
        a, b = (_industry(R0, ind), _industry(R1, ind)) if industry else (R0.sum(), R1.sum())
        g = (b - a) / a if a else np.nan
        if resistance and np.isfinite(g) and g >= 0:
            pct = f"{100 * g:+.1f}".replace(".", ",")
            return ("écart de croissance en points (g territoire − g France) : la France n'a "
                    f"pas reculé sur la période ({pct} %), l'indice de résistance de Martin "
                    "(2012) n'y a pas de sens")
        if np.isnan(g) or abs(g) >= SMALL_CHANGE:
            return ""
        pct = f"{100 * g:+.2f}".replace(".", ",")
        return f"indice instable (France : {pct} %)"
    return caveat


def calc_drop_from_peak(S, years, ind, peak_start, peak_end, at) -> Result:
    x = _industry(S, ind)
    args = (x, years, at, peak_start, peak_end)
    return (100 * res.calc_drop_from_peak(*args).drop, res.calc_drop_from_peak_reasons(*args))
