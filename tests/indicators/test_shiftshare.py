"""Shift-share decompositions: REAT known answer, hand-computed E-M, NaN rules, properties."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from pacte.indicators.shiftshare import (
    calc_esteban_marquillas,
    calc_esteban_marquillas_reasons,
    calc_shift_share,
    calc_shift_share_reasons,
)
from pacte.indicators.specialisation import NO_DATA, ZERO_BASE, ZERO_REFERENCE

# REAT (Wieland), shift() help page example: regions A, B, C x 4 industries.
REAT_E0 = np.array([[90.0, 20.0, 10.0, 60.0],
                    [60.0, 30.0, 30.0, 40.0],
                    [250.0, 100.0, 110.0, 300.0]])
REAT_E1 = np.array([[100.0, 40.0, 10.0, 55.0],
                    [85.0, 55.0, 40.0, 35.0],
                    [255.0, 115.0, 85.0, 390.0]])
REAT_NATION0 = np.array([400.0, 150.0, 150.0, 400.0])
REAT_NATION1 = np.array([440.0, 210.0, 135.0, 480.0])


@pytest.mark.parametrize("reference", [None, (REAT_NATION0, REAT_NATION1)])
def test_dunn_reproduces_reat(reference):
    """Known answer: R package REAT (Thomas Wieland), help page of ``shift()``; the figures are
    in shared/data/peer-tests/README.md, "Classical shift-share". Dunn decomposition per region:
    A: 25 = 27 + 1 + (-3); B: 55 = 24 + (-1) + 32; C: 85 = 114 + 0 + (-29). The nation is the
    sum of the regions, so the default reference and the explicit one must agree."""
    refs = reference or (None, None)
    result = calc_shift_share(REAT_E0, REAT_E1, *refs)
    totals = result.totals()
    np.testing.assert_allclose(totals["change"], [25, 55, 85], rtol=0, atol=1e-9)
    np.testing.assert_allclose(totals["national_share"], [27, 24, 114], rtol=0, atol=1e-9)
    np.testing.assert_allclose(totals["industrial_mix"], [1, -1, 0], rtol=0, atol=1e-9)
    np.testing.assert_allclose(totals["regional_shift"], [-3, 32, -29], rtol=0, atol=1e-9)
    # G = 165 / 1100; G_j = (40/400, 60/150, -15/150, 80/400)
    assert result.national_growth == pytest.approx(0.15, abs=1e-15)
    np.testing.assert_allclose(result.sector_growth, [0.1, 0.4, -0.1, 0.2], rtol=1e-12)
    assert (calc_shift_share_reasons(REAT_E0, REAT_E1, *refs) == "").all()


def test_esteban_marquillas_on_reat_matches_dunn():
    dunn = calc_shift_share(REAT_E0, REAT_E1)
    em = calc_esteban_marquillas(REAT_E0, REAT_E1)
    np.testing.assert_array_equal(em.national_share, dunn.national_share)
    np.testing.assert_array_equal(em.industrial_mix, dunn.industrial_mix)
    np.testing.assert_array_equal(em.competitive_effect, dunn.regional_shift)
    np.testing.assert_allclose(em.net_competitive_effect + em.allocation_effect,
                               dunn.regional_shift, rtol=0, atol=1e-9)
    # e*_A = 180 x (400, 150, 150, 400) / 1100
    np.testing.assert_allclose(em.homothetic_employment[0],
                               180 * REAT_NATION0 / 1100, rtol=1e-12)


def test_esteban_marquillas_hand_computed():
    # R0 = (40, 60), R0 = 100, S = (0.4, 0.6); R1 = (60, 60): G = 0.2, G_j = (0.5, 0.0).
    E0 = [[10.0, 30.0], [30.0, 30.0]]
    E1 = [[20.0, 24.0], [40.0, 36.0]]
    em = calc_esteban_marquillas(E0, E1)
    # territory 1: e = 40, e* = (16, 24), g = (1.0, -0.2), g - G_j = (0.5, -0.2)
    # territory 2: e = 60, e* = (24, 36), g = (1/3, 0.2), g - G_j = (-1/6, 0.2)
    expected = {
        "change": [[10, -6], [10, 6]],
        "national_share": [[2, 6], [6, 6]],                  # e0 x 0.2
        "industrial_mix": [[3, -6], [9, -6]],                # e0 x (0.3, -0.2)
        "competitive_effect": [[5, -6], [-5, 6]],            # e0 x (g - G_j)
        "homothetic_employment": [[16, 24], [24, 36]],
        "net_competitive_effect": [[8, -4.8], [-4, 7.2]],    # e* x (g - G_j)
        "allocation_effect": [[-3, -1.2], [-1, -1.2]],       # (e0 - e*) x (g - G_j)
    }
    for name, value in expected.items():
        np.testing.assert_allclose(getattr(em, name), value, rtol=0, atol=1e-12, err_msg=name)
    np.testing.assert_allclose(em.totals()["allocation_effect"], [-4.2, -2.2], atol=1e-12)


def test_birth_of_a_sector():
    # territory 1 has no job in sector 0 at the start and 3 at the end
    E0 = [[0.0, 10.0], [5.0, 5.0]]
    E1 = [[3.0, 10.0], [5.0, 5.0]]
    ss = calc_shift_share(E0, E1)
    np.testing.assert_allclose([ss.national_share[0, 0], ss.industrial_mix[0, 0],
                                ss.regional_shift[0, 0]], [0.0, 0.0, 3.0], atol=1e-12)
    em = calc_esteban_marquillas(E0, E1)
    assert np.isnan(em.net_competitive_effect[0, 0]) and np.isnan(em.allocation_effect[0, 0])
    assert em.competitive_effect[0, 0] == pytest.approx(3.0)
    reasons = calc_esteban_marquillas_reasons(E0, E1)
    assert reasons.tolist() == [[ZERO_BASE, ""], ["", ""]]
    assert (calc_shift_share_reasons(E0, E1) == "").all()


def test_sector_absent_from_explicit_reference():
    ss = calc_shift_share([[5.0, 10.0]], [[6.0, 12.0]], [0.0, 20.0], [0.0, 22.0])
    assert ss.national_share[0, 0] == pytest.approx(0.5)  # 5 x G, G = 0.1
    assert np.isnan(ss.industrial_mix[0, 0]) and np.isnan(ss.regional_shift[0, 0])
    reasons = calc_shift_share_reasons([[5.0, 10.0]], [[6.0, 12.0]], [0.0, 20.0], [0.0, 22.0])
    assert reasons.tolist() == [[ZERO_REFERENCE, ""]]


def test_missing_cell():
    E1 = REAT_E1.copy()
    E1[1, 2] = np.nan
    ss = calc_shift_share(REAT_E0, E1)
    for name in ("change", "national_share", "industrial_mix", "regional_shift"):
        assert np.isnan(getattr(ss, name)[1, 2])
        assert np.isnan(ss.totals()[name][1])
    reasons = calc_shift_share_reasons(REAT_E0, E1)
    assert reasons[1, 2] == NO_DATA and (np.delete(reasons.ravel(), 6) == "").all()
    # region B is left out of the default reference: A and C as if B did not exist
    alone = calc_shift_share(REAT_E0[[0, 2]], REAT_E1[[0, 2]])
    np.testing.assert_allclose(ss.regional_shift[[0, 2]], alone.regional_shift, rtol=1e-12)
    em_reasons = calc_esteban_marquillas_reasons(REAT_E0, E1)
    assert em_reasons[1, 2] == NO_DATA and (em_reasons[[0, 2]] == "").all()
    # a gap at the start: e* needs the whole start row, Dunn only the cell
    E0 = REAT_E0.copy()
    E0[1, 1] = np.nan
    em = calc_esteban_marquillas(E0, REAT_E1)
    assert np.isnan(em.net_competitive_effect[1]).all() and np.isnan(em.homothetic_employment[1]).all()
    assert not np.isnan(em.industrial_mix[1, [0, 2, 3]]).any()
    assert (calc_esteban_marquillas_reasons(E0, REAT_E1)[1] == NO_DATA).all()
    assert calc_shift_share_reasons(E0, REAT_E1)[1].tolist() == ["", NO_DATA, "", ""]


def test_result_is_frozen():
    ss = calc_shift_share(REAT_E0, REAT_E1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        ss.national_growth = 0.0
    with pytest.raises(ValueError):
        ss.regional_shift[0, 0] = 0.0


def test_invalid_inputs():
    with pytest.raises(ValueError):
        calc_shift_share(REAT_E0, REAT_E1[:, :3])
    with pytest.raises(ValueError):
        calc_shift_share(REAT_E0, REAT_E1, reference0=REAT_NATION0)


PAIRS = st.tuples(st.integers(1, 8), st.integers(1, 6)).flatmap(
    lambda shape: st.tuples(*[arrays(np.float64, shape, elements=st.integers(0, 10_000).map(float))
                              for _ in range(2)]))


def _scale(*arrays_):
    return max(1.0, max(np.nanmax(np.abs(a)) if np.isfinite(a).any() else 0 for a in arrays_))


@settings(max_examples=200, deadline=None)
@given(PAIRS)
def test_components_sum_to_change(pair):
    E0, E1 = pair
    ss = calc_shift_share(E0, E1)
    change = E1 - E0
    if E0.sum() == 0:  # no reference at the start: everything undefined
        assert np.isnan(ss.national_share).all()
        assert (calc_shift_share_reasons(E0, E1) == ZERO_REFERENCE).all()
        return
    parts = ss.national_share + ss.industrial_mix + ss.regional_shift
    tol = 1e-9 * _scale(parts, ss.national_share, ss.industrial_mix)
    np.testing.assert_allclose(parts, change, rtol=0, atol=tol)
    em = calc_esteban_marquillas(E0, E1)
    four = em.national_share + em.industrial_mix + em.net_competitive_effect + em.allocation_effect
    defined = ~np.isnan(four)
    np.testing.assert_allclose(four[defined], change[defined], rtol=0,
                               atol=1e-9 * _scale(em.net_competitive_effect, em.allocation_effect,
                                                  parts))
    births = (E0 == 0) & (E1 > 0)
    assert (defined == ~births).all()
    assert (calc_esteban_marquillas_reasons(E0, E1)[births] == ZERO_BASE).all()


@settings(max_examples=200, deadline=None)
@given(PAIRS)
def test_shifts_cancel_across_territories(pair):
    E0, E1 = pair
    R0 = E0.sum(axis=0)
    if R0.sum() == 0:
        return
    ss = calc_shift_share(E0, E1)
    em = calc_esteban_marquillas(E0, E1)
    tol = 1e-9 * _scale(E0, E1, ss.national_share, ss.industrial_mix)
    present = R0 > 0  # a sector born in the nation has no national growth rate
    np.testing.assert_allclose(ss.regional_shift[:, present].sum(axis=0), 0, atol=tol)
    np.testing.assert_allclose(em.competitive_effect[:, present].sum(axis=0), 0, atol=tol)
    # sum_i e*_ij = R0_j: the homothetic territories add up to the reference
    np.testing.assert_allclose(em.homothetic_employment.sum(axis=0), R0, rtol=1e-9, atol=tol)
    if present.all():
        assert ss.totals()["industrial_mix"].sum() == pytest.approx(0, abs=tol)
        assert ss.totals()["regional_shift"].sum() == pytest.approx(0, abs=tol)
