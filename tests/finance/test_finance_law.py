"""Law parameters of the DCRTP cut (finance/parameters/*.yaml): values, references,
verified flags, unknown years. Known answers: /work/shared/data/finance/RULES.md §2 and the
table dcrtp_bloc_communal_2017_2026.csv (copied into tests/data/finance/)."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from pacte.errors import InvalidParameterError, PacteError, ParseError
from pacte.finance import UnknownYearError, load_law
from pacte.finance.law import PARAMETERS_DIR

TABLE = Path(__file__).parents[1] / "data" / "finance" / "dcrtp_bloc_communal_2017_2026.csv"


@pytest.fixture(scope="module")
def law():
    return load_law()


def test_known_totals_and_cuts(law):
    assert law.total(2019).value == 1_154_768_465
    assert law.total(2023).value == 1_144_768_465
    assert law.total(2024).value == 1_130_768_465
    assert law.total(2025).value == 928_540_780
    assert law.cut(2025).value == 202_227_685 and law.cut(2025).verified
    assert law.cut(2024).value == 14_000_000 and law.cut(2024).verified
    assert law.cut(2020).value == 10_000_000 and not law.cut(2020).verified
    assert law.cut(2018).value == 0  # LFI 2018 art. 41 X-XI repealed by LFI 2019


def test_2026_falls_back_on_the_bill_and_says_so(law):
    pv = law.cut(2026)
    assert pv.name == "minoration_bloc_communal.plf" and pv.value == 258_231_388
    assert not pv.verified and "projet" in pv.note
    assert law.cut(2026, "senat").value == 317_631_388
    assert law.bill_range(2026) == (258_231_388.0, 317_631_388.0)
    assert law.bill_range(2025) is None
    with pytest.raises(UnknownYearError, match="2026 au stade « lfi »"):
        law.cut(2026, "lfi")


def test_totals_and_cuts_are_consistent(law):
    for year in range(2018, 2026):
        assert law.total(year - 1).value - law.cut(year).value == law.total(year).value, year
    for stage in ("plf", "senat"):
        assert law.total(2025).value - law.cut(2026, stage).value == \
            law.total(2026, stage).value


def test_parameters_agree_with_the_verified_table(law):
    with TABLE.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    stage_of = {"LFI": "lfi", "PLF": "plf", "texte Senat": "senat"}
    checked = 0
    for row in rows:
        year, stage = int(row["annee"]), stage_of[row["stade"]]
        total = law.value(f"montant_bloc_communal.{stage}", year)
        if row["dcrtp_bloc_communal_eur"] == "":
            assert total.value is None and not total.verified
            continue
        assert total.value == int(row["dcrtp_bloc_communal_eur"])
        assert total.statut == row["statut"]
        assert total.verified == (row["statut"] == "verified")
        cut = law.value(f"minoration_bloc_communal.{stage}", year)
        assert cut.value == -int(row["minoration_eur"])
        assert cut.verified == (row["statut_minoration"] == "verified")
        checked += 1
    assert checked == 11


def test_every_value_has_a_reference_and_unverified_ones_a_note(law):
    for p in law.parameters.values():
        for v in p.values:
            assert v.references, (v.name, v.start)
            if not v.verified:
                assert v.note, (v.name, v.start)


def test_rules_in_force(law):
    assert law.value("repartition.exoneration_dsu", 2018).verified
    later = law.value("repartition.exoneration_dsu", 2025)
    assert later.value is True and not later.verified
    assert law.value("repartition.cle_interne", 2026).value == "rrf"
    assert law.value("fpu.report_dcrtp_epci", 2026).value is True
    assert law.value("creation.seuil_beneficiaire", dt.date(2011, 6, 1)).value == 50_000
    assert "classe 7" in law.value("repartition.definition_rrf", "2026-03-01").value


@pytest.mark.parametrize("year", [2016, 2027])
def test_unknown_year_is_a_french_error(law, year):
    with pytest.raises(UnknownYearError, match=rf"année {year} inconnue.*2017 à 2026"):
        law.cut(year)
    assert issubclass(UnknownYearError, InvalidParameterError)
    assert issubclass(UnknownYearError, PacteError)


def test_rules_before_their_first_date_raise(law):
    with pytest.raises(UnknownYearError, match="en vigueur à partir du 2018-01-01"):
        law.value("repartition.cle_interne", 2017)


def test_unknown_parameter_and_stage(law):
    with pytest.raises(InvalidParameterError, match="paramètre de loi inconnu"):
        law.value("dcrtp.nope", 2020)
    with pytest.raises(InvalidParameterError, match="stade inconnu"):
        law.cut(2025, "cmp")


def test_a_malformed_file_names_itself(tmp_path):
    (tmp_path / "bad.yaml").write_text("x:\n  values:\n    2020-01-01: 3\n", encoding="utf-8")
    with pytest.raises(ParseError, match="bad.yaml.*clé « value » attendue"):
        load_law(tmp_path)


def test_bundled_files_are_found():
    names = sorted(p.name for p in PARAMETERS_DIR.glob("*.yaml"))
    assert names == ["creation.yaml", "fpu.yaml", "minoration_bloc_communal.yaml",
                     "montant_bloc_communal.yaml", "repartition.yaml"]
