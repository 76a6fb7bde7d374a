"""Anchoring-asset parsers on real rows of the official files (tests/data/anchoring/README.md)
and on broken copies of them."""

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pacte.errors import ParseError
from pacte.sources import attractiveness as at

D = Path(__file__).resolve().parents[1] / "data" / "anchoring"


def _copy(tmp_path: Path, name: str, old: str, new: str, count: int = 1) -> Path:
    text = (D / name).read_text(encoding="utf-8")
    assert old in text
    out = tmp_path / name
    out.write_text(text.replace(old, new, count), encoding="utf-8")
    return out


def test_bpe_domains_conserve_the_file_total_and_merge_arrondissements():
    """Totals read from the file's "Total de nb_equip" column: 01001 13; Paris 1er 3,366 +
    2e 3,083 = 6,449 (BPE 2013)."""
    b = at.parse_bpe_communes(D / "bpe2013_extract.csv", 2013)
    total = b.groupby("commune")["n_equip"].sum()
    assert total.to_dict() == {"01001": 13, "01002": 2, "75056": 6449, "97601": 104}
    assert set(b["domain"]) == set(at.BPE_DOMAIN_LABELS)
    paris = b[b["commune"] == "75056"].set_index("domain")
    # one station service (a type first published in 2013) in Paris 1er-2e: out of n_common
    assert paris.loc["retail", "n_equip"] - paris.loc["retail", "n_common"] == 1
    assert (b["n_common"] <= b["n_equip"]).all()
    b9 = at.parse_bpe_communes(D / "bpe2009_extract.csv", 2009)
    assert b9.groupby("commune")["n_equip"].sum().to_dict() == {"01001": 9, "01002": 3,
                                                                "75056": 3126 + 2839}
    assert (b9["n_common"] == b9["n_equip"]).all()  # every 2009 type is comparable


def test_every_bpe_label_of_both_vintages_has_one_domain():
    for name in ("bpe2009_extract.csv", "bpe2013_extract.csv"):
        header = (D / name).read_text(encoding="utf-8").splitlines()[0]
        labels = pd.read_csv(D / name, nrows=0).columns[2:]
        assert all(at.normalise_label(x) in at.BPE_DOMAINS for x in labels), header[:80]
    assert at.NEW_IN_2013 <= set(at.BPE_DOMAINS)
    assert at.normalise_label("École  élémentaire") == "ecole elementaire"


def test_bpe_unknown_label_and_wrong_total_raise(tmp_path):
    bad = _copy(tmp_path, "bpe2013_extract.csv", "Boulangerie", "Boulangerie artisanale")
    with pytest.raises(ParseError, match="sans domaine.*Boulangerie artisanale"):
        at.parse_bpe_communes(bad, 2013)
    wrong = _copy(tmp_path, "bpe2013_extract.csv", "\n01002,2,", "\n01002,3,")
    with pytest.raises(ParseError, match="ligne 3 : le total") as e:
        at.parse_bpe_communes(wrong, 2013)
    assert e.value.value == 3.0
    text = _copy(tmp_path, "bpe2013_extract.csv", "\n01001,13,", "\n01001,13,x")
    with pytest.raises(ParseError, match="ligne 2 .*valeur non numérique.*positif ou nul attendu"):
        at.parse_bpe_communes(text, 2013)


def test_arcep_communes_keep_premises_and_overseas_collectivities():
    f = at.parse_arcep_ftth_communes(D / "arcep_ftth_communes_extract.csv")
    t1 = f[f["quarter"] == "2018-T1"].set_index("code")
    assert t1.loc["75056", ["dwellings", "firms", "connectable"]].tolist() == [
        1362182, 149289, 1484108]
    # the real trap: 74 connectable premises for 72 dwellings and 0 establishments
    assert t1.loc["01006", "connectable"] > t1.loc["01006", ["dwellings", "firms"]].sum()
    assert pd.isna(t1.loc["97501", "epci_2018"])  # Saint-Pierre-et-Miquelon: no EPCI
    assert len(f) == 5 * 3
    e = at.parse_arcep_ftth_epci(D / "arcep_ftth_epci_extract.csv")
    assert e.loc[(e["code"] == "200000172") & (e["quarter"] == "2018-T1"),
                 "connectable"].item() == 1303


def test_arcep_bad_code_raises(tmp_path):
    bad = _copy(tmp_path, "arcep_ftth_communes_extract.csv", "\n01006,", "\n1006,")
    with pytest.raises(ParseError, match="ligne 3 : code commune invalide"):
        at.parse_arcep_ftth_communes(bad)


def test_barometre_keeps_empty_values_and_checks_bounds(tmp_path):
    cif = at.parse_barometre(D / "cif_extract.csv")
    assert cif["value"].tolist()[:2] == [52.34, 38.17] and np.isnan(cif["value"].iloc[2])
    ze = at.parse_barometre(D / "productive_ze2010_extract.csv", re.compile(r"^\d{4}$"), "ZE")
    assert ze.set_index(["code", "year"]).loc[("0601", 2014), "value"] == 14.7
    assert np.isnan(ze.set_index(["code", "year"]).loc[("0601", 2009), "value"])
    thd = at.parse_barometre(D / "thd_extract.csv")
    assert thd.loc[(thd["code"] == "200000172") & (thd["year"] == 2017), "value"].item() == 30.3
    bad = _copy(tmp_path, "thd_extract.csv", "21.7", "121.7")
    with pytest.raises(ParseError, match="ligne 2 : valeur hors de"):
        at.parse_barometre(bad)
    dup = _copy(tmp_path, "cif_extract.csv", '"200000438"', '"200000172"')
    with pytest.raises(ParseError, match="ligne 3 : code EPCI en double"):
        at.parse_barometre(dup)


def test_grants_2018_locate_projects_by_beneficiary():
    g = at.parse_grants_2018(D / "grants2018_extract.csv").set_index("project")
    assert g.loc["2018DI15950", "territory"] == "51230"  # INSEECOM, not CODGEO's 512330
    assert pd.isna(g.loc["2018DI22760", "territory"])  # ZZZZZ (Saint-Lucien, défusionnée)
    assert pd.isna(g.loc["2018DI01782", "territory"])  # syndicat
    assert g.loc["2018DI04919", ["echelon", "territory"]].tolist() == ["epci", "200000172"]
    assert g.loc["2018DI00008", "economy"] and not g.loc["2018DI00001", "economy"]
    assert g["amount"].sum() == pytest.approx(58226 + 7246 + 701162.22 + 265414 + 47436
                                              + 3836 + 2103.093)


def test_grants_2019_read_quoted_line_breaks_and_label_variants(tmp_path):
    g = at.parse_grants_2019(D / "grants2019_extract.csv").set_index("project")
    assert len(g) == 7
    assert g.loc["di19_com09166", "territory"] == "72002"  # description on 3 lines
    assert g.loc["di19_dep000079", ["echelon", "territory"]].tolist() == ["departement", "20A"]
    assert g.loc["di19_dep000007", "category"] == 5  # "5 - Actions et services publics "
    assert g.loc["di19_com05155", "economy"]
    assert g["amount"].sum() == pytest.approx(1000000 + 1978400 + 50000 + 67500 + 23352.28
                                              + 70343 + 25715)
    bad = _copy(tmp_path, "grants2019_extract.csv", ";25715;", ";25 715,5x;")
    with pytest.raises(ParseError, match="ligne 8 .*montant_sub"):  # record starts there
        at.parse_grants_2019(bad)
    bad = _copy(tmp_path, "grants2019_extract.csv", ";DSIL;", ";FNADT;")
    with pytest.raises(ParseError, match="ligne 5 : dotation inconnue"):
        at.parse_grants_2019(bad)


def test_diplomas_iris_base_has_the_commune_base_columns():
    d = at.parse_census_diplomas_iris(D / "diplomes_iris_paris_extract.csv")
    assert d["iris"].tolist() == ["751010101", "751010102"]
    assert d["commune"].tolist() == ["75101", "75101"]
    assert d.loc[0, ["pop_15plus_non_scol", "no_diploma", "cap_bep", "bac",
                     "bac_plus_2_or_more"]].tolist() == [739, 116, 73, 138, 412]
    assert d["year"].tolist() == [2015, 2015] and d["bepc"].isna().all()
