"""Simulator inputs: the real AMP fixture (tests/data/finance/amp/, copied from
/work/shared/data/finance/amp/: known answers in its README) and a DGCL criteria file in the
official layout (fictional amounts)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pacte.errors import InvalidParameterError, ParseError
from pacte.finance import simulate
from pacte.finance.inputs import AMP_SIREN, load_amp, load_criteres, read_epci_rrf

DATA = Path(__file__).parents[1] / "data" / "finance"
AMP = DATA / "amp"
MINI = DATA / "dgcl_criteres_2019_mini_fictional.csv"


@pytest.fixture(scope="module")
def amp():
    return load_amp(AMP)


def test_amp_epci_row_carries_the_real_2016_and_2020_dcrtp(amp):
    """DCRTP of the Métropole d'Aix-Marseille-Provence, REI_DOT_AMP_2020a1.csv (DCTRTP_2016,
    DCTRTP_2020, one value repeated on 92 rows): 129,240,252 € and 128,369,341 €."""
    e = amp.entities
    metro = e[e["level"] == "epci"]
    assert list(metro["code"]) == [AMP_SIREN]
    assert metro["dcrtp_2016"].iloc[0] == 129_240_252
    assert metro["dcrtp_2020"].iloc[0] == 128_369_341
    assert metro["dcrtp"].iloc[0] == 128_369_341  # year 2020, not 92 times the amount
    assert load_amp(AMP, year=2016).entities.query("level == 'epci'")["dcrtp"].iloc[0] == \
        129_240_252


def test_amp_communes(amp):
    """92 communes; RRF N-2 total 2,704,275,364.06 €; Population DGF 1,939,509 (README)."""
    com = amp.entities[amp.entities["level"] == "commune"]
    assert len(com) == 92 and com["code"].is_unique
    assert {"13001", "13087", "84089", "83120"} <= set(com["code"])
    assert com["rrf"].sum() == pytest.approx(2_704_275_364.06, abs=0.005)
    assert com["population"].sum() == 1_939_509
    assert (com["dcrtp"] == 0).all() and (com["epci"] == AMP_SIREN).all()
    assert com.set_index("code").loc["13087", "name"] == "Rousset"
    assert "oboylaud" in amp.meta["source"] and not amp.meta["fictif"]


def test_amp_2016_to_2020_drop_as_a_cut(amp):
    """Cutting the real 2016→2020 drop (870,911 €) from the 2016 DCRTP gives the real 2020
    DCRTP; the métropole is the only beneficiary, so any key gives it the whole cut."""
    amp16 = load_amp(AMP, year=2016)
    sim = simulate(amp16, year=2020, cut=870_911, key="dcrtp")
    metro = sim.rows[sim.rows["level"] == "epci"].iloc[0]
    assert metro["cut"] == 870_911
    assert metro["dcrtp_after"] == 128_369_341
    assert metro["cut_share_dcrtp"] == pytest.approx(870_911 / 129_240_252)
    assert metro["cut_per_inhabitant"] == pytest.approx(870_911 / 1_939_509)
    assert sim.totals["shortfall"] == 0


def test_amp_legal_key_needs_the_epci_rrf(amp):
    with pytest.raises(InvalidParameterError, match="RRF manquantes.*200054807"):
        simulate(amp, year=2024, cut=1_000_000, key="legal")
    with_rrf = load_amp(AMP, epci_rrf=1_500_000_000.0)
    sim = simulate(with_rrf, year=2024, cut=1_000_000, key="legal")
    # the communes' DCRTP sits with the FPU métropole: their category's share spills over
    assert sim.totals["pools"]["commune"]["capacity"] == 0
    assert sim.rows.loc[sim.rows["level"] == "epci", "cut"].iloc[0] == 1_000_000


def test_amp_missing_file_and_bad_year(tmp_path):
    with pytest.raises(ParseError, match="data_mpm.csv.*introuvable"):
        (tmp_path / "REI_DOT_AMP_2020a1.csv").write_bytes((AMP / "REI_DOT_AMP_2020a1.csv")
                                                          .read_bytes())
        load_amp(tmp_path)
    with pytest.raises(InvalidParameterError, match="2018"):
        load_amp(AMP, year=2018)


def test_dgcl_criteria_file_to_inputs():
    inputs = load_criteres(MINI, epci_rrf={"900000001": 5_000_000, "900000002": 900_000})
    e = inputs.entities.set_index("code")
    assert list(inputs.entities["level"]) == ["commune"] * 5 + ["epci"] * 2
    # the EPCI's DCRTP is repeated on each member row: taken once
    assert e.loc["900000001", "dcrtp"] == 3_000_000
    assert e.loc["900000002", "dcrtp"] == 400_000
    assert e.loc["900000001", "name"] == "CA fictive Nord"
    assert e.loc["900000001", "population"] == 12_000 + 3_000 + 800
    assert e.loc["900000002", "rrf"] == 900_000
    assert e.loc["90005", "dcrtp"] == 60_000.75 and e.loc["90002", "dcrtp"] == 0
    assert e.loc["90002", "rrf"] == 2_500_000.25
    assert e["dsu_eligible"].to_dict() == {"90001": True, "90002": False, "90003": False,
                                          "90004": False, "90005": False,
                                          "900000001": False, "900000002": False}
    assert inputs.meta["millesime"] == 2019
    assert any("cellule vide" in n for n in inputs.meta["notes"])
    assert any("FPU" in n for n in inputs.meta["notes"])


def test_fpu_carry_moves_commune_dcrtp_to_the_epci():
    inputs = load_criteres(MINI, carry_fpu=True)
    e = inputs.entities.set_index("code")
    assert e.loc["90003", "dcrtp"] == 0  # FPU member: carried by its EPCI
    assert e.loc["900000001", "dcrtp"] == 3_000_000 + 120_000
    assert e.loc["90004", "dcrtp"] == 250_000  # FA: stays with the commune
    assert any("IV-F" in n for n in inputs.meta["notes"])


def test_missing_column_names_the_file_and_the_column(tmp_path):
    text = MINI.read_text(encoding="utf-8").replace("Montant de DCRTP de l'EPCI", "DCRTP EPCI")
    path = tmp_path / "2019-communes-criteres-repartition.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ParseError, match=r"2019-communes-criteres-repartition\.csv.*Montant "
                                         r"de DCRTP de l'EPCI"):
        load_criteres(path)


def test_epci_dcrtp_must_agree_across_member_rows(tmp_path):
    text = MINI.read_text(encoding="utf-8")
    assert '"60000,75",0,0,400000,' in text
    path = tmp_path / "c.csv"
    path.write_text(text.replace('"60000,75",0,0,400000,', '"60000,75",0,0,400001,'),
                    encoding="utf-8")
    with pytest.raises(ParseError, match=r"c\.csv.*DCRTP de l'EPCI 900000002 différente"):
        load_criteres(path)


def test_epci_dcrtp_left_empty_on_a_member_row_is_not_a_disagreement(tmp_path):
    """An empty cell is no amount: the EPCI's amount on its other member rows is taken."""
    text = MINI.read_text(encoding="utf-8")
    path = tmp_path / "c.csv"
    path.write_text(text.replace('"60000,75",0,0,400000,', '"60000,75",0,0,,'),
                    encoding="utf-8")
    e = load_criteres(path).entities.set_index("code")
    assert e.loc["900000002", "dcrtp"] == 400_000


def test_later_vintage_labels_are_matched():
    """The RRF label of 2022+ (« ... N-2 pour N ») and shortened labels are accepted."""
    from pacte.finance.inputs import from_criteres

    raw = pd.read_csv(MINI, dtype=str)
    raw = raw.rename(columns={
        "Dotation forfaitaire - Recettes réelles de fonctionnement des communes N-2 pour "
        "Année N": "Dotation forfaitaire - Recettes réelles de fonctionnement des communes "
        "N-2 pour N", "Informations générales - Nom de l'EPCI": "Nom de l'EPCI"})
    inputs = from_criteres(raw, source="extrait.csv")
    e = inputs.entities.set_index("code")
    assert e.loc["90002", "rrf"] == 2_500_000.25
    assert e.loc["900000002", "name"] == "CC fictive Sud"
    with pytest.raises(ParseError, match="extrait.csv.*rrf"):
        from_criteres(raw.drop(columns=[c for c in raw if "Recettes" in c]),
                      source="extrait.csv")


def test_read_epci_rrf_two_layouts(tmp_path):
    wide = tmp_path / "rrf.csv"
    wide.write_text("Siren EPCI;Recettes réelles de fonctionnement\n900000001;1234,5\n",
                    encoding="utf-8")
    assert read_epci_rrf(wide).to_dict() == {"900000001": 1234.5}
    long = tmp_path / "ofgl.csv"
    long.write_text("Code Siren;Agrégat;Montant\n900000001;Recettes de fonctionnement;10\n"
                    "900000001;Dépenses de fonctionnement;7\n", encoding="utf-8")
    assert read_epci_rrf(long).to_dict() == {"900000001": 10.0}
    bad = tmp_path / "bad.csv"
    bad.write_text("x;y\n1;2\n", encoding="utf-8")
    with pytest.raises(ParseError, match="bad.csv.*siren"):
        read_epci_rrf(bad)
