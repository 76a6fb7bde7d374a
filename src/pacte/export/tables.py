"""Table writers in the formats French analysts use: CSV for Excel (``;``, decimal comma,
UTF-8 with BOM) and XLSX (French headers, frozen header row, filters, number formats). They
take a :class:`~pacte.export.table.Table` (rows and what each column is); a bare DataFrame
is described by its column names (:func:`~pacte.export.table.describe`)."""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from pacte.export.atomic import atomic_path, write_text
from pacte.export.cells import neutralise, safe_frame, set_text_cell
from pacte.export.table import DEFAULT_DECIMALS, Table, as_table
from pacte.labels import ATTRIBUTION, fr_datetime

#: Suffix of the attribution sidecar written beside every CSV.
SOURCES_SUFFIX = ".sources.txt"
#: Columns stored as text cells in XLSX (codes keep their leading zeros).
TEXT_COLUMNS = ("code", "name")


def records(df: pd.DataFrame) -> list[dict]:
    """JSON-safe records: NaN -> null, numpy scalars -> Python."""
    return json.loads(df.to_json(orient="records", force_ascii=False, double_precision=15))


def _french_value(v):
    return "oui" if v is True else "non" if v is False else v


def french_frame(data: Table | pd.DataFrame, dimensions: Mapping[str, str] | None = None
                 ) -> pd.DataFrame:
    """The rows as a person reads them (csv-fr): French headers, booleans as « oui » /
    « non », figures rounded to their column's decimals (whole numbers as integers, no
    "47505,0000", no "-0")."""
    t = as_table(data, dimensions)
    out = []
    for c in t.columns:
        s = t.frame[c.id]
        if pd.api.types.is_bool_dtype(s) or (s.dtype == object and s.map(
                lambda v: isinstance(v, bool | np.bool_)).any()):
            s = s.map(lambda v: _french_value(v.item() if isinstance(v, np.bool_) else v))
        elif pd.api.types.is_float_dtype(s):
            decimals = DEFAULT_DECIMALS if c.decimals is None else c.decimals
            s = s.round(decimals) + 0.0  # + 0.0: -0.0 becomes 0.0
            if decimals == 0 and np.isfinite(s.dropna()).all():
                s = s.astype("Int64")
        out.append(s.reset_index(drop=True))
    frame = pd.concat(out, axis=1) if out else pd.DataFrame(index=range(len(t)))
    return frame.set_axis(t.headers(french=True), axis=1)


def store_line(meta: dict) -> str:
    """« Store pacte : empreinte …, construit le 6 décembre 2026 » from an envelope."""
    return (f"Store pacte : empreinte {meta.get('build_hash')}, construit le "
            f"{fr_datetime(meta.get('built_at') or '', with_time=False)}")


def provenance_lines(meta: dict) -> list[str]:
    """The provenance of an export (an answer's envelope) as lines of text: each source
    with its vintage and licence, the store, the attribution line."""
    lines = [f"Source : {s.get('source')} — millésime {s.get('vintage')} — "
             f"{s.get('licence')}" for s in meta.get("sources", [])]
    return [*lines, store_line(meta), str(meta.get("attribution") or ATTRIBUTION)]


def write_attribution(path: Path, attribution: str = ATTRIBUTION) -> Path:
    """The attribution sidecar of a data file: ``<file>.sources.txt``."""
    side = Path(path).with_name(Path(path).name + SOURCES_SUFFIX)
    return write_text(side, f"{Path(path).name}\n{attribution}\n")


def write_csv(df: pd.DataFrame, path: Path, footer: Sequence[str] = (), **to_csv) -> Path:
    """``df.to_csv(path, **to_csv)``, formula-like texts neutralised, written whole or not
    at all (:mod:`pacte.export.atomic`); ``footer`` lines, if any, after one empty line,
    each as a one-cell row."""
    with atomic_path(path) as tmp:
        safe_frame(df).to_csv(tmp, **to_csv)
        if footer:
            with open(tmp, "a", encoding="utf-8", newline="") as f:
                w = csv.writer(f, delimiter=to_csv.get("sep", ","), lineterminator="\n")
                w.writerow([])
                for line in footer:
                    w.writerow([neutralise(line)])
    return Path(path)


def write_csv_fr(data: Table | pd.DataFrame, path: Path,
                 attribution: str | None = ATTRIBUTION,
                 dimensions: Mapping[str, str] | None = None,
                 footer: Sequence[str] = ()) -> Path:
    """CSV as French analysts open it in Excel: ';' separator, decimal comma, UTF-8 + BOM,
    French headers, « oui »/« non », figures to their meaningful decimals
    (:func:`french_frame`; ``dimensions``: the rule's dimension labels of a ranking). The
    header is always the first line. The attribution goes to a sidecar
    ``<file>.sources.txt``; a file that travels alone (a browser download) gets its
    provenance as ``footer`` lines instead, below the rows after one empty line (Excel's
    sort and filter stop at the empty line and leave them out)."""
    write_csv(french_frame(data, dimensions), path, footer=footer, sep=";", decimal=",",
              index=False, encoding="utf-8-sig")
    if attribution:
        write_attribution(path, attribution)
    return path


def save_workbook(wb, path: Path) -> Path:
    """Save an openpyxl workbook whole or not at all."""
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return Path(path)


def write_xlsx(data: Table | pd.DataFrame, path: Path, title: str = "Classement",
               attribution: str | None = ATTRIBUTION,
               dimensions: Mapping[str, str] | None = None) -> Path:
    """XLSX with French headers, frozen header row, filters and number formats; a second
    sheet "Sources" holds the attribution line (the data sheet stays first and active).
    Written whole or not at all; a formula-like text stays text. Plain tables are written
    directly (:mod:`pacte.export.xlsx_fast`, the same workbook), others with openpyxl."""
    from pacte.export.xlsx_fast import Unsupported, write_workbook

    t = as_table(data, dimensions)
    heads = t.headers(french=True)
    if heads:
        rows = [heads, *([_cell_value(v) for v in row]
                         for row in t.frame.itertuples(index=False))]
        sheets = [(title[:31], rows, _formats(t), _widths(t, heads), True)]
        if attribution:
            sheets.append(("Sources", [["Sources et licence"], [attribution]], [None],
                           [min(len(attribution) + 2, 120)], False))
        try:
            with atomic_path(path) as tmp:
                write_workbook(tmp, sheets)
            return Path(path)
        except Unsupported:
            pass
    return save_workbook(xlsx_workbook(t, title, attribution), path)


def _formats(t: Table) -> list[str | None]:
    """Each column's XLSX number format: text for codes and names, else its decimals'."""
    return ["@" if c.id in TEXT_COLUMNS else number_format(c.decimals, c.thousands)
            for c in t.columns]


def _widths(t: Table, heads: list[str]) -> list[int]:
    """Column widths: the header's or the longest of the first 200 values, + 2, 8 to 60."""
    return [min(max(max([len(head), *(len(str(v)) for v in t.frame[c.id].head(200))]) + 2,
                    8), 60) for c, head in zip(t.columns, heads, strict=True)]


def append_frame(ws, df: pd.DataFrame) -> None:
    """``df`` (header row, then rows) below the last row of an openpyxl sheet; NaN as empty
    cells, numpy scalars as Python, formula-like texts as text."""
    start = ws.max_row + 1 if ws.max_row > 1 or ws.cell(1, 1).value is not None else 1
    for j, col in enumerate(df.columns, 1):
        set_text_cell(ws.cell(row=start, column=j), str(col))
    for i, row in enumerate(df.itertuples(index=False), start + 1):
        for j, v in enumerate(row, 1):
            set_text_cell(ws.cell(row=i, column=j),
                          None if v is None or (isinstance(v, float) and np.isnan(v)) or
                          v is pd.NA else
                          v.item() + 0 if isinstance(v, np.floating) else
                          v.item() if isinstance(v, np.generic) else v)


def number_format(decimals: int | None, thousands: bool = True) -> str | None:
    """Excel number format of a figure with ``decimals`` meaningful decimals: whole numbers
    with a thousands separator (« 18 416 » in French Excel; a year without: « 2016 »),
    others to their decimals (« 8,2 »); None keeps Excel's General format."""
    if decimals is None:
        return None
    if decimals == 0:
        return "#,##0" if thousands else "0"
    return "0." + "0" * decimals


def _cell_value(v):
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, bool):
        return _french_value(v)
    return v + 0 if isinstance(v, float) else v  # + 0: no "-0"


def xlsx_workbook(data: Table | pd.DataFrame, title: str = "Classement",
                  attribution: str | None = ATTRIBUTION,
                  dimensions: Mapping[str, str] | None = None):
    """The workbook of :func:`write_xlsx`, not saved (callers add sheets to it). Figures
    keep their full precision and get their column's number format; booleans read
    « oui » / « non »; codes and names are text cells."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    t = as_table(data, dimensions)
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    heads = t.headers(french=True)
    for j, head in enumerate(heads, 1):
        cell = ws.cell(row=1, column=j)
        set_text_cell(cell, head)
        cell.font = Font(bold=True)
    fmts = _formats(t)
    for i, row in enumerate(t.frame.itertuples(index=False), 2):
        for j, (v, fmt) in enumerate(zip(row, fmts, strict=True), 1):
            cell = ws.cell(row=i, column=j)
            set_text_cell(cell, _cell_value(v))
            if fmt:
                cell.number_format = fmt
    for j, width in enumerate(_widths(t, heads), 1):
        ws.column_dimensions[get_column_letter(j)].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    if attribution:
        src = wb.create_sheet("Sources")
        src.append(["Sources et licence"])
        src["A1"].font = Font(bold=True)
        src.append([attribution])
        src.column_dimensions["A"].width = min(len(attribution) + 2, 120)
    return wb
