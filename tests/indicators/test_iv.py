"""Tests of pacte.indicators.iv.calc_2sls against Autor, Dorn & Hanson (2013, AER), Table 3.

Data: ADH$reg of Kolesár's ShiftShareSE (kolesarm/ShiftShareSE@e3a2d81677e52496ba95f37c00bb4fcb501b962a,
data/ADH.rda), copied to tests/data/adh/akm_ADH_reg.csv: 722 commuting zones × 2 periods
(1990-2000, 2000-2007), stacked (1,444 rows).
Point estimates: ShiftShareSE tests/testthat/test_adh.R (ADH Table 3). Standard errors:
ShiftShareSE tests/testthat/test_se.R, values computed by Stata ("No small-sample correction,
as is default in Stata" for ivregress; ``regress`` conventions for the first stage).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pacte.indicators.iv import calc_2sls

REG = Path(__file__).parents[1] / "data" / "adh" / "akm_ADH_reg.csv"
CONTROLS = [
    "l_shind_manuf_cbp",
    "l_sh_popedu_c",
    "l_sh_popfborn",
    "l_sh_empl_f",
    "l_sh_routine33",
    "l_task_outsource",
]


@pytest.fixture(scope="module")
def adh() -> pd.DataFrame:
    return pd.read_csv(REG)


def _controls(reg: pd.DataFrame, full: bool) -> pd.DataFrame:
    c = pd.DataFrame({"t2": reg["t2"].astype(float)})
    if full:
        divisions = pd.get_dummies(reg["division"], prefix="div", drop_first=True, dtype=float)
        c = pd.concat([c, reg[CONTROLS], divisions], axis=1)
    return c


@pytest.mark.parametrize(
    ("weighted", "full", "beta", "first_stage"),
    [
        (False, False, -0.6215758, 0.8671441),
        (False, True, -0.3028266, 0.7462433),
        (True, False, -0.7460301, 0.7916466),
        (True, True, -0.5963601, 0.6310409),  # ADH Table 3, column 6
    ],
)
def test_adh_table3_point_estimates(adh, weighted, full, beta, first_stage):
    """2SLS of d_sh_empl_mfg on shock (ΔIPW US-China) instrumented by IV (other countries),
    to 1e-6, both periods stacked (N = 1,444)."""
    out = calc_2sls(
        adh["d_sh_empl_mfg"],
        adh["shock"],
        adh["IV"],
        controls=_controls(adh, full),
        weights=adh["weights"] if weighted else None,
    )
    assert out["n"] == 1444
    assert out["beta"] == pytest.approx(beta, abs=1e-6)
    assert out["first_stage"] == pytest.approx(first_stage, abs=1e-6)
    assert out["coefficients"].shape == (2 + _controls(adh, full).shape[1],)


@pytest.mark.parametrize(
    ("weighted", "second", "first"),
    [
        (False, (0.0390714, 0.090163192, 0.100470868), (0.029158413, 0.171520974, 0.181839343)),
        (True, (0.053969004, 0.095215853, 0.098773877), (0.02732516, 0.087007189, 0.091423724)),
    ],
)
def test_adh_standard_errors_match_stata(adh, weighted, second, first):
    """Full controls; homoskedastic, robust (EHW) and state-clustered standard errors as Stata
    reports them (ShiftShareSE test_se.R)."""
    w = adh["weights"] if weighted else None
    for se_type, se2, se1 in zip(
        ("homoskedastic", "robust", "cluster"), second, first, strict=True
    ):
        out = calc_2sls(
            adh["d_sh_empl_mfg"],
            adh["shock"],
            adh["IV"],
            controls=_controls(adh, True),
            weights=w,
            clusters=adh["statefip"],
            se_type=se_type,
        )
        assert out["se"] == pytest.approx(se2, abs=1e-7), se_type
        assert out["first_stage_se"] == pytest.approx(se1, abs=1e-7), se_type
    assert out["n_clusters"] == 48
    # one instrument: F = t² of the first-stage coefficient with the clustered SE
    assert out["first_stage_f"] == pytest.approx((out["first_stage"] / first[2]) ** 2, rel=1e-6)
    if weighted:
        assert out["first_stage_f"] == pytest.approx(47.64, abs=0.01)


def test_default_se_type(adh):
    out = calc_2sls(adh["d_sh_empl_mfg"], adh["shock"], adh["IV"], clusters=adh["statefip"])
    assert out["se_type"] == "cluster"
    assert calc_2sls(adh["d_sh_empl_mfg"], adh["shock"], adh["IV"])["se_type"] == "robust"


def test_instrumenting_by_itself_is_ols():
    rng = np.random.default_rng(42)
    x = rng.normal(size=200)
    c = rng.normal(size=(200, 2))
    y = 1.5 * x + c @ np.array([0.3, -0.2]) + 2.0 + rng.normal(size=200)
    out = calc_2sls(y, x, x, controls=c)
    ols = np.linalg.lstsq(np.column_stack([x, np.ones(200), c]), y, rcond=None)[0]
    assert np.allclose(out["coefficients"], ols)
    assert out["first_stage"] == pytest.approx(1.0)


def test_errors(adh):
    divisions = pd.get_dummies(adh["division"], dtype=float)  # all 9 + constant: collinear
    with pytest.raises(ValueError, match="colinéaires"):
        calc_2sls(adh["d_sh_empl_mfg"], adh["shock"], adh["IV"], controls=divisions)
    with pytest.raises(ValueError, match="clusters"):
        calc_2sls(adh["d_sh_empl_mfg"], adh["shock"], adh["IV"], se_type="cluster")
    with pytest.raises(ValueError, match="poids"):
        calc_2sls(adh["d_sh_empl_mfg"], adh["shock"], adh["IV"], weights=np.zeros(1444))
    with pytest.raises(ValueError, match="manquantes"):
        calc_2sls([1.0, np.nan, 2.0], [1.0, 2.0, 3.0], [1.0, 2.0, 4.0])
