"""Gerfin's multiplicative shift-share (pacte.indicators.shiftshare.calc_gerfin).

Known answer: the documented example of REAT's ``shift()`` (Wieland, R package REAT 3.0.3,
man/shift.Rd, "Example from Farhauer/Kroell (2013)"): nation (400, 150, 150, 400) ->
(440, 210, 135, 480); regions A (90, 20, 10, 60) -> (100, 40, 10, 55), B (60, 30, 30, 40)
-> (85, 55, 40, 35), C (250, 100, 110, 300) -> (255, 115, 85, 390). With
``shift.method = "Gerfin"`` REAT (R/shift.R) returns "Industrial mix"
``(Σ e_ij1 e_i2/e_i1 / e_j1) / (e2/e1)``, "Regional share" ``(e_j2/e_j1) / (Σ e_ij1
e_i2/e_i1 / e_j1)`` and "Net total shift" ``(e_j2/e_j1) / (e2/e1)``. REAT prints no figures
for it; the expected values are those formulas evaluated in exact fractions: e.g. for A,
expected jobs 90·1.1 + 20·1.4 + 10·0.9 + 60·1.2 = 208, IM = (208/180)/(1265/1100) = 208/207,
RF = 205/208, NT = 205/207.
"""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from pacte.indicators.shiftshare import calc_gerfin, calc_gerfin_reasons, calc_shift_share
from pacte.indicators.specialisation import NO_DATA, ZERO_BASE, ZERO_REFERENCE

NATION0, NATION1 = [400, 150, 150, 400], [440, 210, 135, 480]
E0 = [[90, 20, 10, 60], [60, 30, 30, 40], [250, 100, 110, 300]]
E1 = [[100, 40, 10, 55], [85, 55, 40, 35], [255, 115, 85, 390]]


def _reat_gerfin(e0, e1):
    """REAT's three formulas (R/shift.R, shift.method == "Gerfin") in exact fractions."""
    n0, n1 = sum(NATION0), sum(NATION1)
    expected = sum(F(a) * F(b1, b0) for a, b0, b1 in zip(e0, NATION0, NATION1, strict=True))
    r0, r1 = sum(e0), sum(e1)
    return (expected / r0) / F(n1, n0), F(r1, r0) / (expected / r0), F(r1, r0) / F(n1, n0)


def test_reat_farhauer_kroell_example():
    g = calc_gerfin(np.array(E0, float), np.array(E1, float), NATION0, NATION1)
    assert g.national_index == pytest.approx(1.15)
    for i, (e0, e1) in enumerate(zip(E0, E1, strict=True)):
        im, rf, nt = _reat_gerfin(e0, e1)
        assert g.industrial_mix[i] == pytest.approx(float(im), abs=1e-12)
        assert g.regional_factor[i] == pytest.approx(float(rf), abs=1e-12)
        assert g.net_total[i] == pytest.approx(float(nt), abs=1e-12)
    assert (g.industrial_mix[0], g.regional_factor[0], g.net_total[0]) == pytest.approx(
        (208 / 207, 205 / 208, 205 / 207), abs=1e-12)
    # the three regions are the nation: the default reference gives the same figures
    d = calc_gerfin(np.array(E0, float), np.array(E1, float))
    np.testing.assert_allclose(d.net_total, g.net_total, rtol=1e-12)
    assert (calc_gerfin_reasons(E0, E1) == "").all()
    with pytest.raises(ValueError):
        g.net_total[0] = 2.0  # frozen


def test_gerfin_agrees_with_dunn():
    """Both rest on the same expected jobs: IM_gerfin - 1 = IM_dunn / (e0 R1/R0) and
    NT - 1 = (NS-corrected change) / (e0 R1/R0) (Dunn's NS + IM + RS = change)."""
    E0a, E1a = np.array(E0, float), np.array(E1, float)
    g, d = calc_gerfin(E0a, E1a), calc_shift_share(E0a, E1a)
    t = d.totals()
    base = E0a.sum(axis=1) * g.national_index
    np.testing.assert_allclose(g.industrial_mix - 1, t["industrial_mix"] / base, rtol=1e-12,
                               atol=1e-15)
    np.testing.assert_allclose(g.net_total - 1, (t["industrial_mix"] + t["regional_shift"])
                               / base, rtol=1e-12, atol=1e-15)


def test_reasons():
    E0r = np.array([[0.0, 0.0], [np.nan, 1.0], [1.0, 2.0], [1.0, 1.0]])
    E1r = np.array([[3.0, 0.0], [1.0, 1.0], [2.0, 2.0], [1.0, 1.0]])
    g = calc_gerfin(E0r, E1r)
    assert np.isnan(g.net_total[:2]).all() and np.isfinite(g.net_total[2:]).all()
    assert calc_gerfin_reasons(E0r, E1r).tolist() == [ZERO_BASE, NO_DATA, "", ""]
    r = calc_gerfin_reasons([[1.0, 1.0]], [[2.0, 1.0]], [0.0, 5.0], [1.0, 5.0])
    assert r.tolist() == [ZERO_REFERENCE]


jobs = st.integers(min_value=0, max_value=100_000).map(float)  # job counts


@settings(max_examples=150, deadline=None)
@given(arrays(float, (4, 3), elements=jobs), arrays(float, (4, 3), elements=jobs))
def test_factors_multiply_to_net_total(E0h, E1h):
    E0h = E0h + 1.0  # every sector present at the start
    E1h = E1h + np.array([1.0, 0.0, 0.0])  # the nation keeps jobs at the end
    g = calc_gerfin(E0h, E1h)
    np.testing.assert_allclose(g.industrial_mix * g.regional_factor, g.net_total,
                               rtol=1e-12, atol=1e-15)
    growth = E1h.sum(axis=1) / E0h.sum(axis=1)
    np.testing.assert_allclose(g.net_total * g.national_index, growth, rtol=1e-12)
