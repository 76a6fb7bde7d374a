"""Specialisation indicators: hand-computed values, NaN rules and properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from pacte.indicators.specialisation import (
    NO_DATA,
    ZERO_BASE,
    ZERO_REFERENCE,
    calc_herfindahl,
    calc_herfindahl_reasons,
    calc_job_change,
    calc_job_change_reasons,
    calc_krugman_index,
    calc_krugman_index_reasons,
    calc_location_quotient,
    calc_location_quotient_reasons,
    calc_shannon,
    calc_shannon_reasons,
    calc_share,
    calc_share_reasons,
)

# Tiny fictional territory: 3 territories x 3 sectors.
# Totals e_i = (100, 100, 200); reference R = column sums = (100, 100, 200), R = 400,
# so the reference structure is S = (0.25, 0.25, 0.50).
E = np.array([[20.0, 30.0, 50.0],    # shares (0.20, 0.30, 0.50)
              [60.0, 20.0, 20.0],    # shares (0.60, 0.20, 0.20)
              [20.0, 50.0, 130.0]])  # shares (0.10, 0.25, 0.65)

MATRICES = arrays(np.float64, st.tuples(st.integers(1, 8), st.integers(1, 6)),
                  elements=st.integers(0, 10_000).map(float))


def test_share_single_and_group():
    np.testing.assert_allclose(calc_share(E, 0), [0.20, 0.60, 0.10], rtol=1e-12)
    # industry = sectors 0 and 2: 0.2 + 0.5, 0.6 + 0.2, 0.1 + 0.65
    np.testing.assert_allclose(calc_share(E, [0, 2]), [0.70, 0.80, 0.75], rtol=1e-12)


def test_share_rejects_bad_indices():
    with pytest.raises(ValueError):
        calc_share(E, [0, 0])
    with pytest.raises(ValueError):
        calc_share(E, [])
    with pytest.raises(IndexError):
        calc_share(E, 3)


def test_location_quotient_hand_computed():
    # LQ_ij = s_ij / S_j: row 1 (0.2/0.25, 0.3/0.25, 0.5/0.5) = (0.8, 1.2, 1.0), etc.
    expected = [[0.8, 1.2, 1.0],
                [2.4, 0.8, 0.4],
                [0.4, 1.0, 1.3]]
    np.testing.assert_allclose(calc_location_quotient(E), expected, rtol=1e-12)
    # an explicit national reference with the same structure gives the same LQ
    np.testing.assert_allclose(calc_location_quotient(E, reference=[1000, 1000, 2000]),
                               expected, rtol=1e-12)
    assert (calc_location_quotient_reasons(E) == "").all()


def test_krugman_hand_computed():
    # sum_j |s_ij - S_j|: |0.2-0.25|+|0.3-0.25|+|0.5-0.5| = 0.1;
    # 0.35+0.05+0.30 = 0.7; 0.15+0.00+0.15 = 0.3
    np.testing.assert_allclose(calc_krugman_index(E), [0.1, 0.7, 0.3], rtol=1e-12)


def test_herfindahl_and_shannon_hand_computed():
    # H = 0.04+0.09+0.25 = 0.38; 0.36+0.04+0.04 = 0.44; 0.01+0.0625+0.4225 = 0.495
    np.testing.assert_allclose(calc_herfindahl(E), [0.38, 0.44, 0.495], rtol=1e-12)

    def entropy(*s):
        return -sum(p * math.log(p) for p in s)

    # row 1: -(0.2 ln 0.2 + 0.3 ln 0.3 + 0.5 ln 0.5) = 1.0296530...
    expected = [entropy(0.2, 0.3, 0.5), entropy(0.6, 0.2, 0.2), entropy(0.1, 0.25, 0.65)]
    assert expected[0] == pytest.approx(1.0296530140645737, rel=1e-12)
    np.testing.assert_allclose(calc_shannon(E), expected, rtol=1e-12)
    np.testing.assert_allclose(calc_shannon(E, normalised=True),
                               np.array(expected) / math.log(3), rtol=1e-12)


def test_diversity_extremes():
    # one sector only: H = 1, entropy 0 (0 ln 0 = 0); even spread: H = 1/3, entropy ln 3
    F = np.array([[0.0, 0.0, 10.0], [5.0, 5.0, 5.0]])
    np.testing.assert_allclose(calc_herfindahl(F), [1.0, 1 / 3], rtol=1e-12)
    np.testing.assert_allclose(calc_shannon(F), [0.0, math.log(3)], rtol=1e-12, atol=0)
    np.testing.assert_allclose(calc_shannon(F, normalised=True), [0.0, 1.0], rtol=1e-12)
    with pytest.raises(ValueError):
        calc_shannon(F[:, :1], normalised=True)


def test_missing_and_zero_territories():
    G = np.array([[20.0, 30.0, 50.0],
                  [np.nan, 10.0, 10.0],  # missing figure
                  [0.0, 0.0, 0.0],       # no jobs
                  [60.0, 20.0, 20.0]])
    complete = G[[0, 3]]
    lq = calc_location_quotient(G)
    np.testing.assert_allclose(lq[[0, 3]], calc_location_quotient(complete), rtol=1e-12)
    assert np.isnan(lq[[1, 2]]).all() and not np.isinf(lq).any()
    reasons = calc_location_quotient_reasons(G)
    assert (reasons[1] == NO_DATA).all() and (reasons[2] == ZERO_BASE).all()
    assert (reasons[[0, 3]] == "").all()
    for calc, why in [(calc_krugman_index, calc_krugman_index_reasons),
                      (calc_herfindahl, calc_herfindahl_reasons),
                      (calc_shannon, calc_shannon_reasons)]:
        values = calc(G)
        np.testing.assert_allclose(values[[0, 3]], calc(complete), rtol=1e-12)
        assert np.isnan(values[[1, 2]]).all()
        assert why(G).tolist() == ["", NO_DATA, ZERO_BASE, ""]
    assert np.isnan(calc_share(G, 1)[[1, 2]]).all()
    assert calc_share_reasons(G, 1).tolist() == ["", NO_DATA, ZERO_BASE, ""]


def test_sector_absent_from_reference():
    lq = calc_location_quotient([[1.0, 0.0], [3.0, 0.0]])
    np.testing.assert_array_equal(lq[:, 0], [1.0, 1.0])
    assert np.isnan(lq[:, 1]).all()
    assert (calc_location_quotient_reasons([[1.0, 0.0], [3.0, 0.0]])[:, 1] == ZERO_REFERENCE).all()
    assert calc_krugman_index_reasons([[1.0, 0.0]], reference=[0, 0]).tolist() == [ZERO_REFERENCE]


@pytest.mark.parametrize("bad", [[[1.0, -2.0]], [[1.0, np.inf]], [1.0, 2.0]])
def test_invalid_inputs(bad):
    with pytest.raises(ValueError):
        calc_location_quotient(bad)


def test_invalid_reference():
    with pytest.raises(ValueError):
        calc_location_quotient(E, reference=[1.0, 2.0])
    with pytest.raises(ValueError):
        calc_location_quotient(E, reference=[1.0, np.nan, 2.0])


def test_job_change():
    start = [100.0, 0.0, 50.0, np.nan]
    end = [110.0, 5.0, 25.0, 10.0]
    absolute, relative = calc_job_change(start, end)
    np.testing.assert_array_equal(absolute, [10.0, 5.0, -25.0, np.nan])
    np.testing.assert_allclose(relative, [0.1, np.nan, -0.5, np.nan], rtol=1e-12)
    assert calc_job_change_reasons(start, end).tolist() == ["", ZERO_BASE, "", NO_DATA]


@settings(max_examples=150, deadline=None)
@given(MATRICES)
def test_lq_employment_weighted_mean_is_one(M):
    lq = calc_location_quotient(M)
    e = M.sum(axis=1)
    R = M.sum(axis=0)
    occupied = e > 0
    for j in np.flatnonzero(R > 0):
        mean = (e[occupied] * lq[occupied, j]).sum() / e[occupied].sum()
        assert mean == pytest.approx(1.0, rel=1e-9)
    assert np.isnan(lq[:, R == 0]).all() and np.isnan(lq[~occupied]).all()


@settings(max_examples=150, deadline=None)
@given(MATRICES)
def test_ranges(M):
    k = M.shape[1]
    occupied = M.sum(axis=1) > 0
    for values in (calc_krugman_index(M), calc_herfindahl(M), calc_shannon(M)):
        assert np.isnan(values[~occupied]).all() and not np.isnan(values[occupied]).any()
    if M.sum() == 0:
        return
    kr = calc_krugman_index(M)[occupied]
    assert ((kr >= 0) & (kr <= 2 + 1e-12)).all()
    h = calc_herfindahl(M)[occupied]
    assert ((h >= 1 / k - 1e-12) & (h <= 1 + 1e-12)).all()
    if k >= 2:
        d = calc_shannon(M, normalised=True)[occupied]
        assert ((d >= 0) & (d <= 1 + 1e-12)).all()


@settings(max_examples=150, deadline=None)
@given(MATRICES, st.floats(1e-3, 1e3))
def test_lq_invariant_to_scale(M, c):
    np.testing.assert_allclose(calc_location_quotient(c * M), calc_location_quotient(M),
                               rtol=1e-9)


@settings(max_examples=150, deadline=None)
@given(MATRICES, st.data())
def test_nan_row_stays_nan_and_does_not_contaminate(M, data):
    i = data.draw(st.integers(0, M.shape[0]), label="row")
    j = data.draw(st.integers(0, M.shape[1] - 1), label="sector")
    row = np.array(M[0] if M.shape[0] else np.zeros(M.shape[1]), copy=True)
    row[j] = np.nan
    with_nan = np.insert(M, i, row, axis=0)
    others = np.delete(np.arange(with_nan.shape[0]), i)
    lq = calc_location_quotient(with_nan)
    assert np.isnan(lq[i]).all()
    assert (calc_location_quotient_reasons(with_nan)[i] == NO_DATA).all()
    np.testing.assert_allclose(lq[others], calc_location_quotient(M), rtol=1e-12)
    for calc in (calc_krugman_index, calc_herfindahl, calc_shannon):
        values = calc(with_nan)
        assert np.isnan(values[i])
        np.testing.assert_allclose(values[others], calc(M), rtol=1e-12)
