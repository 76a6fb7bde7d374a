"""Inference on shift-share (Bartik) designs: shock-level aggregates and Rotemberg weights.

Pure functions of arrays, no I/O. A shift-share instrument ``z_l = sum_n s_ln g_n`` combines
location exposure shares ``s_ln`` (locations l, industries n, possibly industry x period
cells) with industry shocks ``g_n``. Two views of the same estimator:

* Borusyak, Hull & Jaravel (2022), "Quasi-Experimental Shift-Share Research Designs",
  Review of Economic Studies 89(1): 181-213 (BHJ): identification from many as-good-as-random
  *shocks*. The shift-share IV coefficient equals an IV regression at the shock level, of
  exposure-weighted averages of the residualised outcome on those of the treatment,
  instrumented by the shocks, weighted by average exposure ``s_n``
  (:func:`calc_shock_level_aggregates`, the R/Stata command ``ssaggregate``). Standard errors
  of that shock-level regression (HC1, or clustered by groups of industries) are valid under
  shock-level identification.
* Goldsmith-Pinkham, Sorkin & Swift (2020), "Bartik Instruments: What, When, Why, and How",
  American Economic Review 110(8): 2586-2624 (GPSS): identification from exogenous *shares*.
  The Bartik 2SLS estimate is a weighted sum ``sum_k alpha_k beta_k`` of the just-identified
  estimates ``beta_k`` that use one industry's shares as the instrument; the Rotemberg
  weights ``alpha_k`` (sum 1, possibly negative) say which industries drive the estimate
  (:func:`calc_rotemberg_weights`, the R package ``bartik.weight``).

Adão, Kolesár & Morales (2019, QJE) standard errors are not implemented here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pacte.errors import DataError


def _matrix(x: object, name: str, n: int | None = None) -> np.ndarray:
    arr = np.asarray(x, dtype=float)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or (n is not None and arr.shape[0] != n):
        raise DataError(f"{name} : {n} lignes attendues, forme reçue {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise DataError(f"{name} contient des valeurs manquantes ou infinies")
    return arr


def _weights(weights: object, n: int) -> np.ndarray:
    if weights is None:
        return np.ones(n)
    w = _matrix(weights, "weights", n)[:, 0]
    if np.any(w < 0):
        raise DataError("les poids doivent être positifs ou nuls")
    return w


def _residualise(v: np.ndarray, controls: object, w: np.ndarray) -> np.ndarray:
    """Residuals of the weighted least-squares regression of each column of ``v`` on
    ``[1, controls]`` (raw residuals ``v - C b``, as ``fixest::feols`` / Stata ``predict``)."""
    n = v.shape[0]
    c = np.ones((n, 1))
    if controls is not None:
        c = np.column_stack([c, _matrix(controls, "controls", n)])
    sw = np.sqrt(w)[:, None]
    b, *_ = np.linalg.lstsq(c * sw, v * sw, rcond=None)
    return v - c @ b


def calc_shock_level_aggregates(
    values: object,
    shares: object,
    weights: object = None,
    controls: object = None,
    periods: object = None,
    add_missing: bool = True,
) -> dict:
    """Exposure-weighted shock-level aggregates of location-level variables (BHJ 2022, §4).

    For location-period observations l (rows) and industries n (columns of ``shares``), with
    importance weights ``e_l`` (``weights``, e.g. ADH's population share; 1 by default)::

        v_perp_l = v_l - C_l b           residual of the WLS of v on [1, controls], weights e
        s_n      = sum_l e_l s_ln / sum_{l,n} e_l s_ln              average exposure
        v_bar_n  = sum_l e_l s_ln v_perp_l / sum_l e_l s_ln         shock-level aggregate

    With ``periods`` (one label per row), each industry gives one cell per period (the
    aggregation runs within period), as for ADH's stacked 1990-2000 / 2000-2007 panel. With
    ``add_missing`` (default, BHJ §3.2 and the ``addmissing`` option of ``ssaggregate``),
    a "missing industry" of share ``1 - sum_n s_ln`` is added in each period, so the shares
    sum to one; its cells come last, with industry ``None``. Its share is not clipped at 0.

    The shift-share IV coefficient of ``y`` on ``x`` instrumented by ``sum_n s_ln g_n`` (with
    the same controls and weights) equals the coefficient of the IV regression of
    ``y_bar_n`` on ``x_bar_n`` instrumented by ``g_n``, weighted by ``s_n`` with an intercept
    (pass them to :func:`pacte.indicators.iv.calc_2sls`, with ``se_type="hc1"`` or clusters
    of industries). The missing industry's shock is 0 unless it is controlled for.

    values: (n,) or (n, m) location-level variables (y, x, balance variables). shares: (n, K)
    exposure shares (NaN is read as 0, as ``ssaggregate`` does). controls: (n, p) or None.
    Returns a dict: ``s_n`` (C,), ``values`` (C, m), ``industry`` (C,) column positions of
    ``shares`` (None for the missing industry), ``period`` (C,) labels (None without
    ``periods``), ``missing`` (C,) bool. A cell with no exposure anywhere has ``s_n = 0`` and
    NaN values. Cells are ordered by period (sorted labels), then industry.
    Known answer (tests/indicators/test_shiftshare_inference.py): ssaggregate's ADH example.
    """
    s = np.asarray(shares, dtype=float)
    if s.ndim != 2:
        raise DataError(f"shares doit être une matrice (lieux × secteurs), forme {s.shape}")
    s = np.nan_to_num(s, nan=0.0)
    n, k = s.shape
    v = _matrix(values, "values", n)
    w = _weights(weights, n)
    resid = _residualise(v, controls, w)
    if periods is None:
        labels, codes = np.array([None], dtype=object), np.zeros(n, dtype=int)
    else:
        p = np.asarray(periods)
        if p.shape != (n,) or pd.isna(p).any():
            raise DataError("periods : une période non manquante par ligne est attendue")
        codes, labels = pd.factorize(p, sort=True)
    cols = [s]
    if add_missing:
        cols.append((1.0 - s.sum(axis=1))[:, None])
    full = np.hstack(cols) * w[:, None]  # e_l s_ln, shape (n, K [+ 1])
    n_per = len(labels)
    mass = np.zeros((n_per, full.shape[1]))
    np.add.at(mass, codes, full)  # (T, K') sum_l e_l s_ln within period
    weighted = np.zeros((n_per, full.shape[1], v.shape[1]))
    np.add.at(weighted, codes, full[:, :, None] * resid[:, None, :])
    with np.errstate(invalid="ignore", divide="ignore"):
        means = weighted / mass[:, :, None]
    means[mass == 0] = np.nan
    order_ind = np.arange(k)
    cells_s = mass[:, :k].ravel()
    cells_v = means[:, :k].reshape(-1, v.shape[1])
    industry = np.tile(order_ind.astype(object), n_per)
    period = np.repeat(labels.astype(object), k)
    missing = np.zeros(n_per * k, dtype=bool)
    if add_missing:
        cells_s = np.concatenate([cells_s, mass[:, k]])
        cells_v = np.vstack([cells_v, means[:, k]])
        industry = np.concatenate([industry, np.full(n_per, None, dtype=object)])
        period = np.concatenate([period, labels.astype(object)])
        missing = np.concatenate([missing, np.ones(n_per, dtype=bool)])
    return {"s_n": cells_s / cells_s.sum(), "values": cells_v, "industry": industry,
            "period": period, "missing": missing}


def calc_rotemberg_weights(
    y: object,
    x: object,
    Z: object,
    g: object,
    controls: object = None,
    weights: object = None,
) -> dict:
    """Rotemberg weights of a Bartik instrument (GPSS 2020, §III, Proposition 1).

    With ``B = Z g`` the Bartik instrument, ``M`` the weighted annihilator of ``[1, controls]``
    (``x_perp = M x``, ``y_perp = M y``) and ``W = diag(weights)``::

        alpha_k = g_k Z_k' W x_perp / sum_k' g_k' Z_k'' W x_perp      (sum_k alpha_k = 1)
        beta_k  = Z_k' W y_perp / Z_k' W x_perp      just-identified IV using Z_k alone
        beta_bartik = sum_k alpha_k beta_k           the Bartik 2SLS estimate

    Z: (n, K) shares; for a panel, one column per industry x period with zeros outside its
    period (GPSS interact shares with period dummies), g: (K,) the matching shocks. y, x:
    (n,). Returns a dict of ``alpha`` (K,), ``beta`` (K,) (NaN where ``Z_k' W x_perp = 0``,
    e.g. an industry absent from the sample) and ``beta_bartik``. Industry aggregates as in
    GPSS's tables: ``alpha_j = sum_t alpha_jt``, ``beta_j = sum_t alpha_jt beta_jt / alpha_j``.
    Reference code: paulgp/bartik-weight (``ComputeAlphaBeta``, ``bartik_weight.ado``).
    Known answer (tests/indicators/test_shiftshare_inference.py): GPSS Table for ADH.
    """
    yv = _matrix(y, "y")[:, 0]
    n = yv.size
    xv = _matrix(x, "x", n)[:, 0]
    z = np.nan_to_num(np.asarray(Z, dtype=float), nan=0.0)
    if z.ndim != 2 or z.shape[0] != n:
        raise DataError(f"Z : {n} lignes attendues, forme reçue {z.shape}")
    gv = _matrix(g, "g")[:, 0]
    if gv.size != z.shape[1]:
        raise DataError(f"{z.shape[1]} colonnes de parts mais {gv.size} chocs")
    w = _weights(weights, n)
    resid = _residualise(np.column_stack([yv, xv]), controls, w)
    zw = z * w[:, None]
    zy, zx = zw.T @ resid[:, 0], zw.T @ resid[:, 1]
    gzx = gv * zx
    total = gzx.sum()
    if total == 0:
        raise DataError("instrument de Bartik sans lien avec x : poids de Rotemberg indéfinis")
    alpha = gzx / total
    beta = np.full(zx.shape, np.nan)
    np.divide(zy, zx, out=beta, where=zx != 0)
    return {"alpha": alpha, "beta": beta,
            "beta_bartik": float(np.nansum(alpha * np.where(zx != 0, beta, 0.0)))}
