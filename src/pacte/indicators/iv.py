"""Two-stage least squares (2SLS) with weights and clustered standard errors, in numpy.

Used to estimate the effect of an (endogenous) import exposure on local employment with a
shift-share instrument, as in Autor, Dorn & Hanson (2013, AER 103(6), Table 3). Pure function,
no I/O. Known answers: tests/indicators/test_iv.py reproduces ADH Table 3 and the Stata standard errors
recorded by Kolesár's ShiftShareSE (tests/testthat/test_se.R).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pacte.errors import DataError

SE_TYPES = ("homoskedastic", "robust", "hc1", "cluster")


def _column_block(x: object, n: int, name: str) -> np.ndarray:
    arr = np.asarray(x, dtype=float)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[0] != n:
        raise DataError(f"{name} : {n} observations attendues, forme reçue {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise DataError(f"{name} contient des valeurs manquantes ou infinies")
    return arr


def _check_rank(m: np.ndarray, name: str) -> None:
    if np.linalg.matrix_rank(m) < m.shape[1]:
        raise DataError(
            f"{name} : variables colinéaires (par exemple toutes les indicatrices d'une variable "
            "catégorielle en plus de la constante) ; retirez-en une"
        )


def _sandwich(
    xt: np.ndarray,
    u: np.ndarray,
    bread: np.ndarray,
    se_type: str,
    groups: np.ndarray | None,
    small: bool,
) -> np.ndarray:
    """Variance matrix from regressors ``xt`` and residuals ``u`` (both already weighted).

    small=False: Stata ``ivregress`` default (no small-sample correction).
    small=True: Stata ``regress`` (homoskedastic n-k, HC1, clusters G/(G-1)·(n-1)/(n-k)).
    """
    n, k = xt.shape
    if se_type == "homoskedastic":
        return (u @ u / (n - k if small else n)) * bread
    score = xt * u[:, None]
    if se_type == "robust":
        v = bread @ (score.T @ score) @ bread
        return v * (n / (n - k)) if small else v
    n_groups = int(groups.max()) + 1
    sums = np.zeros((n_groups, k))
    np.add.at(sums, groups, score)
    v = bread @ (sums.T @ sums) @ bread
    return v * (n_groups / (n_groups - 1) * (n - 1) / (n - k)) if small else v


def calc_2sls(
    y: object,
    x: object,
    z: object,
    controls: object = None,
    weights: object = None,
    clusters: object = None,
    se_type: str | None = None,
    small_sample: bool = False,
) -> dict:
    """2SLS of ``y`` on one endogenous regressor ``x`` instrumented by ``z``, with an intercept.

    Model (ADH 2013, Table 3):  y = beta * x + C gamma + e,   first stage  x = pi' z + C delta + v,
    C = [1, controls]. With weights w (ADH: start-of-period population share), every row is
    multiplied by sqrt(w) (weighted least squares, Stata ``[aw=w]``). Then

        X = [x, C], Z = [z, C], X_hat = Z (Z'Z)^-1 Z'X,  b = (X_hat'X_hat)^-1 X_hat'y,

    residuals u = y - X b use the actual x. Variance (Stata ``ivregress`` default, no
    small-sample correction): homoskedastic (u'u/n)(X_hat'X_hat)^-1; robust (Eicker-Huber-White,
    HC0) A (sum X_hat_i' u_i² X_hat_i) A; cluster A (sum_g S_g S_g') A, S_g = sum_{i in g}
    X_hat_i u_i, with A = (X_hat'X_hat)^-1. The first stage is an OLS regression reported like
    Stata ``regress`` (homoskedastic with n-k, HC1, clusters with G/(G-1)·(n-1)/(n-k)).

    y, x: (n,). z: (n,) or (n, q) instruments, q >= 1. controls: (n, p) or None (do not
    include a constant column; collinear controls raise ``ValueError``). weights: (n,) > 0.
    clusters: (n,) group labels (ADH: state). se_type: "homoskedastic", "robust" (HC0),
    "hc1" or "cluster" (default "cluster" when ``clusters`` is given, else "robust").

    Finite-sample corrections of the second stage: ``se_type="hc1"`` is the robust variance
    times n/(n-k) (MacKinnon & White 1985; Stata ``ivregress ..., vce(robust) small``,
    ``fixest`` ``vcov="hc1"``). ``small_sample=True`` applies Stata's ``small`` conventions to
    every type: homoskedastic with n-k, HC1, and cluster-robust CR1 with
    G/(G-1)·(n-1)/(n-k) (Cameron & Miller 2015, J. Human Resources 50(2); ``fixest``
    clustered default). The defaults (``small_sample=False``) reproduce Stata ``ivregress``.
    k counts x, the constant and the controls.

    Returns a dict: beta (float), se (float), coefficients ((1 + 1 + p,) for [x, const,
    controls]), first_stage (float, or (q,) array), first_stage_se (same shape),
    first_stage_f (Wald F of the excluded instruments), n, n_clusters (or None), se_type,
    small_sample.
    """
    yv = np.asarray(y, dtype=float).ravel()
    n = yv.size
    yv = _column_block(yv, n, "y")[:, 0]
    xv = _column_block(x, n, "x")
    if xv.shape[1] != 1:
        raise DataError("un seul régresseur endogène est pris en charge")
    zv = _column_block(z, n, "z")
    c = np.ones((n, 1))
    if controls is not None:
        c = np.column_stack([c, _column_block(controls, n, "controls")])
    if se_type is None:
        se_type = "cluster" if clusters is not None else "robust"
    if se_type not in SE_TYPES:
        raise DataError(f"se_type inconnu : {se_type!r} (attendu : {', '.join(SE_TYPES)})")
    if se_type == "hc1":
        se_type, small_sample = "robust", True
    reported = "hc1" if se_type == "robust" and small_sample else se_type
    groups = None
    if se_type == "cluster":
        if clusters is None:
            raise DataError("se_type='cluster' demande des groupes (clusters)")
        cl = np.asarray(clusters)
        if cl.shape != (n,) or pd.isna(cl).any():
            raise DataError("clusters : un groupe non manquant par observation est attendu")
        groups = pd.factorize(cl)[0]
        if groups.max() < 1:
            raise DataError(
                "au moins deux groupes sont nécessaires pour des écarts-types par groupe"
            )
    sw = np.ones(n)
    if weights is not None:
        w = _column_block(weights, n, "weights")[:, 0]
        if np.any(w <= 0):
            raise DataError("les poids doivent être strictement positifs")
        sw = np.sqrt(w)

    xm = np.column_stack([xv, c]) * sw[:, None]
    zm = np.column_stack([zv, c]) * sw[:, None]
    yw = yv * sw
    _check_rank(zm, "instruments et contrôles")
    _check_rank(xm, "régresseurs")

    # First stage: OLS of x on [z, C].
    pi, *_ = np.linalg.lstsq(zm, xm[:, 0], rcond=None)
    bread_fs = np.linalg.inv(zm.T @ zm)
    v_fs = _sandwich(zm, xm[:, 0] - zm @ pi, bread_fs, se_type, groups, small=True)
    q = zv.shape[1]
    pi_z, v_z = pi[:q], v_fs[:q, :q]
    f_stat = float(pi_z @ np.linalg.solve(v_z, pi_z) / q)

    # Second stage on fitted values.
    x_hat = zm @ np.linalg.lstsq(zm, xm, rcond=None)[0]
    _check_rank(x_hat, "instruments (identification)")
    b, *_ = np.linalg.lstsq(x_hat, yw, rcond=None)
    u = yw - xm @ b
    bread = np.linalg.inv(x_hat.T @ x_hat)
    v = _sandwich(x_hat, u, bread, se_type, groups, small=small_sample)

    fs_se = np.sqrt(np.diag(v_z))
    return {
        "beta": float(b[0]),
        "se": float(np.sqrt(v[0, 0])),
        "coefficients": b,
        "first_stage": float(pi_z[0]) if q == 1 else pi_z,
        "first_stage_se": float(fs_se[0]) if q == 1 else fs_se,
        "first_stage_f": f_stat,
        "n": n,
        "n_clusters": None if groups is None else int(groups.max()) + 1,
        "se_type": reported,
        "small_sample": bool(small_sample),
    }
