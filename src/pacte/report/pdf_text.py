"""The profile PDF's lines of text laid out and drawn once per process, same PDF bytes.

The 1,255 EPCI profiles say mostly the same words: of about 700 lines of text WeasyPrint lays
out per profile (table headers, indicator labels, notes, sources), about 85 % are a line of
an earlier profile with the same text, style and width (measured on 40 EPCI profiles).
WeasyPrint shapes each one twice with Pango: once to break the line
(``split_first_line``), once more to draw it (``draw_text`` sets the Pango layout up again
and walks its glyphs in Python). Both are functions of their inputs alone, so:

- :func:`split_first_line` keeps WeasyPrint's answer per text, width and the style values
  its routine reads (:data:`STYLE_KEYS`); the answer's layout is inert once laid out (its
  Pango objects are freed: WeasyPrint keeps only the text and a few figures);
- :func:`draw_text` keeps, on that layout, what WeasyPrint's drawing wrote for it (font
  changes, glyph strings, and the glyphs' Unicode text and widths the PDF's fonts record)
  and writes it again at the text box's place, in its colour, in the same order, where the
  document's fonts have the same widths for its glyphs (WeasyPrint keeps one width per
  glyph and font, at whichever size drew it first, and spaces a line's glyphs by it): the
  PDF is the same byte for byte (tests/report/test_pdf_text.py). A line whose glyphs need more (a character no
  font has, colour or bitmap fonts, ellipses, decorations) is drawn by WeasyPrint every
  time, on its own copy of the layout (WeasyPrint changes a layout while it draws it; the
  API draws profiles in threads).

Measured on 40 EPCI profiles after 20 others (WeasyPrint with and without both,
alternated on the same pages, one process, CPU medians on a loaded machine): 0.312 ->
0.247 s and 0.465 -> 0.379 s, about a fifth less (ratios 0.79 and 0.82).

Both replace internals of WeasyPrint 70: :func:`install` puts them in place only for the
versions they were checked against (:data:`CHECKED_MAJORS`), once per process.
"""

from __future__ import annotations

import copy
import threading
from operator import itemgetter

from pacte.report.profile_pdf import swap

#: WeasyPrint major versions whose line breaking and text drawing these shortcuts match.
CHECKED_MAJORS = ("70",)
#: Style values WeasyPrint's line breaking reads (``text.line_break``: the Pango layout's
#: set-up, its text, the line's split and size); the font configuration is added apart.
STYLE_KEYS = (
    "direction", "font_family", "font_feature_settings", "font_kerning",
    "font_language_override", "font_size", "font_stretch", "font_style",
    "font_variant_alternates", "font_variant_caps", "font_variant_east_asian",
    "font_variant_ligatures", "font_variant_numeric", "font_variant_position",
    "font_variation_settings", "font_weight", "hyphenate_character", "hyphenate_limit_chars",
    "hyphenate_limit_zone", "hyphens", "lang", "letter_spacing", "overflow_wrap",
    "tab_size", "text_decoration_line", "white_space", "word_break", "word_spacing")
#: Lines kept per process; past it, the lines not laid out again since the last pruning
#: are dropped (a profile adds about 120 lines of its own figures; its labels, about 600,
#: come back in every profile). A kept line and its drawing take about 3 kB: 80 EPCI
#: profiles kept 9,336 lines, peak RSS 206 -> 235 MB.
MAX_LINES = 10_000
_STYLE = itemgetter(*STYLE_KEYS)
_LOCK = threading.Lock()
_STOCK: dict = {}
_LINES: dict = {}
#: Attribute of a laid-out line's layout holding its drawing (None: drawn by WeasyPrint).
_DRAWN = "_pacte_drawn"


def _key(text, style, max_width, justification_spacing, is_line_start, minimum):
    return (text, max_width, justification_spacing, is_line_start, minimum,
            id(style.font_config), _STYLE(style))


def split_first_line(text, style, context, max_width, justification_spacing,
                     is_line_start=True, minimum=False):
    """WeasyPrint's ``text.line_break.split_first_line`` (same arguments, same answer),
    once per text, width and style values."""
    key = _key(text, style, max_width, justification_spacing, is_line_start, minimum)
    try:
        line = _LINES.get(key)
    except TypeError:  # a style value that is not hashable: WeasyPrint's own, every time
        return _STOCK["split_first_line"](text, style, context, max_width,
                                          justification_spacing, is_line_start, minimum)
    if line is not None:
        line[1] = True
        return line[0]
    answer = _STOCK["split_first_line"](text, style, context, max_width,
                                        justification_spacing, is_line_start, minimum)
    if len(_LINES) >= MAX_LINES:
        _prune()
    _LINES[key] = [answer, False]
    return answer


def _prune() -> None:
    """Keep the lines used more than once (a profile's labels), drop the others (figures)."""
    with _LOCK:
        kept = {k: [v[0], False] for k, v in list(_LINES.items()) if v[1]}
        _LINES.clear()
        if len(kept) < MAX_LINES // 2:
            _LINES.update(kept)


class _Unsuitable(Exception):
    """A line whose drawing is not written again: WeasyPrint draws it every time."""


class _Font:
    """A PDF font as WeasyPrint's drawing of one line sees it: the document's font, with
    the glyphs' Unicode text and widths of this line alone, at the line's size."""

    def __init__(self, font):
        self._font, self.to_unicode, self.widths = font, {}, {}
        if font.png or font.svg or font.colr or font.bitmap:
            raise _Unsuitable  # images drawn beside the glyphs, bitmap glyphs

    def get_unused_glyph_id(self, codepoint):
        raise _Unsuitable  # a character no font has

    def __getattr__(self, name):
        return getattr(self._font, name)


class _Recorder:
    """A stream that notes WeasyPrint's drawing of one line (font changes as the font's
    key), for :func:`_replay` to write it in the document's stream."""

    def __init__(self, stream):
        self._stream, self.ops, self.fonts = stream, [], {}
        self.ink_rect, self.logical_rect = stream.ink_rect, stream.logical_rect

    def add_font(self, pango_font):
        from weasyprint.text.fonts import get_pango_font_key

        font, size = self._stream.add_font(pango_font)  # the document's fonts, in order
        key = get_pango_font_key(pango_font)[0]
        if key not in self.fonts:
            self.fonts[key] = _Font(font)
        self.ops.append(("font", key))
        return self.fonts[key], size

    def __getattr__(self, name):
        def noted(*args):
            self.ops.append((name, args))
        return noted


def _fits(font, widths: dict) -> bool:
    """The document's font has no other width for the line's glyphs: WeasyPrint keeps one
    width per glyph and font (at whichever size drew it first) and spaces the glyphs of
    a line by it."""
    known = font.widths
    return all(known.get(glyph, width) == width for glyph, width in widths.items())


def _merge(font, to_unicode: dict, widths: dict) -> None:
    """A line's glyphs into the document's font, in the order WeasyPrint met them."""
    for glyph, text in to_unicode.items():
        if glyph not in font.to_unicode:
            font.to_unicode[glyph] = text
    for glyph, width in widths.items():
        if glyph not in font.widths:
            font.widths[glyph] = width


def _record(textbox, stream, offset_x, text_overflow, block_ellipsis):
    """WeasyPrint's drawing of the line, noted: (operations, {font key: (glyphs' text,
    glyphs' widths)}), or None for a line WeasyPrint must draw itself."""
    recorder = _Recorder(stream)
    try:
        _STOCK["draw_text"](recorder, textbox, offset_x, text_overflow, block_ellipsis)
    except _Unsuitable:
        return None
    return recorder.ops, {key: (font.to_unicode, font.widths)
                          for key, font in recorder.fonts.items()}


def _usable(stream, fonts: dict) -> bool:
    return all(key in stream._fonts and _fits(stream._fonts[key], widths)
               for key, (_, widths) in fonts.items())


def draw_text(stream, textbox, offset_x, text_overflow, block_ellipsis):
    """WeasyPrint's ``draw.text.draw_text`` (same arguments, same stream), a laid-out
    line's drawing noted once and written again."""
    style = textbox.style
    if (text_overflow == "ellipsis" or block_ellipsis != "none"
            or style["text_decoration_line"] != "none" or style["visibility"] != "visible"):
        textbox.pango_layout = copy.copy(textbox.pango_layout)
        _STOCK["draw_text"](stream, textbox, offset_x, text_overflow, block_ellipsis)
        return
    layout = textbox.pango_layout
    drawn = getattr(layout, _DRAWN, None)
    if drawn is None or (drawn and not _usable(stream, drawn[1])):
        textbox.pango_layout = copy.copy(layout)  # WeasyPrint changes the layout it draws
        drawn = _record(textbox, stream, offset_x, text_overflow, block_ellipsis) or False
        if drawn and not _usable(stream, drawn[1]):  # other widths in this document
            _STOCK["draw_text"](stream, textbox, offset_x, text_overflow, block_ellipsis)
            return
        setattr(layout, _DRAWN, drawn)
    if drawn:
        _replay(stream, textbox, *drawn)
    else:
        textbox.pango_layout = copy.copy(layout)
        _STOCK["draw_text"](stream, textbox, offset_x, text_overflow, block_ellipsis)


def _replay(stream, textbox, ops, fonts) -> None:
    """A line's noted drawing written in the document's stream, at this text box's place
    and in its colour."""
    from weasyprint.matrix import Matrix

    for name, args in ops:
        if name == "font":
            _merge(stream._fonts[args], *fonts[args])
        elif name == "set_text_matrix":
            x, y = textbox.position_x, textbox.position_y + textbox.baseline
            stream.set_text_matrix(*Matrix(d=-1, e=x, f=y).values)
        elif name == "set_color":
            stream.set_color(textbox.style["color"])
        else:
            getattr(stream, name)(*args)


def install() -> bool:
    """Put both shortcuts in place (once per process) if this WeasyPrint is a checked
    version; True when they are in place."""
    import weasyprint
    import weasyprint.draw
    import weasyprint.layout.inline
    import weasyprint.layout.preferred
    from weasyprint.draw import text
    from weasyprint.text import line_break

    with _LOCK:
        if _STOCK:
            return True
        if weasyprint.__version__.split(".")[0] not in CHECKED_MAJORS:
            return False
        _STOCK.update(split_first_line=line_break.split_first_line,
                      draw_text=text.draw_text)
        swap(_STOCK["split_first_line"], split_first_line)
        swap(_STOCK["draw_text"], draw_text)
        return True


def uninstall() -> None:
    """WeasyPrint's own routines back, the lines kept forgotten (to compare both)."""
    with _LOCK:
        if _STOCK:
            swap(split_first_line, _STOCK.pop("split_first_line"))
            swap(draw_text, _STOCK.pop("draw_text"))
            _STOCK.clear()
        _LINES.clear()
