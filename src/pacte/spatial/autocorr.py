"""Spatial autocorrelation with PySAL's esda: global Moran's I and local Moran (LISA).

* :func:`calc_moran`: Moran's I (Moran 1950; Cliff and Ord 1981) on row-standardised
  weights, its expectation ``-1/(n-1)``, the normal-approximation z and p-value (esda's
  ``Moran``), and a permutation p-value: ``permutations`` random relabellings of the values
  drawn from ``numpy.random.RandomState(seed)`` (the generator esda's own ``Moran`` uses
  through ``numpy.random``: with ``numpy.random.seed(seed)`` before it, esda finds the same
  p-value), folded as esda does, ``p = (min(larger, permutations - larger) + 1) /
  (permutations + 1)`` where ``larger`` counts the draws at or above the observed I.
  The seed is an explicit argument: nothing touches the global generator.
* :func:`calc_lisa`: local Moran ``I_i`` (Anselin 1995) with esda's ``Moran_Local``
  (conditional permutations, explicit ``seed``), each territory's quadrant (1 High-High,
  2 Low-High, 3 Low-Low, 4 High-Low: esda's ``q``) and its cluster when the permutation
  p-value is below ``alpha``, else « non significatif ».

p-values of 1,255 local tests are not corrected for multiple testing (as GeoDa and esda
by default): at ``alpha = 0.05`` about 5 % of territories would be flagged by chance alone;
the clusters are a map to read, not a proof for each territory.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from pacte.errors import InvalidParameterError

#: esda's quadrant ``q`` -> cluster code.
QUADRANTS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}
NOT_SIGNIFICANT = "NS"
#: esda's variances divide by (n - 1)(n - 2)(n - 3).
MIN_TERRITORIES = 4
NO_NEIGHBOUR = "ISOLE"
NO_SCORE = "NC"
#: Cluster code -> French label.
CLUSTER_LABELS = {
    "HH": "Haut-Haut (foyer de vulnérabilité)",
    "LL": "Bas-Bas",
    "HL": "Haut-Bas (exception haute)",
    "LH": "Bas-Haut (exception basse)",
    NOT_SIGNIFICANT: "non significatif",
    NO_NEIGHBOUR: "sans voisin (non testé)",
    NO_SCORE: "non classé (pas de score, non testé)",
}


def _check(y: np.ndarray, w, permutations: int) -> np.ndarray:
    y = np.asarray(y, float)
    if y.ndim != 1 or len(y) != w.n:
        raise InvalidParameterError(f"Moran : {len(y)} valeurs pour {w.n} territoires")
    if len(y) < MIN_TERRITORIES:
        raise InvalidParameterError(f"Moran : {len(y)} territoires reliés à un voisin, il en "
                                    f"faut au moins {MIN_TERRITORIES}")
    if not np.isfinite(y).all():
        raise InvalidParameterError("Moran : valeurs manquantes ou infinies (retirez-les et "
                                    "leurs liens de voisinage d'abord)")
    if not isinstance(permutations, int | np.integer) or permutations < 0:
        raise InvalidParameterError(f"Moran : nombre de permutations invalide "
                                    f"({permutations!r})")
    if y.std() == 0:
        raise InvalidParameterError("Moran : variable constante, autocorrélation indéfinie")
    return y


def calc_moran_permutations(z: np.ndarray, sparse, permutations: int, seed: int
                            ) -> np.ndarray:
    """Moran's I of ``permutations`` relabellings of the centred values ``z`` on the
    row-standardised sparse weights (draws of ``RandomState(seed).permutation``)."""
    rs = np.random.RandomState(seed)
    Z = np.stack([rs.permutation(z) for _ in range(permutations)])  # (P, n)
    lag = sparse @ Z.T  # (n, P)
    n, s0 = len(z), sparse.sum()
    return (n / s0) * np.einsum("pn,np->p", Z, lag) / (z @ z)


def calc_moran(y, w, permutations: int = 999, seed: int = 0, two_tailed: bool = False
               ) -> dict:
    """Global Moran's I of ``y`` on the libpysal weights ``w`` (row-standardised here).

    Returns ``I``, ``expected`` (E[I]), ``z_norm``, ``p_norm`` (normal approximation, one-
    tailed unless ``two_tailed``), ``p_sim`` (permutations; None when 0), ``permutations``,
    ``seed`` and ``n``."""
    import esda

    y = _check(y, w, permutations)
    w.transform = "r"
    mi = esda.Moran(y, w, transformation="r", permutations=0, two_tailed=two_tailed)
    p_sim = None
    if permutations:
        sim = calc_moran_permutations(mi.z, w.sparse, permutations, seed)
        larger = int((sim >= mi.I).sum())
        larger = min(larger, permutations - larger)
        p_sim = (larger + 1.0) / (permutations + 1.0)
    return {"I": float(mi.I), "expected": float(mi.EI), "z_norm": float(mi.z_norm),
            "p_norm": float(mi.p_norm), "p_sim": p_sim, "permutations": int(permutations),
            "seed": int(seed), "n": int(len(y))}


def calc_lisa(y, w, permutations: int = 999, seed: int = 0, alpha: float = 0.05
              ) -> pd.DataFrame:
    """Local Moran of ``y`` on ``w`` (row-standardised): one row per territory in ``w``'s
    order, columns ``local_i``, ``quadrant`` (HH, LH, LL, HL), ``p_sim`` and ``cluster``
    (the quadrant when ``p_sim < alpha``, else ``NS``)."""
    import esda

    y = _check(y, w, permutations)
    if permutations < 1:
        raise InvalidParameterError("LISA : au moins une permutation est nécessaire")
    if not 0 < alpha < 1:
        raise InvalidParameterError(f"LISA : seuil de significativité invalide ({alpha!r})")
    w.transform = "r"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # esda's notices on its future default alternative
        lm = esda.Moran_Local(y, w, transformation="r", permutations=permutations,
                              keep_simulations=False, seed=seed, n_jobs=1)
    quad = np.array([QUADRANTS[int(q)] for q in lm.q], dtype=object)
    sig = np.asarray(lm.p_sim) < alpha
    return pd.DataFrame({"local_i": np.asarray(lm.Is, float), "quadrant": quad,
                         "p_sim": np.asarray(lm.p_sim, float),
                         "cluster": np.where(sig, quad, NOT_SIGNIFICANT)})
