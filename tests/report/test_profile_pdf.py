"""The profile PDF's writing shortcuts (:mod:`pacte.report.profile_pdf`) draw the same pages
as WeasyPrint and pydyf's own routines: images' pixels taken from their PNG files (the same
bytes WeasyPrint's re-encoding gives) and content streams compressed at zlib's level 6."""

from __future__ import annotations

import io

import pytest
from fixtures.profiles import printed

from pacte.report import profile_pdf
from pacte.report.profile import pdf_from_html


def _png(mode: str, **params) -> bytes:
    from PIL import Image

    img = Image.new(mode, (37, 11))
    for x in range(37):
        for y in range(11):
            img.putpixel((x, y), (x * 7 % 256, y * 23 % 256, (x * y) % 256)[:len(mode)]
                         if mode != "L" else (x * y * 5) % 256)
    buf = io.BytesIO()
    img.save(buf, format="PNG", **params)
    return buf.getvalue()


@pytest.mark.parametrize("mode", ["RGB", "L"])
def test_idat_is_what_weasyprint_encodes_again(mode):
    """For an 8-bit RGB or grey PNG saved with Pillow's defaults, the chunks of the file are
    the bytes WeasyPrint's own routine gives after decoding and encoding it again."""
    pytest.importorskip("weasyprint")
    from PIL import Image

    assert profile_pdf.install()
    png = _png(mode)
    stock = profile_pdf._STOCK["png_data"](Image.open(io.BytesIO(png)))
    assert profile_pdf.idat(png) == stock
    assert profile_pdf.png_data(Image.open(io.BytesIO(png))) == stock


@pytest.mark.parametrize("mode", ["RGBA", "P", "I;16", "interlaced"])
def test_other_pngs_go_to_weasyprint(mode):
    """Alpha, palette, 16 bits, interlacing (Pillow does not write it: the header's flag
    set by hand): not taken from the file."""
    from PIL import Image

    img = Image.new({"P": "RGB", "interlaced": "RGB"}.get(mode, mode), (5, 3))
    if mode == "P":
        img = img.convert("P")
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    png = buf.getvalue()
    if mode == "interlaced":
        assert profile_pdf.idat(png) is not None  # the same file without the flag
        png = png[:28] + b"\x01" + png[29:]
    assert profile_pdf.idat(png) is None
    assert profile_pdf.idat(b"GIF89a" + bytes(40)) is None


def _bitmaps(pdf: bytes) -> list[bytes]:
    import pypdfium2 as pdfium

    return [page.render(scale=1.5).to_pil().tobytes() for page in pdfium.PdfDocument(pdf)]


def test_same_pages_as_weasyprint_own_writing(con, built_store):
    """On Métropole Rouen Normandie's profile (chart and map), with the images' shortcut
    alone and with both: the pages WeasyPrint's own writing draws, pixel for pixel (the
    PNGs, at zlib level 1, are smaller in the PDF than WeasyPrint's re-encoding at 6)."""
    pytest.importorskip("weasyprint")
    import pydyf

    html = printed(con, built_store, "200023414", "epci").html
    fast = pdf_from_html(html)
    assert fast.count(b"/Subtype /Image") >= 2, "graphique et carte attendus"
    profile_pdf.uninstall()
    try:
        stock = pdf_from_html(html)
        profile_pdf.install()
        pydyf.zlib = profile_pdf._STOCK["zlib"]  # images passed through, pydyf's level 9
        images_only = pdf_from_html(html)
    finally:
        profile_pdf.uninstall()
        assert profile_pdf.install()
    assert _bitmaps(fast) == _bitmaps(images_only) == _bitmaps(stock)
    assert len(images_only) < len(fast) < len(stock)


def test_percentages_inline_and_font_descriptions_same_pdf_as_weasyprint(con, built_store):
    """The inlined ``resolve_percentages`` is in every WeasyPrint module that imported
    WeasyPrint's, the font descriptions are made once; the PDF is the same, byte for byte,
    as with WeasyPrint's own two functions."""
    pytest.importorskip("weasyprint")
    import re
    import sys

    from weasyprint.text import line_break

    html = printed(con, built_store, "200023414", "epci").html
    users = [m for n, m in list(sys.modules.items())
             if n.startswith("weasyprint.") and hasattr(m, "resolve_percentages")]
    assert len(users) >= 5
    assert all(m.resolve_percentages is profile_pdf.resolve_percentages for m in users)
    assert line_break.get_font_description is profile_pdf.font_description
    fast = pdf_from_html(html)
    assert profile_pdf._DESCRIPTIONS  # made once, kept
    stock_fn = profile_pdf._STOCK["resolve_percentages"]
    profile_pdf.swap(profile_pdf.resolve_percentages, stock_fn)
    line_break.get_font_description = profile_pdf._STOCK["get_font_description"]
    try:
        stock = pdf_from_html(html)
    finally:
        profile_pdf.swap(stock_fn, profile_pdf.resolve_percentages)
        line_break.get_font_description = profile_pdf.font_description
    dates = re.compile(rb"/(CreationDate|ModDate) \(.*?\)")
    assert dates.sub(b"", fast) == dates.sub(b"", stock)
