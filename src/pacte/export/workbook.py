"""The wide table as an Excel workbook: French headers with units, number formats from the
catalogue's precision, frozen header, codes stored as text, and a "Sources" sheet (source,
vintage, licence of every table the figures come from, build hash, attribution line) and a
"Définitions" sheet (one row per indicator column: the catalogue's definition, unit,
direction, source, period and resolution)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pacte.export.cells import set_text_cell
from pacte.export.table import Table, as_table
from pacte.export.tables import save_workbook, store_line, xlsx_workbook
from pacte.labels import ATTRIBUTION


def write_wide_xlsx(data: Table | pd.DataFrame, path: Path, meta: dict,
                    title: str = "Indicateurs") -> Path:
    """Write the wide table ``data`` and its provenance ``meta`` (an answer's envelope)."""
    from openpyxl.styles import Font

    table = as_table(data)
    wb = xlsx_workbook(table, title=title, attribution=None)
    src = wb.create_sheet("Sources")
    src.append(["Source", "Millésime", "Licence", "Table"])
    row = 1
    for row, s in enumerate(meta.get("sources", []), 2):
        for j, v in enumerate((s.get("source"), s.get("vintage"), s.get("licence"),
                               s.get("table")), 1):
            set_text_cell(src.cell(row=row, column=j), v)
    # an empty line, then the build and the attribution
    src.cell(row=row + 2, column=1, value=store_line(meta))
    set_text_cell(src.cell(row=row + 3, column=1), meta.get("attribution") or ATTRIBUTION)
    for cell in src[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCD", (90, 30, 40, 24), strict=True):
        src.column_dimensions[letter].width = width
    src.freeze_panes = "A2"
    _definitions(wb.create_sheet("Définitions"), table)
    return save_workbook(wb, path)


def _definitions(ws, table: Table) -> None:
    """One row per indicator column: the catalogue's text (``pacte indicators --list``)
    beside the column's French header."""
    from openpyxl.styles import Alignment, Font

    from pacte.catalogue import DIRECTION_LABELS, INDICATORS

    ws.append(["Colonne", "Identifiant", "Définition (formule)", "Unité", "Décimales", "Sens",
               "Source", "Période", "Résolution"])
    for c in table.indicator_columns:
        ind = INDICATORS.get(c.indicator or "")
        ws.append([c.french_header, c.indicator, ind.formula if ind else "", c.unit,
                   c.decimals, DIRECTION_LABELS[ind.direction] if ind else "",
                   c.source_name, c.period, c.resolution])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDEFGHI", (50, 26, 70, 10, 10, 26, 22, 12, 40), strict=True):
        ws.column_dimensions[letter].width = width
    for row in ws.iter_rows(min_row=2, min_col=3, max_col=3):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
