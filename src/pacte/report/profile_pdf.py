"""Shortcuts in writing the profile's PDF, same pages drawn (checked by
tests/report/test_profile_pdf.py, which renders the pages both ways):

- **images' pixels passed through**: WeasyPrint decodes each PNG and encodes it again to take
  its compressed pixels (the ``IDAT`` chunks), which a PDF image stream holds as they are
  (``/FlateDecode`` with a PNG predictor). For an 8-bit RGB or grey PNG without interlacing
  (the chart and the map inset, made by :mod:`pacte.report.profile_charts`), the chunks of
  the file are those pixels already: :func:`png_data` takes them from the file (about 12 ms
  of CPU per profile: two encodings and two decodings); any other image goes through
  WeasyPrint's own routine.
- **content streams compressed at zlib's level 6** instead of pydyf's level 9: 3 ms instead
  of 13 ms per profile, for 0.8 kB more in a PDF of about 100 kB (measured on Métropole
  Rouen Normandie's profile).

- **percentages resolved inline**: WeasyPrint's ``resolve_percentages``, called for every
  box laid out (about 2,000 per profile), goes through two more functions for each of its
  fourteen lengths; :func:`resolve_percentages` gives the same used values without them
  (a value with ``calc()`` or any other unusual value still goes through WeasyPrint's own
  ``percentage``): about 4 % of WeasyPrint's CPU per profile.

- **font descriptions made once**: WeasyPrint makes a Pango font description (seven calls
  into Pango) for each text layout (about 1,300 per profile) from seven values of the style;
  :func:`font_description` keeps one per set of values (Pango copies it into each layout,
  none is changed afterwards): about 2 % of WeasyPrint's CPU per profile.

All replace internals of WeasyPrint and pydyf: :func:`install` puts them in place only for
the versions they were checked against (:data:`CHECKED`), once per process.
"""

from __future__ import annotations

import io
import struct
import threading
import zlib

#: Versions (major of WeasyPrint, major.minor of pydyf) whose internals these shortcuts match.
CHECKED = {"weasyprint": ("70",), "pydyf": ("0.13",)}
#: zlib level of the pages' content streams (pydyf's is 9).
STREAM_LEVEL = 6
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: IHDR colour types whose samples a PDF image stream takes as they are: grey, RGB.
_DIRECT_TYPES = (0, 2)
_LOCK = threading.Lock()
_STOCK: dict = {}


def idat(png: bytes) -> bytes | None:
    """The concatenated ``IDAT`` chunks of an 8-bit grey or RGB PNG without interlacing,
    None for any other file."""
    if not png.startswith(_PNG_SIGNATURE) or png[12:16] != b"IHDR":
        return None
    depth, colour, _compression, _filter, interlace = png[24:29]
    if depth != 8 or colour not in _DIRECT_TYPES or interlace:
        return None
    chunks, pos = [], 8
    while pos + 8 <= len(png):
        (length,), kind = struct.unpack(">I", png[pos:pos + 4]), png[pos + 4:pos + 8]
        if kind == b"IDAT":
            chunks.append(png[pos + 8:pos + 8 + length])
        elif kind == b"IEND":
            break
        pos += 12 + length
    return b"".join(chunks) or None


def png_data(pillow_image) -> bytes:
    """WeasyPrint's ``RasterImage._get_png_data``: the image's compressed pixels, taken from
    its PNG file when they can be used as they are, else encoded again by WeasyPrint."""
    fp = getattr(pillow_image, "fp", None)
    if (pillow_image.format == "PNG" and pillow_image.mode in ("L", "RGB")
            and isinstance(fp, io.BytesIO)):
        data = idat(fp.getvalue())
        if data is not None:
            return data
    return _STOCK["png_data"](pillow_image)


#: Lengths of a box resolved against the containing block's width (horizontal) and against
#: its width, or its height for a page (vertical).
_HORIZONTAL = ("margin_left", "margin_right")
_VERTICAL = ("margin_top", "margin_bottom")
_PADDING_H = ("padding_left", "padding_right")
_PADDING_V = ("padding_top", "padding_bottom")
_WIDTHS = ("width", "min_width", "max_width")
_HEIGHTS = ("height", "min_height", "max_height")
_BORDERS = tuple(f"border_{side}_width" for side in ("top", "right", "bottom", "left"))


def _used(style, name, refer_to):
    """``percentage(style[name], style, refer_to)``, WeasyPrint's, for the usual values."""
    value = style[name]
    if value == "auto":
        return value
    unit = getattr(value, "unit", None)
    if unit == "px":
        return value.value
    if unit == "%":
        return refer_to * value.value / 100
    return _STOCK["percentage"](value, style, refer_to)


def resolve_percentages(box, containing_block):
    """WeasyPrint's ``layout.percent.resolve_percentages`` (same attributes set on the box)
    with its per-length calls inlined."""
    from weasyprint.formatting_structure.boxes import Box, PageBox

    if isinstance(containing_block, Box):
        cb_width, cb_height = containing_block.width, containing_block.height
    else:
        cb_width, cb_height = containing_block
    maybe_height = cb_height if isinstance(box, PageBox) else cb_width
    style = box.style
    for names, refer_to in ((_HORIZONTAL, cb_width), (_VERTICAL, maybe_height),
                            (_PADDING_H, cb_width), (_PADDING_V, maybe_height),
                            (_WIDTHS, cb_width)):
        for name in names:
            setattr(box, name, _used(style, name, refer_to))
    if box.min_width == "auto":
        box.min_width = 0
    if cb_height == "auto":
        height = style["height"]
        if height == "auto" or _STOCK["check_math"](height) or height.unit == "%":
            box.height = "auto"
        else:
            assert height.unit.lower() == "px"
            box.height = height.value
        box.min_height = _used(style, "min_height", 0)
        box.max_height = _used(style, "max_height", float("inf"))
    else:
        for name in _HEIGHTS:
            setattr(box, name, _used(style, name, cb_height))
    if box.min_height == "auto":
        box.min_height = 0
    collapse = style["border_collapse"] == "collapse"
    for prop in _BORDERS:
        if not (collapse and hasattr(box, prop)):
            setattr(box, prop, style[prop])
    _STOCK["adjust_box_sizing"](box, "width")
    _STOCK["adjust_box_sizing"](box, "height")


#: Font descriptions by the style values they are made of (a handful per process).
_DESCRIPTIONS: dict = {}


def font_description(style):
    """WeasyPrint's ``text.fonts.get_font_description`` for the text layouts, made once per
    family, style, stretch, weight, size, small caps and variations."""
    key = (style["font_family"], style["font_style"], style["font_stretch"],
           style["font_weight"], style["font_size"], style["font_variant_caps"],
           style["font_variation_settings"])
    try:
        return _DESCRIPTIONS[key]
    except KeyError:
        description = _DESCRIPTIONS[key] = _STOCK["get_font_description"](style)
        return description
    except TypeError:  # a value that is not hashable: WeasyPrint's own, every time
        return _STOCK["get_font_description"](style)


class _Zlib:
    """pydyf's ``zlib``, whose ``compressobj`` compresses at :data:`STREAM_LEVEL`."""

    def __getattr__(self, name):
        return getattr(zlib, name)

    @staticmethod
    def compressobj(level=-1, *args, **kwargs):
        return zlib.compressobj(STREAM_LEVEL, *args, **kwargs)


def _checked() -> bool:
    import pydyf
    import weasyprint

    return (weasyprint.__version__.split(".")[0] in CHECKED["weasyprint"]
            and ".".join(pydyf.__version__.split(".")[:2]) in CHECKED["pydyf"])


def swap(old, new) -> None:
    """``new`` for ``old`` in every WeasyPrint module that imported it by name (the
    package's included; :mod:`pacte.report.pdf_text` swaps its routines this way too)."""
    import sys

    for name, module in list(sys.modules.items()):
        if name.split(".")[0] == "weasyprint" and getattr(module, old.__name__, None) is old:
            setattr(module, old.__name__, new)


def install() -> bool:
    """Put the shortcuts in place (once per process) if WeasyPrint and pydyf are checked
    versions; True when they are in place."""
    import pydyf
    from weasyprint.images import RasterImage
    from weasyprint.layout import percent
    from weasyprint.text import line_break

    with _LOCK:
        if _STOCK:
            return True
        if not _checked():
            return False
        _STOCK["png_data"] = RasterImage._get_png_data
        _STOCK["zlib"] = pydyf.zlib
        _STOCK.update(percentage=percent.percentage, check_math=percent.check_math,
                      adjust_box_sizing=percent.adjust_box_sizing,
                      resolve_percentages=percent.resolve_percentages)
        RasterImage._get_png_data = staticmethod(png_data)
        pydyf.zlib = _Zlib()
        swap(percent.resolve_percentages, resolve_percentages)
        _STOCK["get_font_description"] = line_break.get_font_description
        line_break.get_font_description = font_description
        return True


def uninstall() -> None:
    """WeasyPrint's and pydyf's own routines back (to compare both)."""
    import pydyf
    from weasyprint.images import RasterImage
    from weasyprint.text import line_break

    with _LOCK:
        if _STOCK:
            RasterImage._get_png_data = staticmethod(_STOCK.pop("png_data"))
            pydyf.zlib = _STOCK.pop("zlib")
            swap(resolve_percentages, _STOCK.pop("resolve_percentages"))
            line_break.get_font_description = _STOCK.pop("get_font_description")
            _STOCK.clear()
