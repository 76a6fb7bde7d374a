"""The Monte Carlo's fast paths give, bit for bit, what the straightforward computations
give (the stored draws must not move): ties averaged by runs, SIMD sorts with a stable
fallback on ties, quantiles by partition, subset ranks by rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pacte.targeting.rule import load_rule
from pacte.targeting.tiers import calc_subset_ranks
from pacte.targeting.typology import _row_min, _sq_dist
from pacte.targeting.uncertainty import calc_pct_ranks, calc_ranks, calc_winsorise_draws


def _pct_reference(X: np.ndarray) -> np.ndarray:
    flat = X.reshape(-1, X.shape[-1])
    out = np.stack([pd.Series(r).rank(pct=True, na_option="keep").to_numpy() for r in flat])
    return out.reshape(X.shape)


@pytest.mark.parametrize("shape", [(1,), (9,), (4, 7), (3, 2, 40)])
def test_pct_ranks_with_runs_of_ties_are_pandas(shape):
    rng = np.random.default_rng(sum(shape))
    for _ in range(20):
        X = rng.integers(0, 5, size=shape).astype(float)  # many runs of equal values
        np.testing.assert_array_equal(calc_pct_ranks(X), _pct_reference(X))


def test_ranks_with_ties_keep_the_order_of_the_rows():
    S = np.array([[0.5, 2.0, 2.0, -1.0], [3.0, 1.0, 2.0, 0.0], [1.0, 1.0, 1.0, 1.0]])
    np.testing.assert_array_equal(calc_ranks(S), [[3, 1, 2, 4], [1, 3, 2, 4], [1, 2, 3, 4]])
    rng = np.random.default_rng(0)
    S = rng.integers(0, 30, size=(50, 200)).astype(float)
    stable = np.argsort(-S, axis=-1, kind="stable")
    expected = np.empty_like(stable)
    np.put_along_axis(expected, stable, np.arange(1, 201)[None].repeat(50, 0), axis=-1)
    np.testing.assert_array_equal(calc_ranks(S), expected)


def test_winsorisation_by_partition_is_numpy_quantile_per_draw():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(12, 3, 101))
    X[:, :, :20] = 0.25  # ties at the clipping points
    lower = np.array([0.0, 0.01, 0.05, 0.025, 0.05, 0.0, 0.01, 0.1, 0.1, 0.3, 0.5, 0.025])
    out = calc_winsorise_draws(X, lower)
    for k, q in enumerate(lower):
        lo, hi = np.quantile(X[k], [q, 1 - q], axis=-1)
        expected = X[k] if q == 0 else np.clip(X[k], lo[:, None], hi[:, None])
        np.testing.assert_array_equal(out[k], expected)


def test_subset_ranks_distinct_and_tied():
    rng = np.random.default_rng(5)
    R = np.stack([rng.permutation(40) + 1 for _ in range(30)], axis=1)
    el = rng.random(40) < 0.6
    order = np.argsort(R[el], axis=0, kind="stable")
    expected = np.empty_like(order)
    np.put_along_axis(expected, order, np.arange(1, el.sum() + 1)[:, None].repeat(30, 1),
                      axis=0)
    np.testing.assert_array_equal(calc_subset_ranks(R, el), expected)
    tied = np.array([[2, 1], [2, 1], [1, 1]])  # ties go to the row order
    np.testing.assert_array_equal(calc_subset_ranks(tied, [True, True, True]),
                                  [[2, 1], [3, 2], [1, 3]])


def test_squared_distances_are_the_plain_expression():
    rng = np.random.default_rng(2)
    X, C = rng.normal(size=(300, 3)), rng.normal(size=(7, 3))
    xx = (X * X).sum(axis=1)
    plain = np.maximum(xx[:, None] - 2.0 * (X @ C.T) + (C * C).sum(axis=1)[None, :], 0.0)
    np.testing.assert_array_equal(_sq_dist(X, C, xx), plain)
    np.testing.assert_array_equal(_row_min(plain), plain.min(axis=1))


def test_default_rule_parsed_once_per_text():
    assert load_rule() is load_rule()


def test_distinct_scores_ranked_once_are_every_draw_ranked():
    """:func:`_distinct_ranks`: rows equal to the bit ranked once, each draw given its
    row's ranks: those of ranking every row (ties, NaN, -0.0 beside 0.0 included)."""
    from pacte.targeting.uncertainty import _distinct_ranks

    rng = np.random.default_rng(11)
    base = np.round(rng.normal(size=(5, 60)), 1)  # ties within rows
    base[1, 3] = np.nan
    base[2, :4] = [0.0, -0.0, 0.0, -0.0]
    for S in (base[rng.integers(0, 5, size=40)], base, base[[3] * 7]):
        got = _distinct_ranks(S)
        assert got.dtype == np.int32
        np.testing.assert_array_equal(got, calc_ranks(S))


@pytest.mark.parametrize("source", ["normalisation", "imputation", "winsorisation",
                                    "aggregation", "leave_one_out", "weights"])
def test_runs_of_one_source_give_the_ranks_of_every_draw(monkeypatch, source):
    """A run of one source (the audit's), its distinct scores ranked once, gives the ranks
    that ranking each draw gives."""
    from pacte.targeting import uncertainty as U

    rng = np.random.default_rng(5)
    X = np.round(rng.lognormal(size=(80, 3)), 1)
    M = np.array([[1, 0], [1, 0], [0, 1.0]])
    nom = U.Nominal("median", (0.01, 0.99), "zscore", "arithmetic", ("higher_is_worse",) * 3)
    unc = U.Uncertainty(chunk=16).only(source)
    args = (X, M, np.array([0.5, 0.5, 1.0]), np.array([0.5, 0.5]), unc, nom, 4, 50)
    fast = U.calc_uncertainty_ranks(*args)
    monkeypatch.setattr(U, "_distinct_ranks", U.calc_ranks)
    np.testing.assert_array_equal(fast, U.calc_uncertainty_ranks(*args))
    distinct = len({r.tobytes() for r in fast.T})  # weights: two draws may rank alike
    assert distinct > 40 if source == "weights" else distinct == {
        "normalisation": 3, "imputation": 1, "winsorisation": 4, "aggregation": 2,
        "leave_one_out": 4}[source]


def test_ratio_is_the_quotient_where_the_denominator_is_positive():
    """:func:`pacte.targeting.sampling._ratio`: a / b where b > 0, NaN elsewhere (b zero,
    negative or NaN), the quotients to the bit; broadcast like the division."""
    from pacte.targeting.sampling import _ratio

    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(6, 50)), rng.normal(size=(6, 50))
    b[0, :5], a[1, :5], b[2, :5] = 0.0, np.nan, np.nan
    got = _ratio(a, b)
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.where(b > 0, a / b, np.nan)
    np.testing.assert_array_equal(got, expected)
    assert np.isnan(got[b <= 0]).all() and np.isnan(got[2, :5]).all()
    assert _ratio(a[:, :1], b[0]).shape == (6, 50)


def test_eligible_ranks_and_encoded_rows_are_those_of_one_row_at_a_time():
    """The build's shortcuts give the per-row results: :func:`calc_eligible_ranks` (the
    subset ranks, 0 elsewhere) feeds the tiers with the same p_top, and
    :func:`encode_all_ranks` gives each row's :func:`encode_ranks` bytes."""
    from pacte.targeting.materialise import decode_ranks, encode_all_ranks, encode_ranks
    from pacte.targeting.tiers import calc_eligible_ranks, calc_selection_tiers

    rng = np.random.default_rng(3)
    R = np.argsort(rng.random((40, 30)), axis=0).astype(np.int32) + 1  # (n, K) ranks
    el = rng.random(40) < 0.6
    sub = calc_eligible_ranks(R, el)
    np.testing.assert_array_equal(sub[el], calc_subset_ranks(R, el))
    assert not sub[~el].any()
    np.testing.assert_array_equal(calc_eligible_ranks(R, np.ones(40, bool)), R)
    for mask in (el, np.ones(40, bool), np.zeros(40, bool)):
        want = calc_selection_tiers(R, 5, mask)
        got = calc_selection_tiers(R, 5, mask, eligible_ranks=calc_eligible_ranks(R, mask))
        np.testing.assert_array_equal(got[0], want[0])
        np.testing.assert_array_equal(got[1], want[1])
    blobs = encode_all_ranks(R)
    assert blobs == [encode_ranks(r) for r in R]
    np.testing.assert_array_equal(decode_ranks(blobs[7]), R[7])
    assert encode_all_ranks(R[:0]) == []
    assert encode_all_ranks(np.asfortranarray(R)) == blobs  # any memory layout
