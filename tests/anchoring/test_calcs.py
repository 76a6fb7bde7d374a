"""Pure anchoring maths: densities, shares, changes, re-allocation across perimeters, diploma
shares (known answers and property tests)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pacte.indicators import anchoring as a
from pacte.sources.attractiveness import parse_census_diplomas_iris

D = Path(__file__).resolve().parents[1] / "data" / "anchoring"


def test_per_10k_and_per_inhabitant():
    v = a.calc_per_10k([13, 0, 5, np.nan], [779, 0, np.nan, 10])
    assert v[0] == pytest.approx(13 / 779 * 1e4) and np.isnan(v[1:]).all()
    assert list(a.calc_per_10k_reasons([13, 0, 5, np.nan], [779, 0, np.nan, 10])) == [
        "", a.ZERO_POPULATION, a.ZERO_POPULATION, a.NO_DATA]
    assert a.calc_per_inhabitant([58226.0], [242.0])[0] == pytest.approx(240.6033, abs=1e-4)
    with pytest.raises(ValueError, match="négatives"):
        a.calc_per_10k([-1], [10])


def test_share_and_change():
    s = a.calc_share([74, 0, 3], [72, 0, 10])
    assert s[0] == pytest.approx(102.777, abs=1e-3) and np.isnan(s[1]) and s[2] == 30
    assert list(a.calc_share_reasons([74, 0, 3], [72, 0, 10])) == ["", a.ZERO_BASE, ""]
    c = a.calc_change([10.0, np.nan, 3.0], [12.5, 4.0, np.nan])
    assert c[0] == 2.5 and np.isnan(c[1:]).all()
    assert list(a.calc_change_reasons([10.0, np.nan, 3.0], [12.5, 4.0, np.nan])) == [
        "", a.NO_START, a.NO_END]


def _pieces(rows):
    return pd.DataFrame(rows, columns=["target", "unit", "weight"])


def test_reallocation_known_answer():
    """T = A (100 inhabitants, 10 %) + B (300, 20 %): (100×10 + 300×20) / 400 = 17.5 %.
    U = all of C (unchanged perimeter): exact. V = half of D: D's value, an estimate. W = a
    territory whose only unit has no value. X: 30 % of its population covered."""
    p = _pieces([("T", "A", 100), ("T", "B", 300), ("U", "C", 50), ("V", "D", 40),
                 ("V2", "D", 40), ("W", "E", 10), ("X", "A", 30), ("X", "E", 70)])
    vals = pd.Series({"A": 10.0, "B": 20.0, "C": 7.0, "D": 3.0, "E": np.nan})
    r = a.calc_reallocation(p, vals)
    assert r.loc["T", "value"] == 17.5 and r.loc["T", "n_units"] == 2
    assert r.loc["U", "value"] == 7.0 and r.loc["U", "exact"]
    assert r.loc["V", "value"] == 3.0 and not r.loc["V", "exact"]
    assert not r.loc["T", "exact"]
    assert np.isnan(r.loc["W", "value"]) and np.isnan(r.loc["X", "value"])
    assert r.loc["X", "coverage"] == pytest.approx(0.3)
    why = a.calc_reallocation_reasons(p, vals)
    assert why.to_dict() == {"T": "", "U": "", "V": "", "V2": "", "W": a.NOT_IN_SOURCE,
                             "X": a.LOW_COVERAGE}


def test_reallocation_zero_population():
    p = _pieces([("T", "A", 0.0)])
    assert a.calc_reallocation_reasons(p, pd.Series({"A": 5.0})).loc["T"] == a.ZERO_POPULATION


pieces_st = st.lists(st.tuples(st.sampled_from("PQRS"), st.sampled_from("abcdef"),
                               st.floats(0.5, 1e5)), min_size=1, max_size=20)


@settings(max_examples=60)
@given(pieces_st, st.floats(0, 100))
def test_reallocation_of_a_constant_rate_is_that_rate(rows, rate):
    p = _pieces(rows)
    r = a.calc_reallocation(p, pd.Series(rate, index=list("abcdef")))
    assert np.allclose(r["value"], rate)


@settings(max_examples=60)
@given(pieces_st, st.lists(st.floats(0, 100), min_size=6, max_size=6))
def test_reallocation_stays_within_the_old_values(rows, values):
    p = _pieces(rows)
    vals = pd.Series(values, index=list("abcdef"))
    r = a.calc_reallocation(p, vals)
    for target, g in p.groupby("target"):
        v = vals[g["unit"].unique()]
        assert v.min() - 1e-9 <= r.loc[target, "value"] <= v.max() + 1e-9
    # population-weighted means recombine: Σ_t W_t v_t = Σ_pieces w v
    w = p.groupby("target")["weight"].sum()
    assert (w * r["value"]).sum() == pytest.approx((p["weight"] * p["unit"].map(vals)).sum())


@settings(max_examples=60)
@given(pieces_st, st.lists(st.one_of(st.floats(0, 100), st.just(np.nan)), min_size=3,
                           max_size=3))
def test_reallocation_reads_each_units_value_as_a_map_would(rows, values):
    """The units' values are read by positions (units d-f absent: no value): the same
    answer as through ``Series.map`` (a dict takes that path)."""
    p = _pieces(rows)
    vals = pd.Series(values, index=list("abc"))
    by_map = a.calc_reallocation(p, vals.to_dict())
    pd.testing.assert_frame_equal(a.calc_reallocation(p, vals), by_map)
    pd.testing.assert_series_equal(a.calc_reallocation_reasons(p, vals),
                                   a.calc_reallocation_reasons(p, vals.to_dict()))
    none = a.calc_reallocation(p, pd.Series(dtype=float))
    assert none["value"].isna().all() and (none["n_units"] == 0).all()


def test_diploma_shares_of_two_paris_iris():
    """INSEE RP2015, base-ic-diplomes-formation, Paris 1er (hand computed from the file):
    IRIS 751010101: 739 non-scolarisés de 15 ans ou plus, 116 sans diplôme (DIPLMIN),
    73 CAP-BEP, 138 bac, 412 supérieur -> 15.697 %, 9.878 %, 18.674 %, 55.751 %;
    IRIS 751010102: 143; 55, 15, 21, 53 -> 38.462 %, 10.490 %, 14.685 %, 37.063 %."""
    d = parse_census_diplomas_iris(D / "diplomes_iris_paris_extract.csv")
    s = a.calc_diploma_shares(d).set_axis(d["iris"])
    expected = {"751010101": [15.697, 9.878, 18.674, 55.751],
                "751010102": [38.462, 10.490, 14.685, 37.063]}
    for iris, vals in expected.items():
        assert s.loc[iris, list(a.DIPLOMA_SHARES)].tolist() == pytest.approx(vals, abs=5e-4)
    # the levels add up to the total up to the rounding of INSEE's weighted estimates:
    # 116 + 73 + 138 + 412 = 739, but 55 + 15 + 21 + 53 = 144 for 143
    assert s.sum(axis=1).tolist() == pytest.approx([100, 100 * 144 / 143])
    assert (a.calc_diploma_shares_reasons(d) == "").all().all()
    # the commune (or any level) is the sum of its rows, shares recomputed, not averaged
    both = a.calc_diploma_shares(d.drop(columns=["iris", "commune"]).sum().to_frame().T)
    assert both["higher_education_share"].iloc[0] == pytest.approx(100 * 465 / 882)


def test_diploma_shares_zero_base():
    d = pd.DataFrame({"pop_15plus_non_scol": [0.0], "no_diploma_or_bepc": [0.0],
                      "cap_bep": [0.0], "bac": [0.0], "bac_plus_2_or_more": [0.0]})
    assert a.calc_diploma_shares(d).isna().all().all()
    assert (a.calc_diploma_shares_reasons(d) == a.ZERO_BASE).all().all()
