"""Input-output engine: known answers from published tables, peer tests against pymrio,
properties (hypothesis) and sanity checks on France's real tables (tests/data/io/)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from pacte.indicators.inputoutput import (
    calc_A,
    calc_backward_linkages,
    calc_direct_coefficients,
    calc_employment_effects,
    calc_employment_multipliers,
    calc_forward_linkages,
    calc_ghosh_B,
    calc_ghosh_G,
    calc_L,
    calc_output_multipliers,
    calc_type2_L,
    calc_value_added_effects,
    calc_value_added_multipliers,
    calc_x_from_L,
)
from pacte.indicators.regional_io import (
    calc_flq,
    calc_regional_A,
    calc_supported_jobs,
    calc_supported_jobs_by_sector,
)
from pacte.sources.io_tables import parse_sut_a17, parse_wiod_national

DATA = Path(__file__).parents[1] / "data" / "io"
WIOD_2010 = DATA / "wiod2013_FRA_national_io_2010.parquet"
SUT_2010 = DATA / "fr_sut_2010_A17_threeme_long.csv.gz"

# Miller & Blair (2009), Input-Output Analysis, 2nd ed., ch. 2, Table 2.3.
MB_Z = np.array([[150.0, 500.0], [200.0, 100.0]])
MB_X = np.array([1000.0, 2000.0])


# --- Miller & Blair ----------------------------------------------------------------------

def test_miller_blair_table_2_3():
    """Miller & Blair (2009) ch. 2, Table 2.3: A = [[.15,.25],[.20,.05]],
    L = [[1.25412541, 0.330033], [0.2640264, 1.12211221]], output multipliers
    1.518152 and 1.452145."""
    A = calc_A(MB_Z, MB_X)
    np.testing.assert_allclose(A, [[0.15, 0.25], [0.20, 0.05]], atol=1e-12)
    L = calc_L(A)
    np.testing.assert_allclose(L, [[1.25412541, 0.330033], [0.2640264, 1.12211221]],
                               atol=1e-6)
    np.testing.assert_allclose(calc_output_multipliers(L), [1.518152, 1.452145], atol=1e-6)
    # x = L y with y = x - Z i (the table's own final demand) gives back x.
    y = MB_X - MB_Z.sum(axis=1)
    np.testing.assert_allclose(calc_x_from_L(L, y), MB_X)


def test_miller_blair_households_closed_type2():
    """Miller & Blair, households-closed example (ch. 2, §2.5; same numbers in the 1985
    edition, reproduced in MIT OCW 11.481J, 2009, lecture 19a):
    Ā = [[.15,.25,.05],[.20,.05,.40],[.30,.25,.05]],
    L̄ = [[1.365,.425,.251],[.527,1.348,.595],[.570,.489,1.289]]; total output multipliers
    (household row included) 2.462 and 2.262."""
    A = np.array([[0.15, 0.25], [0.20, 0.05]])
    Lbar = calc_type2_L(A, household_compensation_coeffs=[0.30, 0.25],
                        household_consumption_shares=[0.05, 0.40], household_own_coeff=0.05)
    expected = [[1.365, 0.425, 0.251], [0.527, 1.348, 0.595], [0.570, 0.489, 1.289]]
    np.testing.assert_allclose(Lbar, expected, atol=1e-3)
    np.testing.assert_allclose(Lbar[:, :2].sum(axis=0), [2.462, 2.262], atol=1e-3)


def test_type2_miyazawa_identity():
    """Without household self-purchase, the industry block of L̄ is
    L + L h_c h_r' L / (1 - h_r' L h_c) (Miyazawa 1976; Miller & Blair 2009 §2.5)."""
    A = calc_A(MB_Z, MB_X)
    L = calc_L(A)
    hr, hc = np.array([0.30, 0.25]), np.array([0.05, 0.40])
    Lbar = calc_type2_L(A, hr, hc)
    block = L + np.outer(L @ hc, hr @ L) / (1 - hr @ L @ hc)
    np.testing.assert_allclose(Lbar[:2, :2], block, rtol=1e-12)
    assert (Lbar[:2, :2] >= L).all()


def test_ghosh_and_linkages_miller_blair():
    """Ghosh model on Table 2.3 (Miller & Blair 2009 ch. 12): B = x̂⁻¹Z, G = (I-B)⁻¹ =
    x̂⁻¹ L x̂; B = [[.15,.5],[.1,.05]] so G = [[.95,.5],[.1,.85]] / .7575.
    Rasmussen backward linkages: multipliers / their mean, 1.518152/1.4851485 = 1.022222."""
    B = calc_ghosh_B(MB_Z, MB_X)
    np.testing.assert_allclose(B, [[0.15, 0.5], [0.1, 0.05]], atol=1e-12)
    G = calc_ghosh_G(B)
    np.testing.assert_allclose(G, np.array([[0.95, 0.5], [0.1, 0.85]]) / 0.7575, rtol=1e-12)
    L = calc_L(calc_A(MB_Z, MB_X))
    np.testing.assert_allclose(G, L * MB_X[None, :] / MB_X[:, None], rtol=1e-12)
    bl = calc_backward_linkages(L)
    np.testing.assert_allclose(bl, [1.0222222, 0.9777778], atol=1e-6)
    fl = calc_forward_linkages(G)
    np.testing.assert_allclose(fl, 2 * G.sum(axis=1) / G.sum(), rtol=1e-12)
    assert fl.mean() == pytest.approx(1.0)


def test_zero_output_columns_get_zero_coefficients():
    """A sector with x = 0 (absent) has a zero column in A and a zero row in B."""
    Z = np.array([[1.0, 0.0], [2.0, 0.0]])
    x = np.array([10.0, 0.0])
    np.testing.assert_array_equal(calc_A(Z, x), [[0.1, 0.0], [0.2, 0.0]])
    np.testing.assert_array_equal(calc_ghosh_B(Z, x), [[0.1, 0.0], [0.0, 0.0]])
    assert calc_direct_coefficients(np.array([5.0, 3.0]), x).tolist() == [0.5, 0.0]


# --- Eurostat Manual, Germany 1995 -------------------------------------------------------

GERMANY_SECTORS = ["agriculture_group", "industry_group", "construction", "trade_group",
                   "business_services_group", "other_services_group"]


def _germany():
    df = pd.read_csv(DATA / "germany_1995.csv")
    t = df.pivot_table(index="iotables_row", columns="iotables_col", values="values",
                       aggfunc="first")
    Z = t.loc[GERMANY_SECTORS, GERMANY_SECTORS].to_numpy(dtype=float)
    row = lambda name: t.loc[name, GERMANY_SECTORS].to_numpy(dtype=float)  # noqa: E731
    return Z, row("output"), row("gva"), row("employment_domestic_total")


def test_eurostat_manual_germany_1995():
    """Eurostat Manual of Supply, Use and Input-Output Tables (2008), Germany 1995 SIOT
    (data: rOpenGov/iotables@84e420f, germany_1995.csv). Published, tolerance 1e-4:
    GVA effects 0.8450 0.7647 0.8615 0.9019 0.9393 0.9199; employment effects
    0.0326 0.0162 0.0207 0.0237 0.0112 0.0242 (thousand persons per million EUR);
    output multipliers 1.7048 1.8413 1.8136 1.6035 1.5951 1.3782; GVA type-I
    multiplier of agriculture 1.7127."""
    Z, x, gva, emp = _germany()
    L = calc_L(calc_A(Z, x))
    v = calc_direct_coefficients(gva, x)
    e = calc_direct_coefficients(emp, x)
    np.testing.assert_allclose(calc_value_added_effects(v, L),
                               [0.8450, 0.7647, 0.8615, 0.9019, 0.9393, 0.9199], atol=1e-4)
    np.testing.assert_allclose(calc_employment_effects(e, L),
                               [0.0326, 0.0162, 0.0207, 0.0237, 0.0112, 0.0242], atol=1e-4)
    np.testing.assert_allclose(calc_output_multipliers(L),
                               [1.7048, 1.8413, 1.8136, 1.6035, 1.5951, 1.3782], atol=1e-4)
    assert calc_value_added_multipliers(v, L)[0] == pytest.approx(1.7127, abs=1e-4)
    emp_mult = calc_employment_multipliers(e, L)
    np.testing.assert_allclose(emp_mult, calc_employment_effects(e, L) / e, rtol=1e-12)
    assert (emp_mult > 1).all()


# --- peer tests against pymrio -----------------------------------------------------------

def _assert_same_as_pymrio(Z, x):
    pymrio_math = pytest.importorskip("pymrio.tools.iomath")
    A = calc_A(Z, x)
    A_ref = pymrio_math.calc_A(Z, x)
    np.testing.assert_allclose(A, A_ref, rtol=0, atol=1e-9)
    L, L_ref = calc_L(A), pymrio_math.calc_L(A_ref)
    np.testing.assert_allclose(L, L_ref, rtol=0, atol=1e-9)
    np.testing.assert_allclose(calc_output_multipliers(L), L_ref.sum(axis=0), rtol=0,
                               atol=1e-9)
    B, B_ref = calc_ghosh_B(Z, x), pymrio_math.calc_B(Z, x)
    np.testing.assert_allclose(B, B_ref, rtol=0, atol=1e-9)
    np.testing.assert_allclose(calc_ghosh_G(B), pymrio_math.calc_G(B_ref), rtol=0, atol=1e-9)


def test_peer_pymrio_test_system():
    """pymrio 0.7.0 test MRIO (6 regions x 8 sectors, ``pymrio.load_test()``): A, L,
    output multipliers, B and G equal pymrio's ``calc_A/calc_L/calc_B/calc_G`` to 1e-9."""
    pymrio = pytest.importorskip("pymrio")
    io = pymrio.load_test()
    io.calc_all()
    Z = io.Z.to_numpy(dtype=float)
    x = io.x.to_numpy(dtype=float)[:, 0]
    _assert_same_as_pymrio(Z, x)
    np.testing.assert_allclose(calc_L(calc_A(Z, x)), io.L.to_numpy(), rtol=0, atol=1e-9)


def test_peer_pymrio_france_wiod_2010():
    """France's WIOD-2013 domestic table 2010 (Timmer et al. 2015): same as pymrio to 1e-9."""
    table = parse_wiod_national(WIOD_2010, 2010)
    _assert_same_as_pymrio(table.Z_domestic, table.x)


def test_france_wiod_2010_domestic_multipliers():
    """The data manifest's check: domestic Leontief output multipliers of France in 2010
    range from 1.0 to 2.34, mean 1.74 (asserted to 1e-2)."""
    table = parse_wiod_national(WIOD_2010, 2010)
    m = calc_output_multipliers(calc_L(calc_A(table.Z_domestic, table.x)))
    assert m.min() == pytest.approx(1.0, abs=1e-2)
    assert m.max() == pytest.approx(2.34, abs=1e-2)
    assert m.mean() == pytest.approx(1.74, abs=1e-2)
    assert ((m >= 1) & (m <= 3)).all()
    assert table.sectors[int(m.argmax())] == "c3"  # food industry: longest domestic chain


# --- properties --------------------------------------------------------------------------

@st.composite
def productive_A(draw, k_min=2, k_max=8):
    """Random non-negative A with every column sum < 1 (hence productive)."""
    k = draw(st.integers(k_min, k_max))
    # no subnormals: 5e-324 * 0.95 rounds back to 5e-324 and a column would sum to 1
    raw = draw(arrays(np.float64, (k, k), elements=st.floats(0, 1, allow_subnormal=False)))
    col = draw(arrays(np.float64, (k,), elements=st.floats(0, 0.95, allow_subnormal=False)))
    sums = raw.sum(axis=0)
    return np.divide(raw * col, sums, out=np.zeros_like(raw), where=sums > 0)


@settings(max_examples=60, deadline=None)
@given(productive_A())
def test_property_leontief_inverse(A):
    """L (I - A) = I, L >= I element-wise, output multipliers >= 1, mean BL = 1."""
    L = calc_L(A)
    eye = np.eye(len(A))
    np.testing.assert_allclose(L @ (eye - A), eye, atol=1e-9)
    assert (L >= eye - 1e-12).all()
    assert (calc_output_multipliers(L) >= 1 - 1e-12).all()
    assert calc_backward_linkages(L).mean() == pytest.approx(1.0)


@st.composite
def territories(draw, k=4):
    """Regional jobs (n, k), zeros allowed (absent sectors, an empty territory)."""
    n = draw(st.integers(1, 6))
    E = draw(arrays(np.float64, (n, k), elements=st.sampled_from([0.0, 1.0, 7.0, 40.0,
                                                                   350.0])))
    E[0] += 1.0  # the nation has every sector
    return E


@settings(max_examples=60, deadline=None)
@given(productive_A(k_min=4, k_max=4), territories(), st.floats(0.05, 0.5))
def test_property_flq_and_batched_inverse(A, E, delta):
    """FLQ regional coefficients never exceed national ones; a sector without local jobs
    supplies nothing locally; the batched regional inverse equals region-by-region
    inverses (pymrio-style ``np.linalg.inv`` per region)."""
    F = calc_flq(E, E.sum(axis=0), delta)
    assert F.shape == (len(E), 4, 4) and not np.isnan(F).any()
    A_r = calc_regional_A(A, F)
    assert (A_r <= A[None] + 1e-15).all() and (A_r >= 0).all()
    assert (A_r[E == 0] == 0).all()  # rows of absent supplying sectors
    L_r = calc_L(A_r)
    for r in range(len(E)):
        np.testing.assert_allclose(L_r[r], np.linalg.inv(np.eye(4) - A_r[r]), atol=1e-10)


@settings(max_examples=60, deadline=None)
@given(productive_A(k_min=4, k_max=4), territories(),
       arrays(np.float64, (4,), elements=st.floats(0.5, 20)))
def test_property_supported_jobs(A, E, jobs_per_output):
    """Leaked >= 0; local supported jobs of a sector <= its local jobs; 0 in industry;
    industrie élargie share within [industry share, 1]."""
    industry = np.array([True, True, False, False])
    by = calc_supported_jobs_by_sector(E, jobs_per_output, A, industry)
    assert (by["leaked_jobs"] >= 0).all()
    assert (by["local_jobs"] <= E + 1e-9).all()
    assert (by["local_jobs"][:, industry] == 0).all()
    res = calc_supported_jobs(E, jobs_per_output, A, industry)
    ok = res["total_jobs"] > 0
    share = res["industrie_elargie_share"]
    assert np.isnan(share[~ok]).all()
    ind_share = res["industry_jobs"][ok] / res["total_jobs"][ok]
    assert (share[ok] >= ind_share - 1e-12).all() and (share[ok] <= 1 + 1e-12).all()


# --- regionalisation: known answers ------------------------------------------------------

def test_flq_hand_example():
    """Flegg & Webber (2000) FLQ on a 2-sector, 2-region example, by hand: region 1 has
    jobs (60, 40), the nation (100, 100): SLQ = (1.2, 0.8), lambda = log2(1.5)^0.3 =
    0.8514093; FLQ = [[1.2 l, 1.5 l], [0.8/1.2 l, 0.8 l]]."""
    E = np.array([[60.0, 40.0], [40.0, 60.0]])
    lam = 0.8514093356923865
    F = calc_flq(E, E.sum(axis=0))
    np.testing.assert_allclose(F[0], [[1.2 * lam, 1.5 * lam], [0.8 / 1.2 * lam, 0.8 * lam]],
                               rtol=1e-12)
    np.testing.assert_allclose(F[1], [[0.8 * lam, 0.8 / 1.2 * lam], [1.5 * lam, 1.2 * lam]],
                               rtol=1e-12)


def test_flq_zero_employment_conventions():
    """Absent supplier: FLQ row 0. Absent buyer (supplier present): +inf, so the national
    coefficient is kept. Territory without jobs: all 0, so L_r = I."""
    E = np.array([[10.0, 0.0, 5.0], [0.0, 0.0, 0.0], [30.0, 20.0, 35.0]])
    F = calc_flq(E, E.sum(axis=0))
    assert (F[0, 1] == 0).all() and np.isinf(F[0, 0, 1]) and np.isinf(F[0, 2, 1])
    assert (F[1] == 0).all()
    A = np.full((3, 3), 0.1)
    np.testing.assert_array_equal(calc_L(calc_regional_A(A, F))[1], np.eye(3))
    with pytest.raises(ValueError):
        calc_flq(E, np.array([40.0, 0.0, 40.0]))


def test_supported_jobs_hand_example():
    """Two sectors (industry, services), A = [[.2,.1],[.3,.1]], jobs per unit of output
    (2, 5), territories with jobs (60, 40) and (40, 60). Industrial output is held fixed
    (mixed model, Miller & Blair 2009 s. 13.1). Territory 1: x_ind = 30; national chain
    x_s = 0.3 x 30 / (1 - 0.1) = 10, so 5 x 10 = 50 services jobs in France; with the FLQ
    table (a_10 x 0.5676062, a_11 x 0.6811275): x_s = 0.3 x 0.5676062 x 30 /
    (1 - 0.1 x 0.6811275) = 5.481839, 27.409195 local jobs, 22.590805 leaked.
    Territory 2: FLQ >= 1, so A_r = A: 0.3 x 20 / 0.9 x 5 = 33.333 local, none leaked."""
    A = np.array([[0.2, 0.1], [0.3, 0.1]])
    E = np.array([[60.0, 40.0], [40.0, 60.0]])
    res = calc_supported_jobs(E, np.array([2.0, 5.0]), A, np.array([True, False]))
    np.testing.assert_allclose(res["local_jobs"], [27.409195, 100 / 3], rtol=1e-6)
    np.testing.assert_allclose(res["local_jobs"] + res["leaked_jobs"], [50.0, 100 / 3],
                               rtol=1e-9)
    np.testing.assert_allclose(res["industrie_elargie_share"], [0.87409195, 0.7333333333],
                               rtol=1e-6)
    np.testing.assert_array_equal(res["industry_jobs"], [60.0, 40.0])


def test_supported_jobs_whole_nation_leaks_nothing():
    """A single territory equal to the nation: SLQ = CILQ = lambda = 1, so A_r = A_nat,
    nothing leaks and the local effect is the national one (real SUT 2010 A17 table)."""
    sut = parse_sut_a17(SUT_2010)
    A = calc_A(sut["Z_domestic_ixi"], sut["x"])
    jobs = sut["labor"] * 1000
    jpo = calc_direct_coefficients(jobs, sut["x"])
    industry = np.isin(sut["sectors"], ["DE", "C1", "C2", "C3", "C4", "C5"])
    res = calc_supported_jobs_by_sector(jobs[None], jpo, A, industry,
                                        cap_at_local_jobs=False)
    assert np.abs(res["leaked_jobs"]).max() < 1e-6
    s, i = ~industry, industry
    dx_s = np.linalg.solve(np.eye(s.sum()) - A[np.ix_(s, s)], A[np.ix_(s, i)] @ sut["x"][i])
    np.testing.assert_allclose(res["local_jobs"][0][s], dx_s * jpo[s], rtol=1e-9)
    assert (res["local_jobs"][0][i] == 0).all()


def test_supported_jobs_real_table_synthetic_territories():
    """France SUT 2010 A17 with 200 synthetic territories drawn around the national
    structure (seed 42): vectorised result equals the per-territory computation, and
    values stay in range."""
    sut = parse_sut_a17(SUT_2010)
    A = calc_A(sut["Z_domestic_ixi"], sut["x"])
    jobs = sut["labor"] * 1000
    jpo = calc_direct_coefficients(jobs, sut["x"])
    industry = np.isin(sut["sectors"], ["DE", "C1", "C2", "C3", "C4", "C5"])
    rng = np.random.default_rng(42)
    shares = rng.dirichlet(jobs / jobs.sum() * 30, size=200)
    E = shares * rng.lognormal(9, 1.2, size=(200, 1))
    E[E < 5] = 0.0
    res = calc_supported_jobs(E, jpo, A, industry)
    one = calc_supported_jobs(E[7:8], jpo, A, industry, E_nation=E.sum(axis=0))
    for key in res:
        np.testing.assert_allclose(res[key][7], one[key][0], rtol=1e-12)
    assert (res["leaked_jobs"] >= 0).all()
    assert ((res["industrie_elargie_share"] > 0) & (res["industrie_elargie_share"] <= 1)).all()
    assert (res["local_jobs"] < res["total_jobs"] - res["industry_jobs"] + 1e-9).all()
