"""Economic complexity and relatedness of territories (pure functions, no I/O).

A territory x industry matrix of jobs ``X`` (rows: territories, columns: industries) gives:

- ``calc_rca``: revealed comparative advantage (Balassa), the location quotient
  ``(X_cp / X_c) / (X_p / X)``;
- ``calc_mcp``: specialisation ``M_cp = 1`` where RCA >= 1;
- ``calc_eci_pci``: economic complexity of territories (ECI) and complexity of industries
  (PCI) by the eigenvector method (Hidalgo & Hausmann 2009; the second eigenvector of
  ``M~_pp = (M / k_p)^T (M / k_c)``, oriented so that ECI correlates positively with
  diversity);
- ``calc_proximity``: proximity of two industries from their co-location, the minimum of
  the two conditional probabilities of being specialised in one given the other (Hidalgo,
  Klinger, Barabási & Hausmann 2007, *Science* 317);
- ``calc_density``: share of the proximity of industry ``p`` that the territory already
  holds, ``sum_p' M_cp' phi_pp' / sum_p' phi_pp'`` (same paper);
- ``calc_coi_cog``: complexity outlook index (COI) and gain (COG) of Hausmann et al. (2014,
  *The Atlas of Economic Complexity*).

:func:`calc_complexity` chains them and normalises as the reference implementation does
(Harvard Growth Lab, ``ecomplexity`` package, MIT): ECI z-scored; PCI with the mean and
standard deviation of ECI (so that a territory's ECI is the mean PCI of its specialisations,
up to that affine map); COG divided by the standard deviation of ECI; COI z-scored
(population standard deviations). Territories or industries with no specialisation get NaN.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pacte.errors import DataError


def _matrix(x) -> np.ndarray:
    a = np.asarray(x, dtype="float64")
    if a.ndim != 2 or a.shape[0] < 2 or a.shape[1] < 2:
        raise DataError("matrice territoires x activités attendue (au moins 2 x 2), reçu "
                        f"la forme {a.shape}")
    if np.isnan(a).any() or (a < 0).any():
        raise DataError("matrice territoires x activités : valeurs manquantes ou négatives")
    return a


def calc_rca(x) -> np.ndarray:
    """Balassa's RCA ``(X_cp / X_c) / (X_p / X)``; NaN where a row or column sums to 0."""
    a = _matrix(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = a / a.sum(axis=1, keepdims=True)
        ref = a.sum(axis=0, keepdims=True) / a.sum()
        return share / ref


def calc_mcp(rca, threshold: float = 1.0) -> np.ndarray:
    """1 where RCA >= ``threshold``, else 0 (NaN counts as 0)."""
    return np.where(np.nan_to_num(np.asarray(rca, dtype="float64")) >= threshold, 1.0, 0.0)


def calc_eci_pci(mcp) -> tuple[np.ndarray, np.ndarray]:
    """Raw (not normalised) ECI per territory and PCI per industry by the eigenvector method.

    Territories of diversity 0 and industries of ubiquity 0 are left out of the eigenproblem
    and get NaN. The PCI is the eigenvector of the second largest eigenvalue of ``M~_pp``,
    the ECI its average over each territory's specialisations (``kc = (M / k_c) kp``); both
    are multiplied by the sign of the correlation of ECI with diversity.
    """
    m = np.asarray(mcp, dtype="float64")
    kc, kp = m.sum(axis=1), m.sum(axis=0)
    rows, cols = kc > 0, kp > 0
    eci, pci = np.full(m.shape[0], np.nan), np.full(m.shape[1], np.nan)
    if rows.sum() < 2 or cols.sum() < 2:
        return eci, pci
    mv = m[rows][:, cols]
    dc, dp = kc[rows], kp[cols]
    m1 = mv / dc[:, None]
    # M~_pp = D_p^-1 M^T D_c^-1 M is similar to the symmetric S = D_p^-1/2 M^T D_c^-1 M
    # D_p^-1/2: same eigenvalues, eigenvectors v = D_p^-1/2 u (eigh: fast and stable)
    a = mv / np.sqrt(dc)[:, None] / np.sqrt(dp)[None, :]
    _vals, u = np.linalg.eigh(a.T @ a)
    vec = u[:, -2] / np.sqrt(dp)
    vec /= np.linalg.norm(vec)
    kc_vec = m1 @ vec
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.corrcoef(kc[rows], kc_vec)[0, 1]
    sign = 1.0 if not np.isfinite(corr) or corr >= 0 else -1.0
    eci[rows], pci[cols] = sign * kc_vec, sign * vec
    return eci, pci


def calc_proximity(mcp) -> np.ndarray:
    """Symmetric proximity ``phi_pp' = min(P(M_p' = 1 | M_p = 1), P(M_p = 1 | M_p' = 1))``
    = ``(M^T M)_pp' / max(k_p, k_p')``; 0 for an industry of ubiquity 0."""
    m = np.asarray(mcp, dtype="float64")
    co = m.T @ m
    kp = m.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        phi = co / kp[None, :]
    phi = np.nan_to_num(phi, nan=0.0, posinf=0.0)
    return np.minimum(phi, phi.T)


def calc_density(mcp, proximity) -> np.ndarray:
    """Density of each industry around each territory: ``M phi^T / sum_p' phi_pp'``
    (territories x industries, in [0, 1]); NaN for an industry close to nothing."""
    m = np.asarray(mcp, dtype="float64")
    phi = np.asarray(proximity, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        return m @ (phi.T / phi.sum(axis=1)[None, :])


def calc_coi_cog(mcp, density, proximity, pci) -> tuple[np.ndarray, np.ndarray]:
    """Raw complexity outlook index (per territory) and gain (territory x industry):
    ``COI_c = sum_p d_cp (1 - M_cp) PCI_p``; ``COG_cp = (1 - M_cp) sum_p' (1 - M_cp') PCI_p'
    phi_pp' / sum_p'' phi_p'p''`` (Hausmann et al. 2014; NaN PCI count as 0)."""
    m = np.asarray(mcp, dtype="float64")
    pci = np.nan_to_num(np.asarray(pci, dtype="float64"))
    phi = np.asarray(proximity, dtype="float64")
    d = np.nan_to_num(np.asarray(density, dtype="float64"))
    coi = (d * (1 - m) * pci[None, :]).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.nan_to_num(pci / phi.sum(axis=1))
    cog = (1 - m) * ((1 - m) @ (phi * w[:, None]))
    return coi, cog


@dataclass(frozen=True)
class Complexity:
    """Every measure of :func:`calc_complexity` (arrays in the input's row/column order)."""

    rca: np.ndarray  # territories x industries
    mcp: np.ndarray
    diversity: np.ndarray  # per territory
    ubiquity: np.ndarray  # per industry
    eci: np.ndarray
    pci: np.ndarray
    proximity: np.ndarray  # industries x industries
    density: np.ndarray  # territories x industries
    coi: np.ndarray
    cog: np.ndarray


def _z(a: np.ndarray, mean: float, std: float) -> np.ndarray:
    return (a - mean) / std if std and np.isfinite(std) else np.full_like(a, np.nan)


def calc_complexity(x, threshold: float = 1.0) -> Complexity:
    """All measures from a territory x industry matrix of jobs, normalised as in the
    ``ecomplexity`` package (see module doc)."""
    rca = calc_rca(x)
    mcp = calc_mcp(rca, threshold)
    eci, pci = calc_eci_pci(mcp)
    phi = calc_proximity(mcp)
    density = calc_density(mcp, phi)
    coi, cog = calc_coi_cog(mcp, density, phi, pci)
    mean, std = np.nanmean(eci), np.nanstd(eci)
    return Complexity(rca=rca, mcp=mcp, diversity=mcp.sum(axis=1), ubiquity=mcp.sum(axis=0),
                      eci=_z(eci, mean, std), pci=_z(pci, mean, std), proximity=phi,
                      density=density, coi=_z(coi, np.nanmean(coi), np.nanstd(coi)),
                      cog=cog / std if std else np.full_like(cog, np.nan))
