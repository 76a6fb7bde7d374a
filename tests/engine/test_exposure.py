"""Exposure to globalisation computed from the real store (pacte.exposure_engine)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pacte.engine import exposure as E
from pacte.engine import exposure_top as X
from pacte.settings import package_data
from pacte.sources.io_tables import parse_wiod_crosswalk


def load_wiod_crosswalk(level):
    return parse_wiod_crosswalk(package_data(f"crosswalk_wiod_{level}.csv"), level)

PERIODS = ("2000-2007", "2007-2011")
INDICATORS = ("import_exposure_china", "import_exposure_lowwage", "import_exposure_iv",
              "export_exposure", "jobs_at_risk")


@pytest.fixture(scope="module")
def exposure(con) -> pd.DataFrame:
    return E.compute_exposure(con)


def test_wiod_extract_matches_published_china_imports(con):
    """MANIFEST-economy: China -> France 6.8 bn USD (2000), 32.6 (2007), 53.3 (2011)."""
    m = con.execute("""SELECT year, sum(total_musd) / 1000 FROM wiod_trade
                       WHERE exporter = 'CHN' AND importer = 'FRA' AND year IN (2000, 2007, 2011)
                       GROUP BY 1 ORDER BY 1""").fetchall()
    assert [(y, round(v, 1)) for y, v in m] == [(2000, 6.8), (2007, 32.6), (2011, 53.3)]


def test_columns_and_units(exposure):
    assert list(exposure.columns) == ["level", "code", "name", "indicator", "period", "value",
                                      "unit", "resolution", "source", "note"]
    assert set(exposure["indicator"]) == set(INDICATORS)
    assert set(exposure["period"]) == set(PERIODS)
    units = exposure.groupby("indicator")["unit"].unique().map(list).to_dict()
    assert units["jobs_at_risk"] == ["emplois (modèle)"]  # two significant figures in print
    assert units["import_exposure_china"] == [E.UNIT]
    assert exposure["name"].notna().all()


@pytest.mark.parametrize("level,n,n_missing", [("epci", 1255, 5), ("ze2020", 306, 1),
                                               ("ze2010", 322, 1), ("reg", 18, 1),
                                               ("dep", 101, 1)])
def test_every_territory_has_a_value_or_a_note(exposure, level, n, n_missing):
    """Mayotte (absent from the 1999/2006 censuses, ESTEL and the quarterly series) is the
    only gap: its region, department, ZE2010/ZE2020 and 5 EPCI get NaN with a note."""
    d = exposure[exposure["level"] == level]
    for (period, indicator), g in d.groupby(["period", "indicator"]):
        assert g["code"].nunique() == len(g) == n, (period, indicator)
        gap = g[g["value"].isna()]
        assert len(gap) == n_missing
        assert gap["note"].str.contains("aucune donnée d'emploi").all()
        assert gap["note"].str.contains("Mayotte").all()
        assert g.loc[g["value"].notna(), "resolution"].str.len().gt(0).all()


def test_mayotte_ze2010_and_estimate_notes(exposure):
    d = exposure[(exposure["level"] == "ze2010") & (exposure["indicator"] == "import_exposure_china")]
    assert d.loc[d["code"] == "0601", "value"].isna().all()
    ok = d[d["code"] != "0601"]
    assert ok["note"].str.startswith(E.ESTIMATE).all()
    assert ok["resolution"].str.contains("ESTEL").all()


def test_contributions_sum_to_exposure(con, exposure):
    """Every level, period and shock: the sector contributions add up to the exposure. The
    inputs of a level and period are read once for both shocks; :func:`E.contributions` is
    that same computation (checked on the last one)."""
    shocks = E.french_shocks(con)
    for level in E.LEVELS:
        for period in PERIODS:
            inputs = E.load_inputs(con, level, period)
            for ind in ("import_exposure_china", "export_exposure"):
                c = E.calc_contributions(inputs, shocks[shocks["period"] == period], ind)
                got = exposure[(exposure["level"] == level) & (exposure["period"] == period)
                               & (exposure["indicator"] == ind)].set_index("code")["value"]
                np.testing.assert_allclose(c.sum(axis=1, min_count=1).reindex(got.index),
                                           got, rtol=1e-12, equal_nan=True)
    pd.testing.assert_frame_equal(E.contributions(con, level, period, ind), c)


@pytest.mark.parametrize("period,t0,t1,quarter,census", [("2000-2007", 2000, 2007, "2001-T4", 1999),
                                                         ("2007-2011", 2007, 2011, "2007-T4", 2006)])
def test_region_exposure_equals_a17_computation(con, exposure, period, t0, t1, quarter, census):
    """Independent check: for a region known at A17, the split of A17 codes across WIOD
    sectors cancels out, so exposure = sum_a L_ra / L_r * ΔM_a / L_a (ΔM_a summed over the
    WIOD sectors of A17 code a), in thousand USD per job."""
    cw = load_wiod_crosswalk("a17")
    cw = cw[cw["main"] & cw["wiod_sector"].isin(E.EXPOSED) & cw["a17"].isin(E.MANUF_A17)]
    a17_of = cw.set_index("wiod_sector")["a17"]
    m = con.execute("""SELECT year, sector, sum(total_musd) AS m FROM wiod_trade
                       WHERE exporter = 'CHN' AND importer = 'FRA' AND year IN (?, ?)
                       GROUP BY ALL""", [t0, t1]).df()
    m = m[m["sector"].isin(a17_of.index)].assign(a17=lambda x: x["sector"].map(a17_of))
    dm = m.pivot_table(index="a17", columns="year", values="m", aggfunc="sum")
    dm = dm[t1] - dm[t0]
    q = con.execute("""SELECT code, replace(sector, 'A17-', '') AS a17, jobs FROM jobs
                       WHERE source = 'trim' AND level = 'reg' AND period = ?
                         AND sector IN ('A17-C1', 'A17-C3', 'A17-C4', 'A17-C5')
                         AND jobs IS NOT NULL""", [quarter]).df()
    reg = q.pivot_table(index="code", columns="a17", values="jobs")
    total = con.execute("""SELECT code, jobs FROM jobs WHERE source = 'rp' AND level = 'reg'
                           AND sector = 'TOTAL' AND year = ?""", [census]).df()
    total = total.set_index("code")["jobs"].reindex(reg.index)
    expected = (reg.div(total, axis=0) * (dm / reg.sum()) * 1000).sum(axis=1)
    got = exposure[(exposure["level"] == "reg") & (exposure["period"] == period)
                   & (exposure["indicator"] == "import_exposure_china")].set_index("code")
    assert len(reg) == 13
    np.testing.assert_allclose(got.loc[reg.index, "value"], expected, rtol=1e-9)


def test_no_industrial_jobs_means_zero_import_exposure(con):
    shocks = E.french_shocks(con)
    sh = shocks[shocks["period"] == "2000-2007"]
    emp = pd.DataFrame([[0.0] * len(E.EXPOSED), [10.0] * len(E.EXPOSED)],
                       index=["sans_industrie", "industriel"], columns=list(E.EXPOSED))
    txt = pd.Series("", index=emp.index)
    inp = E.Inputs(emp, pd.Series([1000.0, 1000.0], index=emp.index), txt, txt, txt)
    for ind in E.SHOCKS:
        c = E.calc_contributions(inp, sh, ind)
        assert (c.loc["sans_industrie"] == 0).all()
        assert c.loc["industriel"].sum() != 0


def test_urssaf_epci_use_ape_detail_and_flag_partial_coverage(exposure):
    d = exposure[(exposure["level"] == "epci") & (exposure["indicator"] == "import_exposure_china")]
    ur = d[d["resolution"].str.contains("URSSAF")]
    # 9 EPCI in the extract; CC Bray-Eawy... all but 200066405 (no URSSAF job before 2015)
    assert sorted(set(ur["code"])) == ["200023414", "200068534", "200069730", "200069847",
                                       "200070068", "200070449", "247600620", "247600646"]
    partial = ur[ur["note"].str.contains("couverture partielle")]
    assert set(partial["code"]) == {"200068534", "200069730", "200069847", "200070068",
                                    "247600620"}


def test_jobs_at_risk_calibrated_on_malgouyres(exposure):
    """Summed over the ZE2010 (a partition of France), the jobs at risk of 2000-2007 are 13 %
    of the fall of ESTEL's salaried industrial jobs from 2001 to 2007 (4 091 517 -> 3 633 163,
    458 354 jobs): Malgouyres (2017; Rue de la Banque 57, 2018)."""
    ze = exposure[(exposure["level"] == "ze2010") & (exposure["period"] == "2000-2007")
                  & (exposure["indicator"] == "jobs_at_risk")]
    assert ze["value"].sum() == pytest.approx(0.13 * (4_091_517 - 3_633_163), rel=1e-9)
    assert ze["note"].str.contains("Malgouyres (2017", regex=False).all()
    d = exposure[(exposure["level"] == "reg") & (exposure["period"] == "2000-2007")]
    risk = d[d["indicator"] == "jobs_at_risk"].set_index("code")
    x = d[d["indicator"] == "import_exposure_china"].set_index("code")["value"]
    assert risk["note"].str.contains("dollars US courants, non déflatés").all()
    assert risk["note"].str.contains("emploi total du territoire").all()
    ratio = (risk["value"] / x).dropna()
    assert (ratio > 0).all()  # positive exposure -> jobs lost (positive)


def test_ten_most_exposed_ze2010_with_three_industries(con):
    top = X.most_exposed(con, "ze2010", "2000-2007", n=10)
    assert top["code"].nunique() == 10
    assert (top.groupby("code")["rank"].apply(list) == [[1, 2, 3]] * 10).all()
    exp = top.drop_duplicates("code")["exposure"].to_numpy()
    assert (np.diff(exp) <= 0).all()
    assert top["label"].notna().all() and top["name"].notna().all()
    assert (top["contribution"] <= top["exposure"] + 1e-12).all()
    # regression pin on the bundled data (thousand current USD per job, 2000-2007)
    assert top.iloc[0]["name"] == "La Vallée de l'Arve"
    assert top.iloc[0]["exposure"] == pytest.approx(3.0837, abs=1e-3)
    # a ZE2010 is known by its industry total only: the industries are its région's, and
    # no ranking of them is shown as the zone's own
    assert not top["own_detail"].any()
    assert X.top_industries(con, "ze2010", top.iloc[0]["code"], "2000-2007", k=3).empty
    reg = X.most_exposed(con, "reg", "2000-2007", n=3)
    assert reg["own_detail"].all()
    one = X.top_industries(con, "reg", reg.iloc[0]["code"], "2000-2007", k=3)
    assert one["sector"].tolist() == reg["sector"].head(3).tolist()


def test_departments_use_quarterly_industry_total_and_overseas_fall_back(exposure):
    d = exposure[(exposure["level"] == "dep") & (exposure["period"] == "2000-2007")
                 & (exposure["indicator"] == "import_exposure_china")].set_index("code")
    dom = d.loc[["971", "972", "973", "974"]]
    assert dom["value"].notna().all()
    assert dom["resolution"].str.contains("recensement 1999").all()
    assert dom["note"].str.contains("structure A17 de la France métropolitaine").all()
    metro = d[d["resolution"].str.contains("A5 BE")]
    assert len(metro) == 96
    assert metro["resolution"].str.contains("2001-T4").all()


def test_export_exposure_states_exchange_rate_caveat(exposure):
    d = exposure[exposure["indicator"] == "export_exposure"]
    assert d["note"].str.contains(E.EXPORT_CAVEAT, regex=False).all()


@pytest.mark.parametrize("level", ["epci", "reg"])
def test_stored_top_rows_are_the_compact_frame_of_the_top_industries(con, level):
    """calc_top_rows makes the Arrow rows of exposure_top from positions: the same rows,
    types and values as the frame of the top industries (:func:`X._top`) made compact."""
    from pacte.store.layout import compact_rows

    shocks = E.french_shocks(con)
    labels = E.read_wiod_labels(con)
    for period in PERIODS:
        inp = E.load_inputs(con, level, period)
        for ind in E.SHOCKS:
            c = E.calc_contributions(inp, shocks[shocks["period"] == period], ind)
            top = X._top(c, inp, X.STORED_K, labels, c.sum(axis=1, min_count=1))
            exposure = top.pop("exposure")
            want = compact_rows(top.assign(level=level, period=period, indicator=ind,
                                           exposure=exposure))
            got = X.calc_top_rows(c, inp, labels, level, period, ind)
            assert got.schema == want.schema
            assert got.to_pylist() == want.to_pylist()
            assert got.num_rows > 0


def test_texts_as_codes_give_the_column_pandas_would_make():
    """The exposure's text columns, kept as codes of their distinct values (a suffix made
    once per distinct value), give the column a frame of the per-row strings would have:
    same texts, same dtype, a missing value missing."""
    from pacte.engine.exposure_indicators import _Texts

    t = _Texts()
    t.add(t.codes(np.array(["b", "a", "b", np.nan], dtype=object)))
    t.add(t.repeat("a", 2))
    t.add(t.codes(["a", "c", "a"], " ; fin"))
    rows = ["b", "a", "b", np.nan, "a", "a", "a ; fin", "c ; fin", "a ; fin"]
    got = pd.DataFrame({"x": t.column()})["x"]
    expected = pd.DataFrame({"x": np.array(rows, dtype=object)})["x"]
    pd.testing.assert_series_equal(got, expected)
    assert list(t.index)[-2:] == ["a ; fin", "c ; fin"] and len(t.index) == 5  # once each
