"""docs/validation.md is current: regenerated on the real store, it matches the file (run
``python scripts/validation.py`` after a change of model, parameter or data)."""

from __future__ import annotations

from pathlib import Path

from pacte.report.validation import render_validation

PAGE = Path(__file__).resolve().parents[1] / "docs" / "validation.md"


def test_validation_page_is_current(con):
    assert PAGE.read_text(encoding="utf-8") == render_validation(con), (
        "docs/validation.md n'est pas à jour : lancez python scripts/validation.py")


def test_validation_page_gives_each_verdict(con):
    text = render_validation(con)
    for row in ("part de l'industrie dans l'emploi", "fabrication (recensement) contre "
                "industrie ESTEL", "multiplicateur local médian", "emplois industriels "
                "menacés par la Chine", "rapport type II / type I", "multiplicateur d'emploi "
                "de type I", "secteurs où l'emploi salarié dépasse l'emploi total"):
        assert row in text, row
    assert "| 0 sur 16 |" in text  # salaried never above total
    assert "Frocrain & Giraud (2018)" in text and "Malgouyres (2018)" in text
