"""With the national URSSAF file fetched, every EPCI's headline figures, exposure industries,
2008-2012 crisis and plant-impact structure come from the 732-code APE detail and say so;
without it, the coarse measures are used and named.

The « national » file here is a small fictional one in the official format, covering every
commune of the fictional snapshot (tests/fixtures/urssaf_national.py: each EPCI has its own
industrial signature, so their top industries differ by construction); the national-size file
is timed by bench/bench_urssaf_national.py and bench/bench_diversify.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from urssaf_national import (  # noqa: E402
    SIGNATURE,
    SNAPSHOT,
    draw_jobs,
)

from pacte import store  # noqa: E402
from pacte.catalogue.headline import COARSE_NOTE, RESOLUTION_SHORT  # noqa: E402
from pacte.engine.exposure_top import EPCI_HOW_TO, top_industries  # noqa: E402
from pacte.handlers.crisis import crisis_industries  # noqa: E402
from pacte.handlers.impact import impact  # noqa: E402
from pacte.handlers.territory import territory  # noqa: E402

EPCI = sorted(SIGNATURE)
APE_DETAIL = RESOLUTION_SHORT["urssaf"]
#: WIOD sector of each signature (NAF A38 CA food, CH metal products, CL transport equipment)
WIOD_OF = {"1011Z": "c3", "2511Z": "c12", "2920Z": "c15"}


@pytest.fixture(scope="module")
def national(fictional_fetched):
    """The fictional store built with the fictional national file (``--with-fetched``; the
    same build also holds a fetched REI, read by no figure checked here)."""
    with store.connect(fictional_fetched["path"]) as con:
        yield con


def _head(con, code):
    return territory(con, code, "epci").data["headline"]


def test_headline_figures_come_from_the_ape_detail(national):
    """The industry share picked first is URSSAF's (sections B to E over all APE codes),
    named as such, and equals the share computed by hand from the file; the crisis figure is
    URSSAF's 2008-2012 change (the census one covers 2006-2011)."""
    jobs = draw_jobs()
    com = __import__("pandas").read_parquet(SNAPSHOT / "communes.parquet")
    jobs = jobs.merge(com[["code", "epci"]], left_on="commune", right_on="code")
    industrial = jobs["ape"].str[:2].isin(["08", "10", "25", "29", "35", "38"])
    for code in EPCI:
        head = _head(national, code)
        share = next(h for h in head if h["indicator"] == "industry_share")
        assert share["source"] == "urssaf" and share["detail"] is True
        assert share["resolution_short"] == APE_DETAIL and share["resolution_note"] == ""
        mine = jobs[(jobs["epci"] == code) & (jobs["year"] == 2022)]
        expected = 100 * mine.loc[industrial, "jobs"].sum() / mine["jobs"].sum()
        assert share["value"] == pytest.approx(expected)
        crisis = next(h for h in head if h["indicator"] == "industry_job_change_rel")
        assert (crisis["source"], crisis["period"]) == ("urssaf", "2008-2012")
        j = jobs[(jobs["epci"] == code) & industrial].groupby("year")["jobs"].sum()
        assert crisis["value"] == pytest.approx(100 * (j[2012] / j[2008] - 1))
        # the coarse census share is still shown beside it, named as coarse
        coarse = [h for h in head if h["indicator"] == "industry_share" and h["source"] == "rp"]
        assert coarse and coarse[0]["resolution_short"].startswith("mesure grossière")


def test_exposure_top_industries_differ_and_are_ape_based(national):
    tops = {}
    for code in EPCI:
        top = top_industries(national, "epci", code, "2000-2007", k=3)
        assert top["resolution"].str.startswith("732 codes APE").all(), top["resolution"]
        assert (top["contribution"] != 0).all()
        tops[code] = top["sector"].tolist()
        # each EPCI's signature industry leads its exposure
        assert tops[code][0] == WIOD_OF[SIGNATURE[code]], (code, tops[code])
    assert len({t[0] for t in tops.values()}) == 3


def test_crisis_by_industry_from_the_ape_detail(national):
    """The métropole's signature (2511Z, metal products) lost a third of its jobs between
    2008 and 2012 in the file: it is the first loss, at division 25 as at APE level."""
    jobs = draw_jobs()
    ans = crisis_industries(national, "200023414", industries="ape")
    assert ans.meta["resolution"].startswith("732 codes APE") and ans.meta["detail"] is True
    first = ans.data.iloc[0]
    assert first["industry"] == "2511Z"
    mine = jobs[jobs["commune"].isin(["76005", "76020", "76039", "76056"])
                & (jobs["ape"] == "2511Z")].groupby("year")["jobs"].sum()
    assert first["change"] == pytest.approx(mine[2012] - mine[2008])
    div = crisis_industries(national, "200023414", industries="a88")
    assert div.data.iloc[0]["industry"] == "25"
    assert div.data["change"].sum() == pytest.approx(ans.data["change"].sum())


def test_impact_structure_is_the_ape_detail(national):
    ans = impact(national, EPCI[0], "C5", -10)
    assert "732 codes APE" in ans.meta["resolution"] and ans.meta["detail"] is True
    assert ans.meta["resolution_note"] == ""


def test_without_the_file_the_coarse_measure_is_used_and_named(fictional_con):
    """The fictional store holds the URSSAF extract for 1 EPCI in 3 (as the bundled Rouen
    extract): 200070936 has no APE detail, so every output falls back to the census and
    says so, with the two commands that give the detail."""
    code = "200070936"
    head = _head(fictional_con, code)
    share = next(h for h in head if h["indicator"] == "industry_share")
    assert share["source"] == "rp" and share["detail"] is False
    assert share["resolution_short"].startswith("mesure grossière")
    assert share["resolution_note"] == COARSE_NOTE and "pacte fetch urssaf_commune_ape" in (
        COARSE_NOTE)
    crisis = next(h for h in head if h["indicator"] == "industry_job_change_rel")
    assert (crisis["source"], crisis["period"]) == ("rp", "2006-2011")
    assert top_industries(fictional_con, "epci", code, "2000-2007", k=3).empty
    assert "pacte fetch urssaf_commune_ape" in EPCI_HOW_TO
    ans = impact(fictional_con, code, "C5", -1)
    assert ans.meta["detail"] is False and "structure locale grossière" in (
        ans.meta["resolution_note"])
    assert ans.meta["resolution_note"] in ans.meta["notes"]
    crisis_ans = crisis_industries(fictional_con, code)
    assert crisis_ans.meta["detail"] is False and crisis_ans.data.empty
    assert "pacte fetch urssaf_commune_ape" in crisis_ans.meta["resolution_note"]


def test_crisis_command(national, fictional_store):
    """``pacte crisis``: the APE table as JSON on the national build; offline, the French
    note naming the coarse measure and the two commands."""
    import json

    from typer.testing import CliRunner

    from pacte.cli.main import app

    path = national.execute("PRAGMA database_list").fetchall()[0][2]
    res = CliRunner().invoke(app, ["crisis", "200023414", "--industries", "ape", "--top", "3",
                                   "--format", "json", "--db", path])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert [r["industry"] for r in doc["industries"]][0] == "2511Z"
    assert len(doc["industries"]) == 3 and doc["meta"]["detail"] is True
    res = CliRunner().invoke(app, ["crisis", "200070936", "--db", str(fictional_store)])
    assert res.exit_code == 0, res.output
    assert "mesure grossière" in res.output and "pacte build --with-fetched" in res.output


def test_crisis_table_by_hand():
    """Territory A 100 -> 80, B 50 -> 60; France A 1,000 -> 900, B 500 -> 600: France is
    flat (G = 0), A falls 10 % and B grows 20 % nationally. A: national share 0, mix
    100 x (-0.1) = -10, local -20 - (-10) = -10; B: mix 50 x 0.2 = +10, local 10 - 10 = 0
    (Dunn 1960). Without a national reference the effects are NaN."""
    import pandas as pd

    from pacte.handlers.crisis import calc_crisis_table

    own = pd.DataFrame({2008: [100.0, 50.0], 2012: [80.0, 60.0]}, index=["A", "B"])
    fr = pd.DataFrame({2008: [1000.0, 500.0], 2012: [900.0, 600.0]}, index=["A", "B"])
    t = calc_crisis_table(own, fr).set_index("industry")
    assert t.index.tolist() == ["A", "B"]  # largest loss first
    assert t.loc["A", ["change", "change_rel", "national_growth"]].tolist() == [-20, -20, -10]
    assert t.loc["A", ["national_share", "industrial_mix", "regional_shift"]].tolist() == \
        pytest.approx([0, -10, -10])
    assert t.loc["B", ["industrial_mix", "regional_shift"]].tolist() == pytest.approx([10, 0])
    assert calc_crisis_table(own, None)["regional_shift"].isna().all()


def test_crisis_route(national, tmp_path):
    from fastapi.testclient import TestClient

    from pacte.api import Settings, create_app

    path = national.execute("PRAGMA database_list").fetchall()[0][2]
    with TestClient(create_app(Settings(db=path, cache=tmp_path / "c"))) as client:
        r = client.get("/api/crisis/200023414?industries=ape&top=2")
        assert r.status_code == 200, r.text
        body = r.json()
        assert [x["industry"] for x in body["data"]][0] == "2511Z" and len(body["data"]) == 2
        assert body["meta"]["detail"] is True
        from pacte.api import schemas as S

        rows = S.Envelope[list[S.CrisisRow]].model_validate(body).data  # the declared shape
        assert rows[0].jobs_start is not None and rows[0].national_share is not None
        assert client.get("/api/crisis/200023414?industries=a129").status_code == 422
