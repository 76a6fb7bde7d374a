"""Terminal tables written as plain text, without importing rich, where rich would write
exactly the same bytes: standard output is a file or a pipe (no terminal, so rich writes no
style), in UTF-8, and every text is made of characters one cell wide, holds no rich markup
and needs no word longer than the line to be folded. Anything else returns None or False,
and the caller renders with rich as before (a terminal keeps rich's bold and colours).

The wrapping is rich's (:func:`rich._wrap.divide_line` without folding, then
``Text.rstrip_end``); the box table is rich's ``HEAVY_HEAD`` box with the fixed column
widths :func:`pacte.cli.tables.render` gives, a centred title and a left-justified caption.
"""

from __future__ import annotations

import os
import re
import sys
import unicodedata
from collections.abc import Sequence

_WORD = re.compile(r"\s*\S+\s*")
_TRAILING = re.compile(r"\s+$")
#: What rich's console markup or emoji codes would change in a text it renders from a str.
_MARKUP = re.compile(r"\[|:\S*?:")
_EMOJI = re.compile(r":\S*?:")
_SIMPLE: dict[str, bool] = {}


def _simple_char(c: str) -> bool:
    o = ord(c)
    if 32 <= o < 127:
        return True
    ok = _SIMPLE.get(c)
    if ok is None:
        ok = _SIMPLE[c] = (o >= 0xA0 and unicodedata.east_asian_width(c) not in "WF"
                           and unicodedata.category(c) not in ("Mn", "Me", "Mc", "Cf", "Cc",
                                                               "Co", "Cs", "Cn", "Zl", "Zp"))
    return ok


def simple(text: str) -> bool:
    """Every character of ``text`` is one cell wide for rich (no control, combining or wide
    character)."""
    return text.isascii() and text.isprintable() or all(map(_simple_char, text))


def plain_width(stderr: bool = False) -> int | None:
    """The width rich's ``Console()`` (``Console(stderr=True)``) takes for standard output
    (error) when it writes no style (the stream is not a terminal, nothing forces one), or
    None when rich might style or measure otherwise."""
    env = os.environ
    if any(k in env for k in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE",
                              "JUPYTER_COLUMNS", "JUPYTER_LINES")):
        return None
    if "ipykernel" in sys.modules or "idlelib" in sys.modules:
        return None
    out = sys.stderr if stderr else sys.stdout
    try:
        if out.isatty():
            return None
    except (AttributeError, ValueError):
        return None
    if not str(getattr(out, "encoding", "") or "").lower().startswith("utf"):
        return None
    columns = env.get("COLUMNS")
    if columns is not None and columns.isdigit():
        return int(columns) or None
    width = None
    for fd in (0, 1, 2):  # as rich: the first standard stream that is a terminal
        try:
            width = os.get_terminal_size(fd)[0]
        except (AttributeError, ValueError, OSError):
            continue
        break
    return width or 80


def wrap(text: str, width: int) -> list[str] | None:
    """The lines rich writes for ``Text(text)`` at ``width`` (no justification), or None
    when a word would have to be folded or a character is not one cell wide."""
    if not simple(text.replace("\n", "")):
        return None
    out: list[str] = []
    for line in text.split("\n"):
        breaks, offset = [], 0
        for m in _WORD.finditer(line):
            word = m.group(0)
            length = len(word.rstrip())
            if width - offset >= length:
                offset += len(word)
            elif length > width:
                return None  # rich folds it
            elif offset and m.start():
                breaks.append(m.start())
                offset = len(word)
        for start, end in zip([0, *breaks], [*breaks, len(line)], strict=True):
            piece = line[start:end]
            if len(piece) > width and (ws := _TRAILING.search(piece)):
                piece = piece[:len(piece) - min(len(ws.group(0)), len(piece) - width)]
            out.append(piece)
    return out


def text_lines(lines: Sequence[str], width: int) -> str | None:
    """``lines`` (each printed by rich as a ``Text``) as rich writes them, or None."""
    out = []
    for line in lines:
        wrapped = wrap(line, width)
        if wrapped is None:
            return None
        out += wrapped
    return "".join(f"{line}\n" for line in out)


def _justified(lines: list[str], width: int, right: bool) -> list[str]:
    return [line.rstrip().rjust(width) if right else line.ljust(width) for line in lines]


def box_table(title: str | None, caption: str | None, headers: Sequence[str],
              cells: Sequence[Sequence[str]], widths: Sequence[int],
              right: Sequence[bool]) -> str | None:
    """Rich's table (``HEAVY_HEAD``, padding of one, fixed ``widths``, headers aligned to
    the bottom, cells to the top, long texts wrapped between words), or None. The title
    and the cells are texts for rich too (:func:`pacte.cli.tables.render`), never markup;
    the headers and the caption are markup for rich, so any « [ » in them goes to rich."""
    if not cells or any(_MARKUP.search(t) for t in headers):
        return None
    total = sum(widths) + 3 * len(widths) + 1

    def block(row: Sequence[str], edge: str, bottom: bool) -> str | None:
        wrapped = []
        for t, w, r in zip(row, widths, right, strict=True):
            lines = wrap(t, w)
            if lines is None:
                return None
            wrapped.append(_justified(lines, w, r))
        height = max(map(len, wrapped))
        for k, (lines, w) in enumerate(zip(wrapped, widths, strict=True)):
            gap = [" " * w] * (height - len(lines))
            wrapped[k] = gap + lines if bottom else lines + gap
        return "".join(edge + edge.join(f" {c} " for c in parts) + edge + "\n"
                       for parts in zip(*wrapped, strict=True))

    out = []
    if title:
        lines = wrap(title, total)
        if lines is None:
            return None
        for t in lines:
            t = t.rstrip()
            left = (total - len(t)) // 2
            out.append(" " * left + t + " " * (total - len(t) - left) + "\n")
    head = block(headers, "┃", bottom=True)
    if head is None:
        return None
    out.append("┏" + "┳".join("━" * (w + 2) for w in widths) + "┓\n")
    out.append(head)
    out.append("┡" + "╇".join("━" * (w + 2) for w in widths) + "┩\n")
    for row in cells:
        body = block(row, "│", bottom=False)
        if body is None:
            return None
        out.append(body)
    out.append("└" + "┴".join("─" * (w + 2) for w in widths) + "┘\n")
    if caption:
        lines = None if _MARKUP.search(caption) else wrap(caption, total)
        if lines is None:
            return None
        out += [f"{line.ljust(total)}\n" for line in lines]
    return "".join(out)


def plain_print(text: str, stderr: bool = False, markup: bool = True,
                soft_wrap: bool = False) -> bool:
    """Write ``text`` as ``Console().print(text, markup=markup, soft_wrap=soft_wrap)``
    (``stderr``: on standard error) would, when that is plain text; False (nothing
    written) when rich must print it."""
    width = plain_width(stderr)
    if width is None or (_MARKUP if markup else _EMOJI).search(text):
        return False
    if soft_wrap:
        lines = f"{text}\n" if simple(text) and "\n" not in text else None
    else:
        lines = text_lines([text], width)
    if lines is None:
        return False
    (sys.stderr if stderr else sys.stdout).write(lines)
    return True
