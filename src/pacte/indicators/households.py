"""Households in the regional input-output model: the household closure of the national
table (type II), the share of household spending bought from local suppliers, and the local
multipliers (local non-industry jobs per industry job, type I and type II).

Pure functions of numpy arrays, vectorised over territories (one batched LU solve), built on
the regional FLQ tables of :mod:`pacte.indicators.regional_io`. Parameters that shape the
results (net wage share, propensity to consume, the households' delta) are dated data in
``data/model_parameters.yaml``, read by the engine.
"""

from __future__ import annotations

import numpy as np

from pacte.errors import DataError
from pacte.indicators.inputoutput import _divide
from pacte.indicators.regional_io import _check, _mixed_local, _slq


def calc_household_coefficients(wages: np.ndarray, x: np.ndarray,
                                household_consumption: np.ndarray, *,
                                net_wage_share: float = 1.0, propensity: float = 1.0,
                                domestic_share: float | None = None
                                ) -> tuple[np.ndarray, np.ndarray]:
    """Household closure of a table (type II): income per unit of output ``w_j = wages_j /
    x_j`` (``wages``: compensation of employees, D1) and consumption of each domestic product
    per euro of that income::

        c_i = net_wage_share × propensity × C_i / C_total,   C_total = Σ_i C_i / domestic_share

    ``C``: households' final consumption of domestic output by product; ``domestic_share``:
    the share of household consumption produced at home (``C_total`` then counts imports).
    Only the net wages are spent (employer and employee contributions are not income the
    household spends), and of them the propensity to consume (1 − saving rate). With the
    defaults (1, 1, None: ``C_total = Σ wages``) every euro of compensation buys the whole
    domestic household consumption, the closure of Miller & Blair (2009) §2.5 and §6.2 whose
    type-II multipliers they describe as an upper bound (labour income funding all of the
    consumption). Returns ``(w, c)``, both (k,).
    """
    wages = np.asarray(wages, dtype=float)
    total = wages.sum()
    if total <= 0:
        raise DataError("masse salariale totale nulle")
    for name, v in (("net_wage_share", net_wage_share), ("propensity", propensity)):
        if not 0 <= v <= 1:
            raise DataError(f"{name} doit être entre 0 et 1 (valeur : {v})")
    cons = np.asarray(household_consumption, dtype=float)
    if domestic_share is None:
        base = total
    else:
        if not 0 < domestic_share <= 1:
            raise DataError(f"domestic_share doit être dans ]0, 1] (valeur : {domestic_share})")
        base = cons.sum() / domestic_share
        if base <= 0:
            raise DataError("consommation des ménages totale nulle")
    return (_divide(wages, np.asarray(x, dtype=float)),
            net_wage_share * propensity * cons / base)


def calc_local_consumption(E_region: np.ndarray, E_nation: np.ndarray,
                           consumption_coeffs: np.ndarray, delta: float = 0.3,
                           retained_share: float | np.ndarray | None = None) -> np.ndarray:
    """Household consumption coefficients bought from suppliers located in each territory,
    shape (n, k).

    ``retained_share=None``: households are regionalised like a buying sector of the FLQ
    whose location quotient is 1 (households live where the jobs are):
    ``c^r_i = c_i min(lambda_r SLQ_ri, 1)`` (Flegg & Webber 1997; Miller & Blair 2009 ch. 7
    on the household row and column of regional tables). A number or an (n,) array ρ:
    ``c^r_i = ρ_r c_i`` for the sectors present in the territory (0 elsewhere), ρ being the
    share of the households' spending retained locally (e.g. the share of the jobs held by
    residents times the share of their spending made in the territory).
    """
    E_region = np.asarray(E_region, dtype=float)
    c = np.asarray(consumption_coeffs, dtype=float)
    if retained_share is None:
        slq = _slq(E_region, np.asarray(E_nation, dtype=float))
        lam = np.log2(1.0 + E_region.sum(axis=1) / np.asarray(E_nation, float).sum()) ** delta
        return c * np.minimum(slq * lam[:, None], 1.0)
    rho = np.broadcast_to(np.asarray(retained_share, dtype=float), (E_region.shape[0],))
    if np.any((rho < 0) | (rho > 1)):
        raise DataError("retained_share (part des dépenses retenue localement) doit être entre 0 et 1")
    return np.where(E_region > 0, rho[:, None] * c, 0.0)


def calc_local_multipliers(
    E_region: np.ndarray,
    jobs_per_output: np.ndarray,
    A_nat: np.ndarray,
    industry_mask: np.ndarray,
    income_coeffs: np.ndarray,
    consumption_coeffs: np.ndarray,
    delta: float = 0.3,
    *,
    retained_share: float | np.ndarray | None = None,
    household_delta: float | None = None,
    E_nation: np.ndarray | None = None,
    cap_at_local_jobs: bool = True,
) -> dict[str, np.ndarray]:
    """Local non-industry jobs supported per industry job: type I (supply chain) and type II
    (supply chain + spending of the wages earned locally), per territory (n,).

    Same mixed model as :func:`calc_supported_jobs_by_sector` (industry output observed,
    non-industry sectors respond on the regional FLQ table), closed with respect to
    households for type II: the wages of the territory's industry and of the responding
    sectors (``income_coeffs`` w, per unit of output) are spent with the local consumption
    coefficients of :func:`calc_local_consumption` (``retained_share``, and
    ``household_delta``: the delta of the households' lambda, ``delta`` when None)::

        | I - A^r_ss   -c^r_s | |dx_s|   | A^r_si x_i |
        | -w_s'          1    | |dh  | = | w_i' x_i   |

    Returns ``industry_jobs``, ``indirect_jobs`` (type I local jobs), ``induced_jobs``
    (type II minus type I), ``type1`` = indirect / industry jobs, ``type2`` = (indirect +
    induced) / industry jobs (NaN without industry), ``household_income`` (dh). With
    ``cap_at_local_jobs`` the type I and type II jobs of each sector are capped at its jobs.
    The counterpart of the "local multiplier" of Moretti (2010, AER P&P 100(2)) and of
    Frocrain & Giraud (2018, Économie et Statistique 503-504), which estimate ~0.8
    non-tradable jobs per tradable job at employment-zone level in France (econometric, all
    tradable sectors, not only industry: compare orders of magnitude only).
    """
    E_region, jobs_per_output, A_nat, industry, E_nation = _check(
        E_region, jobs_per_output, A_nat, industry_mask, E_nation)
    serv = ~industry
    hd = delta if household_delta is None else household_delta
    c_r = calc_local_consumption(E_region, E_nation, consumption_coeffs, hd,
                                 retained_share)[:, serv]
    w = np.asarray(income_coeffs, dtype=float)
    dx1, _ = _mixed_local(E_region, E_nation, A_nat, jobs_per_output, industry, delta)
    dx2, dh = _mixed_local(E_region, E_nation, A_nat, jobs_per_output, industry, delta,
                           income=w, consumption=c_r)
    j1, j2 = dx1 * jobs_per_output[serv], dx2 * jobs_per_output[serv]
    if cap_at_local_jobs:
        j1, j2 = np.minimum(j1, E_region[:, serv]), np.minimum(j2, E_region[:, serv])
    ind_jobs = E_region[:, industry].sum(axis=1)
    t1, t2 = j1.sum(axis=1), j2.sum(axis=1)
    ok = ind_jobs > 0
    m1, m2 = np.full(ind_jobs.shape, np.nan), np.full(ind_jobs.shape, np.nan)
    np.divide(t1, ind_jobs, out=m1, where=ok)
    np.divide(t2, ind_jobs, out=m2, where=ok)
    return {"industry_jobs": ind_jobs, "indirect_jobs": t1, "induced_jobs": t2 - t1,
            "type1": m1, "type2": m2, "household_income": dh}
