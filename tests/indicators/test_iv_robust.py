"""Finite-sample robust and clustered standard errors of calc_2sls (HC1, CR1).

Known answers (ssaggregate README, kylebutts/ssaggregate@1e77d69, fixest output) are in
tests/indicators/test_shiftshare_inference.py (HC1 0.087633, CR1 0.141843). Here: the
corrections are exactly the textbook factors over the existing Stata-checked HC0 and
clustered variances (ADH data of tests/indicators/test_iv.py, ShiftShareSE test_se.R), and the defaults
are unchanged.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pacte.indicators.iv import calc_2sls

REG = Path(__file__).parents[1] / "data" / "adh" / "akm_ADH_reg.csv"


@pytest.fixture(scope="module")
def adh():
    reg = pd.read_csv(REG)
    c = pd.concat([reg[["l_shind_manuf_cbp", "l_sh_popedu_c", "l_sh_popfborn", "l_sh_empl_f",
                        "l_sh_routine33", "l_task_outsource"]], reg["t2"].astype(float),
                   pd.get_dummies(reg["division"], prefix="d", drop_first=True, dtype=float)],
                  axis=1)
    return reg, c


def _fit(adh, **kw):
    reg, c = adh
    return calc_2sls(reg["d_sh_empl_mfg"], reg["shock"], reg["IV"], controls=c,
                     weights=reg["weights"], clusters=reg["statefip"], **kw)


def test_defaults_unchanged(adh):
    """ShiftShareSE test_se.R (Stata ivregress): robust 0.095215853, cluster 0.098773877."""
    assert _fit(adh, se_type="robust")["se"] == pytest.approx(0.095215853, abs=1e-7)
    out = _fit(adh)
    assert out["se"] == pytest.approx(0.098773877, abs=1e-7)
    assert out["se_type"] == "cluster" and out["small_sample"] is False


def test_hc1_is_hc0_times_n_over_n_minus_k(adh):
    n, k = 1444, 2 + adh[1].shape[1]
    hc0 = _fit(adh, se_type="robust")
    hc1 = _fit(adh, se_type="hc1")
    assert hc1["beta"] == hc0["beta"] and hc1["se_type"] == "hc1"
    assert hc1["se"] == pytest.approx(hc0["se"] * np.sqrt(n / (n - k)), rel=1e-12)
    same = _fit(adh, se_type="robust", small_sample=True)
    assert same["se"] == hc1["se"] and same["se_type"] == "hc1"
    # the first stage keeps Stata regress's conventions in every case
    assert hc1["first_stage_se"] == hc0["first_stage_se"]


def test_cr1_factor(adh):
    n, k, G = 1444, 2 + adh[1].shape[1], 48
    cr0 = _fit(adh)
    cr1 = _fit(adh, small_sample=True)
    assert cr1["n_clusters"] == G and cr1["small_sample"] is True
    assert cr1["se"] == pytest.approx(cr0["se"] * np.sqrt(G / (G - 1) * (n - 1) / (n - k)),
                                      rel=1e-12)
    hom0 = _fit(adh, se_type="homoskedastic")
    hom1 = _fit(adh, se_type="homoskedastic", small_sample=True)
    assert hom1["se"] == pytest.approx(hom0["se"] * np.sqrt(n / (n - k)), rel=1e-12)


def test_unknown_type(adh):
    with pytest.raises(ValueError, match="hc1"):
        _fit(adh, se_type="hc3")
