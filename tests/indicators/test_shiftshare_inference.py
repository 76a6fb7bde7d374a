"""Known answers for shift-share inference (pacte.indicators.shiftshare_inference).

* Borusyak, Hull & Jaravel (2022, ReStud 89(1)): shock-level IV on Autor, Dorn & Hanson
  (2013). Published figures: README of the R package ssaggregate
  (kylebutts/ssaggregate@1e77d69, "Shock-level IV regression examples"): with
  ``controls = ~ t2 + Lsh_manuf``, weights ``wei``, ``addmissing = TRUE``, then
  ``feols(y ~ year | 0 | x ~ g, weights = ~s_n, vcov = "hc1")``: coefficient
  -0.464302730, standard error 0.087633 (796 industry-period cells); restricted to
  ``g < 45`` and clustered by 3-digit SIC: -0.59570752 (0.141843), 757 cells. First cell
  (SIC 2011, 1990) of the aggregates: s_n 1.456902e-03, y 0.9038660, x -0.1129257,
  z -0.15226680.
* Goldsmith-Pinkham, Sorkin & Swift (2020, AER 110(8)), Table of Rotemberg weights for ADH
  (paulgp/bartik-weight@722ceb8, output/rotemberg_summary_adh.tex, made by
  code/make_rotemberg_summary_ADH.do): positive weights sum 1.067, negative -0.067; 1990
  0.017, 2000 0.983; top five industries (weights summed over periods; g and beta
  alpha-weighted): 3571 Electronic Computers 0.183 / 186.231 / -0.619, 3944 Games, Toys
  0.138 / 243.794 / -0.126, 3651 Household Audio and Video 0.085 / 187.718 / 0.174,
  3661 Telephone Apparatus 0.066 / 92.922 / -0.315, 3577 Computer Peripheral Equipment
  0.060 / 34.982 / -0.303. Three decimals published: tolerance 5e-4.
Inputs: tests/data/adh/ (README-bhj-gpss.md, README.md).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from pacte.indicators.iv import calc_2sls
from pacte.indicators.shiftshare_inference import (
    calc_rotemberg_weights,
    calc_shock_level_aggregates,
)

ADH = Path(__file__).parents[1] / "data" / "adh"


@pytest.fixture(scope="module")
def bhj():
    loc = pd.read_csv(ADH / "bhj_location_level.csv")
    long = pd.read_parquet(ADH / "bhj_Lshares_long.parquet")
    wide = long.pivot_table(index=["czone", "year"], columns="sic87dd", values="ind_share",
                            fill_value=0.0)
    wide = wide.reindex(pd.MultiIndex.from_frame(loc[["czone", "year"]])).fillna(0.0)
    return loc, wide


@pytest.fixture(scope="module")
def bhj_cells(bhj):
    loc, wide = bhj
    agg = calc_shock_level_aggregates(loc[["y", "x", "z"]], wide.to_numpy(),
                                      weights=loc["wei"], controls=loc[["t2", "Lsh_manuf"]],
                                      periods=loc["year"])
    sic = wide.columns.to_numpy()
    cells = pd.DataFrame(agg["values"], columns=["y", "x", "z"])
    cells["s_n"] = agg["s_n"]
    cells["year"] = [0 if m else p for p, m in zip(agg["period"], agg["missing"], strict=True)]
    cells["sic87dd"] = [0 if i is None else sic[i] for i in agg["industry"]]
    shocks = pd.read_csv(ADH / "gpss_shocks.csv")[["year", "sic87dd", "g"]]
    # The CSV prints Stata's float32 shocks with 8 digits: back to the exact float32 values
    # that ssaggregate's shocks.dta holds (a 4.5e-6 gap otherwise, 1e-9 on the coefficient).
    shocks["g"] = shocks["g"].astype(np.float32).astype(float)
    sic3 = pd.read_csv(ADH / "bhj_industries.csv")
    cells = cells.merge(shocks, on=["year", "sic87dd"], how="left").merge(
        sic3, on="sic87dd", how="left")
    missing = cells["sic87dd"] == 0
    cells.loc[missing, ["g", "sic3"]] = 0.0  # ssaggregate README: missing industry g = 0
    return cells


def test_bhj_aggregates_first_cell(bhj_cells):
    assert len(bhj_cells) == 796 and bhj_cells["s_n"].sum() == pytest.approx(1.0)
    first = bhj_cells.iloc[0]
    assert (first["sic87dd"], first["year"]) == (2011, 1990)
    assert first["s_n"] == pytest.approx(1.456902e-03, abs=5e-10)
    assert first["y"] == pytest.approx(0.9038660, abs=5e-8)
    assert first["x"] == pytest.approx(-0.1129257, abs=5e-8)
    assert first["z"] == pytest.approx(-0.15226680, abs=5e-9)


def test_bhj_shock_level_iv_hc1(bhj_cells):
    c = bhj_cells
    assert not c[["y", "x", "g"]].isna().any().any()
    out = calc_2sls(c["y"], c["x"], c["g"], controls=c["year"], weights=c["s_n"],
                    se_type="hc1")
    assert out["beta"] == pytest.approx(-0.464302730, abs=1e-9)
    assert out["se"] == pytest.approx(0.087633, abs=5e-7)
    assert out["se_type"] == "hc1" and out["n"] == 796


def test_bhj_shock_level_iv_clustered(bhj_cells):
    c = bhj_cells[bhj_cells["g"] < 45]
    out = calc_2sls(c["y"], c["x"], c["g"], controls=c["year"], weights=c["s_n"],
                    clusters=c["sic3"], small_sample=True)
    assert out["n"] == 757
    assert out["beta"] == pytest.approx(-0.59570752, abs=1e-8)
    assert out["se"] == pytest.approx(0.141843, abs=5e-7)


def test_gpss_rotemberg_table_adh(bhj):
    _, wide = bhj
    reg = pd.read_csv(ADH / "akm_ADH_reg.csv")
    years = np.where(reg["t2"], 2000, 1990)
    shares = wide.reindex(pd.MultiIndex.from_arrays([reg["czone"].astype(int), years]))
    shares = shares.drop(columns=[2141, 3761])  # g = 0 in both years (GPSS do-file)
    sic = shares.columns.to_numpy()
    S = shares.to_numpy()
    Z = np.hstack([S * (years == t)[:, None] for t in (1990, 2000)])
    g = pd.read_csv(ADH / "gpss_shocks.csv").set_index(["year", "sic87dd"])["g"]
    g = g.astype(np.float32).astype(float)  # Stata's float32 values (see bhj_cells)
    G = np.concatenate([g.reindex(pd.MultiIndex.from_arrays(
        [np.full(sic.size, float(t)), sic.astype(float)])).to_numpy() for t in (1990, 2000)])
    assert not np.isnan(G).any()
    controls = pd.concat([
        pd.get_dummies(reg["division"], prefix="reg", drop_first=True, dtype=float),
        reg[["l_sh_popedu_c", "l_sh_popfborn", "l_sh_empl_f", "l_sh_routine33",
             "l_task_outsource", "l_shind_manuf_cbp"]], reg["t2"].astype(float)], axis=1)
    r = calc_rotemberg_weights(reg["d_sh_empl_mfg"], reg["shock"], Z, G, controls=controls,
                               weights=reg["weights"])
    alpha, beta = r["alpha"], r["beta"]
    assert alpha.sum() == pytest.approx(1.0, abs=1e-12)
    assert r["beta_bartik"] == pytest.approx(-0.5963601, abs=1e-6)  # ADH Table 3 col. 6
    k = sic.size
    assert alpha[:k].sum() == pytest.approx(0.017, abs=5e-4)
    assert alpha[k:].sum() == pytest.approx(0.983, abs=5e-4)
    a = alpha[:k] + alpha[k:]
    ab = np.nan_to_num(alpha * beta)
    agg_beta = (ab[:k] + ab[k:]) / a
    agg_g = (alpha[:k] * G[:k] + alpha[k:] * G[k:]) / a
    assert a[a > 0].sum() == pytest.approx(1.067, abs=5e-4)
    assert a[a < 0].sum() == pytest.approx(-0.067, abs=5e-4)
    top = np.argsort(-a)[:5]
    assert sic[top].tolist() == [3571, 3944, 3651, 3661, 3577]
    np.testing.assert_allclose(a[top], [0.183, 0.138, 0.085, 0.066, 0.060], atol=5e-4)
    np.testing.assert_allclose(agg_g[top], [186.231, 243.794, 187.718, 92.922, 34.982],
                               atol=5e-4)
    np.testing.assert_allclose(agg_beta[top], [-0.619, -0.126, 0.174, -0.315, -0.303],
                               atol=5e-4)


def test_toy_aggregates_by_hand():
    """Two locations, two industries, no controls: residuals are deviations from the
    weighted mean; s_n and y_bar_n computed by hand."""
    y = np.array([1.0, 3.0])
    shares = np.array([[0.5, 0.25], [0.0, 0.5]])
    out = calc_shock_level_aggregates(y, shares, weights=[1.0, 1.0])
    # residuals -1, +1; masses: n0 0.5, n1 0.75, missing 0.25 + 0.5
    np.testing.assert_allclose(out["s_n"], np.array([0.5, 0.75, 0.75]) / 2.0)
    np.testing.assert_allclose(out["values"][:, 0], [-1.0, (-0.25 + 0.5) / 0.75, 1 / 3])
    assert out["industry"].tolist() == [0, 1, None] and out["missing"].tolist() == [0, 0, 1]
    absent = calc_shock_level_aggregates(y, np.array([[0.5, 0.0], [0.5, 0.0]]),
                                         add_missing=False)
    assert absent["s_n"][1] == 0.0 and np.isnan(absent["values"][1, 0])
    with pytest.raises(ValueError, match="periods"):
        calc_shock_level_aggregates(y, shares, periods=[1990])


@st.composite
def shift_share_data(draw):
    n, k = draw(st.integers(6, 12)), draw(st.integers(2, 5))
    unit = st.floats(0.0, 1.0, allow_nan=False)
    s = draw(arrays(float, (n, k), elements=unit, fill=st.nothing())) / k
    g = draw(arrays(float, k, elements=st.floats(-3, 3, allow_nan=False), fill=st.nothing()))
    # every cell drawn (no fill value): zero shares or shocks and constant noise columns,
    # which the tests' checks of rank and first stage reject, are drawn less often
    noise = draw(arrays(float, (n, 3), elements=st.floats(-1, 1, allow_nan=False),
                        fill=st.nothing()))
    w = draw(arrays(float, n, elements=st.floats(0.1, 2.0, allow_nan=False)))
    return s, g, noise, w


@settings(max_examples=60, deadline=None)
@given(shift_share_data())
def test_shock_level_ratio_equals_shift_share_iv(data):
    """BHJ (2022) Proposition 1: the location-level IV with instrument z = S g equals
    sum_n s_n g_n y_bar_n / sum_n s_n g_n x_bar_n, missing industry included (g = 0)."""
    s, g, noise, w = data
    z = s @ g
    x = z + noise[:, 0]
    y = 0.5 * x + noise[:, 1]
    c = noise[:, 2]
    agg = calc_shock_level_aggregates(np.column_stack([y, x]), s, weights=w, controls=c)
    gg = np.append(g, 0.0)
    keep = agg["s_n"] > 0  # cells with no exposure: NaN aggregates, weight 0
    num = (agg["s_n"] * gg * agg["values"][:, 0])[keep].sum()
    den = (agg["s_n"] * gg * agg["values"][:, 1])[keep].sum()
    assume(abs(den) > 1e-3 and np.linalg.matrix_rank(np.column_stack([np.ones_like(c), c, z,
                                                                       x])) == 4)
    loc = calc_2sls(y, x, z, controls=c, weights=w)["beta"]
    assert num / den == pytest.approx(loc, rel=1e-7, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(shift_share_data())
def test_rotemberg_weights_sum_to_one_and_recover_bartik(data):
    """GPSS (2020) Proposition 1: sum alpha = 1 and sum alpha_k beta_k = the Bartik 2SLS."""
    s, g, noise, w = data
    z = s @ g
    x = z + noise[:, 0]
    y = -x + noise[:, 1]
    resid_x = x - np.column_stack([np.ones_like(x), noise[:, 2]]) @ np.linalg.lstsq(
        np.column_stack([np.ones_like(x), noise[:, 2]]) * np.sqrt(w)[:, None],
        x * np.sqrt(w), rcond=None)[0]
    assume(abs((w * z * resid_x).sum()) > 1e-3 and np.linalg.matrix_rank(
        np.column_stack([np.ones_like(x), noise[:, 2], z, x])) == 4)
    r = calc_rotemberg_weights(y, x, s, g, controls=noise[:, 2], weights=w)
    assert r["alpha"].sum() == pytest.approx(1.0)
    bartik = calc_2sls(y, x, z, controls=noise[:, 2], weights=w)["beta"]
    assert r["beta_bartik"] == pytest.approx(bartik, rel=1e-7, abs=1e-9)
