"""Statistical audit of the index: known answers on small matrices computed by
hand, then the acceptance criteria of the default rule on the real bundled store."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from pacte.targeting.audit import (
    IMPORTANCE_BAND,
    MAX_CORRELATION,
    calc_correlations,
    calc_cronbach_alpha,
    calc_eb_shrinkage,
    calc_effective_importance,
    calc_first_order,
    calc_pca,
    calc_regional_ratio,
    calc_removal_shifts,
    calc_spread_by_size,
    run_audit,
)
from pacte.targeting.rule import load_config

# a = 1..4, b = a with the middle swapped, c = reversed a: deviations (-1.5, -0.5, 0.5, 1.5)
A = np.array([[1, 1, 4], [2, 3, 3], [3, 2, 2], [4, 4, 1]], float)


def test_correlations_by_hand():
    """r(a, b) = Σ d_a d_b / √(Σd_a² Σd_b²) = (2.25 − 0.25 − 0.25 + 2.25) / 5 = 0.8;
    r(a, c) = −1; r(b, c) = −0.8."""
    R = calc_correlations(A)
    np.testing.assert_allclose(R, [[1, 0.8, -1], [0.8, 1, -0.8], [-1, -0.8, 1]], atol=1e-12)


def test_cronbach_alpha_by_hand():
    """Cronbach (1951): α = k/(k−1) (1 − Σ var_j / var(Σ)); var(a) = var(b) = 5/3, the sum
    (2, 5, 5, 8) has variance 6: α = 2 (1 − (10/3)/6) = 8/9; equal to the standardised form
    2r/(1 + r) = 1.6/1.8 for two items of equal variance."""
    assert calc_cronbach_alpha(A[:, :2]) == pytest.approx(8 / 9, abs=1e-12)
    assert calc_cronbach_alpha(A[:, :2]) == pytest.approx(2 * 0.8 / 1.8, abs=1e-12)
    assert np.isnan(calc_cronbach_alpha(A[:, :1]))
    # a and its mirror c cancel: the sum is constant -> alpha undefined (−inf); a, b, c:
    # Σ var = 5, var(sum (6, 8, 7, 9)) = 5/3 -> α = 1.5 (1 − 3) = −3
    assert calc_cronbach_alpha(A) == pytest.approx(-3.0, abs=1e-12)


def test_pca_by_hand():
    """Correlation matrix [[1, 0.8], [0.8, 1]]: eigenvalues 1.8 and 0.2 (90 % and 10 %),
    loadings of the first component √0.9 each."""
    vals, share, load = calc_pca(A[:, :2])
    np.testing.assert_allclose(vals, [1.8, 0.2], atol=1e-12)
    np.testing.assert_allclose(share, [0.9, 0.1], atol=1e-12)
    np.testing.assert_allclose(load[:, 0], [np.sqrt(0.9)] * 2, atol=1e-12)


def test_first_order_and_effective_importance():
    """y = 2a + b with a, b orthogonal ±1 columns: S_a = 4/5, S_b = 1/5 (variance shares);
    nominal weights 2/3 and 1/3 -> ratios 1.2 and 0.6 (Paruolo, Saisana & Saltelli 2013)."""
    a = np.array([1, 1, -1, -1], float)
    b = np.array([1, -1, 1, -1], float)
    y = 2 * a + b
    assert calc_first_order(a, y) == pytest.approx(0.8, abs=1e-12)
    imp = calc_effective_importance(np.column_stack([a, b]), y, np.array([2 / 3, 1 / 3]))
    np.testing.assert_allclose(imp["s_first_order"], [0.8, 0.2], atol=1e-12)
    np.testing.assert_allclose(imp["ratio"], [1.2, 0.6], atol=1e-12)


def test_first_order_sees_nonlinear_dependence():
    """y = x² on a symmetric x: Pearson r = 0 but E[y | x] = y, so S = 1."""
    x = np.array([-2, -1, 0, 1, 2], float)
    assert calc_correlations(np.column_stack([x, x**2]))[0, 1] == pytest.approx(0, abs=1e-12)
    assert calc_first_order(x, x**2) == pytest.approx(1.0, abs=1e-12)
    assert calc_first_order(np.ones(5), x) == 0.0


def test_removal_shifts_by_hand():
    """Z rows (3, 0), (2, 2), (0, 3.5), equal weights: scores 1.5, 2, 1.75, ranks 3, 1, 2.
    Without indicator 1 ranks 3, 2, 1 (shifts 0, 1, 1: mean 2/3); without indicator 2 ranks
    1, 2, 3 (shifts 2, 1, 1: mean 4/3). With one dimension per indicator, removing a
    dimension is removing its indicator."""
    Z = np.array([[3, 0], [2, 2], [0, 3.5]])
    one = np.ones((2, 1))
    s_ind, s_dim = calc_removal_shifts(Z, one, np.array([0.5, 0.5]), np.array([1.0]))
    np.testing.assert_allclose(s_ind, [2 / 3, 4 / 3])
    assert np.isnan(s_dim[0])  # the only dimension
    two = np.eye(2)
    s_ind2, s_dim2 = calc_removal_shifts(Z, two, np.ones(2), np.array([0.5, 0.5]))
    np.testing.assert_allclose(s_ind2, [2 / 3, 4 / 3])
    np.testing.assert_allclose(s_dim2, [2 / 3, 4 / 3])


def test_eb_shrinkage_by_hand():
    """(rate − target)² = τ² + σ²/base exactly with τ² = 1, σ² = 4, bases 1, 2, 4, 8: the
    moments recover them, B = (4/n)/(1 + 4/n) = 4/(n + 4) = 0.8, 2/3, 0.5, 1/3 and the
    shrunk rate is target + (1 − B)(rate − target)."""
    base = np.array([1, 2, 4, 8], float)
    dev = np.sqrt(1 + 4 / base) * np.array([1, -1, 1, -1])
    shrunk, B, tau2, sigma2 = calc_eb_shrinkage(10 + dev, base, 10.0)
    assert (tau2, sigma2) == (pytest.approx(1.0), pytest.approx(4.0))
    np.testing.assert_allclose(B, [0.8, 2 / 3, 0.5, 1 / 3])
    np.testing.assert_allclose(shrunk, 10 + (1 - B) * dev)
    # a missing base leaves its rate as it is
    s2, B2, *_ = calc_eb_shrinkage(np.array([1.0, 2, 3, 4, 5]), np.array([1, 2, np.nan, 4, 8]),
                                   0.0)
    assert s2[2] == 3 and B2[2] == 0


@settings(max_examples=30)
@given(arrays(float, 12, elements=st.floats(-50, 50)),
       arrays(float, 12, elements=st.floats(1, 1e4)), st.floats(-10, 10))
def test_eb_shrinks_toward_target(rate, base, target):
    """Identity: every shrunk rate lies between its raw rate and the target."""
    shrunk, B, *_ = calc_eb_shrinkage(rate, base, target)
    assert ((B >= 0) & (B <= 1)).all()
    lo, hi = np.minimum(rate, target), np.maximum(rate, target)
    assert ((shrunk >= lo - 1e-9) & (shrunk <= hi + 1e-9)).all()


def test_regional_ratio_detects_a_regional_multiple():
    """x = y × one constant per région adds nothing at this level; a perturbed x does."""
    y = np.array([10, 20, 30, 5, 15.0])
    reg = np.array(["11", "11", "11", "84", "84"])
    x = y * np.where(reg == "11", 2.0, 3.0)
    assert calc_regional_ratio(x, y, reg)
    x[0] += 1
    assert not calc_regional_ratio(x, y, reg)


def test_spread_by_size():
    """Two size classes: sd of (1, 3) and of (10, 30)."""
    sd = calc_spread_by_size(np.array([1, 3, 10, 30.0]), np.array([1, 2, 3, 4.0]), q=2)
    np.testing.assert_allclose(sd, [np.std([1, 3], ddof=1), np.std([10, 30], ddof=1)])


def test_default_rule_passes_its_own_audit(con):
    """On the real bundled store, EPCI level: no pair of the default
    rule's indicators correlated above 0.9, every effective importance within [1/2, 2] times
    the nominal weight, and no indicator that is only a regional multiple of another (none
    of which depends on the variance decomposition's draws: 20 per source here; the report's
    full decomposition is checked by tests/targeting/test_index.py::test_national_report)."""
    a = run_audit(con, "epci", load_config(), draws=20)
    assert a["pairs_above"] == []
    assert (a["corr_indicators"].abs().to_numpy()[~np.eye(len(a["labels"]), dtype=bool)]
            <= MAX_CORRELATION).all()
    lo, hi = IMPORTANCE_BAND
    assert a["importance"]["ratio"].between(lo, hi).all(), a["importance"]
    assert a["estimates"] == []
    assert "industry_jobs_log (rp 2016)" in a["labels"]  # mass beside share


def test_old_rule_audit_shows_the_double_counting(con):
    """The v1 rule (kept for the golden test): the export half-weight correlates −0.99 with
    the import exposure it offsets, and the exposure is a regional multiple of the 1999
    census industrial share at EPCI level (neither depends on the variance decomposition's
    draws: 20 per source)."""
    from pathlib import Path

    v1 = Path(__file__).parents[1] / "data" / "golden" / "composite_default_v1.yaml"
    a = run_audit(con, "epci", load_config(v1), draws=20)
    r = dict(((x, y), v) for x, y, v in a["pairs_above"])
    assert r[("import_exposure_lowwage (exposure 2000-2007)",
              "export_exposure (exposure 2000-2007)")] < -0.98
    assert any(e["regional_multiple_of"] == "industry_share (rp 1999)"
               for e in a["estimates"])
