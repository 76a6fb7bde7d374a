"""Render DataFrames in the terminal: a table (French labels, French number format), CSV or
JSON on standard output."""

from __future__ import annotations

import json
import math
import sys

import pandas as pd
from rich.console import Console
from rich.table import Table
from rich.text import Text

from pacte.cli.common import Format
from pacte.export.tables import records
from pacte.labels import ATTRIBUTION, fr_number
from pacte.labels import COLUMN_LABELS as LABELS


def _cell(v, col: str) -> str:
    if isinstance(v, float) and col in ("urban_share",) and not math.isnan(v):
        return fr_number(100 * v, 1) + " %"
    if isinstance(v, float) and not math.isnan(v) and abs(v - round(v)) > 1e-9:
        return fr_number(v, 2)
    if pd.isna(v) if not isinstance(v, list | tuple | dict) else False:
        return "—"
    return fr_number(v)


#: Columns never shortened in a terminal table, however long (codes are identifiers).
NEVER_CUT = frozenset({"code", "Code", "rank", "Rang", "siren", "commune", "epci", "dep", "reg",
                       "id", "Identifiant", "indicator", "Indicateur"})


#: Columns that identify a row: in a stacked table they head each block.
IDENTITY = ("rank", "Rang", "Rang régional", "code", "Code", "name", "Nom", "Identifiant",
            "Indicateur", "indicator", "id")


def _fixed(df: pd.DataFrame, longest: list[int]) -> list[bool]:
    return [n <= 14 or c in NEVER_CUT or c in IDENTITY or (pd.api.types.is_numeric_dtype(df[c])
                                          and not pd.api.types.is_bool_dtype(df[c]))
            for c, n in zip(df.columns, longest, strict=True)]


def _widths(df: pd.DataFrame, cells: list[list[str]], total: int) -> list[int] | None:
    """Column widths for a terminal of ``total`` characters, or None when the table cannot
    fit without cutting an identifier or a value: identifiers (code, name, rank), numbers and
    short texts keep their full width; long free text shares what is left (at least 12
    characters each) and wraps onto several lines, never cut."""
    longest = [max([len(r[i]) for r in cells] + [1]) for i in range(len(df.columns))]
    headers = [len(LABELS.get(c, c)) for c in df.columns]
    fixed = _fixed(df, longest)
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


def render_stacked(df: pd.DataFrame, cells: list[list[str]], console: Console,
                   title: str | None = None) -> None:
    """A table too wide for the terminal, one block per row: the identifying columns on the
    block's first line, then one line per other column, labels aligned, values never cut
    (long values wrap under themselves)."""
    from rich.text import Text

    heads = [LABELS.get(c, c) for c in df.columns]
    ident = [i for i, c in enumerate(df.columns) if c in IDENTITY]
    rest = [i for i in range(len(df.columns)) if i not in ident]
    pad = max([len(heads[i]) for i in rest] + [0])
    if title:
        console.print(Text(title, style="bold"))
    for row in cells:
        line = " · ".join(row[i] for i in ident if row[i] not in ("", "—"))
        console.print(Text(line or "—", style="bold"))
        for i in rest:
            label = heads[i].ljust(pad)
            console.print(Text(f"  {label}  {row[i]}"), overflow="fold")
        console.print()


def _numeric(col: pd.Series) -> bool:
    """A column of numbers (an object column holding only numbers and gaps counts)."""
    if pd.api.types.is_bool_dtype(col):
        return False
    if pd.api.types.is_numeric_dtype(col):
        return True
    import re

    vals = [v for v in col if v is not None and not (isinstance(v, float) and math.isnan(v))]
    number = re.compile(r"^[-+−]?[\d\u202f\u00a0 ]*[\d][\d,.]*$")
    return bool(vals) and all((isinstance(v, int | float) and not isinstance(v, bool))
                              or (isinstance(v, str) and (v == "—" or number.match(v)))
                              for v in vals)


def render_grouped(df: pd.DataFrame, group: str, title: str | None = None,
                   console: Console | None = None) -> None:
    """A long table whose first column repeats (an indicator's label over its sources and
    periods): each label on its own line, then its rows, the values aligned in columns of one
    width across groups; nothing is cut (a label longer than the terminal wraps)."""
    console = console or Console()
    rest = [c for c in df.columns if c != group]
    cells = [[_cell(v, c) for v, c in zip(row, rest, strict=True)]
             for row in df[rest].itertuples(index=False)]
    heads = [LABELS.get(c, c) for c in rest]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(heads)]
    numeric = [_numeric(df[c]) for c in rest]

    def line(values: list[str]) -> str:
        return "    " + "  ".join(v.rjust(w) if n else v.ljust(w)
                                  for v, w, n in zip(values, widths, numeric, strict=True))

    if title:
        console.print(Text(title, style="bold"))
    console.print(Text(line(heads).rstrip(), style="bold"), overflow="fold")
    for i, (label, g) in enumerate(df.groupby(group, sort=False)):
        console.print(Text(str(label), style="bold" if i % 2 == 0 else "bold cyan"),
                      overflow="fold")
        for j in g.index:
            console.print(Text(line(cells[df.index.get_loc(j)]).rstrip()), overflow="fold")


def render(df: pd.DataFrame, fmt: Format | str = Format.table, title: str | None = None,
           console: Console | None = None, footer: bool = True) -> None:
    """A DataFrame on standard output: a French table (with the attribution line under it
    unless ``footer`` is False), CSV or JSON. A table that cannot fit the terminal's width
    without cutting an identifier or a value is stacked (one block per row)."""
    fmt = Format(fmt)
    if fmt is Format.csv:
        df.to_csv(sys.stdout, index=False, lineterminator="\n")
    elif fmt is Format.json:
        sys.stdout.write(json.dumps(records(df), ensure_ascii=False, indent=1) + "\n")
    else:
        console = console or Console()
        cells = [[_cell(v, c) for v, c in zip(row, df.columns, strict=True)]
                 for row in df.itertuples(index=False)]
        widths = _widths(df, cells, console.width)
        if widths is None:
            render_stacked(df, cells, console, title)
            if footer:
                console.print(Text(ATTRIBUTION, style="dim"), overflow="fold")
            return
        table = Table(title=title, show_lines=False, header_style="bold",
                      caption=ATTRIBUTION if footer else None, caption_style="dim",
                      caption_justify="left")
        for col, width in zip(df.columns, widths, strict=True):
            numeric = pd.api.types.is_numeric_dtype(df[col]) and not pd.api.types.is_bool_dtype(
                df[col])
            table.add_column(LABELS.get(col, col), justify="right" if numeric else "left",
                             no_wrap=False, overflow="fold", min_width=width,
                             max_width=width)
        for r in cells:
            table.add_row(*r)
        console.print(table)


__all__ = ["Format", "fr_number", "records", "render"]
