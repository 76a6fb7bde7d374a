"""Comparison groups, level switches and the dashboard's documents (metadata sheets, the
export of a selection) on the fictional store; the size of the similar group on the real
one (the 50 most populous EPCI)."""

import io

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pacte.catalogue import INDICATORS
from pacte.errors import InvalidParameterError
from pacte.handlers import compare, sheets


def test_calc_band_edges():
    assert compare.calc_band(14_999) == (0, 15_000)
    assert compare.calc_band(15_000) == (15_000, 30_000)
    assert compare.calc_band(2_100_000)[0] == 1_000_000


@given(st.lists(st.floats(1_000, 3_000_000), min_size=12, max_size=60))
def test_calc_similar_is_near_in_size(pops):
    """Same kind everywhere: the members are within a factor 3 of the territory (2 when ten
    qualify), never the territory itself, at most ten."""
    pop = pd.Series(pops, index=[f"c{i}" for i in range(len(pops))])
    kind = pd.Series(True, index=pop.index)
    got = compare.calc_similar(pop, "c0", kind, None)
    assert "c0" not in got and 5 <= len(got) <= 10
    within2 = int(((pop / pop["c0"]).between(0.5, 2) & (pop.index != "c0")).sum())
    if within2 >= 10:
        assert all(0.5 <= pop[c] / pop["c0"] <= 2 for c in got)


def test_groups_on_the_fictional_store(fictional_con):
    terr = fictional_con.execute("SELECT code, dep, reg, nature, population FROM territory "
                                 "WHERE level = 'epci'").df().set_index("code")
    code = terr["population"].idxmax()
    me = terr.loc[code]
    dep = compare.comparison_group(fictional_con, "epci", code, "departement").data
    assert set(dep["codes"]) == set(terr.index[(terr["dep"] == me["dep"])]) - {code}
    reg = compare.comparison_group(fictional_con, "epci", code, "region").data
    assert set(reg["codes"]) == set(terr.index[(terr["reg"] == me["reg"])]) - {code}
    band = compare.comparison_group(fictional_con, "epci", code, "population").data
    lo, hi = compare.calc_band(me["population"])
    assert set(band["codes"]) == set(terr.index[terr["population"].between(
        lo, hi, inclusive="left")]) - {code}
    for group in compare.GROUPS[:-1]:
        if group == "profil":
            continue
        ans = compare.comparison_group(fictional_con, "epci", code, group).data
        assert code not in ans["codes"] and ans["n"] == len(ans["codes"])
    other = [c for c in terr.index if c != code][:2]
    mine = compare.comparison_group(fictional_con, "epci", code, "codes",
                                    f"{other[0]}; {other[1]},{code}").data
    assert mine["codes"] == other and mine["label"] == "liste de 2 codes"
    one = compare.comparison_group(fictional_con, "epci", code, "codes", other[0]).data
    assert one["label"] == "liste de 1 code"  # singular
    with pytest.raises(InvalidParameterError, match="inconnu.*999999999"):
        compare.comparison_group(fictional_con, "epci", code, "codes", "999999999")
    with pytest.raises(InvalidParameterError, match="groupe de comparaison inconnu"):
        compare.comparison_group(fictional_con, "epci", code, "voisins")


def test_locate_takes_the_largest_population_share(fictional_con):
    com = fictional_con.execute("SELECT epci, ze2020, population FROM communes").df()
    for epci, part in com.dropna(subset=["epci"]).groupby("epci"):
        by_ze = part.groupby("ze2020")["population"].sum()
        got = compare.locate(fictional_con, "epci", epci, "ze2020").data
        assert by_ze[got["code"]] == by_ze.max()
        assert got["population_share"] == pytest.approx(by_ze.max() / part["population"].sum())
    with pytest.raises(InvalidParameterError, match="commune"):
        compare.locate(fictional_con, "epci", epci, "commune")


def test_similar_group_of_large_epci_has_their_size(con):
    """The 50 most populous EPCI: the median population of their similar group is within a
    factor 3 of their own (métropoles are compared with large cities, not with CC), except
    the Métropole du Grand Paris (7 million inhabitants, no EPCI of a third of its size):
    its group is the five most populous others (Aix-Marseille-Provence 1.9 million...)."""
    big = con.execute("SELECT code, population FROM territory WHERE level = 'epci' "
                      "ORDER BY population DESC LIMIT 51").fetchall()
    ratios = {}
    for code, pop in big[:50]:
        g = compare.comparison_group(con, "epci", code).data
        ratios[code] = g["median_population"] / pop
    grand_paris = ratios.pop("200054781")
    assert grand_paris < 1 / 3
    assert set(compare.comparison_group(con, "epci", "200054781").data["codes"]) == {
        c for c, _ in big[1:6]}
    assert 1 / 3 <= min(ratios.values()) and max(ratios.values()) <= 3, ratios


def test_metadata_sheet_is_the_catalogue_text(fictional_con):
    from pacte.handlers.indicators import catalogue

    row = catalogue().set_index("id").loc["industry_share"]
    sheet = sheets.indicator_sheets(fictional_con, ["industry_share"])
    got = sheet.data["indicators"][0]
    for key in ("label", "unit", "direction", "formula", "sources", "levels", "periods"):
        assert got[key] == row[key]
    assert sheet.data["source_names"]["exposure"] == "mondialisation (WIOD 2013)"
    assert "CFM" not in sheet.data["series_sectors"]["rp"]
    page = sheets.render_sheet_html(got, sheet.meta)
    assert row["formula"].replace("'", "&#x27;") in page and '<html lang="fr">' in page
    with pytest.raises(InvalidParameterError, match="indicateur inconnu : zzz"):
        sheets.indicator_sheets(fictional_con, ["zzz"])


def test_selection_export_keeps_the_codes_columns_and_order(fictional_con, tmp_path):
    import openpyxl

    long = fictional_con.execute("SELECT code, value FROM indicator WHERE level = 'epci' AND "
                                 "indicator = 'industry_share' AND source = 'rp' AND "
                                 "period = '2016'").df().set_index("code")["value"]
    codes = list(long.index[:3])[::-1]
    cols = [("industry_share", "rp", "2016"), ("lq_industry", "rp", "2011")]
    n, _ = sheets.write_selection(fictional_con, "epci", cols, codes, "csv-fr",
                                  tmp_path / "s.csv")
    # the rows, then after an empty line the provenance (the file travels alone)
    table, footer = (tmp_path / "s.csv").read_text(encoding="utf-8-sig").split("\n\n")
    assert "Licence Ouverte / Etalab 2.0" in footer and "Store pacte : empreinte" in footer
    df = pd.read_csv(io.StringIO(table), sep=";", decimal=",", dtype={"Code": str})
    assert n == 3 and list(df["Code"]) == codes

    share, lq = INDICATORS["industry_share"], INDICATORS["lq_industry"]
    assert list(df.columns[2:]) == [f"{share.label_for('rp')}, 2016, recensement ({share.unit})",
                                    f"{lq.label_for('rp')}, 2011, recensement ({lq.unit})"]
    np.testing.assert_allclose(df.iloc[:, 2], long[codes].to_numpy(), atol=0.05)  # 1 decimal
    sheets.write_selection(fictional_con, "epci", cols, codes, "xlsx", tmp_path / "s.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "s.xlsx")
    assert wb.sheetnames == ["Sélection epci", "Sources", "Définitions"]
    defs = list(wb["Définitions"].iter_rows(values_only=True))
    assert defs[1][1] == "industry_share" and defs[2][1] == "lq_industry"
    with pytest.raises(InvalidParameterError, match="pas de valeur pour industry_share"):
        sheets.write_selection(fictional_con, "epci", [("industry_share", "rp", "1850")],
                               None, "xlsx", tmp_path / "x.xlsx")


@settings(max_examples=30)  # every example checks up to 40 territories one by one
@given(st.lists(st.floats(1_000, 3_000_000), min_size=8, max_size=40),
       st.integers(1, 6), st.booleans())
def test_vectorised_peer_lists_match_calc_similar(pops, n, epci):
    """The build's vectorised groups are exactly :func:`calc_similar`'s, territory by
    territory (same candidates, same order)."""
    from pacte.targeting.peers import calc_kind, calc_peer_lists

    m = len(pops)
    codes = pd.Series([f"c{i:02d}" for i in range(m)])
    pop = pd.Series(pops)
    nature = pd.Series([("CC", "CA", "ME", "CU")[i % 4] for i in range(m)])
    area = pd.Series([("rural", "urbain")[i % 2] for i in range(m)])
    rng = np.random.default_rng(m)
    dims = rng.normal(size=(m, 3))
    level = "epci" if epci else "ze2020"
    got = calc_peer_lists(codes, pop, nature, area, dims, level, n)
    idx = pd.Index(codes)
    prof = pd.DataFrame(dims, index=idx)
    by_code = [pd.Series(x.to_numpy(), index=idx) for x in (nature, area, pop)]
    for i, c in enumerate(codes):
        kind = calc_kind(by_code[0], by_code[1], c, level)
        want = compare.calc_similar(by_code[2], c, kind, prof, n=n)
        assert got[i].split(", ") == want


def test_stored_peers_are_the_default_group(fictional_con):
    """What show, the profile and the anchoring table read (the ranking's peers) is the
    default comparison group of the API and the dashboard."""
    rows = fictional_con.execute("SELECT code, peers FROM ranking WHERE level = 'epci'"
                                 ).fetchall()
    for code, peers in rows:
        got = compare.comparison_group(fictional_con, "epci", code).data
        assert got["codes"] == [c.strip() for c in (peers or "").split(",") if c.strip()]
