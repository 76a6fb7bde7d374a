"""Industrial mass (issue 17): how MANY industrial jobs a territory holds, beside the share.

A share alone ranks a CC of 300 industrial jobs above an agglomeration of 8,000; the
programme aimed at territories "au poids économique significatif". Three job indicators,
computed by the job engine like every ``level`` indicator (``calc(E, R, ind)``):

- ``industry_jobs`` (already in :mod:`pacte.catalogue.jobs`): the raw count;
- ``industry_jobs_log``: ``ln(1 + industrial jobs)``, the mass on a scale where a doubling
  weighs the same everywhere (a raw count would let the 5 largest metropoles set the scale);
- ``lq_industry_z``: the significance of the location quotient, the binomial z statistic
  ``(i − e·p) / sqrt(e·p·(1 − p))`` with ``i`` industrial jobs, ``e`` all jobs and ``p`` the
  national industrial share. NaN where the counts do not allow it: fewer than
  :data:`MIN_EXPECTED` expected industrial jobs (``e·p``) or fewer than that outside
  industry (``e·(1 − p)``), the normal approximation being unreliable there (Cochran's rule).
  Census counts come from a 1-in-4 sample (exploitation complémentaire): the z statistic is
  then a relative measure of how far from chance a specialisation is, not an exact test.

The maths is here rather than in ``indicators/`` because the issue-17 brief allowed only
this file; it is three lines of numpy over the shared job helpers (to move to
``indicators/mass.py`` when the lead wishes).
"""

from __future__ import annotations

import numpy as np

from pacte.catalogue.base import Indicator
from pacte.catalogue.jobs import ALL, WITH_REFERENCE, _job
from pacte.indicators.specialisation import NO_DATA, ZERO_BASE, ZERO_REFERENCE

FAMILY = "mass"
#: Cochran's rule for the normal approximation of a binomial count.
MIN_EXPECTED = 5.0
FEW_JOBS = f"effectif trop faible pour un test (moins de {MIN_EXPECTED:.0f} emplois attendus)"
_IND = "emplois industriels"


def calc_log_mass(jobs: np.ndarray) -> np.ndarray:
    """``ln(1 + jobs)`` (NaN stays NaN; negative counts are impossible and give NaN)."""
    jobs = np.asarray(jobs, float)
    with np.errstate(invalid="ignore"):
        return np.where(jobs >= 0, np.log1p(np.where(jobs >= 0, jobs, 0.0)), np.nan)


def calc_lq_z(industry: np.ndarray, total: np.ndarray, p: float) -> np.ndarray:
    """Binomial z statistic of ``industry`` successes among ``total`` at the rate ``p``;
    NaN when the expected count of either outcome is below :data:`MIN_EXPECTED`."""
    industry, total = np.asarray(industry, float), np.asarray(total, float)
    expected, other = total * p, total * (1 - p)
    ok = (expected >= MIN_EXPECTED) & (other >= MIN_EXPECTED)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (industry - expected) / np.sqrt(expected * (1 - p))
    return np.where(ok, z, np.nan)


def calc_lq_z_reasons(industry: np.ndarray, total: np.ndarray, p: float) -> np.ndarray:
    """Why :func:`calc_lq_z` is NaN: no data, zero base, zero reference, too few jobs."""
    industry, total = np.asarray(industry, float), np.asarray(total, float)
    out = np.full(total.shape, "", dtype=object)
    few = (total * p < MIN_EXPECTED) | (total * (1 - p) < MIN_EXPECTED)
    out[few] = FEW_JOBS
    out[total == 0] = ZERO_BASE
    out[np.isnan(total) | np.isnan(industry)] = NO_DATA
    if not 0 < p < 1:
        out[:] = ZERO_REFERENCE
    return out


def _counts(E, ind) -> tuple[np.ndarray, np.ndarray]:
    E = np.asarray(E, float)
    bad = np.isnan(E).any(axis=1)
    i, t = E[:, ind].sum(axis=1), E.sum(axis=1)
    return np.where(bad, np.nan, i), np.where(bad, np.nan, t)


def _log_calc(E, R, ind):
    i, _ = _counts(E, ind)
    return calc_log_mass(i), np.where(np.isnan(i), NO_DATA, "").astype(object)


def _z_calc(E, R, ind):
    i, t = _counts(E, ind)
    R = np.asarray(R, float)
    p = float(R[ind].sum() / R.sum()) if R.sum() > 0 else float("nan")
    return calc_lq_z(i, t, p), calc_lq_z_reasons(i, t, p)


MASS_INDICATORS: tuple[Indicator, ...] = (
    _job("industry_jobs_log", "Masse industrielle (logarithme des emplois industriels)",
         "ln(emplois)", "neutral", "ln(1 + emplois industriels)", ALL, "level", ("year",),
         _IND, _log_calc, family=FAMILY),
    _job("lq_industry_z", "Significativité de la spécificité industrielle (z binomial)",
         "écarts-types", "neutral",
         "(i − e·p) / √(e·p·(1 − p)), p = part industrielle de la France",
         WITH_REFERENCE, "level", ("year",), _IND, _z_calc, family=FAMILY),
)
