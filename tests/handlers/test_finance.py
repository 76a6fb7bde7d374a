"""The DCRTP handler: the offline demo (fictional national file, stamped), a criteria file in
the official DGCL layout with real EPCI SIRENs and fictional amounts
(tests/data/finance_cli/), the weights read from the real store, the exemption lists.

Known answers: the PLF 2026 cut of the bloc communal is 928,540,780 − 670,309,392 =
258,231,388 € (finance/parameters/minoration_bloc_communal.yaml, RULES.md); the AMP
métropole's real DCRTP 2020 is 128,369,341 € (REI_DOT_AMP_2020a1.csv, DCTRTP_2020)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pacte.engine import read_indicators
from pacte.errors import InvalidParameterError, ParseError
from pacte.finance.burden import calc_quintiles
from pacte.handlers.finance import TABLE_COLUMNS, _store_weights, read_codes, simulate_dcrtp
from pacte.handlers.ranking import ranking

DATA = Path(__file__).parents[1] / "data"
D = DATA / "finance_cli"
CRIT = D / "criteres_trois_epci_fictional.csv"
RRF = D / "rrf_epci_fictional.csv"
CLUSES, ROUEN, BUGEY = "200033116", "200023414", "200042935"


@pytest.fixture(scope="module")
def demo():
    return simulate_dcrtp(None)


def _cents(s: pd.Series) -> int:
    return int(np.round(s.to_numpy() * 100).sum())


def test_demo_cut_is_the_plf_2026_cut_to_the_cent(demo):
    rows, meta = demo.data["rows"], demo.meta
    assert demo.data["totals"]["cut"] == 258_231_388.00
    assert demo.data["totals"]["shortfall"] == 0
    assert _cents(rows["cut"]) == 258_231_388_00
    assert list(rows.columns[:10]) == TABLE_COLUMNS
    assert (rows.groupby("level").size() == pd.Series({"commune": 35_000, "epci": 1_255})).all()
    assert meta["stade_minoration"] == "plf" and meta["minoration"]["valeur"] == 258_231_388
    assert meta["verified"]["minoration_bloc_communal.plf"] is False
    assert meta["minoration"]["fourchette_projets"] == [258_231_388, 317_631_388]


def test_demo_is_stamped_everywhere(demo):
    assert demo.meta["estampille"] == "données fictives" and demo.meta["donnees_fictives"]
    assert (demo.data["rows"]["estampille"] == "données fictives").all()
    assert (demo.data["summary"]["estampille"] == "données fictives").all()
    assert "fictives" in demo.meta["attribution"].lower()
    assert demo.meta["sources"] == []  # nothing read from a store


def test_every_unverified_rule_is_a_warning(demo):
    unverified = [p for p in demo.meta["parametres"] if not p["verified"]]
    assert len(unverified) >= 5
    for p in unverified:
        assert p["note"] in demo.meta["avertissements"]
        assert p["references"] and all(r["title"] for r in p["references"])


def test_demo_compare_puts_every_key_side_by_side():
    a = simulate_dcrtp(None, compare=True, exempt="rank:100")
    tot = a.data["totals"].set_index("key")
    assert list(tot.index) == ["legal", "dcrtp", "population", "legal-exempt",
                               "spare-industrial"]
    assert ((tot["cut"] + tot["shortfall"]) * 100).round().eq(258_231_388_00).all()
    assert (tot.loc[["legal", "dcrtp", "population", "legal-exempt"], "shortfall"] == 0).all()
    s = a.data["summary"].set_index(["grouping", "group"])
    for k in tot.index:
        assert s.loc[("total", "ensemble"), f"cut_share_{k}"] == pytest.approx(1.0)
    assert s.loc[("industrial", "Q5"), "cut_share_spare-industrial"] == 0
    # the 100 exempt EPCI are the demo's 100 highest fictional scores, communes included
    rows = a.data["rows_by_key"]
    assert a.meta["exonerations_source"].startswith("les 100 EPCI fictifs")
    codes = a.meta["exonerations_demandees"]
    assert len(codes) == 100 and set(codes) <= set(rows.loc[rows["level"] == "epci", "code"])
    spared = rows["code"].isin(codes) | rows["epci"].isin(codes)
    assert spared.sum() > 100
    assert rows.loc[spared, "cut_legal-exempt"].eq(0).all()
    assert rows.loc[spared, "cut_legal"].sum() > 0


def test_demo_answer_does_not_depend_on_earlier_demo_calls(demo):
    """The demo's input is drawn once per process and shared by its calls: a simulation
    after others (another key, every key compared, exemptions, another year and stage)
    answers exactly as the first did, rows, summary and meta."""
    simulate_dcrtp(None, key="legal-exempt", exempt="rank:3", stage="senat")
    simulate_dcrtp(None, compare=True, exempt="rank:5", year=2025)
    again = simulate_dcrtp(None)
    for name in ("rows", "summary"):
        pd.testing.assert_frame_equal(again.data[name], demo.data[name])
    assert again.data["totals"] == demo.data["totals"]
    assert again.meta == demo.meta


def test_store_weights_are_census_2016_industry_share_and_ranking_score(con):
    industrial, vulnerability = _store_weights(con)
    ind = read_indicators(con, "epci", ["industry_share"], period="2016", code=CLUSES)
    assert industrial[CLUSES] == ind.loc[ind["source"] == "rp", "value"].iloc[0]
    every = read_indicators(con, "epci", ["industry_share"], period="2016")
    every = every[every["source"] == "rp"]
    assert len(industrial) == every["value"].notna().sum() == 1250  # 5 EPCI of Mayotte: NaN
    assert len(vulnerability) == 1250  # Mayotte unranked (3 of 5 inputs missing)
    top = ranking(con, "epci").data.iloc[0]
    assert vulnerability[top["code"]] == top["score"]


def test_real_criteria_with_store_weights(con):
    a = simulate_dcrtp(con, CRIT, year=2026, cut=3_000_000, epci_rrf=RRF)
    rows = a.data["rows"]
    assert _cents(rows["cut"]) == 3_000_000_00 and a.meta["estampille"] is None
    assert "estampille" not in rows
    assert (rows["cut"] <= rows["dcrtp_before"] + 1e-9).all()
    # the DSU-eligible commune (DSU 900,000.50 €) is exempt under the legal key
    assert rows.set_index("code").loc["90001", "exempt"]
    # quintiles are national quintiles of the stored values
    q = calc_quintiles(_store_weights(con)[0])
    pop = rows[rows["level"] == "epci"].set_index("code")["population"]
    s = a.data["summary"].set_index(["grouping", "group"])
    for g in ("Q1", "Q2", "Q3", "Q4", "Q5"):
        members = [c for c in (CLUSES, ROUEN, BUGEY) if q[c] == g]
        assert s.loc[("industrial", g), "population"] == pop[members].sum()
    assert "non classé" not in set(a.data["summary"]["group"])
    assert a.meta["build_hash"] and a.meta["stade_minoration"] is None
    assert {"census_functions"} <= {src["table"] for src in a.meta["sources"]}


def test_exempt_rank_1_spares_the_first_ranked_epci_and_its_communes(con):
    a = simulate_dcrtp(con, CRIT, cut=3_000_000, epci_rrf=RRF, key="legal-exempt",
                       exempt="rank:1")
    rows = a.data["rows"].set_index("code")
    assert ranking(con, "epci").data["code"].iloc[0] == CLUSES
    assert a.meta["exonerations"] == [CLUSES]
    assert rows.loc[[CLUSES, "90003", "90004"], "cut"].eq(0).all()
    assert rows.loc[[CLUSES, "90003", "90004"], "exempt"].all()
    assert _cents(rows["cut"]) == 3_000_000_00


def test_exempt_file_and_unknown_codes(con):
    a = simulate_dcrtp(con, CRIT, cut=3_000_000, epci_rrf=RRF, key="legal-exempt",
                       exempt=D / "exoneres.txt")
    rows = a.data["rows"].set_index("code")
    assert rows.loc[[CLUSES, "90003", "90004", "90005"], "cut"].eq(0).all()
    assert rows.loc["90006", "cut"] == 20_000  # commune of Haut-Bugey, not exempt itself
    with pytest.raises(InvalidParameterError) as e:
        simulate_dcrtp(con, CRIT, key="legal-exempt", exempt=D / "exoneres_inconnus.csv")
    msg = str(e.value)
    assert "exoneres_inconnus.csv" in msg and "12345" in msg and "200000000" in msg
    assert "2 code(s)" in msg


def test_read_codes_line_and_csv_layouts(tmp_path):
    f = tmp_path / "codes.txt"
    f.write_text("code\n1001\n200033116\n", encoding="utf-8")
    assert read_codes(f) == ["01001", "200033116"]
    g = tmp_path / "codes.csv"
    g.write_text("nom;siren\nCluses;200033116\n", encoding="utf-8")
    assert read_codes(g) == ["200033116"]
    g.write_text("nom;autre\nCluses;200033116\n", encoding="utf-8")
    with pytest.raises(ParseError, match="colonne des codes introuvable"):
        read_codes(g)
    f.write_text("200033116\nRouen\n", encoding="utf-8")
    with pytest.raises(ParseError, match="ligne 2"):
        read_codes(f)


def test_option_errors_in_french(tmp_path):
    with pytest.raises(InvalidParameterError, match="ne s'applique qu'à la clé"):
        simulate_dcrtp(None, exempt="rank:3")
    with pytest.raises(InvalidParameterError, match="demande --exempt"):
        simulate_dcrtp(None, key="legal-exempt")
    with pytest.raises(InvalidParameterError, match="clé inconnue"):
        simulate_dcrtp(None, key="uniforme")
    with pytest.raises(InvalidParameterError, match="stade inconnu"):
        simulate_dcrtp(None, stage="an")
    with pytest.raises(InvalidParameterError, match="--epci-rrf demande --criteria"):
        simulate_dcrtp(None, epci_rrf=RRF)
    with pytest.raises(ParseError, match="absent.csv"):
        simulate_dcrtp(None, criteria=tmp_path / "absent.csv")
    with pytest.raises(InvalidParameterError, match="demande un store"):
        simulate_dcrtp(None, CRIT, key="legal-exempt", exempt="rank:2")


def test_amp_folder_carries_the_real_2020_dcrtp():
    a = simulate_dcrtp(None, DATA / "finance" / "amp", year=2020, cut=870_911, key="dcrtp")
    metro = a.data["rows"].query("level == 'epci'").iloc[0]
    assert metro["dcrtp_before"] == 128_369_341 and metro["cut"] == 870_911
    assert metro["dcrtp_after"] == 128_369_341 - 870_911
    assert a.meta["estampille"] is None
