"""Spatial autocorrelation: global Moran's I and local Moran (LISA), computed as PySAL's esda
computes them (same arithmetic, same draws: the tests compare both, number for number; the
normal approximation's p-value to 1e-13 relative, :func:`calc_ndtr`), with numpy and
scipy.sparse only (esda and libpysal cost 2 s of imports to each build).

* :func:`calc_moran`: Moran's I (Moran 1950; Cliff and Ord 1981) on row-standardised
  weights, its expectation ``-1/(n-1)``, the normal-approximation z and p-value (esda's
  ``Moran``), and a permutation p-value: ``permutations`` random relabellings of the values
  drawn from ``numpy.random.RandomState(seed)`` (the generator esda's own ``Moran`` uses
  through ``numpy.random``: with ``numpy.random.seed(seed)`` before it, esda finds the same
  p-value), folded as esda does, ``p = (min(larger, permutations - larger) + 1) /
  (permutations + 1)`` where ``larger`` counts the draws at or above the observed I.
  The seed is an explicit argument: nothing touches the global generator.
* :func:`calc_lisa`: local Moran ``I_i`` (Anselin 1995) with esda's ``Moran_Local``
  conditional permutations (without numba: for each territory, its neighbours' values drawn
  among the others', the draws of ``RandomState(seed).choice(n - 1, k_max, replace=False)``;
  the p-value folded as above, then rounded to float32 as esda stores it), each territory's
  quadrant (1 High-High, 2 Low-High, 3 Low-Low, 4 High-Low: esda's ``q``) and its cluster
  when the permutation p-value is below ``alpha``, else « non significatif ».

The weights ``w`` are :class:`pacte.spatial.weights.Weights` or libpysal's ``W`` (anything
with ``n``, a settable ``transform`` and a ``sparse`` matrix).

p-values of 1,255 local tests are not corrected for multiple testing (as GeoDa and esda
by default): at ``alpha = 0.05`` about 5 % of territories would be flagged by chance alone;
the clusters are a map to read, not a proof for each territory.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd

from pacte.errors import InvalidParameterError

#: esda's quadrant ``q`` -> cluster code.
QUADRANTS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}
NOT_SIGNIFICANT = "NS"
_SQRT1_2 = math.sqrt(0.5)
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
    rows = permutation_indices(len(z), permutations, seed)
    n, s0 = len(z), sparse.sum()
    out = np.empty(permutations)
    # by blocks of draws: the whole (P, n) stack, its lag and einsum's operands made 30 MB
    # at EPCI beside the cards, at the build's peak. Blocks of even sizes: einsum gives each
    # draw the same bits in any block of 2 draws or more (checked for 2 to 301), but not
    # in a block of one (tests/spatial/test_permutations.py). Blocks of _BLOCK_BYTES: at
    # EPCI (1,255 territories), 26 draws a block: 8 ms of CPU a variable where blocks of
    # 128 draws (operands of 1.3-2.5 MB, each mapped afresh above the build's 1 MB
    # threshold of store.heap.bound_heap, out of a core's 1 MB cache) took 29
    least = max(2, _BLOCK_BYTES // (8 * max(n, 1)))
    blocks = max(1, permutations // least)  # each of ``least`` draws or more
    for part in np.array_split(np.arange(permutations), blocks):
        Z = z[rows[part]]  # (block, n)
        out[part] = np.einsum("pn,np->p", Z, sparse @ Z.T)
    return (n / s0) * out / (z @ z)


#: Bytes of one block of values of :func:`calc_moran_permutations` and
#: :func:`calc_lisa_permutations` (about: a block holds up to twice as many draws in the
#: first): under the build's 1 MB threshold of a memory map and in a core's cache.
_BLOCK_BYTES = 256 * 1024


@functools.lru_cache(maxsize=1)
def permutation_indices(n: int, permutations: int, seed: int) -> np.ndarray:
    """(permutations, n) rows of ``RandomState(seed).permutation(n)``: ``x[rows]`` are the
    draws of ``RandomState(seed).permutation(x)`` (the same swaps whatever the values), so
    the score and the rule's indicators of one level (the same territories) share them:
    the 999 shuffles took 20 ms of each variable's 48 (EPCI). Read-only, int32."""
    rs = np.random.RandomState(seed)
    out = np.empty((permutations, n), dtype=np.int32)
    for p in range(permutations):
        out[p] = rs.permutation(n)
    out.flags.writeable = False
    return out


def _fold(larger: np.ndarray | int, permutations: int):
    """esda's « directed » permutation p-value from the count of draws at or above."""
    larger = np.minimum(larger, permutations - np.asarray(larger))
    return (larger + 1.0) / (permutations + 1.0)


def calc_ndtr(a: float) -> float:
    """The standard normal's distribution function at ``a``: scipy's ``special.ndtr``, by
    the same branches (cephes': ``erf`` near 0, ``erfc`` in the tails) on the C library's
    ``erf`` and ``erfc`` instead of cephes' (equal to 1e-13 relative; tests). Importing
    ``scipy.special`` for it, beyond what ``scipy.sparse`` imports, held the GIL 0.04-0.05 s
    in the build's last step (``python -X importtime``, 3 runs)."""
    if math.isnan(a):
        return float(a)
    x = a * _SQRT1_2
    z = abs(x)
    if z < _SQRT1_2:
        return 0.5 + 0.5 * math.erf(x)
    y = 0.5 * math.erfc(z)
    return 1.0 - y if x > 0 else y


def calc_moran(y, w, permutations: int = 999, seed: int = 0, two_tailed: bool = False
               ) -> dict:
    """Global Moran's I of ``y`` on the weights ``w`` (row-standardised here).

    Returns ``I``, ``expected`` (E[I]), ``z_norm``, ``p_norm`` (normal approximation, one-
    tailed unless ``two_tailed``), ``p_sim`` (permutations; None when 0), ``permutations``,
    ``seed`` and ``n``."""
    y = _check(y, w, permutations)
    w.transform = "r"
    W = w.sparse
    n = len(y)
    z = y - y.mean()
    z2ss = (z * z).sum()
    expected = -1.0 / (n - 1)
    # libpysal's s0, s1, s2 and esda's variance under normality, operation for operation
    s0 = W.sum()
    t = W.transpose() + W
    s1 = t.multiply(t).sum() / 2.0
    s2 = (np.array(W.sum(1) + W.sum(0).transpose()) ** 2).sum()
    s02 = s0 * s0
    v_num = n * n * s1 - n * s2 + 3 * s02
    v_den = (n - 1) * (n + 1) * s02
    se_norm = (v_num / v_den - (1.0 / (n - 1)) ** 2) ** (1 / 2.0)
    moran_i = n / s0 * (z * (W @ z)).sum() / z2ss
    z_norm = (moran_i - expected) / se_norm
    p_norm = calc_ndtr(-z_norm) if z_norm > 0 else calc_ndtr(z_norm)
    if two_tailed:
        p_norm *= 2.0
    p_sim = None
    if permutations:
        sim = calc_moran_permutations(z / y.std(), W, permutations, seed)
        p_sim = float(_fold(int((sim >= moran_i).sum()), permutations))
    return {"I": float(moran_i), "expected": float(expected), "z_norm": float(z_norm),
            "p_norm": p_norm, "p_sim": p_sim, "permutations": int(permutations),
            "seed": int(seed), "n": int(n)}


def lisa_weights(z: np.ndarray, sparse) -> tuple:
    """What the LISA's conditional permutations read of the weights: the scaling
    ``(n - 1) / sum(z^2)``, each territory's own weight, the other neighbours' weights in
    row order (CSR data without the diagonal) and each territory's number of them."""
    adj = sparse.tocsr(copy=True)
    scaling = (len(z) - 1) / (z * z).sum()
    self_weights = adj.diagonal()
    adj.setdiag(0)
    adj.eliminate_zeros()
    return (scaling, self_weights, adj.data.astype(z.dtype),
            np.asarray((adj != 0).sum(1)).ravel())


def calc_lisa_permutations(z: np.ndarray, sparse, observed: np.ndarray, permutations: int,
                           seed: int) -> np.ndarray:
    """esda's conditional permutation p-values of the local Moran (``Moran_Local`` without
    numba, « directed »): for territory i with k neighbours, ``permutations`` draws of k
    values among the other territories' ``z`` (rows of ``RandomState(seed).choice(n - 1,
    k_max, replace=False)``, the first k of each), ``I_i`` recomputed on each; as float32."""
    n = len(z)
    scaling, self_weights, other, card = lisa_weights(z, sparse)
    rs = np.random.RandomState(seed)
    k_max = card.max()
    ids = np.empty((permutations, k_max), dtype=np.int64)
    for p in range(permutations):  # RandomState.choice(n - 1, k_max, replace=False)'s draws
        ids[p] = rs.permutation(n - 1)[:k_max]
    p_sim = np.zeros(n, dtype=np.float32)
    starts = np.concatenate([[0], np.cumsum(card)[:-1]]).astype(np.int64)
    # the territories with k neighbours together, by blocks (block x permutations x k
    # values): the same products (a stack of matrix-vector products gives the BLAS results
    # of each one, checked for k = 1 to 15) where one pass per territory took 1,549 loops
    for k in np.unique(card):
        rows = np.flatnonzero(card == k)
        if k == 0:  # an island: one fake neighbour of weight 0 (esda's island_weight)
            W = np.zeros((len(rows), 1), dtype=other.dtype)
        else:
            W = other[starts[rows][:, None] + np.arange(k)]
        pick = ids[:, :W.shape[1]]
        shared = bool((W == W[:1]).all())  # row-standardised: every row is 1/k
        # blocks of _BLOCK_BYTES of values (and as many of indices): EPCI's LISA 0.15 ->
        # 0.07 s of CPU where blocks of 64 territories (2.6 MB with 5 neighbours) were
        # mapped afresh under the build's 1 MB threshold (store.heap.bound_heap)
        size = max(1, _BLOCK_BYTES // (8 * permutations * W.shape[1]))
        for lo in range(0, len(rows), size):
            r = rows[lo:lo + size]
            # the values of the others (z without territory i): position j is z[j + (j >= i)]
            zrand = z[pick[None] + (pick[None] >= r[:, None, None])]
            lag = (np.matmul(zrand, W[0]) if shared else
                   np.stack([zrand[j] @ W[lo + j] for j in range(len(r))]))
            zi = z[r][:, None]
            sims = zi * (lag + self_weights[r][:, None] * zi) * scaling
            p_sim[r] = _fold((sims >= observed[r][:, None]).sum(axis=1), permutations)
    return p_sim



def calc_lisa(y, w, permutations: int = 999, seed: int = 0, alpha: float = 0.05
              ) -> pd.DataFrame:
    """Local Moran of ``y`` on ``w`` (row-standardised): one row per territory in ``w``'s
    order, columns ``local_i``, ``quadrant`` (HH, LH, LL, HL), ``p_sim`` and ``cluster``
    (the quadrant when ``p_sim < alpha``, else ``NS``)."""
    y = _check(y, w, permutations)
    if permutations < 1:
        raise InvalidParameterError("LISA : au moins une permutation est nécessaire")
    if not 0 < alpha < 1:
        raise InvalidParameterError(f"LISA : seuil de significativité invalide ({alpha!r})")
    w.transform = "r"
    W = w.sparse
    n = len(y)
    z = y - y.mean()
    z /= y.std()
    lag = W @ z
    local_i = (n - 1) * z * lag / (z * z).sum()
    zp, lp = z > 0, lag > 0
    q = 1 * (zp * lp) + 2 * ((1 - zp) * lp) + 3 * ((1 - zp) * (1 - lp)) + 4 * (zp * (1 - lp))
    p_sim = calc_lisa_permutations(z, W, local_i, permutations, seed).astype(float)
    quad = np.array([QUADRANTS[int(x)] for x in q], dtype=object)
    return pd.DataFrame({"local_i": np.asarray(local_i, float), "quadrant": quad,
                         "p_sim": p_sim,
                         "cluster": np.where(p_sim < alpha, quad, NOT_SIGNIFICANT)})
