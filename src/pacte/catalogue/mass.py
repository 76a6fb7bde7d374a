"""Industrial mass: how MANY industrial jobs a territory holds, beside the share.

A share alone ranks a CC of 300 industrial jobs above an agglomeration of 8,000; the
programme aimed at territories "au poids économique significatif". Three job indicators,
computed by the job engine like every ``level`` indicator (``calc(E, R, ind)``):

- ``industry_jobs`` (already in :mod:`pacte.catalogue.jobs`): the raw count;
- ``industry_jobs_log``: ``ln(1 + industrial jobs)``, the mass on a scale where a doubling
  weighs the same everywhere (a raw count would let the 5 largest metropoles set the scale);
The binomial z of the location quotient once shown here is withdrawn: job counts of ESTEL
and of the quarterly estimates are not samples, and the census counts come from a sample
(exploitation complémentaire) whose design a binomial on the counts does not reflect; a z
of « 103,88 écarts-types » (Cluses) was false precision.

The maths is three lines of numpy over the shared job helpers, kept beside the catalogue
entries it serves.
"""

from __future__ import annotations

import numpy as np

from pacte.catalogue.base import Family, Indicator
from pacte.catalogue.jobs import _WHAT, ALL, _by_source, _job
from pacte.indicators.specialisation import NO_DATA

_ID = "mass"
_IND = "emplois industriels (secteurs B à E ; au recensement : fonction « fabrication »)"


def calc_log_mass(jobs: np.ndarray) -> np.ndarray:
    """``ln(1 + jobs)`` (NaN stays NaN; negative counts are impossible and give NaN)."""
    jobs = np.asarray(jobs, float)
    with np.errstate(invalid="ignore"):
        return np.where(jobs >= 0, np.log1p(np.where(jobs >= 0, jobs, 0.0)), np.nan)


def _counts(E, ind) -> tuple[np.ndarray, np.ndarray]:
    E = np.asarray(E, float)
    bad = np.isnan(E).any(axis=1)
    i, t = E[:, ind].sum(axis=1), E.sum(axis=1)
    return np.where(bad, np.nan, i), np.where(bad, np.nan, t)


def _log_calc(E, R, ind):
    i, _ = _counts(E, ind)
    return calc_log_mass(i), np.where(np.isnan(i), NO_DATA, "").astype(object)


MASS_INDICATORS: tuple[Indicator, ...] = (
    _job("industry_jobs_log", "Masse industrielle (logarithme des emplois de l'industrie : "
         "secteur, ou fonction « fabrication » au recensement)",
         "ln(emplois)", "neutral", "ln(1 + emplois industriels)", ALL, "level", ("year",),
         _IND, _log_calc, family=_ID,
         source_labels=_by_source("Masse industrielle (log des emplois) : {}", _WHAT)),
)

#: The family: job indicators of the series declared by the jobs family (no tables of its own).
FAMILY = Family(_ID, "masse industrielle", MASS_INDICATORS)
