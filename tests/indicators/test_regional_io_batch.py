"""Batched regional input-output solves (pacte.indicators.regional_io): the one-call batched
LU of all territories equals a plain loop over territories to 1e-9; the region equal to the
nation reproduces the national model; type II (households closed locally) bounds type I.

The loop below is the per-territory algorithm of the previous release (FLQ table built in
full for one territory, then ``numpy.linalg.solve``), kept here as the reference.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from pacte.indicators.households import (
    calc_household_coefficients,
    calc_local_consumption,
    calc_local_multipliers,
)
from pacte.indicators.inputoutput import calc_A, calc_L, calc_type2_L
from pacte.indicators.regional_io import (
    calc_flq,
    calc_regional_A,
    calc_regional_rows,
    calc_supported_jobs,
    calc_supported_jobs_by_sector,
)
from pacte.sources.io_tables import parse_wiod_national

WIOD_2010 = Path(__file__).parents[1] / "data" / "io" / "wiod2013_FRA_national_io_2010.parquet"


def _loop_supported(E, jpo, A, industry, delta):
    """Reference: one territory at a time, full (k, k) FLQ table, no cap."""
    E_nat = E.sum(axis=0)
    s, i = ~industry, industry
    out = np.zeros_like(E)
    for r, e in enumerate(E):
        A_r = calc_regional_A(A, calc_flq(e[None, :], E_nat, delta))[0]
        x_ind = np.divide(e, jpo, out=np.zeros(len(e)), where=jpo > 0)[i]
        dx = np.linalg.solve(np.eye(int(s.sum())) - A_r[np.ix_(s, s)], A_r[np.ix_(s, i)] @ x_ind)
        out[r, s] = dx * jpo[s]
    return out


@pytest.fixture(scope="module")
def wiod():
    t = parse_wiod_national(WIOD_2010, 2010)
    A = calc_A(t.Z_domestic, t.x)
    rng = np.random.default_rng(7)
    E = np.round(rng.dirichlet(np.ones(35), size=60) * rng.lognormal(9, 1.0, (60, 1)))
    E[E < 3] = 0.0
    industry = np.isin(t.sectors, [f"c{i}" for i in range(2, 18)])
    return A, E, rng.uniform(0.5, 8.0, 35), industry


@pytest.mark.parametrize("delta", [0.0, 0.1, 0.3])
def test_batched_equals_loop_wiod(wiod, delta):
    A, E, jpo, industry = wiod
    got = calc_supported_jobs_by_sector(E, jpo, A, industry, delta, cap_at_local_jobs=False)
    np.testing.assert_allclose(got["local_jobs"], _loop_supported(E, jpo, A, industry, delta),
                               rtol=0, atol=1e-9)


def test_rows_equal_full_stack(wiod):
    A, E, _, industry = wiod
    full = calc_regional_A(A, calc_flq(E, E.sum(axis=0), 0.2))
    rows = calc_regional_rows(E, E.sum(axis=0), A, ~industry, 0.2)
    np.testing.assert_array_equal(rows, full[:, ~industry, :])
    np.testing.assert_array_equal(calc_regional_rows(E, E.sum(axis=0), A, [3, 0], 0.2),
                                  full[:, [3, 0], :])


positive = st.floats(min_value=0.0, max_value=1e4, allow_nan=False, allow_subnormal=False)


@settings(max_examples=60, deadline=None)
@given(arrays(float, (4, 4), elements=st.floats(0.0, 0.2, allow_nan=False)),
       arrays(float, (5, 4), elements=positive), st.floats(0.0, 0.5))
def test_property_batched_equals_loop(A, E, delta):
    E = E.copy()
    E[:, 0] += 1.0  # the nation has jobs
    jpo = np.array([0.5, 1.0, 2.0, 3.0])
    industry = np.array([True, False, True, False])
    got = calc_supported_jobs_by_sector(E, jpo, A, industry, delta, cap_at_local_jobs=False)
    scale = 1.0 + E.sum()
    np.testing.assert_allclose(got["local_jobs"], _loop_supported(E, jpo, A, industry, delta),
                               rtol=0, atol=1e-9 * scale)


@pytest.mark.parametrize("delta", [0.1, 0.3])
def test_the_nation_as_one_territory_leaks_exactly_nothing(wiod, delta):
    """Leaked jobs are national minus local supply chain jobs, equal for the whole nation:
    what is left is rounding noise (~1e-16 of the chain), reported as 0, not 1e-10 jobs,
    while the territories' leaks are untouched."""
    A, E, jpo, industry = wiod
    e = E.sum(axis=0)
    whole = calc_supported_jobs(e[None, :], jpo, A, industry, delta, E_nation=e,
                                cap_at_local_jobs=False)  # (the cap would leak)
    assert whole["leaked_jobs"][0] == 0.0 and whole["local_jobs"][0] > 0
    parts = calc_supported_jobs(E, jpo, A, industry, delta)
    loop = _loop_supported(E, jpo, A, industry, delta)
    assert (parts["leaked_jobs"] > 0).all()
    assert parts["local_jobs"] == pytest.approx(
        np.minimum(loop, E)[:, ~industry].sum(axis=1), rel=1e-9)


@settings(max_examples=60, deadline=None)
@given(arrays(float, (4, 4), elements=st.floats(0.0, 0.2, allow_nan=False)),
       arrays(float, 4, elements=st.floats(1.0, 1e4)), st.floats(0.0, 0.5),
       st.floats(0.0, 1.0))
def test_property_region_equal_to_nation(A, e, delta, rho):
    """One region holding the whole nation: SLQ = 1, lambda = log2(2)^delta = 1, A^r = A:
    nothing leaks, local jobs are the national model's, and the local type II with all
    spending retained equals the national type II (mixed model solved directly)."""
    jpo = np.array([0.5, 1.0, 2.0, 3.0])
    industry = np.array([True, False, True, False])
    E = e[None, :]
    np.testing.assert_allclose(calc_regional_A(A, calc_flq(E, e, delta))[0], A, rtol=1e-12)
    r = calc_supported_jobs(E, jpo, A, industry, delta, E_nation=e, cap_at_local_jobs=False)
    assert r["leaked_jobs"][0] == pytest.approx(0.0, abs=1e-9 * (1 + e.sum()))
    w = np.array([0.2, 0.3, 0.25, 0.35])
    c = np.array([0.1, 0.3, 0.05, 0.2])
    m = calc_local_multipliers(E, jpo, A, industry, w, c, delta, retained_share=1.0,
                               E_nation=e, cap_at_local_jobs=False)
    s, i = ~industry, industry
    x_i = e[i] / jpo[i]
    M = np.eye(3)
    M[:2, :2] -= A[np.ix_(s, s)]
    M[:2, 2], M[2, :2] = -c[s], -w[s]
    sol = np.linalg.solve(M, np.append(A[np.ix_(s, i)] @ x_i, w[i] @ x_i))
    total = (sol[:2] * jpo[s]).sum()
    assert m["indirect_jobs"][0] + m["induced_jobs"][0] == pytest.approx(total, rel=1e-9)
    assert m["indirect_jobs"][0] == pytest.approx(r["local_jobs"][0], rel=1e-9, abs=1e-9)
    assert m["induced_jobs"][0] >= -1e-9 * (1 + total)
    # FLQ rule for households: lambda = 1 and SLQ = 1, so the whole consumption is local
    np.testing.assert_allclose(calc_local_consumption(E, e, c, delta), c[None, :], rtol=1e-12)


def test_type2_bounds_and_zero_retention(wiod):
    A, E, jpo, industry = wiod
    w = np.full(35, 0.25)
    c = np.full(35, 0.02)
    m0 = calc_local_multipliers(E, jpo, A, industry, w, c, retained_share=0.0)
    t1 = calc_supported_jobs(E, jpo, A, industry)
    np.testing.assert_allclose(m0["indirect_jobs"], t1["local_jobs"], rtol=1e-12)
    np.testing.assert_allclose(m0["induced_jobs"], 0.0, atol=1e-9)
    m = calc_local_multipliers(E, jpo, A, industry, w, c, retained_share=0.5)
    assert (m["induced_jobs"] >= -1e-9).all() and (m["type2"] >= m["type1"] - 1e-12).all()
    flq_rule = calc_local_multipliers(E, jpo, A, industry, w, c)  # c^r = c min(lambda SLQ, 1)
    everything = calc_local_multipliers(E, jpo, A, industry, w, c, retained_share=1.0)
    assert (flq_rule["induced_jobs"] <= everything["induced_jobs"] + 1e-9).all()
    assert (m["induced_jobs"] <= everything["induced_jobs"] + 1e-9).all()
    with pytest.raises(ValueError, match="retained_share"):
        calc_local_consumption(E, E.sum(axis=0), c, retained_share=1.5)


def test_household_coefficients_miller_blair():
    """Miller & Blair (2009) §2.5 closure: h_r = wages / x, h_c = C / total wages; the
    type II inverse of calc_type2_L then closes on the same coefficients."""
    w, c = calc_household_coefficients([300.0, 500.0], [1000.0, 2000.0], [40.0, 320.0])
    np.testing.assert_allclose(w, [0.30, 0.25])
    np.testing.assert_allclose(c, [0.05, 0.40])
    Lbar = calc_type2_L(np.array([[0.15, 0.25], [0.20, 0.05]]), w, c)
    assert (Lbar[:2, :2] >= calc_L(np.array([[0.15, 0.25], [0.20, 0.05]]))).all()
