"""Render tables in the terminal: a table (French labels, French number format), CSV or
JSON on standard output.

The core works on typed rows (:class:`pacte.store.rows.Rows`: column names, plain tuples and
which columns are numeric), so that a reader answering from DuckDB rows needs no pandas; a
DataFrame is first turned into such rows (:func:`frame_rows`), and both give the same bytes.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from pacte.cli.common import Format
from pacte.labels import ATTRIBUTION, fr_number
from pacte.labels import COLUMN_LABELS as LABELS
from pacte.store.rows import Rows, csv_text, json_text

if TYPE_CHECKING:
    import pandas as pd
    from rich.console import Console


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or type(v).__name__ in (
        "NAType", "NaTType")


def _cell(v, col: str) -> str:
    if isinstance(v, float) and col in ("urban_share",) and not math.isnan(v):
        return fr_number(100 * v, 1) + " %"
    if isinstance(v, float) and not math.isnan(v) and abs(v - round(v)) > 1e-9:
        return fr_number(v, 2)
    if not isinstance(v, list | tuple | dict) and _missing(v):
        return "—"
    return v if isinstance(v, str) else fr_number(v)


#: Columns never shortened in a terminal table, however long (codes are identifiers).
NEVER_CUT = frozenset({"code", "Code", "rank", "Rang", "siren", "commune", "epci", "dep", "reg",
                       "id", "Identifiant", "indicator", "Indicateur"})


#: Columns that identify a row: in a stacked table they head each block.
IDENTITY = ("rank", "Rang", "Rang régional", "code", "Code", "name", "Nom", "Identifiant",
            "Indicateur", "indicator", "id")


def frame_rows(df: pd.DataFrame) -> Rows:
    """A DataFrame as typed rows (numeric: a numeric dtype that is not boolean)."""
    import pandas as pd

    numeric = tuple(pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(
        df[c]) for c in df.columns)
    return Rows(tuple(df.columns), list(df.itertuples(index=False, name=None)), numeric)


def records(df: pd.DataFrame) -> list[dict]:
    """JSON-safe records of a DataFrame (:func:`pacte.export.tables.records`)."""
    from pacte.export.tables import records as frame_records

    return frame_records(df)


def _fixed(rows: Rows, longest: list[int]) -> list[bool]:
    return [n <= 14 or c in NEVER_CUT or c in IDENTITY or num
            for c, n, num in zip(rows.columns, longest, rows.numeric, strict=True)]


def _widths(rows: Rows, cells: list[list[str]], total: int) -> list[int] | None:
    """Column widths for a terminal of ``total`` characters, or None when the table cannot
    fit without cutting an identifier or a value: identifiers (code, name, rank), numbers and
    short texts keep their full width; long free text shares what is left (at least 12
    characters each) and wraps onto several lines, never cut."""
    longest = [max([len(r[i]) for r in cells] + [1]) for i in range(len(rows.columns))]
    headers = [len(LABELS.get(c, c)) for c in rows.columns]
    fixed = _fixed(rows, longest)
    widths = [max(n, min(h, 14)) if f else 0
              for n, h, f in zip(longest, headers, fixed, strict=True)]
    free = [i for i, f in enumerate(fixed) if not f]
    room = total - sum(widths) - 3 * len(widths) - 1
    if room < 12 * len(free) or (not free and room < 0):
        return None
    for i in sorted(free, key=lambda i: longest[i]):  # the shortest texts first
        share = max(12, room // len(free))
        widths[i] = min(max(longest[i], min(headers[i], 14)), share, 48)
        room -= widths[i]
        free.remove(i)
    return widths


def render_stacked(columns: Sequence[str], cells: list[list[str]], console: Console,
                   title: str | None = None) -> None:
    """A table too wide for the terminal, one block per row: the identifying columns on the
    block's first line, then one line per other column, labels aligned, values never cut
    (long values wrap under themselves)."""
    from rich.console import Group
    from rich.text import Text

    lines = [Text(t, style=st or None, overflow="fold" if not st and t else None)
             for t, st in _stacked_lines(columns, cells, title)]
    console.print(Group(*lines))  # one print: the same bytes as one per line, 3 times faster


def _numeric(values: Sequence, declared: bool) -> bool:
    """A column of numbers: a numeric column, or one holding only numbers, number-like
    texts and gaps (booleans are not numbers)."""
    if declared:
        return True
    import re

    vals = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    number = re.compile(r"^[-+−]?[\d\u202f\u00a0 ]*[\d][\d,.]*$")
    return bool(vals) and all((isinstance(v, int | float) and not isinstance(v, bool))
                              or (isinstance(v, str) and (v == "—" or number.match(v)))
                              for v in vals)


def render_grouped(df: pd.DataFrame | Rows, group: str, title: str | None = None,
                   console: Console | None = None) -> None:
    """A long table whose first column repeats (an indicator's label over its sources and
    periods): each label on its own line, then its rows, the values aligned in columns of one
    width across groups; nothing is cut (a label longer than the terminal wraps)."""
    from pacte.cli.common import LazyConsole

    rows = df if isinstance(df, Rows) else frame_rows(df)
    plain_console = console is None or (isinstance(console, LazyConsole)
                                        and console.writes_stdout())
    gi = rows.columns.index(group)
    rest = [i for i in range(len(rows.columns)) if i != gi]
    cells = [[_cell(row[i], rows.columns[i]) for i in rest] for row in rows.rows]
    heads = [LABELS.get(rows.columns[i], rows.columns[i]) for i in rest]
    widths = [max([len(h)] + [len(r[j]) for r in cells]) for j, h in enumerate(heads)]
    numeric = [_numeric([row[i] for row in rows.rows], rows.numeric[i]) for i in rest]

    def line(values: list[str]) -> str:
        return "    " + "  ".join(v.rjust(w) if n else v.ljust(w)
                                  for v, w, n in zip(values, widths, numeric, strict=True))

    texts = [title] if title else []  # each line with its style
    styles = ["bold"] if title else []
    texts.append(line(heads).rstrip())
    styles.append("bold")
    groups: dict = {}  # label -> its rows, labels in order of first appearance
    for j, row in enumerate(rows.rows):
        groups.setdefault(row[gi], []).append(j)
    for k, (label, members) in enumerate(groups.items()):
        texts.append(str(label))
        styles.append("bold" if k % 2 == 0 else "bold cyan")
        texts += [line(cells[j]).rstrip() for j in members]
        styles += ["" for _ in members]
    if plain_console:
        from pacte.cli import plain

        width = plain.plain_width()
        text = None if width is None else plain.text_lines(texts, width)
        if text is not None:
            sys.stdout.write(text)
            return
    from rich.console import Console, Group
    from rich.text import Text

    console = console or Console()
    console.print(Group(*(Text(t, style=st, overflow="fold")
                          for t, st in zip(texts, styles, strict=True))))


def _stacked_lines(columns: Sequence[str], cells: list[list[str]],
                   title: str | None) -> list[tuple[str, str]]:
    """The lines of :func:`render_stacked`, each with its style (printed as a ``Text``)."""
    heads = [LABELS.get(c, c) for c in columns]
    ident = [i for i, c in enumerate(columns) if c in IDENTITY]
    rest = [i for i in range(len(columns)) if i not in ident]
    pad = max([len(heads[i]) for i in rest] + [0])
    lines = [(title, "bold")] if title else []
    for row in cells:
        line = " · ".join(row[i] for i in ident if row[i] not in ("", "—"))
        lines.append((line or "—", "bold"))
        lines += [(f"  {heads[i].ljust(pad)}  {row[i]}", "") for i in rest]
        lines.append(("", ""))
    return lines


def _render_plain(rows: Rows, cells: list[list[str]], title: str | None,
                  footer: bool) -> bool:
    """Write the table as :func:`render` would through rich, without rich, when that is
    plain text (:mod:`pacte.cli.plain`); False (nothing written) otherwise."""
    from pacte.cli import plain

    width = plain.plain_width()
    if width is None:
        return False
    widths = _widths(rows, cells, width)
    if widths is None:
        lines = [t for t, _ in _stacked_lines(rows.columns, cells, title)]
        text = plain.text_lines([*lines, *([ATTRIBUTION] if footer else [])], width)
    else:
        text = plain.box_table(title, ATTRIBUTION if footer else None,
                               [LABELS.get(c, c) for c in rows.columns], cells, widths,
                               rows.numeric)
    if text is None:
        return False
    sys.stdout.write(text)
    return True


def render(df: pd.DataFrame | Rows, fmt: Format | str = Format.table, title: str | None = None,
           console: Console | None = None, footer: bool = True) -> None:
    """A table (a DataFrame or typed rows) on standard output: a French table (with the
    attribution line under it unless ``footer`` is False), CSV or JSON. A table that cannot
    fit the terminal's width without cutting an identifier or a value is stacked (one block
    per row)."""
    fmt = Format(fmt)
    if not isinstance(df, Rows):
        if fmt is Format.csv:
            df.to_csv(sys.stdout, index=False, lineterminator="\n")
            return
        if fmt is Format.json:
            sys.stdout.write(json_text(records(df)))
            return
    rows = df if isinstance(df, Rows) else frame_rows(df)
    if fmt is Format.csv:
        sys.stdout.write(csv_text(rows))
    elif fmt is Format.json:
        sys.stdout.write(json_text(rows))
    else:
        cells = [[_cell(v, c) for v, c in zip(row, rows.columns, strict=True)]
                 for row in rows.rows]
        if console is None and _render_plain(rows, cells, title, footer):
            return
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        console = console or Console()
        widths = _widths(rows, cells, console.width)
        if widths is None:
            render_stacked(rows.columns, cells, console, title)
            if footer:
                console.print(Text(ATTRIBUTION, style="dim"), overflow="fold")
            return
        # texts, never markup: a title or a cell holding « [...] » is written as it is
        table = Table(title=None if title is None else Text(title, style="table.title"),
                      show_lines=False, header_style="bold",
                      caption=ATTRIBUTION if footer else None, caption_style="dim",
                      caption_justify="left")
        for col, width, numeric in zip(rows.columns, widths, rows.numeric, strict=True):
            table.add_column(LABELS.get(col, col), justify="right" if numeric else "left",
                             no_wrap=False, overflow="fold", min_width=width,
                             max_width=width)
        for r in cells:
            table.add_row(*map(Text, r))
        console.print(table)


__all__ = ["Format", "Rows", "fr_number", "frame_rows", "records", "render"]
