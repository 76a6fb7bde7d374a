"""The wide table as an Excel workbook: French headers with units, frozen header, codes
stored as text, and a "Sources" sheet (source, vintage, licence of every table the figures
come from, build hash, attribution line)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pacte.export.tables import write_xlsx
from pacte.export.wide import with_headers
from pacte.labels import ATTRIBUTION


def write_wide_xlsx(df: pd.DataFrame, path: Path, meta: dict, title: str = "Indicateurs"
                    ) -> Path:
    """Write the wide table ``df`` and its provenance ``meta`` (an answer's envelope)."""
    from openpyxl import load_workbook
    from openpyxl.styles import Font

    write_xlsx(with_headers(df, french=True), path, title=title, attribution=None)
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    for j, col in enumerate(df.columns, 1):
        if col in ("code", "name"):
            for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                cell.number_format = "@"
    src = wb.create_sheet("Sources")
    src.append(["Source", "Millésime", "Licence", "Table"])
    for s in meta.get("sources", []):
        src.append([s.get("source"), s.get("vintage"), s.get("licence"), s.get("table")])
    src.append([])
    src.append([f"Store pacte : empreinte {meta.get('build_hash')}, construit le "
                f"{str(meta.get('built_at') or '')[:10]}"])
    src.append([meta.get("attribution") or ATTRIBUTION])
    for cell in src[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCD", (90, 30, 40, 24), strict=True):
        src.column_dimensions[letter].width = width
    src.freeze_panes = "A2"
    wb.save(path)
    return Path(path)
