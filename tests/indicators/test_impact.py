"""Plant closure / opening impact (pacte.indicators.impact.calc_plant_impact).

Known answer: Miller & Blair (2009), Input-Output Analysis, 2nd ed., Table 2.3
(A = [[.15, .25], [.20, .05]], L = [[1.25412541, .330033], [.2640264, 1.12211221]]):
with the territory equal to the nation, an output of 100 in sector 1 requires an indirect
output (L - I) d = (25.412541, 26.40264); with jobs per unit of output (0.5, 1.0), the plant
has 50 jobs and its supply chain 0.5 * 25.412541 + 26.40264 = 39.1089105 jobs.
Properties (hypothesis): the impact is linear in the number of jobs, and the territory equal
to the nation leaves nothing to the rest of France.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from pacte.indicators.impact import (
    DELTA_BAND,
    calc_plant_impact,
    calc_plant_impact_reasons,
)
from pacte.indicators.inputoutput import calc_L, calc_type2_L

MB_A = np.array([[0.15, 0.25], [0.20, 0.05]])
JPO = np.array([0.5, 1.0])
VPO = np.array([0.4, 0.6])
W, C = np.array([0.30, 0.25]), np.array([0.05, 0.40])


def _get(table, delta, effect, area, col="jobs"):
    sel = table[(table["delta"] == delta) & (table["effect"] == effect) & (table["area"] == area)]
    assert len(sel) == 1
    return float(sel[col].iloc[0])


def test_miller_blair_region_equals_nation():
    E = np.array([1000.0, 2000.0])
    r = calc_plant_impact(E, E, MB_A, JPO, VPO, sector=0, jobs=50.0, income_coeffs=W,
                          consumption_coeffs=C)
    t = r["table"]
    assert r["deltas"] == DELTA_BAND and len(t) == 3 * 3 * 2
    for delta in DELTA_BAND:
        assert _get(t, delta, "direct", "local") == pytest.approx(50.0)
        assert _get(t, delta, "direct", "local", "output") == pytest.approx(100.0)
        assert _get(t, delta, "direct", "local", "value_added") == pytest.approx(40.0)
        assert _get(t, delta, "indirect", "local", "output") == pytest.approx(
            25.412541 + 26.40264, abs=1e-5)
        assert _get(t, delta, "indirect", "local") == pytest.approx(39.1089105, abs=1e-6)
        for effect in ("direct", "indirect", "induced"):
            assert _get(t, delta, effect, "rest_of_france") == pytest.approx(0.0, abs=1e-9)
    Lbar = calc_type2_L(MB_A, W, C)[:2, :2]
    induced = ((Lbar - calc_L(MB_A)) @ np.array([100.0, 0.0]) * JPO).sum()
    assert _get(t, 0.3, "induced", "local") == pytest.approx(induced, rel=1e-12)
    assert induced > 0


def test_small_territory_leaks_and_closure_is_negative():
    E = np.array([10.0, 5.0])
    nation = np.array([1000.0, 2000.0])
    t = calc_plant_impact(E, nation, MB_A, JPO, VPO, 0, -20.0, W, C)["table"]
    local = [_get(t, d, "indirect", "local") for d in DELTA_BAND]
    assert all(v < 0 for v in local)
    assert local[0] < local[1] < local[2]  # larger delta: less bought locally
    total = [_get(t, d, "indirect", "local") + _get(t, d, "indirect", "rest_of_france")
             for d in DELTA_BAND]
    np.testing.assert_allclose(total, total[0], rtol=1e-12)  # national total: delta-free
    no_households = calc_plant_impact(E, nation, MB_A, JPO, VPO, 0, -20.0)["table"]
    assert (no_households.loc[no_households["effect"] == "induced", "jobs"] == 0).all()


def test_errors_and_reasons():
    E = np.array([10.0, 5.0])
    with pytest.raises(ValueError, match="secteur"):
        calc_plant_impact(E, E, MB_A, JPO, VPO, 2, 10.0)
    with pytest.raises(ValueError, match="emploi"):
        calc_plant_impact(E, E, MB_A, np.array([0.0, 1.0]), VPO, 0, 10.0)
    assert calc_plant_impact_reasons(JPO, 0) == ""
    assert calc_plant_impact_reasons([0.0, 1.0], 0).startswith("secteur sans emploi")
    assert calc_plant_impact_reasons(JPO, 5) == "secteur absent du tableau entrées-sorties"


@settings(max_examples=60, deadline=None)
@given(arrays(float, (3, 3), elements=st.floats(0.0, 0.25, allow_nan=False)),
       arrays(float, 3, elements=st.floats(0.0, 1e4)), st.integers(0, 2),
       st.floats(-5000, 5000), st.floats(-5000, 5000))
def test_linear_in_jobs(A, e, sector, n1, n2):
    nation = e + np.array([5e4, 3e4, 2e4])
    jpo = np.array([0.5, 1.5, 3.0])
    vpo = np.array([0.3, 0.5, 0.7])
    w, c = np.array([0.2, 0.3, 0.4]), np.array([0.1, 0.2, 0.3])

    def table(n):
        return calc_plant_impact(e, nation, A, jpo, vpo, sector, n, w, c)["table"]

    cols = ["jobs", "output", "value_added"]
    lhs = table(n1 + n2)[cols].to_numpy()
    rhs = table(n1)[cols].to_numpy() + table(n2)[cols].to_numpy()
    np.testing.assert_allclose(lhs, rhs, rtol=1e-9, atol=1e-9 * (1 + abs(n1) + abs(n2)))
    np.testing.assert_allclose(table(-n1)[cols].to_numpy(), -table(n1)[cols].to_numpy(),
                               atol=1e-12 * (1 + abs(n1)))
