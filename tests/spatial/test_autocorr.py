"""Moran's I and local Moran through pacte's wrappers, against esda's own published test
values (esda ``esda/tests/test_moran.py``: ``TestMoran.test_moran`` on St. Louis homicide
rates, ``test_sids`` on North Carolina SIDS rates, ``TestMoranLocal.test_defaults`` on the
de Smith example), on the example files copied into tests/data/esda/."""

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pacte.errors import InvalidParameterError
from pacte.spatial.autocorr import calc_lisa, calc_moran, calc_moran_permutations, calc_ndtr
from pacte.spatial.weights import contiguity_from_pairs

DATA = Path(__file__).parents[1] / "data" / "esda"


def _open(name: str):
    """An esda example file (libpysal imported here, when a test runs: importing it costs
    about 3 s, paid at collection by every worker when it was a module import)."""
    import libpysal

    return libpysal.io.open(str(DATA / name))


def _gal(name: str):
    return _open(name).read()


def test_stl_homicides_known_answer():
    """esda TestMoran.test_moran: I = 0.24365582621771659, one-tailed p_norm 1.357e-4."""
    y = np.array(_open("stl_hom.txt").by_col["HR8893"])
    r = calc_moran(y, _gal("stl.gal"), permutations=999, seed=12345)
    assert r["I"] == pytest.approx(0.24365582621771659, rel=1e-7)
    assert r["p_norm"] == pytest.approx(0.00013573931385468807, rel=1e-6)
    assert r["expected"] == pytest.approx(-1 / 77)
    assert r["n"] == 78


def test_sids_known_answer():
    """esda TestMoran.test_sids: I = 0.24772519320480135, one-tailed p_norm 5.79e-5."""
    y = np.array(_open("sids2.dbf").by_col("SIDR74"))
    r = calc_moran(y, _gal("sids2.gal"), permutations=999, seed=0)
    assert r["I"] == pytest.approx(0.24772519320480135, rel=1e-7)
    assert r["p_norm"] == pytest.approx(5.7916539074498452e-05, rel=1e-6)
    assert r["p_sim"] == pytest.approx(0.001)  # esda's by_col test: no draw beats I


@pytest.mark.parametrize("seed", [0, 7, 2024])
def test_permutation_p_value_is_esda_s(seed):
    """Same seed, same draws: esda's Moran after numpy.random.seed(seed) finds pacte's
    permutation p-value (its simulated I too)."""
    y = np.array(_open("stl_hom.txt").by_col["HR8893"])
    w = _gal("stl.gal")
    ours = calc_moran(y, w, permutations=99, seed=seed)
    import esda

    np.random.seed(seed)
    theirs = esda.Moran(y, w, permutations=99, two_tailed=False)
    assert ours["p_sim"] == pytest.approx(theirs.p_sim)
    sim = calc_moran_permutations(theirs.z, w.sparse, 99, seed)
    np.testing.assert_allclose(sim, theirs.sim, rtol=1e-10)


def test_desmith_local_known_answer():
    """esda TestMoranLocal.test_defaults: seed 12345, 99 permutations, z_sim[0] and
    p_z_sim[0]; pacte's cluster of the first zone follows from its p-value."""
    y = np.array(_open("desmith.txt").by_col["z"])
    w = _gal("desmith.gal")
    import esda

    lm = esda.Moran_Local(y, w, transformation="r", permutations=99, seed=12345)
    assert lm.z_sim[0] == pytest.approx(-0.6990291160835514)
    assert lm.p_z_sim[0] == pytest.approx(0.24226691753791396)
    out = calc_lisa(y, w, permutations=99, seed=12345, alpha=0.05)
    np.testing.assert_allclose(out["p_sim"], lm.p_sim)
    np.testing.assert_allclose(out["local_i"], lm.Is)
    assert out["cluster"].iloc[0] == "NS"  # p_z_sim 0.24: not significant


def test_global_state_not_used():
    """The explicit seed decides: reseeding numpy's global generator changes nothing."""
    y = np.array(_open("stl_hom.txt").by_col["HR8893"])
    w = _gal("stl.gal")
    np.random.seed(1)
    a = calc_moran(y, w, 199, seed=3)["p_sim"]
    np.random.seed(99)
    b = calc_moran(y, w, 199, seed=3)["p_sim"]
    assert a == b


def test_errors_are_french():
    w = contiguity_from_pairs("epci", "abcd", [("a", "b"), ("b", "a"), ("b", "c"), ("c", "b"),
                                              ("c", "d"), ("d", "c")]).to_w()
    with pytest.raises(InvalidParameterError, match="constante"):
        calc_moran(np.ones(4), w)
    with pytest.raises(InvalidParameterError, match="manquantes"):
        calc_moran(np.array([1, np.nan, 2, 3]), w)
    with pytest.raises(InvalidParameterError, match="3 valeurs pour 4"):
        calc_moran(np.array([1, 2, 3.0]), w)
    with pytest.raises(InvalidParameterError, match="seuil"):
        calc_lisa(np.arange(4.0), w, alpha=1.5)


@given(st.one_of(st.floats(-40, 40), st.floats(-1.0, 1.0), st.sampled_from(
    [0.0, -0.0, 0.7071067811865475, 0.7071067811865476, -0.7071067811865476, 1e-300, 38.5])))
def test_ndtr_equals_scipys(a):
    """The normal's distribution function without scipy.special equals scipy's ndtr to 1e-13
    relative, in the body and both tails (where one side is 1 - a tiny number)."""
    from scipy.special import ndtr

    expected = float(ndtr(a))
    assert calc_ndtr(a) == pytest.approx(expected, rel=1e-13, abs=1e-300)


def test_ndtr_nan_and_limits():
    assert np.isnan(calc_ndtr(float("nan")))
    assert calc_ndtr(float("inf")) == 1.0 and calc_ndtr(float("-inf")) == 0.0
    assert calc_ndtr(0.0) == 0.5


def test_moran_does_not_import_scipy_special():
    """Moran's normal p-value imports no scipy.special: its import held the GIL 0.2 s in the
    build's last step."""
    import subprocess
    import sys

    code = ("import sys, numpy as np\n"
            "from pacte.spatial.autocorr import calc_moran\n"
            "from pacte.spatial.weights import contiguity_from_pairs\n"
            "pairs = [(a, b) for i in range(5) for a, b in (('abcdef'[i], 'abcdef'[i + 1]),"
            " ('abcdef'[i + 1], 'abcdef'[i]))]\n"
            "w = contiguity_from_pairs('epci', 'abcdef', pairs).to_w()\n"
            "r = calc_moran(np.arange(6.0), w, permutations=9)\n"
            "assert 0 < r['p_norm'] < 1, r\n"
            "print('scipy.special' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "False"
