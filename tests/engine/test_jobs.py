"""Indicators engine and catalogue on the real store (built once per session, conftest.py),
plus known answers on a tiny fictional territory."""

from __future__ import annotations

import io
import re

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from pacte.catalogue import HEADLINE, INDICATORS, SERIES
from pacte.catalogue import LONG_COLUMNS as COLUMNS
from pacte.cli.indicators import register
from pacte.engine import (
    MODELS,
    compute_indicators,
    national_values,
    read_indicators,
    show_indicators,
)
from pacte.engine.jobs import load_panels
from pacte.errors import InvalidParameterError

# INSEE ESTEL, salaried jobs at 31/12 in industry (A5 BE), France: 2008 and 2012.
ESTEL_BE_2008, ESTEL_BE_2012 = 3_557_922, 3_269_037


@pytest.fixture(scope="module")
def everything(con) -> pd.DataFrame:
    """Every indicator of every level but France, as the build computed and stored them
    (``test_stored_indicators_are_what_the_engine_computes`` checks they are the engine's)."""
    return read_indicators(con)


def test_stored_indicators_are_what_the_engine_computes(raw_con):
    """The stored table is the engine's answer: recomputed for one level (ze2010: ESTEL,
    census, shift-share, exposure) from the raw files it is the same rows, in the same
    order."""
    stored = read_indicators(raw_con, "ze2010").reset_index(drop=True)
    computed = compute_indicators(raw_con, "ze2010").reset_index(drop=True)
    computed["value"] = computed["value"].astype(float)
    pd.testing.assert_frame_equal(stored[computed.columns], computed, check_dtype=False)


# --- tiny fictional territory: two territories, two sectors (industry, other) -------------

E0 = np.array([[10.0, 90.0], [50.0, 50.0]])
E1 = np.array([[5.0, 95.0], [50.0, 60.0]])
R0, R1 = E0.sum(axis=0), E1.sum(axis=0)
IND = np.array([True, False])


def test_catalogue_calcs_on_a_tiny_territory():
    share, _ = INDICATORS["industry_share"].calc(E0, R0, IND)
    np.testing.assert_allclose(share, [10.0, 50.0])
    lq, _ = INDICATORS["lq_industry"].calc(E0, R0, IND)  # France: 60 / 200 = 30 %
    np.testing.assert_allclose(lq, [10 / 30, 50 / 30])
    change, _ = INDICATORS["industry_job_change_rel"].calc(E0, E1, R0, R1, IND)
    np.testing.assert_allclose(change, [-50.0, 0.0])
    parts = [INDICATORS[i].calc(E0, E1, R0, R1, IND)[0]
             for i in ("national_share", "industrial_mix", "regional_shift")]
    np.testing.assert_allclose(np.sum(parts, axis=0), E1.sum(axis=1) - E0.sum(axis=1))
    # France: industry 60 -> 55 (g_N = -1/12); territory 1: 10 -> 5 (g = -1/2)
    res, _ = INDICATORS["industry_resistance"].calc(E0, E1, R0, R1, IND)
    np.testing.assert_allclose(res, [(-0.5 + 1 / 12) / (1 / 12), (0 + 1 / 12) / (1 / 12)])


def test_catalogue_is_complete_and_french():
    for ind in INDICATORS.values():
        assert ind.direction in ("higher_is_worse", "higher_is_better", "neutral")
        assert set(ind.sources) <= set(SERIES) | set(MODELS) and ind.levels and ind.periods
        if ind.family in ("jobs", "valuechain", "exposure"):
            assert ind.unit in ("%", "indice", "emplois", "indice (0 à 1)", "indice (0 à 2)",
                                "multiplicateur", "emplois (modèle)",
                                "indice (ou points d'écart de croissance)",
                                "milliers de dollars US courants (non déflatés) par emploi")
        else:  # newer families: a French unit, never an English one
            assert ind.unit and not re.search(r"\b(per|jobs|share|index)\b", ind.unit)
        assert (ind.kind == "model") == (ind.model is not None)
    assert INDICATORS["drop_from_peak"].direction == "higher_is_worse"
    assert INDICATORS["resistance"].direction == "higher_is_better"


# --- conservation ---------------------------------------------------------------------------


@pytest.mark.parametrize(("source", "level"), [("estel", "ze2010"), ("estel", "ze2020"),
                                               ("rp", "ze2020"), ("rp", "dep"), ("rp", "reg")])
def test_territories_sum_to_france_every_year(con, source, level):
    (p,) = load_panels(con, [level], [source])
    sums = np.nansum(p.X, axis=0)  # (T, k): Mayotte, missing, adds nothing, as in France
    np.testing.assert_allclose(sums, p.N, rtol=1e-9)


def test_census_epci_plus_communes_outside_epci_sum_to_france(con):
    (p,) = load_panels(con, ["epci"], ["rp"])
    outside = con.execute("""SELECT j.year, sum(j.jobs) FROM jobs j JOIN territory t
        ON t.level = 'commune' AND t.code = j.code WHERE t.epci IS NULL AND j.source = 'rp'
        AND j.level = 'commune' AND j.sector NOT IN ('TOTAL', 'CFM') GROUP BY 1 ORDER BY 1"""
                          ).fetchall()
    assert [y for y, _ in outside] == list(p.years)
    epci = np.nansum(p.X, axis=(0, 2)) + np.array([v for _, v in outside])
    fr = con.execute("""SELECT sum(jobs) FROM jobs WHERE source = 'rp' AND level = 'fr'
                        AND sector NOT IN ('TOTAL', 'CFM') GROUP BY year ORDER BY year""")
    np.testing.assert_allclose(epci, [v for (v,) in fr.fetchall()], rtol=1e-9)


def test_national_industrial_crisis_from_estel(con, everything):
    nat = national_values(con, ["industry_job_change_abs", "industry_jobs"])
    est = nat[nat["source"] == "estel"].set_index(["indicator", "period"])["value"]
    assert est[("industry_jobs", "2008")] == ESTEL_BE_2008
    assert est[("industry_jobs", "2012")] == ESTEL_BE_2012
    assert est[("industry_job_change_abs", "2008-2012")] == -288_885
    peak = con.execute("""SELECT max(jobs) FROM jobs WHERE source = 'estel' AND level = 'fr'
                          AND sector = 'BE' AND year BETWEEN 2000 AND 2008""").fetchone()[0]
    drop = national_values(con, ["drop_from_peak"], "2000-2012").set_index("source")["value"]
    assert drop["estel"] == pytest.approx(100 * (peak - ESTEL_BE_2012) / peak, rel=1e-12)
    ze = everything.query("level == 'ze2010' and indicator == 'industry_job_change_abs' "
                          "and period == '2008-2012'")
    assert ze["value"].sum() == pytest.approx(-288_885, abs=1e-6)


def test_shift_share_components_add_up_and_lq_averages_to_one(everything):
    ze = everything[(everything["level"] == "ze2010") & everything["value"].notna()]
    w = ze.pivot_table(index="code", columns=["indicator", "period"], values="value")
    crisis = [w[(i, "2008-2012")] for i in ("national_share", "industrial_mix",
                                            "regional_shift")]
    np.testing.assert_allclose(sum(crisis), w[("job_change_abs", "2008-2012")], atol=1e-6)
    # employment-weighted mean of LQ = 1 when territories partition France
    jobs = w[("industry_jobs", "2008")] / (w[("industry_share", "2008")] / 100)
    assert (w[("lq_industry", "2008")] * jobs).sum() / jobs.sum() == pytest.approx(1, abs=1e-9)


# --- every territory has a value or a reason ------------------------------------------------


def test_no_silent_nan(everything):
    assert list(everything.columns) == COLUMNS
    assert not (everything["value"].isna() & (everything["note"] == "")).any()


@pytest.mark.parametrize(("level", "source", "crisis", "n_codes", "n_valued"), [
    ("epci", "rp", "2006-2011", 1255, 1250),  # 5 EPCI of Mayotte: absent in 2006
    ("ze2020", "rp", "2006-2011", 306, 305),
    ("ze2020", "estel", "2008-2012", 306, 305),
    ("ze2010", "estel", "2008-2012", 322, 321),
])
def test_headline_indicators_cover_every_territory(con, everything, level, source, crisis,
                                                   n_codes, n_valued):
    df = everything[(everything["level"] == level) & (everything["source"] == source)
                    & everything["indicator"].isin(HEADLINE)
                    & everything["period"].isin([crisis, crisis[:4]])]
    assert df["code"].nunique() == n_codes
    assert len(df) == n_codes * len(HEADLINE)
    for ind, g in df.groupby("indicator"):
        assert g["value"].notna().sum() == n_valued, ind
    missing = df[df["value"].isna()]
    mayotte = con.execute("SELECT code FROM territory WHERE level = ? AND (reg = '06' OR code "
                          "= '0601')", [level]).fetchall()
    assert set(missing["code"]) == {c for (c,) in mayotte}
    expected = ("Mayotte absent du recensement 2006" if source == "rp"
                else "Mayotte : pas de données ESTEL")
    assert missing["note"].str.startswith(expected).all()


def test_flags_estimates_and_partial_coverage(everything):
    ze = everything.query("level == 'ze2020' and source == 'estel' and code != '0601'")
    assert ze["note"].str.contains("estimation").all()
    ur = everything.query("level == 'epci' and source == 'urssaf'")
    assert ur["code"].nunique() == 9
    partial = ur[ur["note"].str.contains("couverture partielle")]
    assert partial["code"].nunique() == 6
    assert "couverture partielle (URSSAF : 1/40 communes)" in set(
        ur.loc[ur["code"] == "200066405", "note"].str.split("; ").explode())


def test_lq_matches_a_hand_computation(con, everything):
    q = """SELECT sum(jobs) FILTER (WHERE sector = 'BE') / sum(jobs) FILTER (WHERE sector
           = 'TOTAL') FROM jobs WHERE source = 'estel' AND year = 2008 AND level = ?
           AND code = ?"""
    ze, fr = (con.execute(q, c).fetchone()[0] for c in (["ze2010", "5211"], ["fr", "FR"]))
    got = everything.query("level == 'ze2010' and code == '5211' and indicator == "
                           "'lq_industry' and period == '2008'")["value"]
    assert got.item() == pytest.approx(ze / fr, rel=1e-12)
    assert ze / fr == pytest.approx(3.289, abs=1e-3)  # La Ferté-Bernard: 47.8 % vs 14.5 %


def test_census_reference_is_france_on_a_constant_perimeter(con):
    nat = national_values(con, ["job_change_abs"], "2006-2011").set_index("source")
    fr = dict(con.execute("""SELECT year, sum(jobs) FROM jobs WHERE source = 'rp'
        AND level = 'fr' AND sector NOT IN ('TOTAL', 'CFM') GROUP BY year""").fetchall())
    mayotte_2011 = con.execute("""SELECT sum(jobs) FROM jobs WHERE source = 'rp'
        AND level = 'dep' AND code = '976' AND year = 2011 AND sector NOT IN ('TOTAL', 'CFM')
        """).fetchone()[0]
    assert nat.loc["rp", "value"] == pytest.approx(fr[2011] - mayotte_2011 - fr[2006])
    assert "hors Mayotte" in nat.loc["rp", "note"]


def test_filters_and_show(con):
    one = compute_indicators(con, "epci", ["industry_share"], "2016", "200023414")
    assert len(one) == 2 and set(one["source"]) == {"rp", "urssaf"}
    show = show_indicators(con, "epci", "200023414")
    assert list(show.columns) == ["indicator", "label", "source", "period", "value",
                                  "national", "unit", "resolution", "note"]
    # every model indicator of the catalogue reaches the profile (value chains, exposure)
    assert {"industrie_elargie_share", "import_exposure_china"} <= set(show["indicator"])
    lq = show[show["indicator"] == "lq_industry"]
    assert (lq["national"] == 1).all() and lq["value"].notna().all()
    with pytest.raises(InvalidParameterError, match="indicateur inconnu : 'nope'"):
        compute_indicators(con, "epci", ["nope"])


# --- CLI ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cli():
    app = typer.Typer()

    @app.callback()
    def main() -> None:  # a group, so that the command is called by its name
        """pacte (test)"""

    register(app)
    return app


def test_cli_list(cli):
    res = CliRunner().invoke(cli, ["indicators", "--list"])
    assert res.exit_code == 0, res.output
    assert "industry_share — Part de l'industrie dans l'emploi (secteur, ou fonction" \
        in res.stdout
    assert "plus haut = plus fragile" in res.stdout


def test_cli_csv(cli, built_store):
    res = CliRunner().invoke(cli, ["indicators", "--level", "ze2010", "--indicator",
                                   "industry_share", "--format", "csv", "--db",
                                   str(built_store)])
    assert res.exit_code == 0, res.output
    df = pd.read_csv(io.StringIO(res.stdout), dtype={"code": str, "period": str})
    assert list(df.columns) == COLUMNS
    assert len(df) == 322 * 20  # ZE2010 (Mayotte included, with its note) x 1998-2017
    row = df[(df["code"] == "5211") & (df["period"] == "2008")]
    assert row["value"].item() == pytest.approx(47.81, abs=0.01)


@pytest.mark.parametrize(("args", "message"), [
    (["--level", "ze2010", "--indicator", "foo"], "indicateur inconnu : 'foo'"),
    (["--level", "commune"], "niveau inconnu : 'commune'"),
    (["--level", "reg", "--period", "2030"], "période inconnue : '2030'"),
    (["--level", "epci", "--code", "Atlantide"], "Territoire inconnu"),
])
def test_cli_bad_parameter_exits_2_in_french(cli, built_store, args, message):
    res = CliRunner().invoke(cli, ["indicators", *args, "--db", str(built_store)])
    assert res.exit_code == 2
    assert message in " ".join(res.output.split())


def test_cli_table_puts_notes_under_the_table(cli, built_store):
    res = CliRunner().invoke(cli, ["indicators", "-l", "reg", "-p", "2008-2012", "-i",
                                   "industry_job_change_rel", "--db", str(built_store)])
    assert res.exit_code == 0, res.output
    assert ("(1) pas d'estimation trimestrielle régionale en 2008 (série disponible à partir "
            "de 2010)") in res.stdout
    assert "(2) Mayotte : pas d'estimation trimestrielle régionale" in res.stdout
