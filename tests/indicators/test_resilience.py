"""Resilience indicators: hand-computed values, NaN rules and properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pacte.indicators.resilience import (
    calc_drop_from_peak,
    calc_drop_from_peak_reasons,
    calc_recovery,
    calc_recovery_reasons,
    calc_resistance,
    calc_resistance_reasons,
)
from pacte.indicators.specialisation import (
    NO_DATA,
    ZERO_BASE,
    ZERO_REFERENCE,
    ZERO_REFERENCE_CHANGE,
)

# Nation: 1000 -> 900 jobs over the contraction (g_N = -0.10), 900 -> 990 after (+0.10).
NAT = (1000.0, 900.0, 990.0)


def test_losing_the_national_rate_gives_zero():
    pre, trough = [200.0, 50.0], [180.0, 45.0]  # both -10 %
    np.testing.assert_allclose(calc_resistance(pre, trough, *NAT[:2]), [0, 0], atol=1e-12)
    np.testing.assert_allclose(calc_resistance(pre, trough, *NAT[:2], form="difference"),
                               [0, 0], atol=1e-12)


def test_resistance_hand_computed():
    pre = [200.0, 100.0, 100.0]
    trough = [170.0, 100.0, 80.0]  # g_r = -0.15, 0.0, -0.20
    # (g_r - g_N) / |g_N| = (-0.15 + 0.1) / 0.1, (0 + 0.1) / 0.1, (-0.2 + 0.1) / 0.1
    np.testing.assert_allclose(calc_resistance(pre, trough, *NAT[:2]), [-0.5, 1.0, -1.0],
                               rtol=1e-12)
    np.testing.assert_allclose(calc_resistance(pre, trough, *NAT[:2], form="difference"),
                               [-0.05, 0.1, -0.1], rtol=1e-12)


def test_recovery_hand_computed():
    trough = [170.0, 100.0]
    post = [204.0, 100.0]  # g_r = +0.20, 0.0 against g_N = +0.10
    np.testing.assert_allclose(calc_recovery(trough, post, *NAT[1:]), [1.0, -1.0], rtol=1e-12)
    np.testing.assert_allclose(calc_recovery(trough, post, *NAT[1:], form="difference"),
                               [0.1, -0.1], rtol=1e-12)


def test_per_territory_reference():
    # each territory against its own region: region 1 lost 10 %, region 2 lost 20 %
    got = calc_resistance([100.0, 100.0], [90.0, 90.0], [50.0, 50.0], [45.0, 40.0])
    np.testing.assert_allclose(got, [0.0, 0.5], atol=1e-12)


def test_resilience_nan_reasons():
    pre = [0.0, np.nan, 100.0]
    trough = [10.0, 90.0, 90.0]
    assert np.isnan(calc_resistance(pre, trough, *NAT[:2])[:2]).all()
    assert calc_resistance_reasons(pre, trough, *NAT[:2]).tolist() == [ZERO_BASE, NO_DATA, ""]
    # the nation did not change: the normalised index is undefined, the difference is not
    flat = calc_resistance([100.0], [90.0], 1000.0, 1000.0)
    assert np.isnan(flat).all()
    assert calc_resistance_reasons([100.0], [90.0], 1000.0, 1000.0).tolist() == [
        ZERO_REFERENCE_CHANGE]
    np.testing.assert_allclose(calc_resistance([100.0], [90.0], 1000.0, 1000.0,
                                               form="difference"), [-0.1])
    assert calc_recovery_reasons([100.0], [90.0], 0.0, 10.0).tolist() == [ZERO_REFERENCE]
    assert not np.isinf(calc_recovery([0.0, 5.0], [1.0, 5.0], 0.0, 10.0)).any()
    with pytest.raises(ValueError):
        calc_resistance([1.0], [1.0], 1.0, 2.0, form="ratio")


@settings(max_examples=150, deadline=None)
@given(st.lists(st.floats(1, 1e6), min_size=1, max_size=10), st.floats(-0.9, 2.0),
       st.floats(1, 1e7), st.floats(-0.9, 2.0).filter(lambda g: abs(g) > 1e-3))
def test_resistance_forms_agree(pre, g_r, nat_pre, g_n):
    pre = np.array(pre)
    trough = pre * (1 + g_r)
    nat_trough = nat_pre * (1 + g_n)
    normalised = calc_resistance(pre, trough, nat_pre, nat_trough)
    difference = calc_resistance(pre, trough, nat_pre, nat_trough, form="difference")
    g_n_exact = (nat_trough - nat_pre) / nat_pre
    np.testing.assert_allclose(normalised * abs(g_n_exact), difference, rtol=1e-9, atol=1e-12)
    # a territory following the nation exactly scores 0
    same = calc_resistance(pre, pre * (1 + g_n), nat_pre, nat_trough)
    np.testing.assert_allclose(same, 0.0, atol=1e-6)


YEARS = [2006, 2007, 2008, 2009, 2010, 2011, 2012]
SERIES = np.array([
    [100, 110, 120, 115, 108, 105, 102],        # peak 120 (2008), drop 18/120 = 0.15
    [50, np.nan, 40, 45, 60, 55, 44],           # gap in the window; pre-crisis peak 50 (2006)
    [np.nan] * 7,                               # no data
    [0] * 7,                                    # peak 0
    [80, 90, 90, 70, 75, 95, np.nan],           # tie 90 (2007, 2008), no value in 2012
    [10, 10, 10, 10, 10, 10, 12],               # above its peak: drop (10-12)/10 = -0.2
], dtype=float)


def test_drop_from_peak_hand_computed():
    peak, year, drop = calc_drop_from_peak(SERIES, YEARS, 2012, 2006, pre_end_year=2008)
    np.testing.assert_array_equal(peak, [120, 50, np.nan, 0, 90, 10])
    np.testing.assert_array_equal(year, [2008, 2006, np.nan, 2006, 2007, 2006])
    # (50 - 44) / 50 = 0.12
    np.testing.assert_allclose(drop, [0.15, 0.12, np.nan, np.nan, np.nan, -0.2], rtol=1e-12)
    assert calc_drop_from_peak_reasons(SERIES, YEARS, 2012, 2006, pre_end_year=2008).tolist() \
        == ["", "", NO_DATA, ZERO_BASE, NO_DATA, ""]


def test_drop_from_peak_defaults_and_options():
    # peak up to the end of the crisis: row 2 peaks at 60 in 2010, (60 - 44) / 60
    peak, year, drop = calc_drop_from_peak(SERIES, YEARS, 2012, 2006)
    assert (peak[1], year[1]) == (60, 2010) and drop[1] == pytest.approx(16 / 60, rel=1e-12)
    assert (peak[5], year[5], drop[5]) == (12, 2012, 0)  # the peak is the 2012 value itself
    strict = calc_drop_from_peak(SERIES, YEARS, 2012, 2006, 2008, skipna=False)
    assert np.isnan(strict.peak_value[1]) and np.isnan(strict.drop[1])
    # column order does not matter, ties still resolve to the earliest year
    order = [6, 2, 0, 5, 1, 4, 3]
    shuffled = calc_drop_from_peak(SERIES[:, order], np.array(YEARS)[order], 2012, 2006, 2008)
    np.testing.assert_array_equal(shuffled.peak_year, [2008, 2006, np.nan, 2006, 2007, 2006])


@pytest.mark.parametrize("args", [(2013, 2006, None), (2012, 2000, 2001),
                                  (2012, 2009, 2008), (2010, 2006, 2011)])
def test_drop_from_peak_invalid_windows(args):
    crisis_end, pre_start, pre_end = args
    with pytest.raises(ValueError):
        calc_drop_from_peak(SERIES, YEARS, crisis_end, pre_start, pre_end)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.one_of(st.none(), st.integers(0, 10_000)), min_size=6, max_size=6),
                min_size=1, max_size=8))
def test_drop_within_zero_one_when_peak_window_includes_the_end(rows):
    x = np.array([[np.nan if v is None else v for v in r] for r in rows], dtype=float)
    years = np.arange(2007, 2013)
    peak, _, drop = calc_drop_from_peak(x, years, 2012, 2007)
    ok = ~np.isnan(drop)
    assert ((drop[ok] >= 0) & (drop[ok] <= 1)).all()
    has_data = ~np.isnan(x).all(axis=1)
    np.testing.assert_array_equal(peak[has_data], np.nanmax(x[has_data], axis=1))
    reasons = calc_drop_from_peak_reasons(x, years, 2012, 2007)
    assert (reasons[ok] == "").all() and (reasons[~ok] != "").all()
