"""The printed profile is a "fiche territoire" of two A4 pages at most at every level (an
urban EPCI, the smallest rural CC, a ZE2020, a département, a région), with every section
title and the sources block; its condensation helpers; ``pacte profile --all``'s writer
names a failed territory and writes the others."""

from __future__ import annotations

import duckdb
import pytest
from fixtures.profiles import printed, rural_smallest

from pacte.cli.profile import write_all
from pacte.handlers.profile import profile
from pacte.report.profile import render_html
from pacte.report.profile_text import abridge, cut, short_source, sources_by_licence

SECTIONS = ("Identité", "Chiffres clés", "Classement de vulnérabilité industrielle",
            "Emploi et spécialisation", "Chaînes de valeur", "Mondialisation",
            "Ancrage territorial", "Sources", "Résolution des chiffres")


def _sample(con) -> list[tuple[str, str]]:
    small = rural_smallest(con)
    ze = con.execute("SELECT code FROM territory WHERE level = 'ze2020' AND name = 'Rouen'"
                     ).fetchall()[0][0]
    return [("200023414", "epci"), (small, "epci"), (ze, "ze2020"), ("76", "dep"),
            ("28", "reg")]


def _text(pdf: bytes) -> tuple[int, str]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    text = "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    text = text.replace("\u202f", " ").replace("\u00a0", " ").replace("\r", "")
    return len(doc), " ".join(text.split())


def test_every_level_fits_two_pages_with_its_sections(con, built_store):
    """The PDFs are rendered once per process (tests/fixtures/profiles.py: three of them are
    the ones tests/report/test_pdf_fast.py compares with WeasyPrint's own)."""
    pytest.importorskip("weasyprint")
    for code, level in _sample(con):
        ans, _html, pdf = printed(con, built_store, code, level)
        pages, text = _text(pdf)
        where = f"{level} {code}"
        assert pages <= 2, f"{where} : {pages} pages"
        assert ans.data["territory"]["name"] in text, where
        for title in SECTIONS:
            assert title in text, f"{where} : « {title} » absent"
        assert ans.meta["build_hash"] in text and "Licence Ouverte" in text, where
        for k in ans.data["key_figures"]:  # every key figure says its period
            assert k["period"] in text, (where, k["indicator"])


def test_html_keeps_the_annex_the_pdf_leaves_out(con):
    ans = profile(con, "200023414", "epci")
    html = render_html(con, ans)
    assert "Annexe : tous les indicateurs" in html and "@media print" in html
    # the annex has every period of a two-period figure (crisis and recovery)
    row = next(r for f in ans.data["families"] for g in f["groups"] for r in g["rows"]
               if r["indicator"] == "industry_job_change_rel")
    assert len(row["cells"]) == 2
    assert all(c["period"] in html for c in row["cells"])
    assert "Annexe" not in render_html(con, ans, annex=False)


def test_html_with_its_annex_at_every_level(fictional_con):
    """The HTML profile (annex included) of every profile level: the local blocks where the
    level has them (finances: EPCI; « Montée en gamme »: EPCI and ZE2020), none elsewhere."""
    from markupsafe import escape

    from pacte.geography import PROFILE_LEVELS

    local = {"epci": ("Finances locales", "Montée en gamme"), "ze2020": ("Montée en gamme",)}
    for level in PROFILE_LEVELS:
        (code,) = fictional_con.execute("SELECT code FROM territory WHERE level = ? ORDER BY "
                                        "code LIMIT 1", [level]).fetchone()
        ans = profile(fictional_con, code, level)
        html = render_html(fictional_con, ans)
        assert "Annexe : tous les indicateurs" in html, level
        assert str(escape(ans.data["territory"]["name"])) in html, level
        for block in ("Finances locales", "Montée en gamme"):
            assert (f">{block}</h3>" in html) == (block in local.get(level, ())), (level, block)


def test_condensation_known_answers():
    assert cut("un deux trois quatre", 12) == "un deux\u00a0…"
    assert abridge("Ordre de grandeur, pas une prévision. L'estimation applique "
                   + "x" * 200, 60) == "Ordre de grandeur, pas une prévision."
    assert abridge("court") == "court"
    assert short_source("Insee, Base permanente des équipements (BPE), fichier « ensemble »,"
                        " nombre") == "Insee, Base permanente des équipements (BPE)"
    grouped = sources_by_licence([
        {"table": "a", "source": "IGN ADMIN EXPRESS, simplifié", "vintage": "2025",
         "licence": "LO"},
        {"table": "b", "source": "IGN ADMIN EXPRESS, simplifié", "vintage": "2025",
         "licence": "LO"},
        {"table": "c", "source": "WIOD 2013, échanges", "vintage": "1995-2011",
         "licence": "CC-BY"},
        {"table": "naf", "source": "INSEE, NAF", "vintage": "2008", "licence": "LO"}])
    assert grouped == [{"licence": "LO", "sets": [{"source": "IGN ADMIN EXPRESS, simplifié",
                                                    "vintage": "2025"}]},
                       {"licence": "CC-BY", "sets": [{"source": "WIOD 2013, échanges",
                                                       "vintage": "1995-2011"}]}]


@pytest.mark.parametrize("jobs", [1, 2])
def test_all_names_a_failure_and_writes_the_others(fictional_store, tmp_path, jobs):
    done, failed = write_all(str(fictional_store), "epci", "html", tmp_path, jobs,
                             ["200023414", "999999999"], progress=False)
    assert done == ["200023414"] and (tmp_path / "200023414.html").stat().st_size > 10_000
    assert list(failed) == ["999999999"] and "999999999" in failed["999999999"]


def test_all_command_ends_with_its_summary(fictional_store, tmp_path):
    """``pacte profile --all`` as a user runs it, progress bar drawn: every profile written,
    exit 0 and the French summary (the bar's console once failed on closing, after the
    files were written: « erreur inattendue (TypeError) », exit 1)."""
    from typer.testing import CliRunner

    from pacte.cli.main import app

    result = CliRunner().invoke(app, ["profile", "--all", "--level", "epci", "--format",
                                      "html", "--out", str(tmp_path), "--jobs", "1",
                                      "--db", str(fictional_store)])
    assert result.exit_code == 0, result.output
    assert "erreur" not in result.output.lower()
    with duckdb.connect(str(fictional_store), read_only=True) as con:
        codes = [c for (c,) in con.execute(
            "SELECT code FROM territory WHERE level = 'epci'").fetchall()]
    assert sorted(p.stem for p in tmp_path.glob("*.html")) == sorted(codes)
