"""Table writers in the formats French analysts use: CSV for Excel (``;``, decimal comma,
UTF-8 with BOM) and XLSX (French headers, frozen header row, filters, number formats)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from pacte.labels import COLUMN_LABELS, ranking_headers


def records(df: pd.DataFrame) -> list[dict]:
    """JSON-safe records: NaN -> null, numpy scalars -> Python."""
    return json.loads(df.to_json(orient="records", force_ascii=False, double_precision=15))


def french_headers(df: pd.DataFrame) -> dict[str, str]:
    """Column -> French header: ranking labels with the rule's dimension labels
    (``df.attrs['dimensions']``), then the general column labels."""
    heads = ranking_headers(df.columns, df.attrs.get("dimensions", {}))
    return {c: COLUMN_LABELS.get(c, h) if h == c else h for c, h in heads.items()}


def write_csv_fr(df: pd.DataFrame, path: Path) -> Path:
    """CSV as French analysts open it in Excel: ';' separator, decimal comma, UTF-8 + BOM."""
    df.rename(columns=french_headers(df)).to_csv(path, sep=";", decimal=",", index=False,
                                                   encoding="utf-8-sig", float_format="%.4f")
    return path


def write_xlsx(df: pd.DataFrame, path: Path, title: str = "Classement") -> Path:
    """XLSX with French headers, frozen header row, filters and number formats."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    heads = french_headers(df)
    ws.append([heads[c] for c in df.columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in df.itertuples(index=False):
        ws.append([None if isinstance(v, float) and np.isnan(v) else
                   v.item() if isinstance(v, np.generic) else v for v in row])
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
    wb.save(path)
    return path
