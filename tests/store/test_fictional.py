"""The FICTIONAL snapshot (tests/data/fictional/, tests/fixtures/fictional.py): it has the
real snapshot's tables, columns and types, says it is fictional in every provenance row,
builds a complete store (catalogue, models, default ranking) in a few seconds, and the
CLI's answers on it can be checked by hand from the snapshot's own tables."""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from pacte.cli import app
from pacte.handlers.exposure import exposure_ranking
from pacte.handlers.indicators import indicators
from pacte.handlers.ranking import ranking
from pacte.handlers.territory import territory
from pacte.settings import package_data, sha256_file

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"_pacte_{name}", FIXTURES / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


try:  # registered by tests/conftest.py (pytest_plugins)
    from fixtures.conftest_fictional import SNAPSHOT
except ImportError:  # not registered yet: the same fixtures, from their file
    _plugin = _load("conftest_fictional")
    SNAPSHOT = _plugin.SNAPSHOT
    fictional_build = _plugin.fictional_build
    fictional_store = _plugin.fictional_store
    fictional_con = _plugin.fictional_con

runner = CliRunner()
FICTIVE = "Données fictives"
FUNCTIONS = ["ADMPUB", "AGRICU", "BTP", "COMINT", "CONREC", "CULLOI", "DISTRI", "EDUFOR",
             "ENTREP", "FABRIC", "GESTIO", "LOGIST", "PREINT", "SANSOC", "SERPRO"]
EPCI = {"200023414", "247600620", "200070936"}
DIPLOMAS = {"no_diploma_share", "cap_bep_share", "bac_share", "higher_education_share"}


def snap(name: str) -> pd.DataFrame:
    return pd.read_parquet(SNAPSHOT / f"{name}.parquet")


def census_by_epci(year: int) -> pd.DataFrame:
    """Census functions of ``year`` summed by EPCI straight from the snapshot (the merged
    commune 80830 goes to 80155's EPCI through commune_passage)."""
    cen = snap("census_functions").query("year == @year")
    to_2025 = snap("commune_passage").set_index("hist_code")["code"]
    epci = snap("communes").set_index("code")["epci"]
    return cen.assign(epci=cen["commune"].map(to_2025).map(epci)).groupby("epci")[
        FUNCTIONS + ["jobs_total"]].sum()


def invoke_json(*args) -> object:
    r = runner.invoke(app, [*args, "--format", "json"])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


# --- the snapshot ----------------------------------------------------------------------------


def test_snapshot_has_the_real_tables_columns_and_types():
    real = json.loads((package_data() / "PROVENANCE.json").read_text(encoding="utf-8"))
    fict = json.loads((SNAPSHOT / "PROVENANCE.json").read_text(encoding="utf-8"))
    assert sorted(fict) == sorted(real)
    for name, meta in real.items():
        assert fict[name]["columns"] == meta["columns"], name
        fname = meta.get("file", f"{name}.parquet")
        if fname.endswith(".parquet"):
            got = pq.read_schema(SNAPSHOT / fname).remove_metadata()
            want = pq.read_schema(package_data() / fname).remove_metadata()
            assert got.equals(want), f"{name}: {got} != {want}"
        else:
            got = pd.read_csv(SNAPSHOT / fname, comment="#", nrows=0).columns
            want = pd.read_csv(package_data() / fname, comment="#", nrows=0).columns
            assert list(got) == list(want), name


def test_provenance_says_fictional_with_true_hashes_and_counts():
    prov = json.loads((SNAPSHOT / "PROVENANCE.json").read_text(encoding="utf-8"))
    total = 0
    for name, meta in prov.items():
        assert FICTIVE in meta["source"], name
        path = SNAPSHOT / meta.get("file", f"{name}.parquet")
        assert sha256_file(path) == meta["sha256"], name
        total += path.stat().st_size
        if path.suffix == ".parquet":
            assert pq.read_metadata(path).num_rows == meta["rows"], name
    assert total < 1_000_000  # small enough to commit


def test_committed_snapshot_is_what_the_seed_generates(tmp_path):
    """Regenerating with seed 42 gives the committed tables (compared as tables: the
    parquet bytes depend on the pyarrow version); another seed gives other values."""
    fictional = _load("fictional")
    fictional.write_fictional_snapshot(tmp_path / "a", seed=42)
    for p in sorted(SNAPSHOT.glob("*.parquet")):
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "a" / p.name),
                                      pd.read_parquet(p), obj=p.name)
    fictional.write_fictional_snapshot(tmp_path / "b", seed=43)
    other = pd.read_parquet(tmp_path / "b" / "census_functions.parquet")
    assert not other.equals(snap("census_functions"))


# --- the store -------------------------------------------------------------------------------


def test_store_row_counts(fictional_build):
    """What the build recorded (its time is measured by bench/bench_build.py, not here)."""
    meta = fictional_build["meta"]
    # 12 communes, 3 EPCI, 4 ZE2020, 4 ZE2010, 2 départements, 2 régions, France
    assert meta["rows_territory"] == "28"
    assert meta["rows_ranking"] == "11"  # 3 EPCI + 4 ZE2020 + 4 ZE2010
    assert meta["rows_coverage"] == "2"  # URSSAF: one EPCI complete, one partial


def test_conservation_census_and_estel(fictional_con):
    """Each level sums to the France row, which is the snapshot's own total."""
    cen = snap("census_functions")
    estel = snap("estel_salaried")
    for source, year, total in (("rp", 2016, cen.query("year == 2016")["jobs_total"].sum()),
                                ("estel", 2010, estel.query("year == 2010")["jobs"].sum())):
        sums = dict(fictional_con.execute(
            "SELECT level, sum(jobs) FROM jobs WHERE source = ? AND year = ? AND sector = "
            "'TOTAL' GROUP BY level", [source, year]).fetchall())
        assert sums["fr"] == total
        levels = ("epci", "ze2020", "dep", "reg") if source == "rp" else ("ze2010", "ze2020")
        for level in levels:
            assert sums[level] == pytest.approx(total, rel=1e-12), (source, level)


def test_fusion_is_harmonised(fictional_con):
    """80830, merged into 80155 on 1 January 2025: its census jobs go to 80155."""
    cen = snap("census_functions").query("year == 2011").set_index("commune")
    got = fictional_con.execute("SELECT jobs FROM jobs WHERE source = 'rp' AND level = "
                                "'commune' AND code = '80155' AND year = 2011 AND sector = "
                                "'FABRIC'").fetchone()[0]
    assert got == cen.loc["80155", "FABRIC"] + cen.loc["80830", "FABRIC"]
    assert fictional_con.execute("SELECT count(*) FROM territory WHERE code = '80830'"
                                 ).fetchone()[0] == 0
    log = fictional_con.execute("SELECT DISTINCT n_changed FROM harmonisation_log WHERE "
                                "source = 'rp'").fetchall()
    assert log == [(1,)]


def test_every_model_runs_on_the_fictional_territories(fictional_con):
    """Only the diploma shares (file fetched on demand, absent here) are empty; the value
    chains and exposure models have a value for every territory of their levels."""
    empty = fictional_con.execute("SELECT indicator FROM indicator GROUP BY indicator "
                                  "HAVING count(value) = 0").df()["indicator"]
    assert set(empty) == DIPLOMAS
    missing = fictional_con.execute("SELECT level, indicator, count(*) FROM indicator WHERE "
                                    "value IS NULL GROUP BY ALL").fetchall()
    assert {i for _, i, _ in missing} == DIPLOMAS
    vc = fictional_con.execute("""SELECT level, code, indicator, value FROM indicator
        WHERE source = 'valuechain' AND indicator IN ('supported_jobs_local',
        'supported_jobs_leaked', 'industrie_elargie_share')""").df().pivot(
        index=["level", "code"], columns="indicator", values="value")
    assert len(vc) == 16  # 3 EPCI, 4 ZE2020, 4 ZE2010, 2 départements, 2 régions, France
    assert ((vc["industrie_elargie_share"] > 0) & (vc["industrie_elargie_share"] <= 100)).all()
    assert (vc[["supported_jobs_local", "supported_jobs_leaked"]] >= 0).all().all()


# --- the CLI on the fictional store ------------------------------------------------------


def test_indicators_epci_industry_share_by_hand(fictional_store):
    """Census industry share of an EPCI = its FABRIC jobs / the sum of its 15 functions;
    the location quotient divides it by France's share, both from the snapshot."""
    rows = invoke_json("indicators", "--level", "epci", "--indicator", "industry_share",
                       "--indicator", "lq_industry", "--period", "2016",
                       "--db", str(fictional_store))
    got = {(r["code"], r["indicator"], r["source"]): r["value"] for r in rows}
    by_epci = census_by_epci(2016)
    assert (by_epci["jobs_total"] == by_epci[FUNCTIONS].sum(axis=1)).all()
    fr = by_epci["FABRIC"].sum() / by_epci[FUNCTIONS].to_numpy().sum()
    for code in EPCI:
        share = by_epci.loc[code, "FABRIC"] / by_epci.loc[code, FUNCTIONS].sum()
        assert got[(code, "industry_share", "rp")] == pytest.approx(100 * share, rel=1e-12)
        assert got[(code, "lq_industry", "rp")] == pytest.approx(share / fr, rel=1e-12)


def test_indicators_urssaf_partial_coverage_by_hand(fictional_store):
    """URSSAF covers 2 of the 4 communes of the CC fictive du Plateau d'Essai: the share is
    that of the covered communes (NAF sections B to E), and the note says so."""
    rows = invoke_json("indicators", "--level", "epci", "--indicator", "industry_share",
                       "--period", "2010", "--db", str(fictional_store))
    row = next(r for r in rows if r["code"] == "247600620" and r["source"] == "urssaf")
    ur = snap("urssaf_jobs").query("year == 2010 and commune in ['76160', '76289']")
    section = snap("naf").set_index("ape")["section_a21"]
    ind = ur["ape"].map(section).isin(["B", "C", "D", "E"])
    assert row["value"] == pytest.approx(100 * ur.loc[ind, "jobs"].sum() / ur["jobs"].sum(),
                                         rel=1e-12)
    assert "couverture partielle (URSSAF : 2/4 communes)" in row["note"]
    assert not {r["code"] for r in rows if r["source"] == "urssaf"} & {"200070936"}


def test_show_epci(fictional_store):
    doc = invoke_json("show", "247600620", "--db", str(fictional_store))
    com = snap("communes").query("epci == '247600620'")
    t = doc["territory"]
    assert t["name"] == "CC fictive du Plateau d'Essai"
    assert t["population"] == com["population"].sum()
    assert t["n_communes"] == 4
    assert [(c["n_covered"], c["n_communes"], c["complete"]) for c in doc["coverage"]] == [
        (2, 4, False)]
    assert {p["code"] for p in doc["parents"]} == {"76", "28"}
    shown = {(i["indicator"], i["source"], i["period"]): i for i in doc["indicators"]}
    by_epci = census_by_epci(2011)
    share = 100 * by_epci.loc["247600620", "FABRIC"] / by_epci.loc["247600620", FUNCTIONS].sum()
    assert shown[("industry_share", "rp", "2011")]["value"] == pytest.approx(share, rel=1e-12)
    assert doc["meta"]["sources"]
    assert all(FICTIVE in s["source"] for s in doc["meta"]["sources"])


def test_rank_epci(fictional_store):
    rows = invoke_json("rank", "--level", "epci", "--db", str(fictional_store))
    assert [r["rank"] for r in rows] == [1, 2, 3]
    assert {r["code"] for r in rows} == EPCI
    scores = [r["score"] for r in rows]
    assert scores == sorted(scores, reverse=True)
    for r in rows:  # arithmetic aggregation: the contributions add up to the score
        contrib = sum(v for k, v in r.items() if k.startswith("contrib_"))
        assert contrib == pytest.approx(r["score"], abs=1e-12)
        assert r["rank_low"] <= r["rank"] <= r["rank_high"]
        assert r["n_imputed"] == 0
    # z-scores have mean 0 over the ranked territories, so do the weighted means of them
    # (the default rule: zscore, arithmetic): scores and dimension scores sum to 0
    for key in ("score", *(k for k in rows[0] if k.startswith("dim_"))):
        assert sum(r[key] for r in rows) == pytest.approx(0.0, abs=1e-12), key


def test_every_answer_says_the_data_are_fictional(fictional_con):
    metas = [territory(fictional_con, "247600620").meta,
             territory(fictional_con, "2815", "ze2020").meta,
             indicators(fictional_con, "epci").meta,
             indicators(fictional_con, "reg").meta,
             ranking(fictional_con, "epci").meta,
             ranking(fictional_con, "ze2010", seed=1, draws=50).meta,
             exposure_ranking(fictional_con, "epci", "2000-2007", "import_exposure_china",
                              3).meta]
    for meta in metas:
        assert meta["sources"]
        assert all(FICTIVE in s["source"] for s in meta["sources"]), meta["sources"]
    prov = fictional_con.execute("SELECT source FROM provenance").df()["source"]
    assert len(prov) == 36 and prov.str.contains(FICTIVE).all()


def test_exposure_has_a_value_for_every_epci(fictional_con):
    df = exposure_ranking(fictional_con, "epci", "2007-2011", "import_exposure_china", 3).data
    assert set(df["code"]) == EPCI
    assert np.isfinite(df["exposure"]).all()
