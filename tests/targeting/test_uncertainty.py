"""Uncertainty of the ranking (method and census sampling error) and the three tiers of a
programme: pure functions with known answers and properties, then the fictional store
(3 EPCI, built in seconds)."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from typer.testing import CliRunner

from pacte.cli import app
from pacte.errors import InvalidParameterError
from pacte.targeting.index import calc_normalise, rank_territories
from pacte.targeting.materialise import read_default_draws, read_default_ranking
from pacte.targeting.rule import load_config, parse_config
from pacte.targeting.sampling import FAST, load_sampler
from pacte.targeting.tiers import (
    calc_p_top,
    calc_selection_tiers,
    calc_subset_ranks,
    calc_tier_counts,
    calc_tiers,
)
from pacte.targeting.uncertainty import (
    Nominal,
    Uncertainty,
    calc_leave_one_out,
    calc_pct_ranks,
    calc_sampled_counts,
    calc_uncertainty_ranks,
    calc_winsorise_draws,
)
from pacte.targeting.uncertainty import _prepared_draws as prepared_draws

# --- tiers ---------------------------------------------------------------------------------


def test_p_top_and_tiers_known_answer():
    """4 territories, 10 draws: p_top = share of draws with rank ≤ 2, tiers at 0.9 / 0.1."""
    ranks = np.array([[1] * 10, [2] * 9 + [3], [3] * 5 + [1] * 5, [4] * 10])
    ranks[1, 9], ranks[2, 9] = 3, 2  # draw 10: rows 1 and 2 swap
    p = calc_p_top(ranks, 2)
    np.testing.assert_allclose(p, [1.0, 0.9, 0.5, 0.0])
    assert list(calc_tiers(p)) == ["retenu", "retenu", "incertain", "écarté"]
    assert calc_tier_counts(calc_tiers(p)) == {"retenu": 2, "incertain": 1, "écarté": 1}


def test_subset_ranks_among_eligible():
    """Ranks re-counted among the eligible rows of each draw."""
    ranks = np.array([[1, 3], [2, 2], [3, 1]])
    np.testing.assert_array_equal(calc_subset_ranks(ranks, [False, True, True]),
                                  [[1, 2], [2, 1]])
    p, tier = calc_selection_tiers(ranks, 1, np.array([False, True, True]))
    np.testing.assert_allclose(p, [0.0, 0.5, 0.5])
    assert tier[0] == "écarté"


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 12), st.integers(1, 30), st.integers(0, 10_000))
def test_p_top_sums_to_top(n, k, seed):
    """In every draw exactly N territories are in the top N: Σ p_top = N."""
    rng = np.random.default_rng(seed)
    ranks = np.stack([rng.permutation(n) + 1 for _ in range(k)], axis=1)
    top = int(rng.integers(1, n + 1))
    assert calc_p_top(ranks, top).sum() == pytest.approx(top)


RULE = {"name": "t", "dimensions": [{"id": "a", "indicators": [
    {"id": "industry_share", "source": "rp", "period": "2016", "direction": "higher_is_worse"}]}]}


def test_tier_and_programme_errors_are_french():
    with pytest.raises(InvalidParameterError, match="retenu"):
        calc_tiers(np.array([0.5]), retained=0.1, excluded=0.5)
    with pytest.raises(InvalidParameterError, match="programme.size"):
        parse_config({**RULE, "programme": {"size": 0}})
    with pytest.raises(InvalidParameterError, match="« taille » dans programme.*size"):
        parse_config({**RULE, "programme": {"taille": 10}})
    with pytest.raises(InvalidParameterError, match="excluded < retained"):
        parse_config({**RULE, "programme": {"retained": 0.2, "excluded": 0.5}})


# --- method uncertainty --------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(arrays(float, (7, 3), elements=st.integers(-3, 3).map(float)))
def test_pct_ranks_match_pandas(X):
    """Ties averaged exactly as the central ranking's ``calc_normalise(..., 'rank')``."""
    np.testing.assert_allclose(calc_pct_ranks(X.T).T, calc_normalise(X, "rank"))


def test_winsorise_draws_matches_numpy_quantile():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(3, 2, 50))
    out = calc_winsorise_draws(X, np.array([0.0, 0.05, 0.1]))
    np.testing.assert_array_equal(out[0], X[0])
    for k, q in ((1, 0.05), (2, 0.1)):
        lo, hi = np.quantile(X[k], [q, 1 - q], axis=-1)
        np.testing.assert_allclose(out[k], np.clip(X[k], lo[:, None], hi[:, None]))


def test_winsorise_one_level_for_every_draw_matches_numpy_quantile():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(4, 2, 60))
    out = calc_winsorise_draws(X, np.full(4, 0.05))
    lo, hi = np.quantile(X, [0.05, 0.95], axis=-1)
    np.testing.assert_allclose(out, np.clip(X, lo[..., None], hi[..., None]))


def test_draws_of_the_same_values_are_prepared_once_to_the_bit():
    """Every draw holding the same values (no census redraw, nothing imputed): each (quantile,
    normalisation) drawn computed once gives every draw exactly what the draw-by-draw
    preparation gives (ties included: the rank normalisation averages them)."""
    rng = np.random.default_rng(3)
    X = np.round(rng.lognormal(size=(3, 200)), 1)  # ties
    k = 40
    base = np.broadcast_to(X[None], (k, 3, 200))
    lower = rng.choice([0.0, 0.01, 0.025, 0.05], size=k)
    norms = rng.choice(["zscore", "minmax", "rank"], size=k)
    sign = np.array([1.0, -1.0, 1.0])
    once = prepared_draws(base, lower, norms, sign, same=True)
    each = prepared_draws(base, lower, norms, sign, same=False)
    assert once.shape == (k, 3, 200) and np.array_equal(once, each)
    assert len({once[d].tobytes() for d in range(k)}) > 1  # the draws do differ


def test_leave_one_out_renormalises_within_dimension():
    """Indicator 0 of dimension A (A: 0, 1; B: 2) removed: 1 takes A's whole weight; the
    only indicator of B removed: B loses its weight."""
    M = np.array([[1, 0], [1, 0], [0, 1.0]])
    W_ind = np.array([[0.5, 0.5, 1.0]] * 3)
    W_dim = np.array([[0.5, 0.5]] * 3)
    wi, wd = calc_leave_one_out(M, W_ind, W_dim, np.array([-1, 0, 2]))
    np.testing.assert_allclose(wi, [[0.5, 0.5, 1], [0, 1, 1], [0.5, 0.5, 0]])
    np.testing.assert_allclose(wd, [[0.5, 0.5], [0.5, 0.5], [1, 0]])


def _toy():
    rng = np.random.default_rng(42)
    X = rng.normal(size=(30, 3))
    X[0, 1] = np.nan
    M = np.array([[1, 0], [1, 0], [0, 1.0]])
    return X, M, np.array([0.5, 0.5, 1.0]), np.array([0.5, 0.5])


def test_no_source_on_reproduces_the_central_ranking():
    """With every source off, each draw is the central ranking."""
    X, M, wi, wd = _toy()
    nom = Nominal("median", None, "zscore", "arithmetic", ("higher_is_worse",) * 3)
    R = calc_uncertainty_ranks(X, M, wi, wd, Uncertainty(sources=()), nom, 0, 7)
    Xf = np.where(np.isnan(X), np.nanmedian(X, axis=0), X)
    Z = calc_normalise(Xf, "zscore")
    central = (-(Z[:, :2].mean(axis=1) * 0.5 + Z[:, 2] * 0.5)).argsort().argsort() + 1
    assert (R == central[:, None]).all()


def test_draws_are_seeded_and_chunk_independent_in_shape():
    X, M, wi, wd = _toy()
    nom = Nominal("median", (0.01, 0.99), "zscore", "arithmetic", ("higher_is_worse",) * 3)
    a = calc_uncertainty_ranks(X, M, wi, wd, Uncertainty(chunk=4), nom, 3, 10)
    b = calc_uncertainty_ranks(X, M, wi, wd, Uncertainty(chunk=4), nom, 3, 10)
    assert a.shape == (30, 10) and (a == b).all()
    assert (np.sort(a, axis=0) == np.arange(1, 31)[:, None]).all()  # a permutation per draw


def test_sampled_counts_variance():
    """Var(N*) = N (1 − f) / f (Horvitz-Thompson, Bernoulli sampling at rate f): 3 N at 1/4."""
    z = np.random.default_rng(0).standard_normal(200_000)
    draws = calc_sampled_counts(np.array(400.0), 0.25, z)
    assert draws.var() == pytest.approx(1200, rel=0.02)
    assert (calc_sampled_counts(np.array([0.0, np.nan]), 0.25, 1.0)[0]) == 0


def test_uncertainty_rule_errors_are_french():
    with pytest.raises(InvalidParameterError, match="uncertainty.sources.*poids"):
        parse_config({**RULE, "uncertainty": {"sources": ["poids"]}})
    with pytest.raises(InvalidParameterError, match="uncertainty.sampling_rate"):
        parse_config({**RULE, "uncertainty": {"sampling_rate": 0}})
    with pytest.raises(InvalidParameterError, match="uncertainty.winsorisations"):
        parse_config({**RULE, "uncertainty": {"winsorisations": [0.7]}})
    assert parse_config(RULE).uncertainty == Uncertainty()
    assert parse_config({**RULE, "uncertainty": {"sources": []}}).uncertainty.sources == ()


def test_gate_rule_is_validated():
    gate = {"id": "lq_industry", "source": "rp", "period": "2016"}
    with pytest.raises(InvalidParameterError, match="donnez min ou max"):
        parse_config({**RULE, "eligibility": {"gate": [gate]}})
    with pytest.raises(InvalidParameterError, match="période inconnue"):
        parse_config({**RULE, "eligibility": {"gate": [{**gate, "period": "2050",
                                                                "min": 1}]}})


def test_default_rule_turns_every_source_on():
    config = load_config()
    assert set(config.uncertainty.sources) == {
        "weights", "normalisation", "imputation", "winsorisation", "aggregation",
        "leave_one_out", "sampling"}
    assert config.programme.size == 100 and config.max_missing_share == 0.5


# --- the fictional store -------------------------------------------------------------------


def _only(config, *sources):
    return replace(config, uncertainty=config.uncertainty.only(*sources))


def test_fast_formulas_give_the_catalogue_values(fictional_con):
    """The vectorised census formulas redraw from the stored values: on the stored counts
    they give exactly the indicators the build computed."""
    from pacte.targeting.index import load_matrix

    config = load_config()
    ter, X = load_matrix(fictional_con, "epci", config)
    sampler = load_sampler(fictional_con, "epci", config, pd.Index(ter["code"]), X, 1.0)
    out = sampler(np.random.default_rng(0), 2)  # rate 1: a census, no noise
    assert {s.id for s in config.specs} <= set(FAST)
    np.testing.assert_allclose(out[0].T, X, rtol=1e-12)


def test_sampling_error_of_a_small_share_known_answer(fictional_con):
    """CC fictive des Champs d'Essai, census 2016: 131 fabrication jobs out of 1,501. At
    rate 1/4 the delta method gives sd(share) = 100 √(3 i o / t³) = 1.26 points."""
    from pacte.targeting.index import load_matrix

    config = load_config()
    ter, X = load_matrix(fictional_con, "epci", config)
    sampler = load_sampler(fictional_con, "epci", config, pd.Index(ter["code"]), X, 0.25)
    row = int(np.flatnonzero(ter["code"].to_numpy() == "200070936")[0])
    col = [s.id for s in config.specs].index("industry_share")
    share = sampler(np.random.default_rng(5), 4000)[:, col, row]
    i, t = 131.0, 1501.0
    assert share.std() == pytest.approx(100 * np.sqrt(3 * i * (t - i) / t**3), rel=0.05)


def test_sampling_error_alone_moves_a_territory_across_the_cut(fictional_con):
    """Top 2 of the 3 fictional EPCI. Without any uncertainty CC fictive des Champs d'Essai
    (central rank 2) is in with p_top = 1 and the Métropole (rank 3) out with 0; with the
    census sampling error alone (131 fabrication jobs: ±1.3 points of industrial share,
    ±18 points of crisis rate) both become « incertain »."""
    config = load_config()
    exact = rank_territories(fictional_con, "epci", _only(config), draws=200)
    R0 = exact.ranks
    R1 = rank_territories(fictional_con, "epci", _only(config, "sampling"), draws=1000).ranks
    assert list(exact.frame["code"]) == ["247600620", "200070936", "200023414"]
    p0, t0 = calc_selection_tiers(R0, 2)
    p1, t1 = calc_selection_tiers(R1, 2)
    assert list(p0) == [1.0, 1.0, 0.0]
    assert list(t0) == ["retenu", "retenu", "écarté"]
    assert list(t1[1:]) == ["incertain", "incertain"]
    assert 0.1 < p1[1] < 0.9 and 0.1 < p1[2] < 0.9


def test_stored_tiers_recomputed_from_stored_draws(fictional_con):
    """The build stores each territory's draws; p_top and the tier stored for the rule's
    programme size are those of the stored draws, among the eligible territories (the
    Métropole is excluded by the default eligibility)."""
    config = load_config()
    stored = read_default_ranking(fictional_con, "epci")
    df = stored.frame
    R = read_default_draws(fictional_con, "epci", df["code"])
    assert stored.facts.tier_size == config.programme.size and stored.facts.draws == 1000
    assert R.shape == (len(df), config.draws)
    el = df["code"].to_numpy() != "200023414"
    size = config.programme.size
    p = np.zeros(len(df))
    p[el] = (calc_subset_ranks(R, el) <= size).mean(axis=1)
    np.testing.assert_allclose(df["p_top"], p)
    np.testing.assert_array_equal(df["tier"], calc_tiers(p))
    low = np.minimum(np.percentile(R, 5, axis=1, method="lower"), df["rank"])
    np.testing.assert_array_equal(df["rank_low"], low)


def test_rank_top_json_gives_tiers_from_the_draws(fictional_store, fictional_con):
    """`pacte rank --top 1 --format json`: p_top, tier, rank_low, rank_high per territory,
    p_top recomputed from the stored draws among the eligible."""
    res = CliRunner().invoke(app, ["rank", "--top", "1", "--format", "json",
                                   "--db", str(fictional_store)])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert len(rows) == 1 and {"p_top", "tier", "rank_low", "rank_high"} <= set(rows[0])
    df = read_default_ranking(fictional_con, "epci").frame
    R = read_default_draws(fictional_con, "epci", df["code"])
    el = df["code"].to_numpy() != "200023414"
    p = (calc_subset_ranks(R, el) <= 1).mean(axis=1)
    code = rows[0]["code"]
    assert rows[0]["p_top"] == pytest.approx(p[list(df["code"][el]).index(code)])
    assert rows[0]["tier"] == calc_tiers(np.array([rows[0]["p_top"]]))[0]


def test_unranked_territories_come_with_their_reason(fictional_con):
    """A rule leaving out territories with more than 0 % of missing inputs: with an
    indicator missing for one EPCI, that EPCI is unranked and the reason says why."""
    from pacte.targeting.index import load_matrix

    config = load_config()
    ter, X = load_matrix(fictional_con, "epci", config)
    assert not np.isnan(X).any()  # the fictional EPCI have every input
    strict = parse_config({"name": "t", "missing": {"method": "median", "max_missing_share": 0},
                           "dimensions": [{"id": "a", "indicators": [
                               {"id": "herfindahl", "source": "urssaf", "period": "2019"},
                               {"id": "industry_share", "source": "rp", "period": "2016",
                                "direction": "higher_is_worse"}]}]})
    ter, X = load_matrix(fictional_con, "epci", strict)
    missing = np.isnan(X).any(axis=1)
    assert list(ter["code"][missing]) == ["200070936"]  # no URSSAF 2019 index there
    facts = rank_territories(fictional_con, "epci", strict, draws=20).facts
    assert [u["code"] for u in facts.unranked] == list(ter["code"][missing])
    for u in facts.unranked:
        assert "1 indicateur sur 2 manquant" in u["reason"] and "max_missing_share" in u["reason"]


def test_draws_prepared_in_place_and_kept_arrays_to_the_bit():
    """The Monte Carlo's kept arrays: draws prepared in their own array (indicator by
    indicator) and dimension scores written into a given array give the values of new
    arrays."""
    from pacte.targeting.uncertainty import calc_scores_draws

    rng = np.random.default_rng(4)
    X = np.round(rng.lognormal(size=(30, 3, 150)), 1)
    lower = rng.choice([0.0, 0.01, 0.025, 0.05], size=30)
    norms = rng.choice(["zscore", "minmax", "rank"], size=30)
    sign = np.array([1.0, -1.0, 1.0])
    reference = np.stack([prepared_draws(X[d:d + 1], lower[d:d + 1], norms[d:d + 1], sign,
                                         same=False)[0] for d in range(30)])
    work = X.copy()
    assert prepared_draws(work, lower, norms, sign, same=False, out=work) is work
    assert np.array_equal(work, reference)
    M = np.array([[1, 0], [1, 0], [0, 1.0]])
    W_ind, W_dim = rng.dirichlet([1, 1, 1], 30), rng.dirichlet([1, 1], 30)
    geometric = rng.random(30) < 0.5
    dims = np.full((30, 150, 2), np.nan)
    np.testing.assert_array_equal(
        calc_scores_draws(work, M, W_ind, W_dim, geometric, dims),
        calc_scores_draws(work, M, W_ind, W_dim, geometric))
    assert not np.isnan(dims).any()


def test_sampler_arrays_kept_between_calls_give_fresh_draws(fictional_con):
    """A sampler reuses its arrays from one call to the next: each call gives the values a
    new sampler gives for the same random state (a smaller chunk after a larger one too);
    kept_sampler gives the kept territories' columns of them."""
    from pacte.targeting.index import load_matrix
    from pacte.targeting.sampling import kept_sampler

    config = load_config()
    ter, X = load_matrix(fictional_con, "epci", config)

    def new():
        return load_sampler(fictional_con, "epci", config, pd.Index(ter["code"]), X, 0.25)

    sampler, rng = new(), np.random.default_rng(9)
    first = sampler(rng, 5).copy()
    second = sampler(rng, 2).copy()
    rng2 = np.random.default_rng(9)
    np.testing.assert_array_equal(first, new()(rng2, 5))
    np.testing.assert_array_equal(second, new()(rng2, 2))
    assert np.isfinite(first).any() and not np.array_equal(first[:2], second)
    keep = np.array([True, False, True])
    kept = kept_sampler(new(), keep)(np.random.default_rng(9), 5)
    np.testing.assert_array_equal(kept, first[..., keep])
    assert kept_sampler(sampler, np.ones(3, bool)) is sampler
