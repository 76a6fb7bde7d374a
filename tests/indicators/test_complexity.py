"""Economic complexity, proximity and density (indicators/complexity.py).

Known answers: a 3 x 3 example computed by hand below; and the reference implementation,
the ``ecomplexity`` package of the Harvard Growth Lab (MIT, v0.5.3; its Stata comparison
files are not published with the repository, so the package itself is the oracle), on a
seeded 40 x 25 matrix: ECI, PCI, density, COI, COG and RCA must agree to 1e-9.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from pacte.errors import DataError
from pacte.indicators.complexity import (
    calc_complexity,
    calc_density,
    calc_eci_pci,
    calc_mcp,
    calc_proximity,
    calc_rca,
)

M = np.array([[1, 1, 0], [1, 0, 0], [0, 1, 1]], dtype=float)


def test_proximity_and_density_by_hand():
    """M = [[1,1,0],[1,0,0],[0,1,1]]: ubiquities k_p = (2, 2, 1); co-occurrences
    M^T M = [[2,1,0],[1,2,1],[0,1,1]]. phi_01 = 1 / max(2, 2) = 0.5,
    phi_12 = 1 / max(2, 1) = 0.5, phi_02 = 0, phi_pp = 1.
    Density of industry 1 around territory 1 (holds only industry 0):
    phi_10 / (phi_10 + phi_11 + phi_12) = 0.5 / 2 = 0.25; of industry 2 around it: 0."""
    phi = calc_proximity(M)
    np.testing.assert_allclose(phi, [[1, .5, 0], [.5, 1, .5], [0, .5, 1]])
    d = calc_density(M, phi)
    assert d[1, 1] == pytest.approx(0.25) and d[1, 2] == 0.0
    assert d[0, 2] == pytest.approx(0.5 / 1.5)  # territory 0 holds 0 and 1: phi_21 / sum


def test_rca_by_hand():
    """X = [[10, 30], [30, 30]]: territory 0 has 25 % of its jobs in industry 0 against
    40 / 100 = 40 % nationally: RCA = 0.625; industry 1: 0.75 / 0.6 = 1.25."""
    rca = calc_rca([[10, 30], [30, 30]])
    np.testing.assert_allclose(rca[0], [0.625, 1.25])
    assert calc_mcp(rca).tolist() == [[0.0, 1.0], [1.0, 0.0]]


def test_matches_the_ecomplexity_package():
    ecomplexity = pytest.importorskip("ecomplexity").ecomplexity
    rng = np.random.default_rng(7)
    x = np.round(rng.gamma(0.6, 100, size=(40, 25)) * (rng.random((40, 25)) > 0.3))
    long = pd.DataFrame([(2020, f"c{i:02d}", f"p{j:02d}", x[i, j]) for i in range(40)
                         for j in range(25)], columns=["year", "loc", "prod", "val"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = ecomplexity(long, {"time": "year", "loc": "loc", "prod": "prod", "val": "val"},
                          verbose=False).sort_values(["loc", "prod"])
    c = calc_complexity(x)
    tol = {"atol": 1e-9, "rtol": 1e-9}
    np.testing.assert_allclose(c.eci, out.groupby("loc")["eci"].first(), **tol)
    np.testing.assert_allclose(c.pci, out.groupby("prod")["pci"].first(), **tol)
    np.testing.assert_allclose(c.coi, out.groupby("loc")["coi"].first(), **tol)
    np.testing.assert_allclose(c.density, out["density"].to_numpy().reshape(40, 25), **tol)
    np.testing.assert_allclose(c.cog, out["cog"].to_numpy().reshape(40, 25), **tol)
    np.testing.assert_allclose(c.rca, out["rca"].to_numpy().reshape(40, 25), **tol)


def test_nested_matrix_orders_territories_by_diversity():
    """In a perfectly nested matrix (territory k holds industries 0..k), the more diverse
    territory is the more complex one, and the rarer industry the more complex."""
    n = 6
    mcp = np.tril(np.ones((n, n)))
    eci, pci = calc_eci_pci(mcp)
    assert np.all(np.diff(eci) > 0)
    assert np.all(np.diff(pci) > 0)


matrices = arrays(float, st.tuples(st.integers(3, 8), st.integers(3, 8)),
                  elements=st.integers(0, 50).map(float))


@given(matrices)
def test_eci_is_the_mean_pci_of_the_specialisations(x):
    """kc = (M / k_c) kp: the raw ECI of a territory is the mean raw PCI of the industries
    it is specialised in (the identity the reference normalisation preserves)."""
    mcp = calc_mcp(calc_rca(x))
    eci, pci = calc_eci_pci(mcp)
    for c in range(mcp.shape[0]):
        held = mcp[c] > 0
        if held.any() and np.isfinite(eci[c]) and np.isfinite(pci[held]).all():
            assert eci[c] == pytest.approx(pci[held].mean(), abs=1e-9)


@given(matrices)
def test_density_in_unit_interval_and_proximity_symmetric(x):
    mcp = calc_mcp(calc_rca(x))
    phi = calc_proximity(mcp)
    np.testing.assert_allclose(phi, phi.T)
    assert ((phi >= 0) & (phi <= 1)).all()
    d = calc_density(mcp, phi)
    ok = np.isfinite(d)
    assert ((d[ok] >= -1e-12) & (d[ok] <= 1 + 1e-12)).all()


def test_bad_matrix_is_refused_in_french():
    with pytest.raises(DataError, match="matrice"):
        calc_rca([[1.0, -1.0], [2.0, 3.0]])
    with pytest.raises(DataError, match="au moins 2 x 2"):
        calc_rca([[1.0, 2.0]])
