"""Exposure to globalisation: shift-share import (and export) competition.

Pure functions of arrays and frames, no I/O. The design follows Autor, Dorn & Hanson (2013),
"The China Syndrome: Local Labor Market Effects of Import Competition in the United States",
American Economic Review 103(6): 2121-2168 (hereafter ADH), and its French application by
Malgouyres (2017), "The Impact of Chinese Import Competition on the Local Structure of
Employment and Wages: Evidence from France", Journal of Regional Science 57(3): 411-441.

For a location i and industries j (ADH's import exposure per worker, ΔIPW):

    ΔIPW_i = sum_j (L_ij / L_i) * (ΔM_j / L_j)
             └ share ┘   └ shock ┘

where L_ij is start-of-period employment of industry j in location i, L_i the location's
*total* employment (all sectors), ΔM_j the change in imports of industry j over the period and
L_j the national start-of-period employment of industry j. Because the shares are divided by
total (not industrial) employment, they sum to the location's industrial share of employment
and a location without industrial jobs has zero exposure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pacte.errors import DataError

ADH_2013_ELASTICITY = -0.596
"""ADH (2013), Table 3, column 6 (2SLS, 1990-2007 stacked, 722 commuting zones, weighted by
start-of-period population share, full controls): -0.596. Units: change in manufacturing
employment as a share of the working-age population (16-64), in **percentage points**, per
**1,000 USD (2007 dollars)** of change in imports from China per worker, both changes being
decadal equivalents. Reproduced to 1e-6 (-0.5963601) in tests/indicators/test_iv.py."""

JOBS_AT_RISK_CAVEAT = (
    "Ordre de grandeur, pas une prévision. L'estimation applique l'élasticité d'Autor, Dorn "
    "et Hanson (2013, American Economic Review, tableau 3, colonne 6 : -0,596 point de "
    "pourcentage d'emploi manufacturier rapporté à la population de 16 à 64 ans par tranche "
    "de 1 000 dollars de 2007 d'importations chinoises supplémentaires par emploi), estimée "
    "sur les zones d'emploi américaines (commuting zones) entre 1990 et 2007. La transposer "
    "aux territoires français suppose que les marchés locaux du travail français réagissent "
    "comme les marchés américains, ce qui n'est pas établi (mobilité, protection de l'emploi "
    "et transferts sociaux différents). L'exposition est calculée à partir de la structure "
    "sectorielle de l'emploi en début de période et d'un choc national par secteur : elle "
    "ignore la situation propre des établissements du territoire (gamme, productivité, "
    "clients), les gains liés aux intrants importés moins chers et les effets de la demande "
    "étrangère. Les montants sont en dollars courants, non déflatés, sauf mention contraire."
)
"""French caveat to display next to any jobs-at-risk figure."""


def _as_2d(x: object, name: str) -> np.ndarray:
    arr = np.asarray(x, dtype=float)
    if arr.ndim != 2:
        raise DataError(
            f"{name} doit être une matrice (lieux × secteurs), reçu {arr.ndim} dimension(s)"
        )
    return arr


def _as_1d(x: object, name: str) -> np.ndarray:
    arr = np.asarray(x, dtype=float)
    if arr.ndim != 1:
        raise DataError(f"{name} doit être un vecteur, reçu {arr.ndim} dimension(s)")
    return arr


def _aligned(shares: object, shocks: object) -> tuple[np.ndarray, np.ndarray]:
    """Shares as (n_loc, n_ind) and shocks as (n_ind,); pandas inputs are aligned on labels."""
    if isinstance(shares, pd.DataFrame) and isinstance(shocks, pd.Series):
        missing = [c for c in shares.columns if c not in shocks.index]
        if missing:
            raise DataError(f"choc manquant pour les secteurs : {missing[:10]}")
        shocks = shocks.reindex(shares.columns)
    s = _as_2d(shares, "shares")
    g = _as_1d(shocks, "shocks")
    if s.shape[1] != g.shape[0]:
        raise DataError(f"{s.shape[1]} secteurs dans les parts mais {g.shape[0]} chocs")
    if not np.all(np.isfinite(g)):
        bad = np.flatnonzero(~np.isfinite(g))
        raise DataError(
            f"choc non fini (NaN ou infini) pour les secteurs aux positions {bad[:10].tolist()}"
        )
    return s, g


def _like(result: np.ndarray, template: object, name: str) -> object:
    if isinstance(template, pd.DataFrame):
        if result.ndim == 1:
            return pd.Series(result, index=template.index, name=name)
        return pd.DataFrame(result, index=template.index, columns=template.columns)
    return result


def calc_shift_share_exposure(shares: object, shocks: object) -> object:
    """Shift-share exposure of each location: ``exposure_i = sum_j shares_ij * shock_j``.

    ADH (2013) ΔIPW; Goldsmith-Pinkham, Sorkin & Swift (2020, AER 110(8), "Bartik instruments").

    shares: (n_loc, n_ind) array or DataFrame (locations × industries).
    shocks: (n_ind,) array or Series; a Series is aligned on the DataFrame's columns.
    Returns (n_loc,) ndarray, or a Series indexed like ``shares``.

    A location with any NaN share gets NaN (unknown, not zero). A NaN or infinite shock is an
    error: silently dropping an industry would understate every location's exposure.
    """
    s, g = _aligned(shares, shocks)
    nan_row = np.isnan(s).any(axis=1)
    out = np.where(nan_row[:, None], 0.0, s) @ g
    out[nan_row] = np.nan
    return _like(out, shares, "exposure")


def calc_exposure_contributions(shares: object, shocks: object) -> object:
    """Contribution of each industry to each location's exposure: ``c_ij = shares_ij * shock_j``.

    ``sum_j c_ij`` equals :func:`calc_shift_share_exposure` (ADH 2013 ΔIPW term by term).
    Returns (n_loc, n_ind) ndarray, or a DataFrame shaped like ``shares``; rows with any NaN
    share are entirely NaN, as their exposure is.
    """
    s, g = _aligned(shares, shocks)
    out = s * g[None, :]
    out[np.isnan(s).any(axis=1), :] = np.nan
    return _like(out, shares, "contribution")


def top_contributors(
    contributions: object, industry_labels: object = None, k: int = 3
) -> pd.DataFrame:
    """The ``k`` industries contributing most to each location's exposure.

    Ranking is by signed contribution, largest first (for import exposure: the industries
    that weigh most). ``share_of_exposure = c_ij / sum_j c_ij`` (NaN when the exposure is 0).

    contributions: (n_loc, n_ind) from :func:`calc_exposure_contributions`.
    industry_labels: n_ind labels (default: the DataFrame's columns or positions).
    Returns a long DataFrame of n_loc × min(k, n_ind) rows with columns
    location, rank (1 = largest), industry, contribution, share_of_exposure.
    Locations whose exposure is NaN are left out.
    """
    if k < 1:
        raise DataError("k doit être au moins 1")
    c = _as_2d(contributions, "contributions")
    n_loc, n_ind = c.shape
    if industry_labels is None:
        labels = np.asarray(
            contributions.columns if isinstance(contributions, pd.DataFrame) else np.arange(n_ind)
        )
    else:
        labels = np.asarray(industry_labels)
    if labels.shape != (n_ind,):
        raise DataError(f"{labels.size} libellés pour {n_ind} secteurs")
    locs = np.asarray(
        contributions.index if isinstance(contributions, pd.DataFrame) else np.arange(n_loc)
    )
    keep = ~np.isnan(c).any(axis=1)
    c, locs = c[keep], locs[keep]
    k = min(k, n_ind)
    order = np.argsort(-c, axis=1, kind="stable")[:, :k]
    top = np.take_along_axis(c, order, axis=1)
    total = c.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(total != 0, top / total, np.nan)
    return pd.DataFrame(
        {
            "location": np.repeat(locs, k),
            "rank": np.tile(np.arange(1, k + 1), len(locs)),
            "industry": labels[order].ravel(),
            "contribution": top.ravel(),
            "share_of_exposure": share.ravel(),
        }
    )


def calc_employment_shares(employment_start: object, total_employment: object) -> object:
    """ADH employment shares ``s_ij = L_ij / L_i`` (start of period).

    ADH (2013)'s ΔIPW divides industry employment by the location's *total* employment, so the
    shares of the (manufacturing) industries sum to the location's manufacturing share, not 1.

    employment_start: (n_loc, n_ind) jobs by location and industry (non-negative).
    total_employment: (n_loc,) total jobs of the location, all sectors (>= row sum).
    Returns (n_loc, n_ind) shares. A location with zero jobs in the listed industries gets
    zero shares (hence zero exposure); a location with zero total employment gets NaN.
    """
    e = _as_2d(employment_start, "employment_start")
    t = _as_1d(total_employment, "total_employment")
    if t.shape[0] != e.shape[0]:
        raise DataError(f"{e.shape[0]} lieux dans l'emploi par secteur mais {t.shape[0]} totaux")
    if np.any(e < 0) or np.any(t < 0):
        raise DataError("emploi négatif")
    rows = e.sum(axis=1)
    over = rows > t * (1 + 1e-9) + 1e-9
    if np.any(over):
        raise DataError(
            f"l'emploi des secteurs dépasse l'emploi total pour les lieux aux positions {np.flatnonzero(over)[:10].tolist()}"
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(t[:, None] > 0, e / t[:, None], np.nan)
    return _like(out, employment_start, "share")


def _per_worker(start: object, end: object, workers: object, what: str) -> object:
    a, b, w = (
        _as_1d(start, f"{what}_start"),
        _as_1d(end, f"{what}_end"),
        _as_1d(workers, "workers_start"),
    )
    if not (a.shape == b.shape == w.shape):
        raise DataError(f"longueurs différentes : {a.shape[0]}, {b.shape[0]}, {w.shape[0]}")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b)) and np.all(np.isfinite(w))):
        raise DataError(f"valeur manquante (NaN) dans les {what} ou les effectifs")
    if np.any(w <= 0):
        bad = np.flatnonzero(w <= 0)
        raise DataError(
            f"effectif nul ou négatif pour les secteurs aux positions {bad[:10].tolist()} : choc par emploi indéfini"
        )
    out = (b - a) / w
    if isinstance(workers, pd.Series):
        return pd.Series(out, index=workers.index, name=f"{what}_per_worker")
    return out


def calc_import_shock_per_worker(
    imports_start: object, imports_end: object, workers_start: object
) -> object:
    """Industry import shock per worker: ``(M_j,end - M_j,start) / L_j,start`` (ADH 2013).

    All three are (n_ind,); the result is in units of imports per worker (e.g. million USD
    divided by jobs; multiply by 1,000 for thousand USD per worker when imports are in million
    USD). Zero or negative workers raise ``ValueError`` (the shock is undefined).
    """
    return _per_worker(imports_start, imports_end, workers_start, "imports")


def calc_export_shock_per_worker(
    exports_start: object, exports_end: object, workers_start: object
) -> object:
    """Industry export shock per worker: ``(X_j,end - X_j,start) / L_j,start``.

    The export-side mirror of ADH's import shock (as in the "net exposure" of Dauth, Findeisen
    & Suedekum 2014, JEEA 12(6)): same formula and units as
    :func:`calc_import_shock_per_worker`.
    """
    return _per_worker(exports_start, exports_end, workers_start, "exports")


def calc_jobs_at_risk(
    exposure: object, working_age_population: object, elasticity: float = ADH_2013_ELASTICITY
) -> object:
    """Manufacturing jobs at risk implied by an import exposure (positive = jobs lost).

    ``jobs_at_risk_i = -(elasticity / 100) * exposure_i * working_age_population_i``

    ADH (2013) Table 3 regresses the change in manufacturing employment / working-age
    population (percentage points) on the import exposure per worker (thousand 2007 USD), both
    as decadal equivalents. Scaling both sides by the same 10/T factor cancels, so the formula
    applies to the change over any period when exposure is the change over that same period.

    exposure: (n_loc,) thousand USD per worker (see :func:`calc_shift_share_exposure`).
    working_age_population: (n_loc,) population aged 16-64 at the start of the period (the
    base of ADH's dependent variable; industrial jobs would be the wrong base).
    elasticity: default :data:`ADH_2013_ELASTICITY` (-0.596). Show :data:`JOBS_AT_RISK_CAVEAT`.
    Returns (n_loc,) number of jobs, NaN where the exposure is NaN.
    """
    x = _as_1d(exposure, "exposure")
    p = _as_1d(working_age_population, "working_age_population")
    if x.shape != p.shape:
        raise DataError(f"{x.shape[0]} expositions mais {p.shape[0]} populations")
    if np.any(p < 0):
        raise DataError("population négative")
    out = -(elasticity / 100.0) * x * p
    if isinstance(exposure, pd.Series):
        return pd.Series(out, index=exposure.index, name="jobs_at_risk")
    return out


def calc_calibrated_elasticity(exposure: object, base: object, target_jobs: float) -> float:
    """The elasticity that makes :func:`calc_jobs_at_risk` add up to ``target_jobs``:

        Σ_i -(β / 100) x_i p_i = target   =>   β = -100 target / Σ_i x_i p_i

    over the territories where both are known (a partition of the country, e.g. the
    employment zones). Used to pin the national total of jobs at risk on a published
    French estimate (Malgouyres 2017: 13 % of the 2001-2007 manufacturing decline), the
    exposure only sharing it out between territories. Raises :class:`DataError` when the
    weighted exposure is not positive."""
    x = _as_1d(exposure, "exposure")
    p = _as_1d(base, "base")
    if x.shape != p.shape:
        raise DataError(f"{x.shape[0]} expositions mais {p.shape[0]} bases")
    ok = np.isfinite(x) & np.isfinite(p)
    mass = float((x[ok] * p[ok]).sum())
    if not mass > 0:
        raise DataError("exposition pondérée nulle ou négative : élasticité non calable")
    if not np.isfinite(target_jobs) or target_jobs < 0:
        raise DataError(f"nombre d'emplois cible invalide : {target_jobs}")
    return -100.0 * float(target_jobs) / mass
