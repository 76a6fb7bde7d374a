"""Table writers in the formats French analysts use: CSV for Excel (``;``, decimal comma,
UTF-8 with BOM) and XLSX (French headers, frozen header row, filters, number formats)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from pacte.export.atomic import atomic_path, write_text
from pacte.export.cells import safe_frame, set_text_cell
from pacte.labels import ATTRIBUTION, COLUMN_LABELS, ranking_headers

#: Suffix of the attribution sidecar written beside every CSV.
SOURCES_SUFFIX = ".sources.txt"


def records(df: pd.DataFrame) -> list[dict]:
    """JSON-safe records: NaN -> null, numpy scalars -> Python."""
    return json.loads(df.to_json(orient="records", force_ascii=False, double_precision=15))


def french_headers(df: pd.DataFrame) -> dict[str, str]:
    """Column -> French header: ranking labels with the rule's dimension labels
    (``df.attrs['dimensions']``), then the general column labels."""
    heads = ranking_headers(df.columns, df.attrs.get("dimensions", {}))
    return {c: COLUMN_LABELS.get(c, h) if h == c else h for c, h in heads.items()}


def excel_ready(df: pd.DataFrame, decimals: int = 4) -> pd.DataFrame:
    """Float columns holding whole numbers only (population...) as integers (no
    "47505,0000"), the others rounded to ``decimals`` without "-0"."""
    out = df.copy()
    for col in out.columns:
        if not pd.api.types.is_float_dtype(out[col]):
            continue
        values = out[col].dropna()
        if len(values) and np.isfinite(values).all() and (values == values.round()).all():
            out[col] = out[col].round().astype("Int64")
        else:
            out[col] = out[col].round(decimals) + 0.0  # + 0.0: -0.0 becomes 0.0
    return out


def write_attribution(path: Path, attribution: str = ATTRIBUTION) -> Path:
    """The attribution sidecar of a data file: ``<file>.sources.txt``."""
    side = Path(path).with_name(Path(path).name + SOURCES_SUFFIX)
    return write_text(side, f"{Path(path).name}\n{attribution}\n")


def write_csv(df: pd.DataFrame, path: Path, **to_csv) -> Path:
    """``df.to_csv(path, **to_csv)``, formula-like texts neutralised, written whole or not
    at all (:mod:`pacte.export.atomic`)."""
    with atomic_path(path) as tmp:
        safe_frame(df).to_csv(tmp, **to_csv)
    return Path(path)


def write_csv_fr(df: pd.DataFrame, path: Path, attribution: str | None = ATTRIBUTION) -> Path:
    """CSV as French analysts open it in Excel: ';' separator, decimal comma, UTF-8 + BOM,
    whole numbers without decimals; the attribution line in a sidecar
    ``<file>.sources.txt`` (the CSV itself stays one table, for machines too)."""
    write_csv(excel_ready(df).rename(columns=french_headers(df)), path, sep=";", decimal=",",
              index=False, encoding="utf-8-sig", float_format="%.4f")
    if attribution:
        write_attribution(path, attribution)
    return path


def save_workbook(wb, path: Path) -> Path:
    """Save an openpyxl workbook whole or not at all."""
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return Path(path)


def write_xlsx(df: pd.DataFrame, path: Path, title: str = "Classement",
               attribution: str | None = ATTRIBUTION) -> Path:
    """XLSX with French headers, frozen header row, filters and number formats; a second
    sheet "Sources" holds the attribution line (the data sheet stays first and active).
    Written whole or not at all; a formula-like text stays text."""
    return save_workbook(xlsx_workbook(df, title, attribution), path)


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


def xlsx_workbook(df: pd.DataFrame, title: str = "Classement",
                  attribution: str | None = ATTRIBUTION):
    """The workbook of :func:`write_xlsx`, not saved (callers add sheets to it)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    heads = french_headers(df)
    for j, col in enumerate(df.columns, 1):
        cell = ws.cell(row=1, column=j)
        set_text_cell(cell, heads[col])
        cell.font = Font(bold=True)
    for i, row in enumerate(df.itertuples(index=False), 2):
        for j, v in enumerate(row, 1):
            set_text_cell(ws.cell(row=i, column=j),
                          None if isinstance(v, float) and np.isnan(v) else
                          v.item() + 0 if isinstance(v, np.floating) else
                          v.item() if isinstance(v, np.generic) else v)
    for j, col in enumerate(df.columns, 1):
        fmt = ("0.00" if col == "score" or col.startswith(("dim_", "contrib_"))
               else "#,##0" if col == "population" else None)
        letter = get_column_letter(j)
        if fmt:
            for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                cell.number_format = fmt
        width = max(len(heads[col]), *(len(str(v)) for v in df[col].head(200)))
        ws.column_dimensions[letter].width = min(max(width + 2, 8), 60)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    if attribution:
        src = wb.create_sheet("Sources")
        src.append(["Sources et licence"])
        src["A1"].font = Font(bold=True)
        src.append([attribution])
        src.column_dimensions["A"].width = min(len(attribution) + 2, 120)
    return wb
