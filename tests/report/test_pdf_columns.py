"""The profile's two columns laid out in one pass (:mod:`pacte.report.pdf_columns`) give the
same pages as WeasyPrint's own multi-column routine, pixel for pixel: on an urban EPCI whose
columns run over onto the second page, on the smallest rural CC, and on a région."""

from __future__ import annotations

import pytest

from pacte.handlers.profile import profile
from pacte.report import pdf_columns
from pacte.report.profile import pdf_from_html, print_html


def _pixels(pdf: bytes) -> list[bytes]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    return [doc[i].render(scale=1.0).to_pil().convert("L").tobytes() for i in range(len(doc))]


def test_one_pass_columns_draw_the_same_pages(con):
    pytest.importorskip("weasyprint")
    small = con.execute("SELECT code FROM territory WHERE level = 'epci' AND area_type = "
                        "'rural' ORDER BY population LIMIT 1").fetchall()[0][0]
    try:
        for code, level in (("200023414", "epci"), (small, "epci"), ("28", "reg")):
            html = print_html(con, profile(con, code, level))
            assert pdf_columns.install(), "WeasyPrint non vérifié pour les colonnes en une passe"
            fast = _pixels(pdf_from_html(html))
            pdf_columns.uninstall()
            stock = _pixels(pdf_from_html(html))
            assert len(fast) == len(stock) == 2, (code, len(fast), len(stock))
            assert fast == stock, f"{level} {code} : pages différentes"
    finally:
        pdf_columns.install()


def test_other_multicolumn_boxes_keep_weasyprint_routine():
    """A multi-column box other than the profile's ``.cols`` (here balanced, ``.other``) is
    laid out by WeasyPrint's routine: its columns are balanced (same height)."""
    weasyprint = pytest.importorskip("weasyprint")
    assert pdf_columns.install()
    html = ("<div class='other' style='columns: 2; column-fill: balance'>"
            + "".join(f"<p>ligne {i}</p>" for i in range(10)) + "</div>")
    page = weasyprint.HTML(string=html).render().pages[0]
    div = page._page_box.children[0].children[0].children[0]
    columns = [c for c in div.children if c.is_column]
    assert len(columns) == 2
    assert [len(c.children) for c in columns] == [5, 5]
