"""Tests of pacte.indicators.exposure (shift-share import competition).

Known answer: Autor, Dorn & Hanson (2013, AER 103(6)) commuting-zone instrument, rebuilt from
the share matrix of Kolesár's ShiftShareSE (kolesarm/ShiftShareSE@e3a2d81677e52496ba95f37c00bb4fcb501b962a,
data/ADH.rda: ADH$W, ADH$reg) and the industry shocks of Goldsmith-Pinkham, Sorkin & Swift
(paulgp/bartik-weight@722ceb85484d6a2bf77985edf2403515eacd1770). Inputs are copied in
tests/data/adh/ (see the README there).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from pacte.indicators.exposure import (
    ADH_2013_ELASTICITY,
    JOBS_AT_RISK_CAVEAT,
    calc_employment_shares,
    calc_export_shock_per_worker,
    calc_exposure_contributions,
    calc_import_shock_per_worker,
    calc_jobs_at_risk,
    calc_shift_share_exposure,
    top_contributors,
)

ADH = Path(__file__).parents[1] / "data" / "adh"


def _adh_t2_inputs() -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Shares of the 722 CZ in 2000 (t2=True), shocks g[2000, j] aligned on them, and ADH's IV.

    Share columns are named ``cK_sicNNNN``: K is the position (0-769) and NNNN the 4-digit
    SIC87 code (sic87dd in gpss_shocks.csv). The 770 columns hold two blocks of the same
    industries, one per period (positions 0-374 are nonzero only for t2=False, 375-769 only
    for t2=True), so each column is matched to its shock by SIC code, not by position.
    A column whose SIC code has no shock is kept only if its share is zero in every CZ used
    (its contribution is then exactly zero) and dropped; otherwise the test fails, because a
    missing shock cannot be treated as zero. In these files every column has a 2000 shock; the
    one unmatched shock (SIC 3764) has no share column and is ignored.
    """
    shares = pd.read_parquet(ADH / "akm_ADH_W_shares.parquet")
    reg = pd.read_csv(ADH / "akm_ADH_reg.csv")
    shocks = pd.read_csv(ADH / "gpss_shocks.csv")
    assert (shares["czone"].to_numpy() == reg["czone"].to_numpy()).all()
    assert (shares["t2"].astype(bool).to_numpy() == reg["t2"].to_numpy()).all()
    t2 = reg["t2"].to_numpy()
    w = shares.loc[t2].drop(columns=["czone", "t2"])
    w.index = reg.loc[t2, "czone"].astype(int).to_numpy()
    sic = pd.read_csv(ADH / "akm_ADH_sic770.csv")["sic"].astype(int).to_numpy()
    assert (np.array([int(c.split("_sic")[1]) for c in w.columns]) == sic).all()
    g2000 = shocks[shocks["year"] == 2000].set_index(
        shocks.loc[shocks["year"] == 2000, "sic87dd"].astype(int)
    )["g"]
    g = pd.Series(g2000.reindex(sic).to_numpy(), index=w.columns)
    no_shock = g.index[g.isna()]
    assert (w[no_shock] == 0).all().all(), "industrie employant du monde sans choc"
    w, g = w.drop(columns=no_shock), g.drop(index=no_shock)
    iv = pd.Series(reg.loc[t2, "IV"].to_numpy(), index=w.index)
    return w, g, iv


def test_adh_instrument_is_a_shift_share_sum():
    """Peer-test README, known answer 1: IV[cz] = sum_j W[cz, j] g[2000, j] within 1e-4 for all
    722 CZ (2000-2007). Measured maximum gap: 7.8e-5 (the shocks are stored as float32)."""
    w, g, iv = _adh_t2_inputs()
    assert w.shape == (722, 770)
    exposure = calc_shift_share_exposure(w, g)
    assert isinstance(exposure, pd.Series) and (exposure.index == iv.index).all()
    gap = (exposure - iv).abs()
    assert gap.max() < 1e-4
    assert exposure.loc[100] == pytest.approx(iv.loc[100], abs=1e-4)


def test_adh_contributions_and_top_contributors():
    w, g, iv = _adh_t2_inputs()
    contrib = calc_exposure_contributions(w, g)
    assert np.allclose(contrib.sum(axis=1), calc_shift_share_exposure(w, g), atol=1e-12)
    top = top_contributors(contrib.iloc[:5], k=3)
    assert len(top) == 15 and list(top["rank"][:3]) == [1, 2, 3]
    first = top[top["location"] == 100]
    assert first["contribution"].is_monotonic_decreasing
    row = contrib.loc[100]
    assert first["industry"].iloc[0] == row.idxmax()
    assert first["share_of_exposure"].iloc[0] == pytest.approx(row.max() / row.sum())


def test_toy_territory():
    """A tiny fictional territory (3 places, 2 industries), computed by hand."""
    jobs = pd.DataFrame(
        {"textile": [100.0, 0.0, 50.0], "electronique": [300.0, 0.0, 0.0]}, index=["A", "B", "C"]
    )
    total = pd.Series([1000.0, 500.0, 0.0], index=jobs.index)
    with pytest.raises(ValueError, match="dépasse"):
        calc_employment_shares(jobs, total)
    total["C"] = 200.0
    shares = calc_employment_shares(jobs, total)
    assert shares.loc["A"].tolist() == [0.1, 0.3]
    shock = pd.Series({"electronique": 20.0, "textile": 10.0})  # thousand USD per worker
    exposure = calc_shift_share_exposure(shares, shock)
    assert exposure.tolist() == pytest.approx([0.1 * 10 + 0.3 * 20, 0.0, 0.25 * 10])
    top = top_contributors(calc_exposure_contributions(shares, shock), k=1)
    assert top.loc[top["location"] == "A", "industry"].item() == "electronique"
    assert top.loc[top["location"] == "A", "share_of_exposure"].item() == pytest.approx(6 / 7)
    assert np.isnan(top.loc[top["location"] == "B", "share_of_exposure"].item())


def test_nan_share_row_gives_nan_and_nan_shock_raises():
    shares = np.array([[0.1, np.nan], [0.2, 0.3]])
    out = calc_shift_share_exposure(shares, np.array([1.0, 2.0]))
    assert np.isnan(out[0]) and out[1] == pytest.approx(0.8)
    assert np.isnan(calc_exposure_contributions(shares, np.array([1.0, 2.0]))[0]).all()
    with pytest.raises(ValueError, match="NaN"):
        calc_shift_share_exposure(shares, np.array([1.0, np.nan]))
    with pytest.raises(ValueError, match="choc manquant"):
        calc_shift_share_exposure(pd.DataFrame({"a": [0.1]}), pd.Series({"b": 1.0}))
    with pytest.raises(ValueError, match="secteurs"):
        calc_shift_share_exposure(np.ones((2, 3)), np.ones(2))


def test_zero_total_employment_is_nan():
    shares = calc_employment_shares(np.array([[0.0, 0.0], [5.0, 5.0]]), np.array([0.0, 20.0]))
    assert np.isnan(shares[0]).all() and shares[1].tolist() == [0.25, 0.25]
    assert np.isnan(calc_shift_share_exposure(shares, np.array([1.0, 1.0]))[0])


def test_shock_per_worker():
    """ΔM_j / L_j (ADH 2013): 2,260 -> 12,489 million USD of Chinese electrical and
    optical equipment into France (WIOD c14, 2000-2007) over 480,000 jobs = 21.31 thousand USD."""
    shock = calc_import_shock_per_worker([2260.0], [12489.0], [480000.0]) * 1000
    assert shock[0] == pytest.approx(21.310417, abs=1e-6)
    s = calc_export_shock_per_worker(
        pd.Series([10.0, 10.0]), [4.0, 30.0], pd.Series([2.0, 4.0], index=["x", "y"])
    )
    assert s.tolist() == [-3.0, 5.0] and list(s.index) == ["x", "y"]
    with pytest.raises(ValueError, match="effectif nul"):
        calc_import_shock_per_worker([1.0], [2.0], [0.0])
    with pytest.raises(ValueError, match="NaN"):
        calc_import_shock_per_worker([np.nan], [2.0], [1.0])


def test_jobs_at_risk_uses_adh_table3_elasticity():
    """ADH (2013) Table 3 col. 6: -0.596 pp of manufacturing employment / working-age
    population per 1,000 USD of import exposure per worker. 1.5 thousand USD per worker for a
    working-age population of 200,000: 0.596/100 * 1.5 * 200,000 = 1,788 jobs at risk."""
    assert ADH_2013_ELASTICITY == -0.596
    out = calc_jobs_at_risk(np.array([1.5, 0.0, np.nan]), np.array([200000.0, 1000.0, 5.0]))
    assert out[0] == pytest.approx(1788.0) and out[1] == 0.0 and np.isnan(out[2])
    assert calc_jobs_at_risk(pd.Series([1.0], index=["X"]), [1000.0], elasticity=-1.0).loc[
        "X"
    ] == pytest.approx(10.0)
    assert "Autor, Dorn" in JOBS_AT_RISK_CAVEAT and "-0,596" in JOBS_AT_RISK_CAVEAT


# --- properties (hypothesis) -------------------------------------------------------------
finite = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False)
share = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@st.composite
def shares_and_two_shocks(draw):
    n_loc = draw(st.integers(1, 8))
    n_ind = draw(st.integers(1, 8))
    s = draw(arrays(float, (n_loc, n_ind), elements=share))
    return (
        s,
        draw(arrays(float, n_ind, elements=finite)),
        draw(arrays(float, n_ind, elements=finite)),
    )


@settings(max_examples=100, deadline=None)
@given(shares_and_two_shocks(), finite, finite)
def test_exposure_is_linear_in_shocks(data, a, b):
    s, g1, g2 = data
    lhs = calc_shift_share_exposure(s, a * g1 + b * g2)
    rhs = a * calc_shift_share_exposure(s, g1) + b * calc_shift_share_exposure(s, g2)
    scale = 1.0 + np.abs(s).sum() * (abs(a) * np.abs(g1).max() + abs(b) * np.abs(g2).max())
    assert np.allclose(lhs, rhs, rtol=0, atol=1e-12 * scale)


@settings(max_examples=100, deadline=None)
@given(shares_and_two_shocks())
def test_contributions_sum_to_exposure(data):
    s, g, _ = data
    contrib = calc_exposure_contributions(s, g)
    assert contrib.shape == s.shape
    assert np.allclose(contrib.sum(axis=1), calc_shift_share_exposure(s, g), atol=1e-9)


@settings(max_examples=100, deadline=None)
@given(
    arrays(float, (4, 5), elements=st.floats(min_value=0, max_value=1e4, allow_nan=False)),
    arrays(float, 5, elements=finite),
    st.floats(min_value=1.0, max_value=1e5),
)
def test_location_without_industry_has_zero_exposure(jobs, shock, other_jobs):
    jobs = jobs.copy()
    jobs[0] = 0.0
    total = jobs.sum(axis=1) + other_jobs  # every place also has non-industrial jobs
    exposure = calc_shift_share_exposure(calc_employment_shares(jobs, total), shock)
    assert exposure[0] == 0.0
    assert np.all(np.isfinite(exposure))
