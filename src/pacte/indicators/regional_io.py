"""Regional input-output tables by Flegg's location quotient, the jobs that local
industry supports in the territory's other sectors through its purchases (type I), and the
jobs its wages support through household spending (type II, households closed locally).

Pure functions of numpy arrays, vectorised over territories: the systems of all n
territories are built as one stack and solved by one batched LU (``numpy.linalg.solve`` on
(n, k_s, k_s)), without a Python loop over territories
(:mod:`pacte.indicators.regional_mixed`). The mixed models need only the rows of the
responding sectors of each regional table (:func:`calc_regional_rows`), so the (n, k, k)
FLQ stack is not built there.

Shapes: ``E_region`` (n, k) jobs by territory and sector; ``E_nation`` (k,); ``A_nat``
(k, k) national *domestic* technical coefficients (imports excluded: a regional table
can only shrink domestic purchases further).
"""

from __future__ import annotations

import numpy as np

from pacte.errors import DataError
from pacte.indicators.inputoutput import _divide
from pacte.indicators.regional_mixed import (  # _mixed_local: for indicators.households
    _mixed_local,  # noqa: F401
    _supported,
)


def _slq(E_region: np.ndarray, E_nation: np.ndarray) -> np.ndarray:
    """Simple location quotients (n, k); 0 where a share is undefined."""
    e_r = E_region.sum(axis=1, keepdims=True)
    share_r = _divide(E_region, e_r)
    share_n = _divide(E_nation, E_nation.sum())
    if np.any((share_n == 0) & (share_r > 0).any(axis=0)):
        raise DataError("emploi régional dans un secteur sans emploi national")
    return _divide(share_r, share_n)


def _slq_lambda(E_region: object, E_nation: object, delta: float
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Checked employment arrays, the simple location quotients (n, k) and Flegg's lambda
    (n,) of each region: ``log2(1 + E_r / E_n) ** delta``."""
    E_region = np.asarray(E_region, dtype=float)
    E_nation = np.asarray(E_nation, dtype=float)
    if E_region.ndim != 2 or E_nation.shape != (E_region.shape[1],):
        raise DataError(f"emplois attendus : E_region (n, k) et E_nation (k,), reçus "
                        f"{E_region.shape} et {E_nation.shape}")
    if (E_region < 0).any() or (E_nation < 0).any():
        raise DataError("emplois négatifs")
    if E_nation.sum() <= 0:
        raise DataError("emploi national nul")
    slq = _slq(E_region, E_nation)
    lam = np.log2(1.0 + E_region.sum(axis=1) / E_nation.sum()) ** delta
    return E_region, E_nation, slq, lam


def calc_flq(E_region: np.ndarray, E_nation: np.ndarray, delta: float = 0.3) -> np.ndarray:
    """Flegg location quotients, one (k, k) matrix per region: shape (n, k, k).

    For region r with jobs ``e_ri`` (total ``e_r``) and the nation ``E_i`` (total ``E``)::

        SLQ_i    = (e_ri / e_r) / (E_i / E)
        CILQ_ij  = SLQ_i / SLQ_j             (i: supplying sector, j: buying sector)
        lambda_r = [log2(1 + e_r / E)] ** delta
        FLQ_ij   = CILQ_ij * lambda_r        for i != j
        FLQ_ii   = SLQ_i   * lambda_r        (diagonal)

    and the regional coefficient is ``a^r_ij = a_ij * min(FLQ_ij, 1)``
    (:func:`calc_regional_A`). ``lambda_r`` < 1 shrinks the coefficients more in small
    regions, which import more from the rest of the country.

    Zero employment: a sector absent from the region (``SLQ_i = 0``) supplies nothing
    locally (row i of FLQ is 0); a buying sector absent from the region (``SLQ_j = 0``,
    supplier present) gets ``CILQ_ij = +inf``, so its hypothetical purchases keep the
    national coefficient (it does not exist locally, so no flow results). A region with no
    jobs gets an all-zero FLQ. ``delta = 0.3`` is the value Flegg & Webber (1997)
    recommend; later estimates for other countries range from about 0.1 to 0.4.
    Scale caveat: ``delta`` was estimated on regions holding a few per cent of national
    jobs. For a median EPCI (~0.04 %), ``lambda`` is about 0.1 at ``delta = 0.3``, so the
    regional table keeps roughly a tenth of the national coefficients: show results for a
    range of ``delta`` rather than one figure.

    References: Flegg, Webber & Elliott (1995), *Regional Studies* 29(6): 547-561 (FLQ);
    Flegg & Webber (1997), *Regional Studies* 31(8): 795-805 (the lambda formula);
    Flegg & Webber (2000), *Regional Studies* 34(6): 563-569 (SLQ on the diagonal);
    Miller & Blair (2009) ch. 7.
    """
    E_region, E_nation, slq, lam = _slq_lambda(E_region, E_nation, delta)
    inv = np.full(slq.shape, np.inf)
    np.divide(1.0, slq, out=inv, where=slq > 0)
    with np.errstate(invalid="ignore"):  # 0 * inf, reset just below
        flq = (slq * lam[:, None])[:, :, None] * inv[:, None, :]  # lambda SLQ_i / SLQ_j
    flq[slq == 0] = 0.0  # absent suppliers: whole rows
    diag = np.arange(slq.shape[1])
    flq[:, diag, diag] = slq * lam[:, None]
    return flq


def calc_regional_A(A_nat: np.ndarray, FLQ: np.ndarray, out: np.ndarray | None = None
                    ) -> np.ndarray:
    """Regional technical coefficients ``a^r_ij = a_ij * min(FLQ^r_ij, 1)``, shape (n, k, k).

    The coefficients of purchases from suppliers located in the region; never larger than
    the national ones. ``out`` (e.g. ``FLQ`` itself) receives the result, to spare memory
    on large stacks. Reference: Flegg & Webber (1997); Miller & Blair (2009) ch. 7.
    """
    A_r = np.minimum(np.asarray(FLQ, dtype=float), 1.0, out=out)
    A_r *= np.asarray(A_nat, dtype=float)
    return A_r


def _check(E_region, jobs_per_output, A_nat, industry_mask, E_nation, lazy=False):
    """Arrays as floats (booleans), shapes and signs checked; ``E_nation`` defaults to the
    sum over territories (left None with ``lazy``: :func:`_lq_by_sector` sums it)."""
    E_region = np.asarray(E_region, dtype=float)
    jobs_per_output = np.asarray(jobs_per_output, dtype=float)
    A_nat = np.asarray(A_nat, dtype=float)
    industry = np.asarray(industry_mask, dtype=bool)
    k = E_region.shape[1]
    if jobs_per_output.shape != (k,) or A_nat.shape != (k, k) or industry.shape != (k,):
        raise DataError(f"shapes do not match k={k}: jobs_per_output {jobs_per_output.shape}"
                         f", A_nat {A_nat.shape}, industry_mask {industry.shape}")
    if (jobs_per_output < 0).any():
        raise DataError("emplois par unité de production négatifs")
    if E_nation is not None:
        E_nation = np.asarray(E_nation, float)
    elif not lazy:
        E_nation = E_region.sum(axis=0)
    return E_region, jobs_per_output, A_nat, industry, E_nation


def _regional_block(E_region: np.ndarray, E_nation: np.ndarray, A_nat: np.ndarray,
                    rows: np.ndarray, cols: np.ndarray, delta: float) -> np.ndarray:
    """``A_r[:, rows][:, :, cols]`` of the FLQ tables (n, len(rows), len(cols)), built
    without the whole (n, k, k) stack. ``rows``, ``cols``: integer positions."""
    E_region, E_nation, slq, lam = _slq_lambda(E_region, E_nation, delta)
    u = slq[:, rows] * lam[:, None]  # lambda SLQ_i of the supplying sectors
    # 1/SLQ_j, a huge finite value for absent buyers (calc_flq's +inf): u * it >= 1 when
    # u > 0 (national coefficient kept) and 0 when u = 0, with no 0 * inf to clean up.
    inv = np.full((slq.shape[0], cols.size), 1e300)
    np.divide(1.0, slq[:, cols], out=inv, where=slq[:, cols] > 0)
    out = u[:, :, None] * inv[:, None, :]
    p, q = np.nonzero(rows[:, None] == cols[None, :])
    out[:, p, q] = u[:, p]  # diagonal: lambda SLQ_i
    np.minimum(out, 1.0, out=out)
    out *= A_nat[np.ix_(rows, cols)]
    return out


def calc_regional_rows(E_region: np.ndarray, E_nation: np.ndarray, A_nat: np.ndarray,
                       rows: np.ndarray, delta: float = 0.3) -> np.ndarray:
    """Rows ``rows`` (supplying sectors: integer positions or a boolean mask) of the
    regional FLQ tables, shape (n, m, k), equal to
    ``calc_regional_A(A_nat, calc_flq(E_region, E_nation, delta))[:, rows, :]`` but computed
    without the whole (n, k, k) stack (mixed models need only the rows of the sectors that
    respond). Conventions of :func:`calc_flq`."""
    rows = np.asarray(rows)
    rows = np.flatnonzero(rows) if rows.dtype == bool else rows.astype(int)
    k = np.asarray(A_nat).shape[-1]
    return _regional_block(E_region, E_nation, np.asarray(A_nat, float), rows, np.arange(k),
                           delta)


def calc_supported_jobs_by_sector(
    E_region: np.ndarray,
    jobs_per_output: np.ndarray,
    A_nat: np.ndarray,
    industry_mask: np.ndarray,
    delta: float = 0.3,
    *,
    E_nation: np.ndarray | None = None,
    cap_at_local_jobs: bool = True,
) -> dict[str, np.ndarray]:
    """Jobs supported outside industry by the local industry's purchases, by sector (n, k).

    Method (a mixed exogenous/endogenous Leontief model on the regional FLQ table,
    Miller & Blair 2009, section 13.1): industrial output is *observed*, so it is held
    fixed; only the non-industrial sectors respond.

    1. industrial output of territory r, from its jobs and national productivity:
       ``x_ind_ri = e_ri / (jobs/output)_i`` for industry sectors (0 where jobs/output
       is 0). ``jobs_per_output`` must count jobs as ``E_region`` does (e.g. salaried
       jobs if E_region is URSSAF salaried employment);
    2. the output industry's purchases require from local non-industrial suppliers, all
       rounds among non-industrial sectors included:
       ``Δx_s = (I - A_ss)^-1 A_si x_ind`` on the regional table ``A_r`` (s: non-industry
       sectors, i: industry). Industrial suppliers are not made to respond: their output
       is already part of the observed industrial jobs, and letting it respond would count
       their own service purchases a second time. The same with the national domestic
       table gives the whole French supply chain;
    3. supported jobs ``s_ri = (jobs/output)_i Δx_ri`` (local) and ``n_ri`` (national),
       non-industry sectors only;
    4. with ``cap_at_local_jobs`` (default), ``s_ri`` is capped at the jobs that sector
       i actually has in the territory (a supplier cannot employ more people than it
       has; the excess is bought elsewhere);
    5. leaked jobs ``n_ri - s_ri`` (>= 0 because ``A_r <= A_nat`` element-wise): supply
       chain jobs of the territory's industry located elsewhere in France (0 when below
       1e-12 of ``n_ri``: rounding noise, e.g. for a territory that is the whole nation).

    ``E_nation`` defaults to the sum of ``E_region`` over territories (territories that
    partition the country, as the ~1,255 EPCI do). Productivity is national: a territory's
    own productivity is unknown at this resolution. Returns ``local_jobs``,
    ``leaked_jobs`` (n, k), zero in industry columns.
    References: Flegg & Webber (1997, 2000) for ``A_r``; Miller & Blair (2009) ch. 2-3 and 6.
    """
    E_region, jobs_per_output, A_nat, industry, E_nation = _check(
        E_region, jobs_per_output, A_nat, industry_mask, E_nation, lazy=True)
    local_s, leaked_s, _ = _supported(E_region, jobs_per_output, A_nat, industry, delta,
                                      E_nation, cap_at_local_jobs)
    local = np.zeros_like(E_region)
    leaked = np.zeros_like(E_region)
    local[:, ~industry] = local_s.T
    leaked[:, ~industry] = leaked_s.T
    return {"local_jobs": local, "leaked_jobs": leaked}


def calc_supported_jobs(
    E_region: np.ndarray,
    jobs_per_output: np.ndarray,
    A_nat: np.ndarray,
    industry_mask: np.ndarray,
    delta: float = 0.3,
    *,
    E_nation: np.ndarray | None = None,
    cap_at_local_jobs: bool = True,
) -> dict[str, np.ndarray]:
    """Per territory: industry jobs, jobs they support locally in other sectors, jobs of
    their supply chain located elsewhere in France, and the "industrie élargie" share.

    Sums :func:`calc_supported_jobs_by_sector` (see it for the method) over sectors and
    returns arrays of shape (n,):

    * ``industry_jobs`` = ``Σ_{i industry} e_ri``; ``total_jobs`` = ``Σ_i e_ri``;
    * ``local_jobs``: jobs in non-industry sectors of the territory supported by the
      local industry's intermediate demand (indirect effect, regional FLQ table);
    * ``leaked_jobs``: the same supply chain's non-industry jobs located outside the
      territory (national domestic table minus local);
    * ``industrie_elargie_share`` = ``(industry_jobs + local_jobs) / total_jobs``
      (NaN for a territory without jobs). Intra-industry supplier jobs are not added: they
      are already in ``industry_jobs``.

    Units follow the inputs (jobs_per_output in jobs per unit of the currency of
    ``A_nat``'s table). References: Flegg & Webber (1997, 2000); Miller & Blair (2009).
    """
    E_region, jobs_per_output, A_nat, industry, E_nation = _check(
        E_region, jobs_per_output, A_nat, industry_mask, E_nation, lazy=True)
    local_s, leaked_s, s = _supported(E_region, jobs_per_output, A_nat, industry, delta,
                                      E_nation, cap_at_local_jobs)
    industry_jobs = s.E_t[local_s.shape[0]:].sum(axis=0)
    total_jobs = s.e_r
    local = local_s.sum(axis=0)
    share = np.full(total_jobs.shape, np.nan)
    np.divide(industry_jobs + local, total_jobs, out=share, where=total_jobs > 0)
    return {
        "industry_jobs": industry_jobs,
        "local_jobs": local,
        "leaked_jobs": leaked_s.sum(axis=0),
        "total_jobs": total_jobs,
        "industrie_elargie_share": share,
    }
