"""Targeting: a transparent composite index of industrial vulnerability, its uncertainty and
the selection of territories.

Method (JRC/OECD Handbook on Constructing Composite Indicators, as in COINr):

1. ``load_config``: the index is data, a YAML file (``data/composite_default.yaml`` by
   default) validated by ``pacte.targeting.rule`` (French errors naming the key and the value);
2. ``load_matrix``: the stored indicators (one query), one column per (indicator, source,
   period), missing values filled per territory from the ``fallback`` source/periods;
3. pure ``calc_*`` functions: impute (median, counted per territory) or exclude, winsorise,
   orient (``higher_is_better`` columns are negated, so that a higher value always means
   "more of a priority"), normalise (zscore, minmax, rank), aggregate by dimension (weighted
   mean) then overall (arithmetic or geometric), contributions of each dimension;
4. ``pacte.targeting.uncertainty``: a Monte Carlo varying the method choices (weights,
   normalisation, imputation, winsorisation, aggregation, one indicator left out) and the
   census data (sampling error of the counts, :mod:`pacte.targeting.sampling`), in chunks;
   5th-95th percentile of each territory's rank, widened when needed to contain the central
   rank; the draws themselves give the tiers of a programme (:mod:`pacte.targeting.tiers`);
5. ``calc_selection``: top N, quotas of rural and urban territories, optionally per région.

``rank_territories`` chains them (plus the typology and peers of ``pacte.targeting.typology``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pacte.catalogue import INDICATORS
from pacte.engine import read_indicators
from pacte.errors import InvalidParameterError
from pacte.geography import RANK_LEVELS, check_level
from pacte.labels import fr_number
from pacte.targeting.facts import Ranking, RankingFacts, Unranked
from pacte.targeting.peers import similar_peers
from pacte.targeting.rule import NORMALISATIONS, Config, calc_weights, load_config
from pacte.targeting.typology import calc_typology
from pacte.targeting.uncertainty import Nominal, Sampler, calc_uncertainty_ranks

#: Geometric aggregation needs positive values: dimension scores rescaled to [1, 100] (COINr).
GEOMETRIC_RANGE = (1.0, 100.0)

# --- data ----------------------------------------------------------------------------------


def load_matrix(con, level: str, config: Config) -> tuple[pd.DataFrame, np.ndarray]:
    """Territories of ``level`` (code, name, population, area_type, reg, reg_name) and the raw
    matrix (n, p) of the index's indicators, read from the store's indicator table."""
    check_level(level, RANK_LEVELS, "pour le classement")
    ter = con.execute("""SELECT t.code, t.name, t.population, t.area_type, t.reg,
                                r.name AS reg_name
                         FROM territory t LEFT JOIN territory r ON r.level = 'reg'
                              AND r.code = t.reg
                         WHERE t.level = ? ORDER BY t.code""", [level]).df()
    ids = [i for i in dict.fromkeys(s.id for s in config.specs) if level in INDICATORS[i].levels]
    df = read_indicators(con, level, ids) if ids else pd.DataFrame(
        columns=["indicator", "source", "period", "code", "value"])
    # rows of each (indicator, source, period) by position, only the rule's blocks built:
    # a Series per group of the whole table took 40 ms of each call (EPCI)
    groups = df.groupby(["indicator", "source", "period"], sort=False).indices
    value, code = df["value"].to_numpy(float), df["code"].to_numpy(object)
    X = np.full((len(ter), len(config.specs)), np.nan)
    codes = pd.Index(ter["code"])
    for j, s in enumerate(config.specs):
        found = [groups[(s.id, *c)] for c in s.candidates if (s.id, *c) in groups]
        if not found:
            raise InvalidParameterError(
                f"indicateur {s.id!r} ({', '.join(f'{a} {b}' for a, b in s.candidates)}) "
                f"indisponible au niveau {level!r}")
        for rows in found:
            v = pd.Series(value[rows], index=code[rows]).reindex(codes).to_numpy(float)
            X[:, j] = np.where(np.isnan(X[:, j]), v, X[:, j])
    return ter, X


# --- pure calculations ---------------------------------------------------------------------


def calc_impute(X: np.ndarray, method: str = "median", max_missing_share: float = 1.0
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(filled X, number of imputed values per territory, kept territories mask).
    ``median``: NaN -> the column's median over territories; ``exclude``: territories with a
    NaN are dropped (mask False). Beyond ``max_missing_share`` a territory is dropped too."""
    miss = np.isnan(X)
    n_missing = miss.sum(axis=1)
    keep = n_missing <= max_missing_share * X.shape[1]
    if method == "exclude":
        keep &= n_missing == 0
    med = np.nanmedian(np.where(keep[:, None], X, np.nan), axis=0)
    return np.where(miss, med[None, :], X), n_missing, keep


def calc_winsorise(X: np.ndarray, lower: float, upper: float) -> np.ndarray:
    """Clip each column to its [lower, upper] quantiles."""
    lo, hi = np.quantile(X, [lower, upper], axis=0)
    return np.clip(X, lo, hi)


def calc_normalise(X: np.ndarray, method: str) -> np.ndarray:
    """Column-wise: zscore (mean 0, sd 1), minmax ([0, 1]), rank (percentile in (0, 1],
    ties averaged). A constant column gives 0 (zscore, minmax) or 0.5 (rank)."""
    if method == "zscore":
        sd = X.std(axis=0)
        return (X - X.mean(axis=0)) / np.where(sd > 0, sd, 1)
    if method == "minmax":
        lo, span = X.min(axis=0), np.ptp(X, axis=0)
        return (X - lo) / np.where(span > 0, span, 1)
    if method == "rank":
        return pd.DataFrame(X).rank(axis=0, pct=True).to_numpy()
    raise InvalidParameterError(f"normalisation inconnue : {method!r} "
                                f"(valeurs possibles : {', '.join(NORMALISATIONS)})")


def calc_oriented(X: np.ndarray, directions) -> np.ndarray:
    """Negate the ``higher_is_better`` columns: higher = more of a priority everywhere."""
    sign = np.array([1.0 if d == "higher_is_worse" else -1.0 for d in directions])
    return X * sign[None, :]


def calc_aggregate(Z: np.ndarray, M: np.ndarray, W_ind: np.ndarray, W_dim: np.ndarray,
                   method: str = "arithmetic") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scores for K weight sets at once. Z (n, p) normalised and oriented, W_ind (K, p)
    summing to 1 within dimensions, W_dim (K, D) summing to 1. Returns dimension scores
    (n, K, D), overall scores (n, K), contributions (n, K, D): arithmetic, w_d × s_d (they
    sum to the score); geometric, w_d × ln(s_d rescaled to [1, 100]) (they sum to ln score)."""
    DS = np.einsum("np,kpd->nkd", Z, W_ind[:, :, None] * M[None])
    if method == "geometric":
        lo, hi = DS.min(axis=0, keepdims=True), DS.max(axis=0, keepdims=True)
        a, b = GEOMETRIC_RANGE
        R = a + (b - a) * (DS - lo) / np.where(hi > lo, hi - lo, 1)
        contrib = np.log(R) * W_dim[None]
        return DS, np.exp(contrib.sum(axis=-1)), contrib
    contrib = DS * W_dim[None]
    return DS, contrib.sum(axis=-1), contrib


def calc_ranks(S: np.ndarray) -> np.ndarray:
    """Ranks along axis 0 (1 = highest score, ties broken by order), for (n,) or (n, K)."""
    order = np.argsort(-S, axis=0, kind="stable")
    ranks = np.empty_like(order)
    idx = np.arange(1, S.shape[0] + 1).reshape((-1,) + (1,) * (S.ndim - 1))
    np.put_along_axis(ranks, order, np.broadcast_to(idx, S.shape), axis=0)
    return ranks


def calc_rank_interval(ranks: np.ndarray, central: np.ndarray) -> tuple[np.ndarray, ...]:
    """5th and 95th percentiles of each territory's ranks, widened to hold the central rank
    (the interval is a statement about the central ranking's robustness)."""
    low = np.percentile(ranks, 5, axis=1, method="lower").astype(int)
    high = np.percentile(ranks, 95, axis=1, method="higher").astype(int)
    return np.minimum(low, central), np.maximum(high, central)


def calc_selection(ranked: pd.DataFrame, top: int, rural_quota: int = 0, urban_quota: int = 0,
                   per_region: bool = False) -> np.ndarray:
    """Selected rows (bool) of ``ranked`` (columns rank, area_type, reg): the best
    ``rural_quota`` rural and ``urban_quota`` urban territories first, then the best
    remaining ranks up to ``top`` (within each région when ``per_region``)."""
    if top < 1:
        raise InvalidParameterError(f"--top doit être un entier ≥ 1 (valeur : {top})")
    if rural_quota < 0 or urban_quota < 0 or rural_quota + urban_quota > top:
        raise InvalidParameterError(
            f"quotas impossibles : rural {rural_quota} + urbain {urban_quota} > --top {top} "
            "(ou négatifs)")
    chosen = np.zeros(len(ranked), dtype=bool)
    groups = ranked.groupby("reg", dropna=False).indices if per_region else {
        None: np.arange(len(ranked))}
    ranks = ranked["rank"].to_numpy()
    area = ranked["area_type"].to_numpy()
    for idx in groups.values():
        idx = idx[np.argsort(ranks[idx], kind="stable")]
        take = [*idx[area[idx] == "rural"][:rural_quota],
                *idx[area[idx] == "urbain"][:urban_quota]]
        rest = [i for i in idx if i not in set(take)]
        chosen[take + rest[: max(top - len(take), 0)]] = True
    return chosen


# --- the whole chain -----------------------------------------------------------------------


def calc_nominal(config: Config) -> Nominal:
    """The rule's central choices (used for each source of uncertainty that is off)."""
    return Nominal(config.missing, config.winsorisation, config.normalisation,
                   config.aggregation, tuple(s.direction for s in config.specs))


def calc_index(X: np.ndarray, config: Config, seed: int = 0, draws: int | None = None,
               sampler: Sampler | None = None, beside=None) -> dict:
    """The whole index on a raw matrix X (n, p) (columns = ``config.specs``): ``keep`` (n,)
    territories ranked, then for those: ``n_imputed``, ``score``, ``rank``, ``rank_low``,
    ``rank_high``, dimension scores ``dims`` (m, D), contributions ``contrib`` (m, D) and
    the Monte Carlo ranks ``draws`` (m, draws). ``sampler``: census values redrawn for the
    n territories (:func:`pacte.targeting.sampling.load_sampler`). ``beside(central)``:
    run on ``keep`` and ``dims`` while the Monte Carlo runs in a thread (it releases the
    GIL in its array operations); its result under ``beside``."""
    draws = config.draws if draws is None else draws
    if draws < 1:
        raise InvalidParameterError(f"--draws doit être un entier ≥ 1 (valeur : {draws})")
    raw = X
    X, n_imputed, keep = calc_impute(X, config.missing, config.max_missing_share)
    X = X[keep]
    if config.winsorisation:
        X = calc_winsorise(X, *config.winsorisation)
    X = calc_oriented(X, [s.direction for s in config.specs])
    M, w_ind, w_dim = calc_weights(config)
    Z = calc_normalise(X, config.normalisation)
    DS, S, C = calc_aggregate(Z, M, w_ind[None], w_dim[None], config.aggregation)
    rank = calc_ranks(S[:, 0])
    if sampler is not None:
        from pacte.targeting.sampling import kept_sampler

        sampler = kept_sampler(sampler, keep)

    def monte_carlo() -> np.ndarray:
        return calc_uncertainty_ranks(raw[keep], M, w_ind, w_dim, config.uncertainty,
                                      calc_nominal(config), seed, draws, sampler)

    extra = None
    if beside is None:
        R = monte_carlo()
    else:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(1) as pool:
            future = pool.submit(monte_carlo)
            extra = beside({"keep": keep, "dims": DS[:, 0]})
            R = future.result()
    low, high = calc_rank_interval(R, rank)
    return {"keep": keep, "n_imputed": n_imputed[keep], "score": S[:, 0], "rank": rank,
            "rank_low": low, "rank_high": high, "dims": DS[:, 0], "contrib": C[:, 0],
            "draws": R, "beside": extra}


def calc_unranked_reason(n_missing: int, p: int, share: float, method: str = "median") -> str:
    """French reason why a territory is left unranked: the rule excludes any territory with
    a missing value (``missing: exclude``), or it has more missing values than the rule's
    threshold allows."""
    missing = f"{n_missing} indicateur{'s' if n_missing > 1 else ''} sur {p} manquant" \
              f"{'s' if n_missing > 1 else ''} (données absentes)"
    if method == "exclude" and n_missing <= share * p:
        return f"{missing} ; la règle écarte tout territoire à valeur manquante " \
               "(missing.method = exclude)"
    return (f"{missing}, au-delà du seuil de la règle (missing.max_missing_share = "
            f"{fr_number(share, 2)})")


def calc_imputed_note(n_imputed: np.ndarray, p: int) -> np.ndarray:
    """French flag of each territory with imputed inputs ("" when none)."""
    return np.array([f"{k} indicateur{'s' if k > 1 else ''} sur {p} imputé"
                     f"{'s' if k > 1 else ''} (donnée absente)" if k else ""
                     for k in np.asarray(n_imputed, int)], dtype=object)


def rank_territories(con, level: str = "epci", config: Config | None = None, seed: int = 0,
                     draws: int | None = None, loaded=None) -> Ranking:
    """Ranking of every territory of ``level``: the frame (rank, score, rank interval,
    dimension scores and contributions, top dimension, type and peers, imputed inputs
    flagged), its facts (rule, level, seed, draws, sources of uncertainty, territories left
    unranked with their reason) and the Monte Carlo ranks (rows in the order of the frame,
    one column per draw). ``loaded(level, config, ter, X, panels)`` receives what it read
    from the store (the territories, the raw matrix, the census panels redrawn or None),
    left unchanged."""
    from pacte.targeting.sampling import load_sampled_panels, load_sampler

    config = config or load_config()
    draws = config.draws if draws is None else draws
    ter, X = load_matrix(con, level, config)
    sampling = "sampling" in config.uncertainty.sources
    panels = load_sampled_panels(con, level) if sampling else None
    if loaded is not None:
        loaded(level, config, ter, X, panels)
    sampler = (load_sampler(con, level, config, pd.Index(ter["code"]), X,
                            config.uncertainty.sampling_rate, panels) if sampling else None)

    def typology_and_peers(central: dict) -> tuple[list[str], list[str]]:
        kept = ter[central["keep"]].reset_index(drop=True)
        types, _ = calc_typology(central["dims"], kept["area_type"].to_numpy(), config)
        return types, similar_peers(con, level, kept, central["dims"], config.typology[3])

    # the typology and peers (mostly Python) while the Monte Carlo runs: 0.2 s of CPU
    # (typology 0.15, peers 0.05, EPCI) off the ranking's critical path
    r = calc_index(X, config, seed, draws, sampler, beside=typology_and_peers)
    n_missing = np.isnan(X).sum(axis=1)
    p = len(config.specs)
    unranked = tuple(Unranked(code=c, name=nm, reason=calc_unranked_reason(
        int(k), p, config.max_missing_share, config.missing))
        for c, nm, k in zip(ter["code"][~r["keep"]], ter["name"][~r["keep"]],
                            n_missing[~r["keep"]], strict=True))
    dims = config.dimensions
    out = ter[r["keep"]].reset_index(drop=True).assign(
        rank=r["rank"], score=r["score"], rank_low=r["rank_low"], rank_high=r["rank_high"],
        top_dimension=[dims[d].label for d in r["contrib"].argmax(axis=1)],
        n_imputed=r["n_imputed"], imputed_note=calc_imputed_note(r["n_imputed"], p))
    for d, dim in enumerate(dims):
        out[f"dim_{dim.id}"] = r["dims"][:, d]
        out[f"contrib_{dim.id}"] = r["contrib"][:, d]
    out["type"], out["peers"] = r["beside"]
    order = np.argsort(out["rank"].to_numpy(), kind="stable")
    out = out.iloc[order].reset_index(drop=True)
    facts = RankingFacts(level=level, rule=config.name, seed=seed, draws=draws,
                         unranked=unranked, sources=tuple(config.uncertainty.sources))
    first = ["rank", "code", "name", "score", "rank_low", "rank_high", "area_type", "type",
             "top_dimension"]
    return Ranking(out[first + [c for c in out.columns if c not in first]], facts,
                   r["draws"][order])
