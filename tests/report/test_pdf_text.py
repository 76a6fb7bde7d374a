"""The profile PDF's lines of text laid out and drawn once per process
(:mod:`pacte.report.pdf_text`) give WeasyPrint's own PDF, byte for byte: on profiles drawn
after others (most of their lines already kept), on lines of one text at several sizes
(WeasyPrint keeps one width per glyph and font), on a character no font has."""

from __future__ import annotations

import re

import pytest
from fixtures.profiles import printed, rural_smallest

from pacte.report import pdf_text
from pacte.report.profile import pdf_from_html

_DATES = re.compile(rb"/(CreationDate|ModDate) \(.*?\)")


def _stock(html: str) -> bytes:
    """The PDF with WeasyPrint's own line breaking and text drawing."""
    pdf_text.uninstall()
    try:
        return pdf_from_html(html)
    finally:
        assert pdf_text.install()


def _same(a: bytes, b: bytes) -> bool:
    return _DATES.sub(b"", a) == _DATES.sub(b"", b)


def test_profiles_drawn_again_are_weasyprint_own_pdf(con, built_store):
    """Three profiles, each drawn after the others (its labels laid out and drawn from what
    the others kept) and after itself (every line kept): the same PDF as WeasyPrint's."""
    pytest.importorskip("weasyprint")
    assert pdf_text.install()
    codes = [("200023414", "epci"), (rural_smallest(con), "epci"), ("28", "reg")]
    htmls = [printed(con, built_store, code, level).html for code, level in codes]
    replayed = []
    original = pdf_text._replay

    def counted(*args):
        replayed.append(args[1].text)
        return original(*args)

    pdf_text._replay = counted
    try:
        fast = [pdf_from_html(html) for html in htmls + htmls]
    finally:
        pdf_text._replay = original
    assert len(replayed) > 1000, "lignes réécrites attendues"
    assert "Indicateur" in replayed
    for html, first, again in zip(htmls, fast[:len(htmls)], fast[len(htmls):], strict=True):
        stock = _stock(html)
        assert _same(first, stock) and _same(again, stock)


def _page(*paragraphs: tuple) -> str:
    """Paragraphs of (size in pt, text) or (size, text, more style)."""
    body = "".join(f'<p style="font-size: {size}pt; {more[0] if more else ""}">{text}</p>'
                   for size, text, *more in paragraphs)
    return f"<html><body>{body}</body></html>"


def test_one_text_at_several_sizes():
    """A line kept at one size is not written again in a document where another size drew
    its glyphs first (their widths differ by rounding): WeasyPrint's own PDF, whichever
    order the sizes come in."""
    pytest.importorskip("weasyprint")
    assert pdf_text.install()
    text = "Licence Ouverte, CC BY 4.0 ; mmmm wwww ; évolution 2015-2023 : −12,5 %"
    sizes = (6.6, 7.5, 7.8, 8.8, 9.2, 14)
    bold = "font-weight: bold"
    pages = [_page(*((s, text, bold) for s in sizes)),
             _page(*((s, text, bold) for s in sizes[::-1])),
             _page(*((s, text, bold) for s in sizes[1::2] + sizes[::2]))]
    fast = [pdf_from_html(page) for page in pages + pages]
    for page, first, again in zip(pages, fast[:len(pages)], fast[len(pages):], strict=True):
        stock = _stock(page)
        assert _same(first, stock) and _same(again, stock)


def test_line_in_another_colour():
    """A line kept in one colour is written again in the colour of its text box."""
    pytest.importorskip("weasyprint")
    assert pdf_text.install()
    text = "Médiane des 12 semblables"
    page = _page((7.5, text, "color: #ffffff; background: #0b2e4f"), (7.5, text),
                 (7.5, text, "color: #cc0000"))
    fast = [pdf_from_html(page), pdf_from_html(page)]
    stock = _stock(page)
    assert _same(fast[0], stock) and _same(fast[1], stock)


def test_character_no_font_has_is_drawn_by_weasyprint(caplog):
    """A character no font has (here in Unicode's private use area): WeasyPrint draws its
    line every time (and says so), the PDF is WeasyPrint's own; its line is not kept."""
    pytest.importorskip("weasyprint")
    assert pdf_text.install()
    page = _page((7.5, "Rang : 12\ue000e sur 1 250"), (7.5, "Rang : 13e sur 1 250"))
    with caplog.at_level("WARNING", logger="weasyprint"):
        fast = [pdf_from_html(page), pdf_from_html(page)]
    assert any(".notdef" in r.getMessage() for r in caplog.records)
    stock = _stock(page)
    assert _same(fast[0], stock) and _same(fast[1], stock)


def test_kept_lines_are_bounded(monkeypatch):
    """Past :data:`pdf_text.MAX_LINES`, the lines laid out once since the last pruning are
    dropped and the ones laid out again are kept (a profile's labels, not its figures)."""
    pytest.importorskip("weasyprint")
    assert pdf_text.install()
    monkeypatch.setattr(pdf_text, "MAX_LINES", 30)
    pdf_text._LINES.clear()
    for i in range(40):
        pdf_from_html(_page((7.5, "Libellé"), (7.5, f"Chiffre {i}")))
    texts = {key[0] for key in pdf_text._LINES}
    assert "Libellé" in texts
    assert len(pdf_text._LINES) <= 30
    assert not {f"Chiffre {i}" for i in range(3)} & texts
