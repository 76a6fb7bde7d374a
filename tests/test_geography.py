"""Geography harmonisation on a tiny fictional territory, plus property tests.

Fictional history (codes are made up, dates are realistic):
- 2016-01-01: 99001 absorbs 99002 (commune nouvelle 99001).
- 2019-01-01: 99003 changes code to 99013.
- 2025-01-01: 99001 (the 2016 commune nouvelle) is split back: 99001 (60 %) and 99002 (40 %).
"""

import functools

import numpy as np
import pandas as pd
import pytest
from fixtures.cog_toy import CODES_2025, COG, PASSAGE, SPLITS
from hypothesis import given, settings
from hypothesis import strategies as st

from pacte import geography
from pacte.errors import GeographyError


def weights(codes, vintage):
    return geography.commune_weights(codes, vintage, PASSAGE, SPLITS, CODES_2025)


def test_split_applies_to_files_after_the_parent_was_formed():
    w = weights(["99001", "99013", "99004"], 2019).set_index(["source", "code"])["weight"]
    assert w[("99001", "99001")] == pytest.approx(0.6)
    assert w[("99001", "99002")] == pytest.approx(0.4)
    assert w[("99013", "99013")] == 1.0


def test_split_not_applied_to_files_older_than_the_fusion():
    """In a 2015 file 99001 is the old commune, whose limits 2025 restored: no split."""
    w = weights(["99001", "99002", "99003", "99004"], 2015)
    assert set(zip(w["source"], w["code"], w["weight"], strict=True)) == {
        ("99001", "99001", 1.0), ("99002", "99002", 1.0), ("99003", "99013", 1.0),
        ("99004", "99004", 1.0)}


def test_split_not_applied_to_files_after_the_split():
    w = weights(CODES_2025, 2025)
    assert (w["source"] == w["code"]).all() and (w["weight"] == 1).all()


def test_unmapped_code_is_an_error_naming_it():
    with pytest.raises(GeographyError, match="99999"):
        weights(["99001", "99999"], 2019)


def test_detect_vintage_prefers_exact_list_then_latest():
    assert geography.detect_vintage(["99001", "99013", "99004"], COG).year == 2019
    assert geography.detect_vintage(["99001", "99003", "99004"], COG).year == 2018
    v = geography.detect_vintage(["99001", "99003"], COG)  # 2015 and 2018 both hold them
    assert v.candidates == (2015, 2018) and v.year == 2018
    assert geography.detect_vintage(["99001", "12345"], COG).unknown == ("12345",)


def test_harmonise_keeps_missing_values_missing():
    df = pd.DataFrame({"commune": ["99001", "99013", "99004"], "year": 2019,
                       "jobs": [100.0, np.nan, 7.0]})
    h, rep = geography.harmonise(df, ["jobs"], weights(df["commune"], 2019), by=["year"])
    got = h.set_index("commune")["jobs"]
    assert got["99001"] == pytest.approx(60) and got["99002"] == pytest.approx(40)
    assert np.isnan(got["99013"]) and got["99004"] == 7
    assert rep.n_missing_values == 1 and rep.n_split == 1


def test_aggregate_marks_territories_with_missing_communes():
    communes = pd.DataFrame({"code": CODES_2025, "epci": ["E1", "E1", "E2", None],
                             "ze2020": ["Z1"] * 4, "dep": ["99"] * 4, "reg": ["R"] * 4})
    df = pd.DataFrame({"commune": CODES_2025, "jobs": [1.0, 2.0, np.nan, 4.0]})
    e = geography.aggregate(df, ["jobs"], communes, "epci").set_index("code")
    assert e.loc["E1", "jobs"] == 3 and np.isnan(e.loc["E2", "jobs"])
    assert e.loc["E2", "n_missing"] == 1
    fr = geography.aggregate(df, ["jobs"], communes, "fr").iloc[0]
    assert fr["jobs"] == 7 and fr["n_missing"] == 1


@functools.cache
def vintage_weights(vintage: int) -> tuple[list[str], pd.DataFrame]:
    """The codes of a vintage's file and their weights: computed once per vintage (they do
    not depend on the values drawn)."""
    codes = sorted(COG.loc[COG["cog"] == vintage, "code"])
    return codes, weights(codes, vintage)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.lists(st.floats(0, 1e6, allow_nan=False), min_size=4, max_size=4),
                min_size=5, max_size=5),
       st.sampled_from([2015, 2018, 2019]))
def test_harmonisation_conserves_totals(columns, vintage):
    """Each example harmonises five value columns drawn independently in one call (150
    value vectors in all; a call costs about 10 ms of pandas, whatever its columns)."""
    codes, w = vintage_weights(vintage)
    cols = [f"v{k}" for k in range(len(columns))]
    df = pd.DataFrame({"commune": codes, **{c: v[:len(codes)]
                                            for c, v in zip(cols, columns, strict=True)}})
    h, _ = geography.harmonise(df, cols, w)
    for c in cols:
        assert h[c].sum() == pytest.approx(df[c].sum(), rel=1e-12, abs=1e-9), c
