"""The anchoring model on the real store built from the bundled snapshot: exact
re-aggregation of per-commune files, population-weighted estimates elsewhere, a value or a
French reason for every territory."""

import numpy as np
import pandas as pd
import pytest

from pacte.catalogue.anchoring import ANCHORING_INDICATORS
from pacte.engine.anchoring import (
    DOMAINS,
    NOT_FETCHED,
    _wide,
    anchoring_blocks,
    commune_totals,
    compute_anchoring,
    finish_anchoring,
)
from pacte.errors import InvalidParameterError

COM = "(code LIKE '975%' OR code LIKE '977%' OR code LIKE '978%')"  # outside COG 2025 lists
NO_EPCI = ("22016", "29083", "29155", "85113")  # 2025 communes outside any EPCI


@pytest.fixture(scope="module")
def epci(raw_con):
    return compute_anchoring(raw_con, "epci")


def _one(raw_con, sql):
    return raw_con.execute(sql).fetchall()[0][0]


def test_fibre_premises_summed_over_epci_equal_the_national_totals(raw_con):
    """ARCEP 2018-T1: 10,965,667 connectable premises in the commune file, 143 of them in
    Saint-Pierre-et-Miquelon, Saint-Barthélemy and Saint-Martin (no 2025 commune); the
    10,965,524 left equal ARCEP's own EPCI file total, quarter by quarter."""
    levels = {lv: commune_totals(raw_con, lv, "ftth").groupby("quarter")["connectable"].sum()
              for lv in ("epci", "ze2020", "dep", "reg", "fr")}
    for q in ("2017-T3", "2017-T4", "2018-T1"):
        file_total = _one(raw_con, f"SELECT sum(connectable) FROM anchoring_ftth_communes "
                               f"WHERE quarter = '{q}'")
        com = _one(raw_con, f"SELECT sum(connectable) FROM anchoring_ftth_communes "
                        f"WHERE quarter = '{q}' AND {COM}")
        epci_file = _one(raw_con, f"SELECT sum(connectable) FROM anchoring_ftth_epci "
                              f"WHERE quarter = '{q}'")
        by_level = {lv: s[q] for lv, s in levels.items()}
        print(q, f"fichier communes {file_total:,.0f}, hors COG {com:,.0f}, "
                 f"somme des EPCI {by_level['epci']:,.0f}, fichier EPCI {epci_file:,.0f}")
        assert by_level["fr"] == pytest.approx(file_total - com, rel=1e-12)
        for lv in ("epci", "ze2020", "dep", "reg"):
            assert by_level[lv] == pytest.approx(file_total - com, rel=1e-12), lv
        assert by_level["epci"] == pytest.approx(epci_file, rel=1e-12)
    assert _one(raw_con, "SELECT sum(connectable) FROM anchoring_ftth_communes "
                     "WHERE quarter = '2018-T1'") == 10_965_667


@pytest.mark.parametrize("year", [2018, 2019])
def test_grants_of_communes_summed_over_epci_equal_the_file_total(raw_con, year):
    """DETR + DSIL to communes: every euro of a located commune project reaches one EPCI
    2025, except those of Saint-Pierre-et-Miquelon (COM) and of the 4 island communes that
    belong to no EPCI (Bréhat, Sein, Ouessant, Yeu)."""
    t = f"anchoring_grants_{year}"
    located = "echelon = 'commune' AND territory IS NOT NULL"
    total = _one(raw_con, f"SELECT sum(amount) FROM {t} WHERE {located}")
    com = _one(raw_con, f"SELECT coalesce(sum(amount), 0) FROM {t} WHERE {located} AND "
                    f"{COM.replace('code', 'territory')}")
    isl = _one(raw_con, f"SELECT coalesce(sum(amount), 0) FROM {t} WHERE {located} AND "
                    f"territory IN {NO_EPCI}")
    ep = commune_totals(raw_con, "epci", f"grants_{year}")["amount"].sum()
    fr = commune_totals(raw_con, "fr", f"grants_{year}")["amount"].sum()
    dep = commune_totals(raw_con, "dep", f"grants_{year}")["amount"].sum()
    print(year, f"projets communaux {total:,.2f} €, COM {com:,.2f}, îles hors EPCI "
                f"{isl:,.2f}, somme des EPCI {ep:,.2f}")
    assert fr == pytest.approx(total - com, abs=1e-3)
    assert dep == pytest.approx(total - com, abs=1e-3)
    assert ep == pytest.approx(total - com - isl, abs=1e-3)
    if year == 2019:  # manifest: DETR 977,561,627.51 + DSIL 554,492,399.10 (all levels)
        assert _one(raw_con, f"SELECT sum(amount) FROM {t} WHERE grant <> 'DSID'") == \
            pytest.approx(977_561_627.51 + 554_492_399.10, abs=0.01)


@pytest.mark.parametrize("year,total", [(2009, 1_892_229), (2013, 2_186_273)])
def test_bpe_equipment_is_conserved(raw_con, year, total):
    """BPE totals: 2,186,273 equipments in 2013 (MANIFEST), 1,892,229 in 2009."""
    fr = commune_totals(raw_con, "fr", f"bpe_{year}")["n_equip"].sum()
    dep = commune_totals(raw_con, "dep", f"bpe_{year}")["n_equip"].sum()
    assert fr == pytest.approx(total) and dep == pytest.approx(total)


def test_every_epci_has_a_value_or_a_reason(epci, raw_con):
    n_epci = _one(raw_con, "SELECT count(*) FROM territory WHERE level = 'epci'")
    assert n_epci == 1255
    declared = {i.id: i for i in ANCHORING_INDICATORS if "epci" in i.levels}
    assert len(declared) >= 10 and set(epci["indicator"]) == set(declared)
    counts = epci.dropna(subset=["value"]).groupby(["indicator", "period"]).size()
    print("\nEPCI avec une valeur, par indicateur et période :")
    print(counts.reindex(epci.groupby(["indicator", "period"]).size().index, fill_value=0)
          .to_string())
    assert (epci.groupby(["indicator", "period"]).size() == n_epci).all()
    missing = epci["value"].isna()
    assert (epci.loc[missing, "note"].str.len() > 0).all()
    assert set(epci["period"]) <= {p for i in declared.values() for p in i.periods}
    # sources covering France: at least 1,250 EPCI (the 5 of Mayotte lack 2009 files)
    for ind in declared:
        if ind in ("no_diploma_share", "cap_bep_share", "bac_share", "higher_education_share"):
            assert (epci.loc[epci["indicator"] == ind, "note"] == NOT_FETCHED).all()
            continue
        assert counts[ind].min() >= 1250, ind


def test_unchanged_perimeters_get_the_published_values(epci, raw_con):
    """Where the EPCI 2025 is exactly one EPCI 2018 (same SIREN), the CIF is the file's and
    the connectable premises summed from communes equal ARCEP's EPCI file (its premises
    counts differ slightly from the commune file's: 34,852,508 dwellings vs 34,886,407)."""
    cif = epci[epci["indicator"] == "cif"].set_index("code")
    same = cif[cif["note"].str.startswith("périmètre identique")]
    src = raw_con.execute("SELECT code, value FROM anchoring_cif_epci").df().set_index("code")
    common = same.index.intersection(src.index)
    assert len(common) > 1000
    assert np.allclose(same.loc[common, "value"], src.loc[common, "value"])
    ft = commune_totals(raw_con, "epci", "ftth").query("quarter == '2018-T1'")
    ft = ft.set_index("code")["connectable"]
    arcep = raw_con.execute("""SELECT code, connectable FROM anchoring_ftth_epci
                           WHERE quarter = '2018-T1'""").df().set_index("code")["connectable"]
    both = common.intersection(arcep.index)
    assert len(both) > 1000 and (ft[both] == arcep[both]).all()
    est = cif[cif["note"].str.startswith("estimation")]
    assert len(est) > 50  # merged perimeters are marked as estimates


def test_france_row_and_other_levels(raw_con):
    fr = compute_anchoring(raw_con, "fr").set_index(["indicator", "period"])
    # 10,965,524 connectable / premises of the 2025 communes
    prem = _one(raw_con, "SELECT sum(dwellings + firms) FROM anchoring_ftth_communes "
                     f"WHERE quarter = '2018-T1' AND NOT {COM}")
    assert fr.loc[("ftth_connectable_share", "2018-T1"), "value"] == pytest.approx(
        100 * 10_965_524 / prem)
    ze = compute_anchoring(raw_con, "ze2010")
    assert set(ze["indicator"]) == {"productive_functions_share"}
    assert ze["value"].notna().sum() == 321 + 322  # 2009 (no Mayotte) and 2014
    with pytest.raises(InvalidParameterError, match="niveau inconnu"):
        compute_anchoring(raw_con, "commune")


def test_every_block_names_the_territories_of_its_level_in_order(raw_con):
    """The rows' codes and names (taken from each level's territories once) are, for every
    indicator and period, the level's territories in their order, with their names."""
    df = compute_anchoring(raw_con)
    ter = raw_con.execute("SELECT level, code, name FROM territory ORDER BY level, code").df()
    for (level, _ind, _period), g in df.groupby(["level", "indicator", "period"], sort=False):
        t = ter[ter["level"] == level]
        assert g["code"].tolist() == t["code"].tolist()
        assert g["name"].tolist() == t["name"].tolist()
    assert str(df["code"].dtype) == str(df["name"].dtype) == str(df["note"].dtype) == "str"


def test_bpe_counts_by_positions_are_the_pivot():
    rng = np.random.default_rng(5)
    codes = pd.Index([f"c{i}" for i in range(30)])
    cnt = pd.DataFrame([(c, d) for c in [*codes[::2], "zz"] for d in [*DOMAINS[1:], "x"]],
                       columns=["code", "domain"])
    cnt["n_equip"] = np.where(rng.random(len(cnt)) < 0.2, np.nan, rng.random(len(cnt)))
    got = _wide(cnt, codes, ("n_equip",))["n_equip"]
    want = cnt.pivot(index="code", columns="domain", values="n_equip").reindex(
        index=codes, columns=list(DOMAINS)).fillna(0.0).to_numpy()
    np.testing.assert_array_equal(got, want)


class _Recording:
    """A connection recording the SQL it is given (``execute``, ``sql``)."""

    def __init__(self, con, seen: list):
        self._con, self._seen = con, seen

    def execute(self, sql, *args, **kw):
        self._seen.append(sql)
        return self._con.execute(sql, *args, **kw)

    def sql(self, sql, *args, **kw):
        self._seen.append(sql)
        return self._con.sql(sql, *args, **kw)

    def __getattr__(self, name):
        return getattr(self._con, name)


def test_blocks_made_without_the_jobs_then_finished_give_the_model(raw_con):
    """The build's early anchoring (:class:`pacte.engine.materialise.Catalogue`): its blocks
    made without reading the jobs table (written after them), then the census' made and the
    frame, give the model's rows, in its order."""
    import re

    seen: list = []
    rows = anchoring_blocks(_Recording(raw_con, seen), jobs=False)
    assert seen and not [q for q in seen if re.search(r"\b(FROM|JOIN)\s+jobs\b", q, re.I)]
    pd.testing.assert_frame_equal(finish_anchoring(raw_con, rows), compute_anchoring(raw_con))
