"""Household closure and the persons-employed basis: known answers and identities."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pacte.errors import DataError
from pacte.indicators.households import calc_household_coefficients
from pacte.indicators.inputoutput import calc_persons_employed


def test_closure_spends_net_wages_times_propensity():
    """Two sectors, compensation 300 + 500 = 800, domestic household consumption 40 + 320 =
    360 of a total consumption 450 (domestic share 0.8): with net wages 0.56 of
    compensation and a propensity to consume 0.84, each euro of compensation buys
    0.56 × 0.84 × C_i / 450 of domestic product i."""
    w, c = calc_household_coefficients([300.0, 500.0], [1000.0, 2000.0], [40.0, 320.0],
                                       net_wage_share=0.56, propensity=0.84,
                                       domestic_share=0.8)
    np.testing.assert_allclose(w, [0.30, 0.25])
    np.testing.assert_allclose(c, [0.56 * 0.84 * 40 / 450, 0.56 * 0.84 * 320 / 450])
    assert c.sum() == pytest.approx(0.56 * 0.84 * 0.8)


def test_default_closure_is_the_upper_bound_of_miller_blair():
    """Defaults: C / Σ wages (Miller & Blair 2009 §2.5), larger than any scaled closure."""
    _, c0 = calc_household_coefficients([300.0, 500.0], [1000.0, 2000.0], [40.0, 320.0])
    np.testing.assert_allclose(c0, [0.05, 0.40])


@pytest.mark.parametrize("kw", [{"net_wage_share": 1.2}, {"propensity": -0.1},
                                {"domestic_share": 0.0}])
def test_closure_refuses_parameters_out_of_range(kw):
    with pytest.raises(DataError):
        calc_household_coefficients([1.0], [2.0], [1.0], **kw)


def test_persons_employed_known_answer():
    """Salaried 100, 50, 30; table 150, 40, 40: gaps 50, 0, 10 share 120 non-salaried jobs
    as 100, 0, 20."""
    out = calc_persons_employed([100.0, 50.0, 30.0], [150.0, 40.0, 40.0], 120.0)
    np.testing.assert_allclose(out["non_salaried"], [100.0, 0.0, 20.0])
    np.testing.assert_allclose(out["total"], [200.0, 50.0, 50.0])


@given(st.lists(st.tuples(st.floats(0, 1e6), st.floats(0, 1e6)), min_size=1, max_size=20),
       st.floats(0, 1e7))
def test_salaried_never_above_total_and_totals_add_up(rows, ns):
    sal = np.array([r[0] for r in rows])
    table = np.array([r[1] for r in rows])
    out = calc_persons_employed(sal, table, ns)
    assert (out["total"] >= out["salaried"]).all()
    assert out["total"].sum() == pytest.approx(sal.sum() + ns, rel=1e-9, abs=1e-6)
