"""The wide table as an Excel workbook: French headers with units, frozen header, codes
stored as text, and a "Sources" sheet (source, vintage, licence of every table the figures
come from, build hash, attribution line) and a "Définitions" sheet (one row per column: the
catalogue's definition, unit, direction, source, period and resolution)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pacte.export.cells import set_text_cell
from pacte.export.tables import save_workbook, xlsx_workbook
from pacte.export.wide import with_headers
from pacte.labels import ATTRIBUTION


def write_wide_xlsx(df: pd.DataFrame, path: Path, meta: dict, title: str = "Indicateurs"
                    ) -> Path:
    """Write the wide table ``df`` and its provenance ``meta`` (an answer's envelope)."""
    from openpyxl.styles import Font

    wb = xlsx_workbook(with_headers(df, french=True), title=title, attribution=None)
    ws = wb.worksheets[0]
    for j, col in enumerate(df.columns, 1):
        if col in ("code", "name"):
            for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                cell.number_format = "@"
    src = wb.create_sheet("Sources")
    src.append(["Source", "Millésime", "Licence", "Table"])
    row = 1
    for row, s in enumerate(meta.get("sources", []), 2):
        for j, v in enumerate((s.get("source"), s.get("vintage"), s.get("licence"),
                               s.get("table")), 1):
            set_text_cell(src.cell(row=row, column=j), v)
    # an empty line, then the build and the attribution
    src.cell(row=row + 2, column=1, value=f"Store pacte : empreinte {meta.get('build_hash')}, "
             f"construit le {str(meta.get('built_at') or '')[:10]}")
    set_text_cell(src.cell(row=row + 3, column=1), meta.get("attribution") or ATTRIBUTION)
    for cell in src[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCD", (90, 30, 40, 24), strict=True):
        src.column_dimensions[letter].width = width
    src.freeze_panes = "A2"
    _definitions(wb.create_sheet("Définitions"), df)
    return save_workbook(wb, path)


def _definitions(ws, df: pd.DataFrame) -> None:
    """One row per indicator column of ``df``: the catalogue's text (``pacte indicators
    --list``) beside the column's French header."""
    from openpyxl.styles import Alignment, Font

    from pacte.catalogue import DIRECTION_LABELS, INDICATORS
    from pacte.export.wide import headers

    ws.append(["Colonne", "Identifiant", "Définition (formule)", "Unité", "Sens", "Source",
               "Période", "Résolution"])
    heads = headers(df, french=True)
    for col, m in df.attrs.get("columns", {}).items():
        ind = INDICATORS.get(m["indicator"])
        ws.append([heads.get(col, col), m["indicator"], ind.formula if ind else "",
                   m["unit"], DIRECTION_LABELS[ind.direction] if ind else "",
                   m["source_name"], m["period"], m["resolution"]])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDEFGH", (50, 26, 70, 10, 26, 22, 12, 40), strict=True):
        ws.column_dimensions[letter].width = width
    for row in ws.iter_rows(min_row=2, min_col=3, max_col=3):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
