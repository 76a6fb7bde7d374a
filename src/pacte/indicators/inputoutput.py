"""Input-output maths (Leontief demand model, Ghosh supply model, multipliers, linkages).

Pure functions of numpy arrays, all named ``calc_*``: no I/O, no state (the layout of
pymrio's ``tools/iomath.py``). Regionalisation (location quotients) lives in
:mod:`pacte.indicators.regional_io`.

Conventions (Miller & Blair 2009, *Input-Output Analysis*, 2nd ed., ch. 2):

* ``Z`` (k, k): intermediate flows, row i = selling sector, column j = buying sector;
* ``x`` (k,): total output; ``y``: final demand;
* ``A = Z x̂⁻¹`` technical coefficients, ``L = (I - A)⁻¹`` Leontief inverse;
* an *effect* is per unit of final demand (``c L``); a *type-I multiplier* is the effect
  divided by the direct coefficient (``(c L)_j / c_j``). The Eurostat Manual of Supply,
  Use and Input-Output Tables (2008) and the R package iotables call the effects
  "multipliers"; this module keeps the two words apart.

Functions that take a square matrix also accept a stack ``(n, k, k)`` of matrices and then
work on every matrix of the stack at once (``numpy.linalg.solve`` broadcasts).
"""

from __future__ import annotations

import numpy as np

from pacte.errors import DataError


def _divide(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den with 0 where den == 0 (broadcasting)."""
    num, den = np.broadcast_arrays(np.asarray(num, dtype=float), np.asarray(den, dtype=float))
    out = np.zeros(num.shape)
    np.divide(num, den, out=out, where=den != 0)
    return out


def _identity_like(M: np.ndarray) -> np.ndarray:
    k = M.shape[-1]
    if M.shape[-2] != k:
        raise DataError(f"square matrix expected, got shape {M.shape}")
    return np.broadcast_to(np.eye(k), M.shape)


def calc_direct_coefficients(f: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Direct (per unit of output) coefficients of an account: ``c_j = f_j / x_j``.

    Use it for value added (``v``), jobs (``e``, jobs per unit of output), compensation of
    employees, etc. Sectors with ``x_j = 0`` get ``c_j = 0``. ``f`` may be (k,) or (m, k).
    Reference: Miller & Blair (2009) ch. 6 (the ``S = F x̂⁻¹`` satellite coefficients of
    pymrio's ``calc_S``).
    """
    return _divide(f, x)


def calc_A(Z: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Technical coefficients ``A = Z x̂⁻¹``, i.e. ``a_ij = z_ij / x_j``.

    Columns of sectors with ``x_j = 0`` get zero coefficients (as in pymrio ``calc_A``).
    Reference: Miller & Blair (2009) ch. 2.
    """
    Z = np.asarray(Z, dtype=float)
    return _divide(Z, np.asarray(x, dtype=float)[..., None, :])


def calc_L(A: np.ndarray) -> np.ndarray:
    """Leontief inverse ``L = (I - A)⁻¹``.

    Computed with ``numpy.linalg.solve(I - A, I)`` (LU factorisation). ``A`` may be one
    matrix (k, k) or a stack (n, k, k): the stack is inverted in one call, without a Python
    loop (used for the regional tables of all territories at once).
    Reference: Miller & Blair (2009) ch. 2; Leontief (1936).
    """
    A = np.asarray(A, dtype=float)
    eye = _identity_like(A)
    return np.linalg.solve(eye - A, eye)


def calc_x_from_L(L: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Output required by final demand: ``x = L y``.

    ``y`` may be a vector (k,) or a matrix (k, m) of m demand vectors.
    Reference: Miller & Blair (2009) ch. 2.
    """
    return np.asarray(L, dtype=float) @ np.asarray(y, dtype=float)


def calc_output_multipliers(L: np.ndarray) -> np.ndarray:
    """Simple (type-I) output multipliers: column sums ``m_j = Σ_i l_ij`` (shape (..., k)).

    Output in all sectors per unit of final demand for sector j.
    Reference: Miller & Blair (2009) ch. 6 (output multipliers).
    """
    return np.asarray(L, dtype=float).sum(axis=-2)


def _effects(c: np.ndarray, L: np.ndarray) -> np.ndarray:
    return np.asarray(c, dtype=float)[..., None, :] @ np.asarray(L, dtype=float)


def _type1(c: np.ndarray, L: np.ndarray) -> np.ndarray:
    c = np.asarray(c, dtype=float)
    eff = _effects(c, L)[..., 0, :]
    out = np.full(eff.shape, np.nan)
    np.divide(eff, c, out=out, where=c != 0)
    return out


def calc_value_added_effects(v: np.ndarray, L: np.ndarray) -> np.ndarray:
    """Value-added effects ``v L``: value added generated in the whole economy per unit of
    final demand for each sector (``v = VA / x``, see :func:`calc_direct_coefficients`).

    What the Eurostat Manual (2008, ch. 15) and iotables call "GVA multipliers".
    Reference: Miller & Blair (2009) ch. 6 (income effects). Returns (k,).
    """
    return _effects(v, L)[..., 0, :]


def calc_value_added_multipliers(v: np.ndarray, L: np.ndarray) -> np.ndarray:
    """Type-I value-added multipliers ``(v L)_j / v_j`` (NaN where ``v_j = 0``).

    Total (direct + indirect) value added per unit of value added directly created by
    sector j. Reference: Miller & Blair (2009) ch. 6 (type-I income multipliers).
    """
    return _type1(v, L)


def calc_employment_effects(e: np.ndarray, L: np.ndarray) -> np.ndarray:
    """Employment effects ``e L`` with ``e = jobs / x``: jobs in the whole economy per unit
    of final demand for each sector (the Eurostat Manual's "employment multipliers").

    Reference: Miller & Blair (2009) ch. 6 (employment effects). Returns (k,).
    """
    return _effects(e, L)[..., 0, :]


def calc_employment_multipliers(e: np.ndarray, L: np.ndarray) -> np.ndarray:
    """Type-I employment multipliers ``(e L)_j / e_j`` (NaN where ``e_j = 0``): total jobs
    per job directly employed in sector j. Reference: Miller & Blair (2009) ch. 6."""
    return _type1(e, L)


def calc_type2_L(
    A: np.ndarray,
    household_compensation_coeffs: np.ndarray,
    household_consumption_shares: np.ndarray,
    household_own_coeff: float = 0.0,
) -> np.ndarray:
    """Leontief inverse of the model closed with respect to households (type II).

    Households become sector k+1: their "output" is labour income, their "inputs" are
    consumption. With ``h_r`` (k,) = compensation of employees per unit of output of each
    sector and ``h_c`` (k,) = household consumption of each sector's output per unit of
    household income::

        Ā = | A     h_c |      L̄ = (I - Ā)⁻¹   (shape (k+1, k+1))
            | h_r'  h_hh|

    ``h_hh`` (``household_own_coeff``) is the households' purchase of labour services per
    unit of income (0 by default). The upper-left (k, k) block of ``L̄`` holds the direct,
    indirect and induced output requirements; its column sums are the type-II output
    multipliers; the last row gives the induced household income.
    Reference: Miller & Blair (2009) §2.5 and ch. 6 (numerical example with
    ``Ā = [[.15,.25,.05],[.2,.05,.4],[.3,.25,.05]]``, ``L̄₁₁ = 1.365``).
    """
    A = np.asarray(A, dtype=float)
    k = A.shape[0]
    closed = np.zeros((k + 1, k + 1))
    closed[:k, :k] = A
    closed[:k, k] = np.asarray(household_consumption_shares, dtype=float)
    closed[k, :k] = np.asarray(household_compensation_coeffs, dtype=float)
    closed[k, k] = household_own_coeff
    return calc_L(closed)


def _normalised_sums(M: np.ndarray, axis: int) -> np.ndarray:
    M = np.asarray(M, dtype=float)
    k = M.shape[-1]
    sums = M.sum(axis=axis)
    total = M.sum(axis=(-2, -1))
    return _divide(sums * k, np.asarray(total)[..., None])


def calc_backward_linkages(L: np.ndarray) -> np.ndarray:
    """Normalised backward linkages (Rasmussen 1956 "power of dispersion" index).

    ``BL_j = (Σ_i l_ij) / ((1/k) Σ_ij l_ij)``: the output multiplier of j relative to the
    average multiplier (mean of BL = 1; BL_j > 1: sector j pulls its suppliers more than
    average). Reference: Rasmussen (1956) *Studies in Inter-Sectoral Relations*;
    Miller & Blair (2009) ch. 12 (linkages).
    """
    return _normalised_sums(L, axis=-2)


def calc_forward_linkages(G: np.ndarray) -> np.ndarray:
    """Normalised forward linkages: ``FL_i = (Σ_j g_ij) / ((1/k) Σ_ij g_ij)``.

    Pass the Ghosh inverse ``G`` (:func:`calc_ghosh_G`), as Miller & Blair (2009) ch. 12
    recommend: a sector whose output is used widely as an input has FL > 1.
    Passing ``L`` instead gives Rasmussen's (1956) original "sensitivity of dispersion"
    (row sums of the Leontief inverse). Mean of FL = 1.
    """
    return _normalised_sums(G, axis=-1)


def calc_ghosh_B(Z: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Allocation (output) coefficients of the Ghosh supply-side model: ``B = x̂⁻¹ Z``,
    ``b_ij = z_ij / x_i`` (rows of sectors with ``x_i = 0`` are 0; pymrio ``calc_B``).

    Reference: Ghosh (1958) *Economica* 25(97): 58-64; Miller & Blair (2009) ch. 12.
    """
    Z = np.asarray(Z, dtype=float)
    return _divide(Z, np.asarray(x, dtype=float)[..., :, None])


def calc_ghosh_G(B: np.ndarray) -> np.ndarray:
    """Ghosh inverse ``G = (I - B)⁻¹`` (equal to ``x̂⁻¹ L x̂`` when all x > 0).

    Row sums are output-side (forward) multipliers. Accepts a stack (n, k, k).
    Reference: Miller & Blair (2009) ch. 12.
    """
    return calc_L(B)


def calc_persons_employed(salaried: np.ndarray, table_jobs: np.ndarray,
                          non_salaried_total: float) -> dict[str, np.ndarray]:
    """Persons employed by sector on one basis: salaried jobs plus a national total of
    non-salaried jobs split across sectors.

    ``salaried`` (k,): salaried jobs by sector (e.g. Insee's quarterly estimates at 31
    December); ``non_salaried_total``: the non-salaried jobs of the same scope and date (e.g.
    ESTEL); ``table_jobs`` (k,): the employment of the input-output table, used only as the
    split key: sector i gets a share of the non-salaried total proportional to
    ``max(table_jobs_i - salaried_i, 0)`` (the jobs the table counts beyond the salaried ones;
    equal shares of that gap where no sector has one). So ``total_i >= salaried_i`` in every
    sector and ``Σ total = Σ salaried + non_salaried_total`` exactly. Returns ``salaried``,
    ``non_salaried`` and ``total`` (k,).
    """
    sal = np.asarray(salaried, dtype=float)
    key = np.clip(np.asarray(table_jobs, dtype=float) - sal, 0.0, None)
    if sal.shape != key.shape:
        raise DataError(f"{sal.shape[0]} secteurs salariés mais {key.shape[0]} dans le tableau")
    if (sal < 0).any() or non_salaried_total < 0 or not np.isfinite(non_salaried_total):
        raise DataError("emplois négatifs ou non finis")
    if key.sum() <= 0:
        key = np.ones_like(sal)
    ns = non_salaried_total * key / key.sum()
    return {"salaried": sal, "non_salaried": ns, "total": sal + ns}
