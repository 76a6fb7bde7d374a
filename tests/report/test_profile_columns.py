"""The columns' layout without WeasyPrint's trial pass (pacte.report.weasy_columns) gives the
same PDF, byte for byte, as WeasyPrint's own layout: for printed profiles of the fictional
store and for multi-column pages it must hand back to WeasyPrint (balanced columns, a
spanning title, a float, a fixed height)."""

from __future__ import annotations

import pytest

pytest.importorskip("weasyprint")

from pacte.report import weasy_columns  # noqa: E402
from pacte.report.profile import pdf_from_html, print_html  # noqa: E402

LOREM = ("Les établissements industriels du territoire achètent des services aux entreprises "
         "locales, qui emploient à leur tour des salariés du territoire. ")


def _both(html: str) -> tuple[bytes, bytes]:
    """(WeasyPrint's layout, the layout without the trial pass) of ``html``."""
    weasy_columns.uninstall()
    try:
        stock = pdf_from_html(html)
    finally:
        assert weasy_columns.install()
    return stock, pdf_from_html(html)


def _page(css: str, body: str) -> str:
    return (f"<!DOCTYPE html><html lang='fr'><head><meta charset='utf-8'><style>{css}</style>"
            f"</head><body>{body}</body></html>")


def test_profiles_are_the_same_pdf(fictional_con):
    from pacte.handlers.profile import profile

    codes = [r[0] for r in fictional_con.execute(
        "SELECT code FROM territory WHERE level = 'epci' ORDER BY code").fetchall()]
    assert len(codes) >= 3
    for code in codes[:3]:
        html = print_html(fictional_con, profile(fictional_con, code, "epci"))
        stock, fast = _both(html)
        assert fast == stock, code


@pytest.mark.parametrize("css, body", [
    # three pages of auto-filled columns (the profile's case, longer)
    (".c { columns: 2; column-fill: auto; }", "<div class='c'>" + "".join(
        f"<p>{i} {LOREM * 3}</p>" for i in range(60)) + "</div>"),
    # balanced columns, a spanning title, a float, a fixed height: WeasyPrint's own path
    (".c { columns: 2; }", "<div class='c'>" + f"<p>{LOREM * 20}</p>" + "</div>"),
    (".c { columns: 2; column-fill: auto; } h2 { column-span: all; }",
     "<div class='c'><p>" + LOREM * 10 + "</p><h2>Titre</h2><p>" + LOREM * 10 + "</p></div>"),
    (".c { columns: 2; column-fill: auto; } .f { float: left; width: 20mm; height: 20mm; }",
     "<div class='c'><div class='f'></div><p>" + LOREM * 30 + "</p></div>"),
    (".c { columns: 3; column-fill: auto; height: 60mm; }",
     "<div class='c'><p>" + LOREM * 40 + "</p></div>"),
])
def test_multicolumn_pages_are_the_same_pdf(css, body):
    stock, fast = _both(_page(css, body))
    assert fast == stock


def test_only_the_auto_single_run_case_skips_the_trial():
    from weasyprint import HTML
    from weasyprint.layout import column

    seen = []

    def spy(context, box, *args):
        seen.append(weasy_columns.eligible(context, box))
        return stock(context, box, *args)

    stock = weasy_columns._STOCK
    weasy_columns.uninstall()
    column_layout = weasy_columns._block.columns_layout
    weasy_columns._block.columns_layout = spy
    try:
        for css in (".c { columns: 2; column-fill: auto; }", ".c { columns: 2; }",
                    ".c { columns: 2; column-fill: auto; height: 50mm; }"):
            HTML(string=_page(css, f"<div class='c'><p>{LOREM}</p></div>")).render()
    finally:
        weasy_columns._block.columns_layout = column_layout
        assert weasy_columns.install()
    assert seen == [True, False, False]
    assert column.columns_layout is stock  # WeasyPrint's own function is never replaced
