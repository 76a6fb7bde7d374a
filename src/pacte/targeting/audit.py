"""Statistical audit of a composite index, as the JRC/OECD Handbook (2008) and
COINr (R) do it, on the matrix the index really aggregates (imputed, winsorised, oriented,
normalised: :func:`calc_prepared`):

- Pearson correlations of the indicators and of the dimension scores (:func:`calc_correlations`);
- Cronbach's alpha of each dimension (:func:`calc_cronbach_alpha`);
- principal components of the indicators (:func:`calc_pca`);
- each indicator's effective importance: the first-order sensitivity index (correlation
  ratio) ``S_i = Var(E[y | x_i]) / Var(y)`` of the score ``y``, estimated by a cubic
  regression of ``y`` on ``x_i``, normalised to sum to 1 and compared with the nominal weight
  (Paruolo, Saisana & Saltelli 2013, "Ratings and rankings: voodoo or science?", JRSS A 176:
  the ratio should lie within [1/2, 2]) (:func:`calc_effective_importance`);
- sensitivity: each indicator, then each dimension removed in turn (weights renormalised),
  the mean absolute rank shift (:func:`calc_removal_shifts`);
- empirical-Bayes shrinkage of noisy rates toward the national rate (:func:`calc_eb_shrinkage`);
- estimates: indicators computed at this level from a coarser sector mix
  (:func:`calc_regional_ratio`: ``x_j / x_k`` constant within each région);
- uncertainty: the share of the rank variance due to each source of uncertainty of the
  rule, method and census sampling error
  (:func:`pacte.targeting.variance.calc_source_shares`).

``run_audit`` reads the store (:func:`pacte.targeting.index.load_matrix`) and chains them;
every other function is pure (numpy arrays in, arrays out).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pacte.targeting.index import (
    calc_aggregate,
    calc_impute,
    calc_normalise,
    calc_oriented,
    calc_ranks,
    calc_winsorise,
    load_matrix,
)
from pacte.targeting.rule import Config, calc_weights
from pacte.targeting.variance import calc_source_shares

#: Draws per source in the audit's variance decomposition (one Monte Carlo per source),
#: and their seed.
AUDIT_DRAWS = 500
AUDIT_SEED = 0

#: Paruolo et al. (2013): effective importance within [1/2, 2] times the nominal weight.
IMPORTANCE_BAND = (0.5, 2.0)
#: Pairs of indicators above this |r| count the same information twice.
MAX_CORRELATION = 0.9
#: Crisis rates whose noise shrinks with the size of their base (empirical Bayes).
RATE_IDS = ("industry_job_change_rel", "job_change_rel")

# --- pure calculations ---------------------------------------------------------------------


def calc_prepared(X: np.ndarray, config: Config) -> tuple[np.ndarray, np.ndarray]:
    """(Z, keep): the matrix the index aggregates (central normalisation), as in
    :func:`pacte.targeting.index.calc_index`, and the territories kept."""
    X, _n, keep = calc_impute(X, config.missing, config.max_missing_share)
    X = X[keep]
    if config.winsorisation:
        X = calc_winsorise(X, *config.winsorisation)
    X = calc_oriented(X, [s.direction for s in config.specs])
    return calc_normalise(X, config.normalisation), keep


def calc_correlations(A: np.ndarray) -> np.ndarray:
    """Pearson correlation matrix of the columns of ``A`` (n, q); NaN for a constant column."""
    A = np.asarray(A, float)
    C = A - A.mean(axis=0)
    sd = np.sqrt((C**2).sum(axis=0))
    with np.errstate(invalid="ignore", divide="ignore"):
        return (C.T @ C) / np.outer(sd, sd)


def calc_cronbach_alpha(Z: np.ndarray) -> float:
    """Cronbach's alpha of the columns of ``Z`` (n, k): ``k/(k−1) × (1 − Σ var_j / var(Σ_j))``
    (Cronbach 1951); NaN for fewer than two columns."""
    Z = np.asarray(Z, float)
    k = Z.shape[1]
    if k < 2:
        return float("nan")
    total = Z.sum(axis=1).var(ddof=1)
    return float(k / (k - 1) * (1 - Z.var(axis=0, ddof=1).sum() / total))


def calc_pca(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Principal components of the correlation matrix of ``Z``: eigenvalues (descending),
    share of variance explained by each, loadings (p, p) (column c = component c, sign set
    so that its largest loading is positive)."""
    R = np.nan_to_num(calc_correlations(Z))
    vals, vecs = np.linalg.eigh(R)
    order = np.argsort(vals)[::-1]
    vals, vecs = np.clip(vals[order], 0, None), vecs[:, order]
    sign = np.sign(vecs[np.abs(vecs).argmax(axis=0), np.arange(vecs.shape[1])])
    vecs = vecs * np.where(sign == 0, 1, sign)
    return vals, vals / vals.sum(), vecs * np.sqrt(vals)[None]


def calc_first_order(x: np.ndarray, y: np.ndarray, degree: int = 3) -> float:
    """First-order sensitivity index (correlation ratio) of ``y`` on ``x``: the share of
    Var(y) explained by a polynomial regression of degree ``degree`` on ``x`` (a smooth
    estimate of E[y | x]); 0 when ``x`` is constant."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    if np.ptp(x) == 0 or np.var(y) == 0:
        return 0.0
    u = (x - x.mean()) / x.std()
    V = np.vander(u, min(degree, len(np.unique(u)) - 1) + 1)
    fit = V @ np.linalg.lstsq(V, y, rcond=None)[0]
    return float(np.var(fit) / np.var(y))


def calc_nominal_weights(M: np.ndarray, w_ind: np.ndarray, w_dim: np.ndarray) -> np.ndarray:
    """Each indicator's weight in the score: its dimension's weight × its weight within it."""
    return w_ind * (M @ w_dim)


def calc_effective_importance(Z: np.ndarray, score: np.ndarray, nominal: np.ndarray
                              ) -> pd.DataFrame:
    """Per indicator: first-order index ``S``, normalised ``S / ΣS`` (``effective``), nominal
    weight and ``ratio`` = effective / nominal (Paruolo, Saisana & Saltelli 2013)."""
    S = np.array([calc_first_order(Z[:, j], score) for j in range(Z.shape[1])])
    eff = S / S.sum() if S.sum() > 0 else S
    return pd.DataFrame({"s_first_order": S, "effective": eff, "nominal": nominal,
                         "ratio": eff / nominal})


def _drop_weights(M, w_ind, w_dim, j: int | None = None, d: int | None = None):
    """Weights with indicator ``j`` (or dimension ``d``) removed, renormalised; a dimension
    left without indicators is removed too."""
    w_ind, w_dim = w_ind.copy(), w_dim.copy()
    if j is not None:
        w_ind[j] = 0.0
        d_of = int(M[j].argmax())
        within = M[:, d_of] @ w_ind
        if within > 0:
            w_ind[M[:, d_of] > 0] /= within
        else:
            d = d_of
    if d is not None:
        w_dim[d] = 0.0
    total = w_dim.sum()
    return w_ind, w_dim / total if total > 0 else np.full_like(w_dim, np.nan)


def calc_removal_shifts(Z: np.ndarray, M: np.ndarray, w_ind: np.ndarray, w_dim: np.ndarray,
                        aggregation: str = "arithmetic") -> tuple[np.ndarray, np.ndarray]:
    """Mean absolute rank shift when each indicator (p,), then each dimension (D,), is
    removed in turn (JRC sensitivity analysis). Removing the only dimension gives NaN."""
    def ranks(wi, wd):
        return calc_ranks(calc_aggregate(Z, M, wi[None], wd[None], aggregation)[1][:, 0])

    base = ranks(w_ind, w_dim)
    out = []
    for kind in ("j", "d"):
        shifts = []
        for k in range(M.shape[0] if kind == "j" else M.shape[1]):
            wi, wd = _drop_weights(M, w_ind, w_dim, **{kind: k})
            ok = np.isfinite(wd).all() and wd.sum() > 0
            shifts.append(np.abs(ranks(wi, wd) - base).mean() if ok else np.nan)
        out.append(np.array(shifts, float))
    return out[0], out[1]


def calc_eb_shrinkage(rate: np.ndarray, base: np.ndarray, target: float
                      ) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Empirical-Bayes shrinkage of rates toward ``target`` (the national rate).

    Model: ``rate_i = θ_i + ε_i``, ``θ_i ~ (target, τ²)``, ``Var(ε_i) = σ² / base_i`` (noise
    falls with the size of the base, as for a binomial rate). τ² and σ² by the method of
    moments: least squares of ``(rate_i − target)²`` on ``[1, 1/base_i]`` (clipped at 0;
    Marshall 1991, "Mapping disease and mortality rates using empirical Bayes estimators",
    generalised to any rate). Returns (shrunk rates, shrinkage factor
    ``B_i = (σ²/base_i) / (τ² + σ²/base_i)``, τ², σ²); ``shrunk = target + (1 − B)(rate −
    target)``. NaN rates or bases stay unshrunk (B = 0)."""
    rate, base = np.asarray(rate, float), np.asarray(base, float)
    ok = np.isfinite(rate) & np.isfinite(base) & (base > 0)
    A = np.column_stack([np.ones(ok.sum()), 1 / base[ok]])
    tau2, sigma2 = np.linalg.lstsq(A, (rate[ok] - target) ** 2, rcond=None)[0]
    tau2, sigma2 = max(float(tau2), 0.0), max(float(sigma2), 0.0)
    B = np.zeros_like(rate)
    v = sigma2 / base[ok]
    with np.errstate(invalid="ignore", divide="ignore"):
        B[ok] = np.where(v + tau2 > 0, v / (v + tau2), 0.0)
    return np.where(ok, target + (1 - B) * (rate - target), rate), B, tau2, sigma2


def calc_regional_ratio(x: np.ndarray, y: np.ndarray, groups: np.ndarray,
                        tol: float = 1e-6) -> bool:
    """True when ``x / y`` is one constant per group (``x`` = ``y`` × a regional constant:
    ``x`` adds nothing at this level beyond the group's value)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y) & (np.abs(y) > 0)
    if ok.sum() < 3:
        return False
    r = pd.Series(x[ok] / y[ok]).groupby(np.asarray(groups)[ok])
    spread = (r.max() - r.min()).abs() / r.mean().abs().where(r.mean() != 0, 1)
    return bool((spread.fillna(0) <= tol).all())


def calc_spread_by_size(values: np.ndarray, size: np.ndarray, q: int = 5) -> np.ndarray:
    """Standard deviation of ``values`` within each of ``q`` size classes (quantiles of
    ``size``, smallest first)."""
    ok = np.isfinite(values) & np.isfinite(size)
    cls = pd.qcut(pd.Series(size[ok]).rank(method="first"), q, labels=False)
    return pd.Series(values[ok]).groupby(cls.to_numpy()).std().to_numpy()


# --- the audit of a rule on the store ------------------------------------------------------


def spec_labels(config: Config) -> list[str]:
    """Short unique label of each indicator of the rule: ``id (source période)``."""
    return [f"{s.id} ({s.candidates[0][0]} {s.candidates[0][1]})" for s in config.specs]


def spec_names(config: Config) -> list[str]:
    """French name of each indicator of the rule: the catalogue's label, its source and
    period (``Taux de variation de l'emploi total (recensement 2006-2011)``)."""
    return [indicator_name(s.id, *s.candidates[0]) for s in config.specs]


def indicator_name(indicator: str, source: str, period: str) -> str:
    """« indicator — source period » in French, the one wording of every place naming a
    rule's indicator (the audit, ``pacte rank --audit``, the report's method and audit): the
    label says what the data of that source measure (:meth:`Indicator.label_for`, e.g. the
    census's « fonction « fabrication » »)."""
    from pacte.catalogue import INDICATORS, source_name

    ind = INDICATORS.get(indicator)
    try:
        where = source_name(source)
    except KeyError:
        where = source
    return f"{ind.label_for(source) if ind is not None else indicator} — {where} {period}"


def _estimates(con, level: str, config: Config, ter: pd.DataFrame, X: np.ndarray
               ) -> list[dict]:
    """Indicators that are only an estimate at ``level``: share of territories whose stored
    note says « estimation », and the census share they are a regional multiple of."""
    from pacte.engine import read_indicators

    ids = sorted({s.id for s in config.specs})
    notes = read_indicators(con, level, ids)
    shares = read_indicators(con, level, ["industry_share"])
    codes = pd.Index(ter["code"])
    out = []
    for j, s in enumerate(config.specs):
        src, per = s.candidates[0]
        sub = notes[(notes["indicator"] == s.id) & (notes["source"] == src)
                    & (notes["period"] == per)]
        flag = sub.set_index("code")["note"].str.contains("estimation", case=False)
        flag = flag.reindex(codes).fillna(False).to_numpy(bool)
        if not flag.any():
            continue
        multiple = None
        for (ssrc, sper), g in shares.groupby(["source", "period"], sort=True):
            y = g.set_index("code")["value"].reindex(codes).to_numpy(float)
            if calc_regional_ratio(X[flag, j], y[flag], ter["reg"].to_numpy()[flag]):
                multiple = f"industry_share ({ssrc} {sper})"
                break
        out.append({"spec": j, "estimate_share": float(flag.mean()), "regional_multiple_of": multiple})
    return out


def _base_jobs(con, level: str, source: str, year: int, industry: bool) -> pd.Series:
    from pacte.catalogue import SERIES

    s = SERIES[source]
    where = "AND sector IN (" + ",".join(f"'{x}'" for x in s.industry) + ")" if industry else ""
    return con.execute(f"""SELECT code, sum(jobs) AS jobs FROM jobs WHERE source = ?
                           AND level = ? AND year = ? {where} GROUP BY code""",
                       [source, level, year]).df().set_index("code")["jobs"]


def _shrinkage(con, level: str, config: Config, ter: pd.DataFrame, X: np.ndarray,
               M, w_ind, w_dim, base_rank: np.ndarray, keep: np.ndarray) -> list[dict]:
    """Effect of shrinking each crisis rate of the rule toward the national rate."""
    from pacte.catalogue import SERIES
    from pacte.engine import read_indicators

    out = []
    codes = pd.Index(ter["code"])
    for j, s in enumerate(config.specs):
        src, per = s.candidates[0]
        if s.id not in RATE_IDS or src not in SERIES or SERIES[src].sectors is None:
            continue
        base = _base_jobs(con, level, src, int(per[:4]), s.id.startswith("industry"))
        base = base.reindex(codes).to_numpy(float)
        if (np.isfinite(base) & np.isfinite(X[:, j])).sum() < 10:  # source absent here
            continue
        nat = read_indicators(con, "fr", [s.id], per)
        nat = nat.loc[nat["source"] == src, "value"]
        if nat.empty or not np.isfinite(nat.iloc[0]):
            continue
        shrunk, B, tau2, sigma2 = calc_eb_shrinkage(X[:, j], base, float(nat.iloc[0]))
        X2 = X.copy()
        X2[:, j] = shrunk
        Z2, _ = calc_prepared(X2, config)
        rank2 = calc_ranks(calc_aggregate(Z2, M, w_ind[None], w_dim[None],
                                          config.aggregation)[1][:, 0])
        before = calc_spread_by_size(X[keep, j], base[keep])
        after = calc_spread_by_size(shrunk[keep], base[keep])
        top = min(100, len(rank2))
        out.append({"spec": j, "national": float(nat.iloc[0]), "tau": tau2 ** 0.5,
                    "sigma": sigma2 ** 0.5, "median_b": float(np.nanmedian(B[keep])),
                    "sd_before": (before[0], before[-1]), "sd_after": (after[0], after[-1]),
                    "mean_shift": float(np.abs(rank2 - base_rank).mean()),
                    "top_changed": int(((rank2 <= top) != (base_rank <= top)).sum() // 2),
                    "top": top})
    return out


def _uncertainty(con, level: str, config: Config, ter: pd.DataFrame, X: np.ndarray,
                 keep: np.ndarray, M, w_ind, w_dim, draws: int, stored: bool = True,
                 drawn=None, panels: list | None = None) -> list[dict]:
    from pacte.targeting.audit_store import read_default_uncertainty
    from pacte.targeting.index import calc_nominal
    from pacte.targeting.sampling import kept_sampler, load_sampler

    rows = read_default_uncertainty(con, level, config, draws) if stored else None
    if rows is not None:  # the default rule's, computed at build time
        return rows
    unc = config.uncertainty
    sampler = (load_sampler(con, level, config, pd.Index(ter["code"]), X, unc.sampling_rate,
                            panels) if "sampling" in unc.sources else None)
    kept = None if sampler is None else kept_sampler(sampler, keep)
    top = min(config.programme.size, int(keep.sum()))
    codes = ter["code"].to_numpy()[keep]
    return calc_source_shares(X[keep], M, w_ind, w_dim, unc, calc_nominal(config),
                              AUDIT_SEED, draws, kept, top, None if drawn is None else (
                                  lambda: drawn(level, config, codes, draws)))


def calc_uncertainty_rows(con, level: str, config: Config, draws: int = AUDIT_DRAWS,
                          drawn=None, loaded=None) -> list[dict]:
    """The audit's variance decomposition by source (``run_audit(...)["uncertainty"]``),
    always computed (the build stores the default rule's: :mod:`pacte.targeting.
    audit_store`). ``drawn(level, config, codes, draws)``: the ranks (len(codes), draws)
    of the run of every source at once (seed :data:`AUDIT_SEED`) if already drawn, or None;
    ``loaded(level, config)``: (territories, raw matrix, census panels) of ``level`` if
    already read from the store (:func:`pacte.targeting.index.rank_territories`), or None."""
    got = loaded(level, config) if loaded is not None else None
    ter, X, panels = got if got is not None else (*load_matrix(con, level, config), None)
    _, keep = calc_prepared(X, config)
    M, w_ind, w_dim = calc_weights(config)
    return _uncertainty(con, level, config, ter, X, keep, M, w_ind, w_dim, draws,
                        stored=False, drawn=drawn, panels=panels)


def run_audit(con, level: str, config: Config, draws: int = AUDIT_DRAWS) -> dict:
    """The whole audit of ``config`` at ``level`` from the store's indicators: a dict of
    DataFrames and figures (read by ``render_audit`` and the API); ``draws``: per source of
    uncertainty in the variance decomposition."""
    ter, X = load_matrix(con, level, config)
    Z, keep = calc_prepared(X, config)
    ter_k, X_k = ter[keep].reset_index(drop=True), X[keep]
    M, w_ind, w_dim = calc_weights(config)
    DS, S, _ = calc_aggregate(Z, M, w_ind[None], w_dim[None], config.aggregation)
    score, dims = S[:, 0], DS[:, 0]
    rank = calc_ranks(score)
    labels = spec_labels(config)
    dim_ids = [d.id for d in config.dimensions]
    corr = pd.DataFrame(calc_correlations(Z), index=labels, columns=labels)
    pairs = [(labels[a], labels[b], float(corr.iat[a, b])) for a in range(len(labels))
             for b in range(a + 1, len(labels)) if abs(corr.iat[a, b]) > MAX_CORRELATION]
    vals, share, loadings = calc_pca(Z)
    imp = calc_effective_importance(Z, score, calc_nominal_weights(M, w_ind, w_dim))
    imp.insert(0, "indicator", labels)
    imp.insert(1, "dimension", [dim_ids[int(M[j].argmax())] for j in range(len(labels))])
    shift_ind, shift_dim = calc_removal_shifts(Z, M, w_ind, w_dim, config.aggregation)
    imp["shift_removed"] = shift_ind
    dim_tab = pd.DataFrame({
        "dimension": dim_ids, "label": [d.label for d in config.dimensions],
        "weight": w_dim, "n_indicators": M.sum(axis=0).astype(int),
        "alpha": [calc_cronbach_alpha(Z[:, M[:, d] > 0]) for d in range(M.shape[1])],
        "corr_score": [float(calc_correlations(np.column_stack([dims[:, d], score]))[0, 1])
                       for d in range(M.shape[1])],
        "shift_removed": shift_dim})
    return {
        "level": level, "rule": config.name, "n": int(keep.sum()), "labels": labels,
        "names": spec_names(config),
        "corr_indicators": corr,
        "corr_dimensions": pd.DataFrame(calc_correlations(dims), index=dim_ids,
                                        columns=dim_ids),
        "pairs_above": pairs, "dimensions": dim_tab, "importance": imp,
        "pca": pd.DataFrame({"eigenvalue": vals, "share": share}),
        "loadings": pd.DataFrame(loadings, index=labels),
        "estimates": _estimates(con, level, config, ter_k, X_k),
        "shrinkage": _shrinkage(con, level, config, ter_k, X_k, M, w_ind, w_dim, rank,
                                np.ones(len(ter_k), bool)),
        "uncertainty": _uncertainty(con, level, config, ter, X, keep, M, w_ind, w_dim, draws),
        "programme_size": min(config.programme.size, int(keep.sum())),
    }
