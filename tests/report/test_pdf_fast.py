"""The profile PDF's two shortcuts give WeasyPrint's own PDF, byte for byte: the two columns
laid out in one pass (:mod:`pacte.report.pdf_columns`) and the page read by expat rather
than by the HTML5 parser (:func:`pacte.report.profile._weasy`); on an urban EPCI whose
columns run over onto the second page, the smallest rural CC and a région."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from fixtures.profiles import printed, rural_smallest

from pacte.report import pdf_columns, pdf_text, profile_pdf
from pacte.report.profile import TEMPLATES, _weasy


def _stock_pdf(html: str) -> bytes:
    """The PDF with WeasyPrint's multi-column routine and its HTML5 parser."""
    from weasyprint import HTML

    fonts, css, html_class = _weasy()
    doc = html_class.__new__(html_class)
    HTML.__init__(doc, string=html, base_url=str(TEMPLATES))
    pdf_columns.uninstall()
    try:
        return doc.write_pdf(stylesheets=[css], font_config=fonts)
    finally:
        pdf_columns.install()


def _pages(pdf: bytes) -> int:
    import pypdfium2 as pdfium

    return len(pdfium.PdfDocument(pdf))


def test_shortcuts_give_weasyprint_own_pdf(con, built_store):
    """The fast PDFs are rendered once per process (tests/fixtures/profiles.py: the ones
    tests/report/test_profile_pages.py reads), with the shortcuts in place."""
    pytest.importorskip("weasyprint")
    assert pdf_columns.install(), "version de WeasyPrint non vérifiée pour les raccourcis"
    for code, level in (("200023414", "epci"), (rural_smallest(con), "epci"), ("28", "reg")):
        _answer, html, fast = printed(con, built_store, code, level)
        ET.fromstring(html)  # well-formed: the expat path is the one taken
        stock = _stock_pdf(html)
        assert _pages(fast) == 2, (code, _pages(fast))
        assert fast == stock, f"{level} {code} : PDF différents"


def test_other_multicolumn_boxes_keep_weasyprint_routine():
    """A multi-column box other than the profile's ``.cols`` (here balanced, ``.other``) is
    laid out by WeasyPrint's routine: its columns are balanced (same number of lines)."""
    weasyprint = pytest.importorskip("weasyprint")
    assert pdf_columns.install()
    html = ("<div class='other' style='columns: 2; column-fill: balance'>"
            + "".join(f"<p>ligne {i}</p>" for i in range(10)) + "</div>")
    page = weasyprint.HTML(string=html).render().pages[0]
    div = page._page_box.children[0].children[0].children[0]
    columns = [c for c in div.children if c.is_column]
    assert [len(c.children) for c in columns] == [5, 5]


def _columns_routine():
    from weasyprint.layout import block

    return block.columns_layout


def _png_routine():
    from weasyprint.images import RasterImage

    return RasterImage._get_png_data


def _line_routine():
    from weasyprint.layout import inline

    return inline.split_first_line


@pytest.mark.parametrize(("shortcut", "routine", "ours"), [
    (pdf_columns, _columns_routine, lambda: pdf_columns.columns_layout),
    (profile_pdf, _png_routine, lambda: profile_pdf.png_data),
    (pdf_text, _line_routine, lambda: pdf_text.split_first_line),
], ids=["columns", "png_data", "lines"])
def test_unchecked_weasyprint_keeps_its_own_routine(monkeypatch, shortcut, routine, ours):
    """Another WeasyPrint major version: its own routines stay in place (the multi-column
    layout of :mod:`pacte.report.pdf_columns`, the image encoding of
    :mod:`pacte.report.profile_pdf`, the line breaking of :mod:`pacte.report.pdf_text`);
    the checked version gets ours back."""
    weasyprint = pytest.importorskip("weasyprint")

    shortcut.uninstall()
    monkeypatch.setattr(weasyprint, "__version__", "99.0")
    try:
        assert not shortcut.install()
        assert routine() is not ours()
    finally:
        monkeypatch.undo()
        assert shortcut.install()
    assert routine() is ours()
