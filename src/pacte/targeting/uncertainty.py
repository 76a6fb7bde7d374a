"""Uncertainty of the ranking: the method choices AND the data, drawn together in a Monte
Carlo (Saisana, Saltelli & Tarantola 2005, "Uncertainty and sensitivity analysis techniques
as tools for the quality assessment of composite indicators", JRSS A 168(2): each draw picks
every uncertain input of the index at once, then the territory's rank is recomputed).

Sources of uncertainty, each switched on or off in the rule file (``uncertainty.sources``):

- ``weights``: dimension and indicator weights drawn from Dirichlet laws centred on the
  nominal weights (``concentration``);
- ``normalisation``: drawn among ``normalisations`` (zscore, minmax, rank);
- ``imputation``: a missing value filled by the median, the mean or a random observed value
  of the indicator (``hotdeck``: a donor drawn at random in each draw, as a multiple
  imputation would);
- ``winsorisation``: the lower quantile drawn among ``winsorisations`` (upper = 1 − lower;
  ``null`` = no winsorisation);
- ``aggregation``: arithmetic or geometric mean of the dimensions (``aggregations``);
- ``leave_one_out``: one indicator left out of the index (or none), uniformly;
- ``sampling``: the census counts behind the indicators redrawn (parametric bootstrap).
  Every census figure on jobs by function comes from the *exploitation complémentaire*, a
  sample of the census bulletins: one dwelling in four in communes under 10,000 inhabitants
  (one in five since 2014) and the whole 40 % sample of the larger communes (Insee,
  « Recensement de la population : exploitations principale et complémentaire »; Ined,
  « Les exploitations : principale ou complémentaire »). A count N estimated at sampling
  rate f has variance ≈ N (1 − f) / f (Horvitz-Thompson estimator of a total under
  Bernoulli sampling; Insee, « La précision des résultats du recensement »). Each draw
  replaces every count by ``N + sqrt(N (1 − f) / f) × z`` (z standard normal, clipped at 0)
  and recomputes the indicator with the catalogue's own ``calc`` on the redrawn counts.
  ``sampling_rate`` 0.25 is the rate of the small communes: larger communes are sampled at
  40 %, so the noise of large territories is overstated (a conservative choice); household
  clustering (design effect) is not modelled. Administrative sources (ESTEL, URSSAF) are
  treated as exact.

Draws are made in chunks of ``chunk`` (memory bounded by n × p × chunk floats whatever the
number of draws; arrays are laid out (draw, indicator, territory) so that every reduction
runs over contiguous memory); the ranks are kept as an (n, draws) int32 matrix.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from pacte.errors import InvalidParameterError

SOURCES = ("weights", "normalisation", "imputation", "winsorisation", "aggregation",
           "leave_one_out", "sampling")
#: French names of the sources (audit, report).
SOURCE_LABELS = {
    "weights": "poids (Dirichlet)", "normalisation": "normalisation",
    "imputation": "imputation des valeurs manquantes", "winsorisation": "seuil de winsorisation",
    "aggregation": "agrégation (arithmétique / géométrique)",
    "leave_one_out": "un indicateur retiré à la fois",
    "sampling": "erreur d'échantillonnage du recensement",
}
NORMALISATIONS = ("zscore", "minmax", "rank")
IMPUTATIONS = ("median", "mean", "hotdeck")
AGGREGATIONS = ("arithmetic", "geometric")
GEOMETRIC_RANGE = (1.0, 100.0)


@dataclass(frozen=True)
class Uncertainty:
    """What the Monte Carlo varies (plain parameters, validated by the rule's model,
    :class:`pacte.targeting.rule.Uncertainty`)."""

    draws: int = 1000
    sources: tuple[str, ...] = SOURCES
    concentration: float = 20.0
    normalisations: tuple[str, ...] = NORMALISATIONS
    imputations: tuple[str, ...] = IMPUTATIONS
    winsorisations: tuple[float | None, ...] = (None, 0.01, 0.025, 0.05)
    aggregations: tuple[str, ...] = AGGREGATIONS
    sampling_rate: float = 0.25
    chunk: int = 100

    def only(self, *sources: str) -> Uncertainty:
        """The same settings with only ``sources`` on."""
        from dataclasses import replace
        return replace(self, sources=tuple(sources))


@dataclass(frozen=True)
class Nominal:
    """The central choices of the rule, used for every source that is off."""

    missing: str = "median"
    winsorisation: tuple[float, float] | None = (0.01, 0.99)
    normalisation: str = "zscore"
    aggregation: str = "arithmetic"
    directions: tuple[str, ...] = field(default_factory=tuple)


# --- pure calculations ---------------------------------------------------------------------


def calc_sampled_counts(N: np.ndarray, rate: float, z: np.ndarray) -> np.ndarray:
    """Counts redrawn from their sampling error: ``N + sqrt(N (1 − f) / f) × z``, clipped at
    0 (``z`` standard normal, broadcast against ``N``; NaN counts stay NaN)."""
    N = np.asarray(N, float)
    sd = np.sqrt(np.clip(N, 0, None) * (1 - rate) / rate)
    return np.clip(N + sd * z, 0, None)


def calc_pct_ranks(X: np.ndarray) -> np.ndarray:
    """Percentile ranks along the LAST axis (rank / n, ties averaged, like
    ``pandas.DataFrame.rank(pct=True)`` on a column), for an array of any shape."""
    n = X.shape[-1]
    if X.size == 0:
        return np.empty(X.shape)
    # tied values get their average rank whatever their order: numpy's default sort (SIMD)
    # serves, 2.4 times faster than the stable one on the draws (33 x 5 x 1,250)
    order = np.argsort(X, axis=-1)
    s = np.take_along_axis(X, order, axis=-1).reshape(-1, n)
    # rank = position + 1, except in the runs of equal values (a few % of them), which get
    # (first + last) / 2 + 1: 0.3 ms a chunk where running extrema over every row took 5
    val = np.empty(s.shape)
    val[:] = np.arange(1, n + 1)
    dup = np.zeros(s.shape, bool)
    np.equal(s[:, 1:], s[:, :-1], out=dup[:, 1:])  # NaN: never equal, as pandas ranks them
    d = np.flatnonzero(dup)  # flat positions equal to the one before (never a row's first)
    if d.size:
        cut = np.flatnonzero(np.diff(d) != 1)
        first = d[np.r_[0, cut + 1]] - 1
        last = d[np.r_[cut, d.size - 1]]
        length = last - first + 1
        at = np.repeat(first - np.cumsum(length) + length, length) + np.arange(length.sum())
        val.ravel()[at] = np.repeat((first % n + last % n) / 2 + 1, length)
    out = np.empty(X.shape)
    np.put_along_axis(out, order, val.reshape(X.shape), axis=-1)
    return out / n


def calc_normalise_draws(X: np.ndarray, method: str) -> np.ndarray:
    """Normalisation along the last axis (territories) of (k, p, n), as
    :func:`pacte.targeting.index.calc_normalise` does column-wise for one matrix."""
    if method == "zscore":
        sd = X.std(axis=-1, keepdims=True)
        return (X - X.mean(axis=-1, keepdims=True)) / np.where(sd > 0, sd, 1)
    if method == "minmax":
        lo, span = X.min(axis=-1, keepdims=True), np.ptp(X, axis=-1, keepdims=True)
        return (X - lo) / np.where(span > 0, span, 1)
    return calc_pct_ranks(X)


def calc_winsorise_draws(X: np.ndarray, lower: np.ndarray) -> np.ndarray:
    """Clip each indicator of each draw of (k, p, n) to its [q_k, 1 − q_k] quantiles over
    the territories (linear interpolation, as ``numpy.quantile``); q_k = 0 leaves draw k
    unchanged."""
    lower = np.asarray(lower, float)
    if not (lower > 0).any():
        return X
    levels = np.unique(lower[lower > 0])
    # the four order statistics each level needs, by a partition (the values a full sort
    # puts there) of the draws of that level: 17 -> 9 ms a chunk of 100 draws (EPCI)
    if len(levels) == 1 and (lower > 0).all():  # one level for every draw: no copies,
        return _clip_at(X, levels[0])  # 16 -> 12 ms a chunk of 100 draws (EPCI)
    X = X.copy()
    for level in levels:
        sel = lower == level
        X[sel] = _clip_at(X[sel], level)
    return X


def _clip_at(X: np.ndarray, level: float) -> np.ndarray:
    """X (..., n) clipped to the quantiles ``level`` and 1 − ``level`` of each row."""
    n = X.shape[-1]
    lo, hi = _quantile_points(level, n), _quantile_points(1 - level, n)
    part = np.partition(X, sorted({*lo[:2], *hi[:2]}), axis=-1)
    q = [part[..., i:i + 1] for i in (*lo[:2], *hi[:2])]
    return np.clip(X, q[0] + lo[2] * (q[1] - q[0]), q[2] + hi[2] * (q[3] - q[2]))


def _quantile_points(level: float, n: int) -> tuple[int, int, float]:
    """(floor, ceiling, fraction) of the position ``level × (n − 1)`` of a quantile."""
    h = level * (n - 1)
    f = int(np.floor(h))
    return f, min(f + 1, n - 1), h - f


def calc_impute_draws(X: np.ndarray, miss: np.ndarray, methods: np.ndarray,
                      rng: np.random.Generator) -> np.ndarray:
    """Fill the ``miss`` cells (p, n) of every draw of X (k, p, n) by the method of the draw
    (``methods`` (k,) among median, mean, hotdeck: a random observed value)."""
    if not miss.any():
        return X
    X = X.copy()
    _impute_in_place(X, miss, methods, rng)
    return X


def _impute_in_place(X: np.ndarray, miss: np.ndarray, methods: np.ndarray,
                     rng: np.random.Generator) -> None:
    """:func:`calc_impute_draws` in X itself (the same random numbers)."""
    k = X.shape[0]
    for j in np.flatnonzero(miss.any(axis=1)):
        rows, obs = np.flatnonzero(miss[j]), np.flatnonzero(~miss[j])
        if obs.size == 0:
            raise InvalidParameterError(f"indicateur n° {j + 1} : aucune valeur observée, "
                                        "imputation impossible")
        col = X[:, j, obs]  # (k, m)
        med, mean = np.median(col, axis=1), col.mean(axis=1)
        hot = col[np.arange(k)[:, None], rng.integers(obs.size, size=(k, rows.size))]
        X[:, j, rows] = np.where((methods == "median")[:, None], med[:, None],
                                 np.where((methods == "mean")[:, None], mean[:, None], hot))


def calc_dirichlet(rng: np.random.Generator, weights: np.ndarray, groups: np.ndarray,
                   concentration: float, draws: int) -> np.ndarray:
    """(draws, p) weights drawn from Dirichlet laws of mean ``weights`` within each group
    (membership (p, G)), via normalised gammas; alpha_i = concentration × w_i × group size."""
    g = rng.gamma(concentration * weights * groups.sum(axis=0)[groups.argmax(axis=1)],
                  size=(draws, len(weights)))
    return g / ((g @ groups) @ groups.T)


def calc_leave_one_out(M: np.ndarray, W_ind: np.ndarray, W_dim: np.ndarray,
                       left: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weights (k, p) and (k, D) with indicator ``left[k]`` removed in draw k (−1: none),
    renormalised within its dimension; a dimension left empty loses its weight."""
    W_ind, W_dim = W_ind.copy(), W_dim.copy()
    rows = np.flatnonzero(left >= 0)
    W_ind[rows, left[rows]] = 0.0
    within = W_ind @ M  # (k, D)
    empty = within <= 0
    W_ind = W_ind / np.where(empty, 1, within)[:, M.argmax(axis=1)]
    W_dim = np.where(empty, 0.0, W_dim)
    return W_ind, W_dim / W_dim.sum(axis=1, keepdims=True)


def calc_scores_draws(Z: np.ndarray, M: np.ndarray, W_ind: np.ndarray, W_dim: np.ndarray,
                      geometric: np.ndarray, dims: np.ndarray | None = None) -> np.ndarray:
    """Overall scores (k, n): Z (k, p, n) normalised and oriented, weights per draw;
    arithmetic or geometric (``geometric`` (k,) bool; dimension scores rescaled to [1, 100]
    per draw, as COINr does) aggregation of the dimensions. ``dims``: an array (k, n, D)
    for the dimension scores (a new one when None)."""
    DS = np.matmul(Z.transpose(0, 2, 1), W_ind[:, :, None] * M[None], out=dims)  # (k, n, D)
    S = np.matmul(DS, W_dim[:, :, None])[:, :, 0]  # (k, n)
    if geometric.any():
        G = DS[geometric]
        # extrema over the territories from the (draw, dimension, territory) layout: the
        # same values, 0.1 ms where the reduction across the middle axis took 3.3 a chunk
        GT = np.ascontiguousarray(G.transpose(0, 2, 1))
        lo, hi = GT.min(axis=-1)[:, None, :], GT.max(axis=-1)[:, None, :]
        a, b = GEOMETRIC_RANGE
        # a + (b − a) (G − lo) / (hi − lo), its log, in G's own copy: the same values
        np.subtract(G, lo, out=G)
        np.multiply(G, b - a, out=G)
        np.divide(G, np.where(hi > lo, hi - lo, 1), out=G)
        np.add(G, a, out=G)
        G = np.log(G, out=G)
        S[geometric] = np.exp(np.matmul(G, W_dim[geometric][:, :, None])[:, :, 0])
    return S


def calc_ranks(S: np.ndarray) -> np.ndarray:
    """Ranks along the LAST axis (1 = highest score, ties broken by order), int32."""
    neg = -S
    n = S.shape[-1]
    # numpy's default sort (SIMD, twice as fast as the stable one) puts equal scores side by
    # side in any order: each run of equal scores then gets its positions in row order,
    # which is the stable sort's result (rows with a NaN are sorted stably again)
    order = np.argsort(neg, axis=-1)
    if S.size:
        s = np.take_along_axis(neg, order, axis=-1).reshape(-1, n)
        flat = order.reshape(-1)
        dup = np.zeros(s.shape, bool)
        np.equal(s[:, 1:], s[:, :-1], out=dup[:, 1:])
        d = np.flatnonzero(dup)
        if d.size:
            cut = np.flatnonzero(np.diff(d) != 1)
            first = d[np.r_[0, cut + 1]] - 1
            length = d[np.r_[cut, d.size - 1]] - first + 1
            at = np.repeat(first - np.cumsum(length) + length, length) + np.arange(length.sum())
            held = flat[at]
            flat[at] = held[np.lexsort((held, np.repeat(np.arange(len(first)), length)))]
        nan = np.isnan(s[:, -1]).reshape(S.shape[:-1])
        if nan.any():
            order[nan] = np.argsort(neg[nan], axis=-1, kind="stable")
    ranks = np.empty(S.shape, dtype=np.int32)
    np.put_along_axis(ranks, order, np.broadcast_to(
        np.arange(1, n + 1, dtype=np.int32), S.shape), axis=-1)
    return ranks


Sampler = Callable[[np.random.Generator, int], np.ndarray]


def calc_uncertainty_ranks(X: np.ndarray, M: np.ndarray, w_ind: np.ndarray,
                           w_dim: np.ndarray, unc: Uncertainty, nominal: Nominal,
                           seed: int, draws: int, sampler: Sampler | None = None
                           ) -> np.ndarray:
    """Ranks (n, draws) int32 of the territories of X (n, p: raw values of the ranked
    territories, NaN = to impute) when every source of ``unc.sources`` varies at once
    (the others at their ``nominal`` value). ``sampler(rng, k)`` returns the raw
    values redrawn from the census sampling error, as (k, p, n) (NaN where a value is not
    redrawn)."""
    if draws < 1:
        raise InvalidParameterError(f"--draws doit être un entier ≥ 1 (valeur : {draws})")
    rng = np.random.default_rng(seed)
    on = set(unc.sources)
    n, p = X.shape
    miss = np.isnan(X).T  # (p, n)
    sign = np.array([1.0 if d == "higher_is_worse" else -1.0 for d in nominal.directions])
    nom_win = nominal.winsorisation[0] if nominal.winsorisation else 0.0
    win_choices = np.array([w or 0.0 for w in unc.winsorisations])
    redraws = "sampling" in on and sampler is not None
    out = np.empty((n, draws), dtype=np.int32)
    # the chunk's values (redrawn, imputed, prepared in place) and dimension scores kept from
    # one chunk to the next: 5 + 2 MB a chunk (EPCI) mapped afresh under store.heap.bound_heap
    size = min(unc.chunk, draws)
    work, dims = np.empty((size, p, n)), np.empty((size, n, M.shape[1]))
    same = not redraws and not miss.any()
    for start in range(0, draws, unc.chunk):
        k = min(unc.chunk, draws - start)
        Xk = work[:k]
        if redraws:
            redrawn = sampler(rng, k)
            for j in range(p):  # the values redrawn, the others as they are
                np.copyto(Xk[:, j], redrawn[:, j])
                np.copyto(Xk[:, j], X[:, j], where=np.isnan(redrawn[:, j]))
        elif not same:
            Xk[:] = X.T[None]
        imp = (rng.choice(unc.imputations, size=k) if "imputation" in on
               else np.full(k, "median"))  # « exclude » leaves nothing to impute
        if miss.any():
            _impute_in_place(Xk, miss, imp, rng)
        lower = (rng.choice(win_choices, size=k) if "winsorisation" in on
                 else np.full(k, nom_win))
        norms = (rng.choice(unc.normalisations, size=k) if "normalisation" in on
                 else np.full(k, nominal.normalisation))
        Z = _prepared_draws(np.broadcast_to(X.T[None], (k, p, n)) if same else Xk, lower,
                            norms, sign, same, out=Xk)
        if "weights" in on:
            W_ind = calc_dirichlet(rng, w_ind, M, unc.concentration, k)
            W_dim = calc_dirichlet(rng, w_dim, np.ones((len(w_dim), 1)), unc.concentration, k)
        else:
            W_ind, W_dim = np.tile(w_ind, (k, 1)), np.tile(w_dim, (k, 1))
        if "leave_one_out" in on and p > 1:
            W_ind, W_dim = calc_leave_one_out(M, W_ind, W_dim, rng.integers(-1, p, size=k))
        aggs = (rng.choice(unc.aggregations, size=k) if "aggregation" in on
                else np.full(k, nominal.aggregation))
        S = calc_scores_draws(Z, M, W_ind, W_dim, aggs == "geometric", dims[:k])
        out[:, start:start + k] = (_distinct_ranks(S) if same and "weights" not in on
                                   else calc_ranks(S)).T
    return out


def _distinct_ranks(S: np.ndarray) -> np.ndarray:
    """:func:`calc_ranks` of S (k, n), each distinct row (its bytes) ranked once: with the
    values and the weights fixed, the draws take a few distinct scores (the audit's runs of
    one source: 3 normalisations, 4 winsorisations, 2 aggregations, 6 indicators left out
    or none), whose ranks (row-wise) then serve every draw of them: 27 ms of each of these
    runs at EPCI (500 draws, the ranks' sorts), 1 ms left."""
    first: dict[bytes, int] = {}
    rows = np.array([first.setdefault(row.tobytes(), i) for i, row in enumerate(S)])
    reps = np.unique(rows)
    if len(reps) == len(S):
        return calc_ranks(S)
    ranks = calc_ranks(S[reps])
    return ranks[np.searchsorted(reps, rows)]


def _prepared_draws(X: np.ndarray, lower: np.ndarray, norms: np.ndarray, sign: np.ndarray,
                    same: bool, out: np.ndarray | None = None) -> np.ndarray:
    """Z (k, p, n): each draw of X (k, p, n) winsorised at its ``lower`` quantile, oriented
    (``sign`` (p,)) and normalised by its method ``norms``. ``same``: every draw holds the
    same values (no census redraw, nothing imputed), which are then winsorised and
    normalised once per (quantile, method) drawn instead of once per draw: the same
    values (row-wise operations): 6 of the audit's 8 runs (one source each, not the census
    redraws), 0.11-0.22 -> 0.04 s each (EPCI). ``out``: the array of Z (a new one when
    None), which may be X itself."""
    Z = np.empty(X.shape) if out is None else out
    if same:
        one = np.ascontiguousarray(X[:1])
        for q in np.unique(lower):
            W = calc_winsorise_draws(one, np.array([q])) * sign[None, :, None]
            for m in np.unique(norms[lower == q]):
                Z[(lower == q) & (norms == m)] = calc_normalise_draws(W, m)
        return Z
    # indicator by indicator: the same row-wise values, each indicator read before its
    # rows of Z are written, in (k, n) arrays under the build's 1 MB threshold of a map
    for j in range(X.shape[1]):
        x = calc_winsorise_draws(X[:, j:j + 1], lower) * sign[j]
        for m in np.unique(norms):
            sel = norms == m
            Z[sel, j:j + 1] = calc_normalise_draws(x[sel], m)
    return Z
