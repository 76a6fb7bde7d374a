"""Value-chain engine on the real store built from the bundled snapshot: coverage of every
territory, signs, ordering of shares, national multipliers of the 2010 SUT, the effect of
Flegg's delta, and job conservation through the sector conversions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pacte.engine.valuechain import (
    A17_TO_16,
    COLUMNS,
    INDUSTRY,
    SECTORS,
    calc_aggregate_table,
    calc_jobs_per_output,
    compute_valuechain,
    load_blocks,
    load_national_table,
    load_sut,
    national_multipliers,
)
from pacte.indicators.inputoutput import calc_A, calc_direct_coefficients, calc_L

TERRITORY_COUNTS = {"epci": 1255, "ze2020": 306, "ze2010": 322, "reg": 18, "dep": 101, "fr": 1}
VALUE_INDICATORS = ["industrie_elargie_share", "industry_share", "supported_jobs_leaked",
                    "supported_jobs_local"]


@pytest.fixture(scope="module")
def vc(con) -> pd.DataFrame:
    return compute_valuechain(con)


def _wide(df: pd.DataFrame) -> pd.DataFrame:
    return df[df["indicator"].isin(VALUE_INDICATORS)].pivot_table(
        index=["level", "code"], columns="indicator", values="value", dropna=False)


def test_columns_and_one_row_per_territory_and_indicator(vc):
    assert list(vc.columns) == COLUMNS
    assert not vc.duplicated(["level", "code", "indicator"]).any()
    rows = vc[vc["indicator"].isin(VALUE_INDICATORS)]
    counts = rows.groupby("level")["code"].nunique().to_dict()
    assert counts == TERRITORY_COUNTS
    assert (rows.groupby(["level", "code"]).size() == len(VALUE_INDICATORS)).all()
    assert vc["name"].notna().all()


def test_every_territory_has_a_value_or_a_reason(vc):
    rows = vc[vc["indicator"].isin(VALUE_INDICATORS)]
    missing = rows[rows["value"].isna()]
    # only Mayotte's ZE2010, absent from ESTEL, lacks a sector structure
    assert set(zip(missing["level"], missing["code"], strict=True)) == {("ze2010", "0601")}
    assert missing["note"].str.contains("Mayotte").all()
    for level in ("epci", "ze2020", "reg", "dep"):
        assert rows.loc[rows["level"] == level, "value"].notna().all(), level


def test_resolution_and_estimate_flags(vc):
    share = vc[vc["indicator"] == "industrie_elargie_share"].set_index(["level", "code"])
    res = share["resolution"]
    assert res.loc[("reg", "84")].startswith("16 secteurs")  # quarterly A17
    assert res.loc[("epci", "200023414")].startswith("732 codes APE URSSAF")  # Rouen
    assert res.loc[("epci", "200054781")].startswith("15 fonctions")  # Grand Paris: census
    assert res.loc[("ze2010", "1101")].startswith("5 secteurs A5 ESTEL")
    # CC Terroir de Caux: URSSAF covers 9 of its 79 communes, a structure that is not the
    # EPCI's: the census block holds it (as the key figures do), never the partial URSSAF
    assert res.loc[("epci", "200068534")].startswith("15 fonctions")
    assert share.loc[("epci", "200068534"), "note"].startswith("estimation")
    assert share.loc[("epci", "200054781"), "note"].startswith("estimation")
    assert share.loc[share["value"].notna(), "note"].str.contains("delta = 0,1").all()
    assert (res[share["value"].notna()].str.len() > 0).all()


def test_signs_and_industrie_elargie_at_least_industry(vc):
    w = _wide(vc).dropna()
    assert (w["supported_jobs_local"] >= 0).all()
    assert (w["supported_jobs_leaked"] >= 0).all()
    assert (w["industrie_elargie_share"] >= w["industry_share"] - 1e-9).all()
    assert (w["industrie_elargie_share"] <= 100).all()


def test_national_multipliers_of_the_2010_sut(con, vc):
    m = national_multipliers(con).set_index("sector")
    assert len(m) == 17  # 16 sectors (C2 and DE merged) + the industry aggregate
    assert m["output_multiplier"].between(1, 3).all()
    # type-I employment multipliers are >= 1 by construction (direct jobs included)
    assert (m["employment_multiplier"] >= 1).all()
    fr = vc[vc["level"] == "fr"].set_index("indicator")["value"]
    assert fr["output_multiplier_industry"] == pytest.approx(m.loc["BE", "output_multiplier"])
    assert 1 < fr["output_multiplier_industry"] < 3


def test_aggregation_keeps_totals(con):
    sut = load_sut(con)
    agg = calc_aggregate_table(sut, A17_TO_16, SECTORS)
    assert agg.Z.sum() == pytest.approx(sut.Z.sum())
    assert agg.x.sum() == pytest.approx(sut.x.sum())
    assert agg.jobs.sum() == pytest.approx(sut.jobs.sum())
    assert agg.x[SECTORS.index("C2DE")] == pytest.approx(
        sut.x[sut.sectors.index("C2")] + sut.x[sut.sectors.index("DE")])


def test_france_keeps_its_whole_supply_chain(con, vc):
    """France as its own territory: SLQ = 1 and lambda = log2(2) ** delta = 1, so the
    regional table is the national one: nothing leaks and the local supported jobs equal
    the non-industrial jobs of the national Leontief model, recomputed here directly."""
    fr = vc[vc["level"] == "fr"].set_index("indicator")["value"]
    assert fr["supported_jobs_leaked"] == pytest.approx(0.0, abs=1e-6)
    sut16 = load_national_table(con)
    block = next(b for b in load_blocks(con, "fr"))
    e = block.E[0]
    jpo = calc_jobs_per_output(sut16, block.E_nation)
    A = calc_A(sut16.Z, sut16.x)
    industry = np.isin(SECTORS, INDUSTRY)
    x_ind = calc_direct_coefficients(e, jpo)[industry]
    s = ~industry  # mixed model: industrial output held fixed, services respond
    dx_s = calc_L(A[np.ix_(s, s)]) @ (A[np.ix_(s, industry)] @ x_ind)
    expected = np.minimum(dx_s * jpo[s], e[s]).sum()
    assert fr["supported_jobs_local"] == pytest.approx(expected, rel=1e-9)


def test_delta_zero_keeps_more_jobs_locally(con, vc):
    """delta = 0 (no size penalty) keeps more of the supply chain local than the central
    delta (0.1), and more than twice what Flegg & Webber's 0.3 keeps for the EPCI."""
    w1 = _wide(vc).dropna()
    w0 = _wide(compute_valuechain(con, delta=0.0)).dropna()
    assert (w0["supported_jobs_local"].reindex(w1.index)
            >= w1["supported_jobs_local"] - 1e-9).all()
    w3 = _wide(compute_valuechain(con, "epci", delta=0.3)).dropna()
    local0 = w0["supported_jobs_local"].reindex(w3.index)
    assert (local0 >= w3["supported_jobs_local"] - 1e-9).all()
    assert local0.loc["epci"].sum() > 2 * w3.loc["epci", "supported_jobs_local"].sum()


def test_sector_conversions_conserve_jobs(con):
    """Census functions -> 16 sectors keeps each EPCI's 2011 jobs (sum of the 15 functions,
    which differs from INSEE's rounded TOTAL by a few jobs); ESTEL A5 -> 16 sectors keeps
    each zone's industry (BE) jobs."""
    blocks = load_blocks(con, "epci") + load_blocks(con, "ze2010")
    cen = next(b for b in blocks if b.resolution.startswith("15 fonctions"))
    tot = con.execute("SELECT code, jobs FROM jobs WHERE source = 'rp' AND level = 'epci' "
                      "AND year = 2011 AND sector NOT IN ('TOTAL', 'CFM')").df()
    tot = tot.set_index("code")["jobs"]
    tot = tot.groupby(level=0).sum()
    np.testing.assert_allclose(cen.E.sum(axis=1), tot.reindex(cen.codes), rtol=1e-9)
    est = next(b for b in blocks if b.resolution.startswith("5 secteurs A5 ESTEL"))
    be = con.execute("SELECT code, jobs FROM jobs WHERE source = 'estel' AND level = 'ze2010' "
                     "AND year = 2010 AND sector = 'BE'").df().set_index("code")["jobs"]
    np.testing.assert_allclose(est.E[:, np.isin(SECTORS, INDUSTRY)].sum(axis=1),
                               be.reindex(est.codes), rtol=1e-9)


def test_unknown_level_is_refused(con):
    with pytest.raises(ValueError, match="niveau inconnu"):
        compute_valuechain(con, level="commune")


def test_france_figures(vc):
    """France, salaried jobs T4 2010 (INSEE quarterly estimates): industry C1..C5 + C2DE =
    572,404 + 384,127 + 438,080 + 388,314 + 1,531,292 = 3,314,217 of 24,574,565 jobs
    (the 16 A17 series). The industry output multiplier, 2.0064, is the output-weighted
    mean of the column sums of the Leontief inverse of the 2010 SUT (domestic, ixi, 16
    sectors); the type-I employment multiplier, 2.7782, uses persons employed (Insee)."""
    fr = vc[vc["level"] == "fr"].set_index("indicator")["value"]
    assert fr["industry_share"] == pytest.approx(100 * 3_314_217 / 24_574_565, rel=1e-9)
    assert fr["output_multiplier_industry"] == pytest.approx(2.0064, abs=1e-4)
    assert fr["employment_multiplier_industry"] == pytest.approx(2.7782, abs=1e-4)
    # industry supports 2.19 million non-industrial jobs in France through its purchases
    assert fr["supported_jobs_local"] == pytest.approx(2_194_947, abs=1)
    assert fr["industrie_elargie_share"] == pytest.approx(
        100 * (3_314_217 + 2_194_947) / 24_574_565, abs=1e-4)
