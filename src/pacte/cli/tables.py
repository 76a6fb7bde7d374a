"""Render DataFrames in the terminal: a table (French labels, French number format), CSV or
JSON on standard output."""

from __future__ import annotations

import json
import math
import sys

import pandas as pd
from rich.console import Console
from rich.table import Table

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


def _widths(df: pd.DataFrame, cells: list[list[str]], total: int) -> list[int]:
    """Column widths for a terminal of ``total`` characters: numbers and short codes keep
    their full width (never cut); long free text shares what is left (an ellipsis marks the
    cut). Rich alone would squeeze narrow columns to nothing on a crowded table."""
    longest = [max([len(r[i]) for r in cells] + [1]) for i in range(len(df.columns))]
    headers = [len(LABELS.get(c, c)) for c in df.columns]
    fixed = [n <= 14 or c in NEVER_CUT or (pd.api.types.is_numeric_dtype(df[c])
                                          and not pd.api.types.is_bool_dtype(df[c]))
             for c, n in zip(df.columns, longest, strict=True)]
    widths = [max(n, min(h, 14)) if f else 0
              for n, h, f in zip(longest, headers, fixed, strict=True)]
    free = [i for i, f in enumerate(fixed) if not f]
    room = total - sum(widths) - 3 * len(widths) - 1
    for i in sorted(free, key=lambda i: longest[i]):  # the shortest texts first
        share = max(8, room // len(free))
        widths[i] = min(max(longest[i], min(headers[i], 14)), share, 48)
        room -= widths[i]
        free.remove(i)
    return widths


def render(df: pd.DataFrame, fmt: Format | str = Format.table, title: str | None = None,
           console: Console | None = None, footer: bool = True) -> None:
    """A DataFrame on standard output: a French table (with the attribution line under it
    unless ``footer`` is False), CSV or JSON."""
    fmt = Format(fmt)
    if fmt is Format.csv:
        df.to_csv(sys.stdout, index=False, lineterminator="\n")
    elif fmt is Format.json:
        sys.stdout.write(json.dumps(records(df), ensure_ascii=False, indent=1) + "\n")
    else:
        console = console or Console(width=max(Console().width, 110))
        table = Table(title=title, show_lines=False, header_style="bold",
                      caption=ATTRIBUTION if footer else None, caption_style="dim",
                      caption_justify="left")
        cells = [[_cell(v, c) for v, c in zip(row, df.columns, strict=True)]
                 for row in df.itertuples(index=False)]
        for col, width in zip(df.columns, _widths(df, cells, console.width), strict=True):
            numeric = pd.api.types.is_numeric_dtype(df[col]) and not pd.api.types.is_bool_dtype(
                df[col])
            table.add_column(LABELS.get(col, col), justify="right" if numeric else "left",
                             no_wrap=True, overflow="ellipsis", min_width=width,
                             max_width=width)
        for r in cells:
            table.add_row(*r)
        console.print(table)


__all__ = ["Format", "fr_number", "records", "render"]
