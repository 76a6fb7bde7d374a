"""The build's harmonisation in SQL (:mod:`pacte.store.harmonise`) gives what the rules of
:mod:`pacte.geography` give, on the tiny fictional history of tests/test_geography.py (its tables, repeated here)
(99001 absorbs 99002 in 2016 and is split back in 2025 at 60/40; 99003 becomes 99013 in
2019)."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest
from fixtures.cog_toy import CODES_2025, COG, PASSAGE, SPLITS

from pacte import geography
from pacte.errors import GeographyError
from pacte.store import harmonise


@pytest.fixture
def con():
    c = duckdb.connect()
    c.register("_cog", COG.assign(population=100.0))
    c.execute("CREATE TABLE cog_codes AS SELECT * FROM _cog")
    c.register("_passage", PASSAGE)
    c.execute("CREATE TABLE commune_passage AS SELECT * FROM _passage")
    c.execute("CREATE TABLE communes AS SELECT unnest(?) AS code", [CODES_2025])
    yield c
    c.close()


def _codes(con, codes: list[str]) -> str:
    con.execute("CREATE OR REPLACE TABLE _codes AS SELECT unnest(?) AS code", [codes])
    return "SELECT code FROM _codes"


@pytest.mark.parametrize("codes", [["99001", "99013", "99004"], ["99001", "99003", "99004"],
                                   ["99001", "99003"], ["99001", "12345"], CODES_2025])
def test_vintage_as_in_python(con, codes):
    assert harmonise.detect_vintage(con, _codes(con, codes)) == geography.detect_vintage(
        codes, COG)


@pytest.mark.parametrize(("codes", "vintage"), [
    (["99001", "99013", "99004"], 2019),  # 99001 split at 60/40
    (["99001", "99002", "99003", "99004"], 2015),  # before the fusion: no split
    (CODES_2025, 2025),
])
def test_weights_as_in_python(con, codes, vintage):
    harmonise.create_weights(con, "_w", _codes(con, codes), vintage, SPLITS)
    got = con.execute("SELECT source, code, weight FROM _w ORDER BY ALL").df()
    want = geography.commune_weights(codes, vintage, PASSAGE, SPLITS, CODES_2025)
    want = want.sort_values(["source", "code"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
    rep = harmonise.describe_weights(con, "_w", len(codes), 0)
    assert rep == geography.describe_weights(want, len(codes), 0)


def test_unmapped_code_is_the_same_error(con):
    with pytest.raises(GeographyError) as python:
        geography.commune_weights(["99001", "99999"], 2019, PASSAGE, SPLITS, CODES_2025)
    with pytest.raises(GeographyError) as sql:
        harmonise.create_weights(con, "_w", _codes(con, ["99001", "99999"]), 2019, SPLITS)
    assert str(sql.value) == str(python.value)
    assert "99999" in str(sql.value)



def test_census_harmonised_as_by_the_rule(con):
    """The build's census harmonisation in SQL (:func:`pacte.store.census_jobs.
    harmonise_census`) gives what :func:`pacte.geography.harmonise` gives (the rule whose
    conservation and missing-value properties tests/test_geography.py checks): 99001 split
    60/40 onto 99001 and 99002; 99005, merged into 99004 here, brings a missing value that
    leaves 99004's sum missing (never a partial sum)."""
    from pacte.store.census_jobs import harmonise_census

    con.execute("INSERT INTO cog_codes VALUES (2019, '99005', 100.0)")
    con.execute("INSERT INTO commune_passage VALUES ('99005', '99004')")
    passage = pd.concat([PASSAGE, pd.DataFrame({"hist_code": ["99005"], "code": ["99004"]})])
    cen = pd.DataFrame({"commune": ["99001", "99013", "99004", "99005"] * 2,
                        "year": [2011] * 4 + [2016] * 4,
                        "jobs_total": [100.0, 40.0, 7.0, 3.0, 110.0, 38.0, 9.0, 1.0],
                        "cfm": [10.0, 5.0, 1.0, None, 12.0, 4.0, 2.0, 1.0]})
    con.register("_cen", cen)
    con.execute("CREATE TABLE census_functions AS SELECT * FROM _cen")
    log: list[dict] = []
    cols = harmonise_census(con, SPLITS, log)
    got = con.execute("SELECT * FROM _rp ORDER BY commune, year").df()
    w = geography.commune_weights(cen["commune"].unique(), 2019, passage, SPLITS, CODES_2025)
    want, rep = geography.harmonise(cen, ["jobs_total", "cfm"], w, by=["year"])
    assert cols == ["TOTAL", "CFM"]
    pd.testing.assert_frame_equal(
        got, want.rename(columns={"jobs_total": "TOTAL", "cfm": "CFM"}), check_dtype=False)
    by = got.set_index(["commune", "year"])
    assert by.loc[("99002", 2016), "TOTAL"] == pytest.approx(44.0)
    assert by.loc[("99004", 2011), "TOTAL"] == 10.0
    assert pd.isna(by.loc[("99004", 2011), "CFM"])
    assert by.loc[("99004", 2016), "CFM"] == 3.0
    assert [(r["year"], r["total_before"], r["total_after"]) for r in log] == [
        (2011, 150.0, 150.0), (2016, 158.0, 158.0)]
    assert (log[0]["n_split"], log[0]["vintage"]) == (rep.n_split, 2019)
