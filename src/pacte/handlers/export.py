"""Exports of a level's indicators as a wide table (``pacte export`` and the API's
``/api/export``): one writer per format, the same file from both."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pacte.export.formats import MEDIA, ExportFormat
from pacte.handlers.basins import BASIN_LEVEL, export_basins

__all__ = ["MEDIA", "ExportFormat", "export_level"]


def export_level(con: duckdb.DuckDBPyConnection, level: str, fmt: ExportFormat | str,
                 out: Path, indicator: list[str] | None = None, period: str | None = None,
                 attribution_file: bool = True, max_cells: int | None = None
                 ) -> tuple[int, dict]:
    """Write the wide table of ``level`` to ``out``: (number of territories, envelope).
    CSV files (csv, csv-fr) get their attribution in a ``.sources.txt`` sidecar unless
    ``attribution_file`` is false (the API sends it in a header instead). With
    ``max_cells``, a table of more cells (territories x columns; four times more for CSV and
    Parquet, which cost little per cell) is refused before it is written."""
    from pacte.export.atomic import check_target
    from pacte.export.geo import write_geojson, write_gpkg
    from pacte.export.parquet import write_parquet
    from pacte.export.tables import write_attribution, write_csv, write_csv_fr
    from pacte.export.wide import wide_table
    from pacte.export.workbook import write_wide_xlsx
    from pacte.handlers.indicators import indicators

    fmt = ExportFormat(fmt)
    check_target(out)  # before any computation: a device or a folder is refused
    if level == BASIN_LEVEL:  # candidate basins: their own table, not the catalogue
        return export_basins(con, fmt, out, attribution_file)
    ans = indicators(con, level, indicator or None, period)
    table = wide_table(ans.data)
    if max_cells is not None:
        check_size(table.frame, fmt, max_cells)
    meta = {**ans.meta, "level": level, "indicators": indicator or "tous",
            "period": period or "toutes"}
    if fmt is ExportFormat.csv:  # machine format: stable identifiers, full precision
        write_csv(table.frame.set_axis(table.headers(), axis=1), out, index=False,
                  encoding="utf-8")
        if attribution_file:
            write_attribution(out, meta["attribution"])
    elif fmt is ExportFormat.csv_fr:
        write_csv_fr(table, out, attribution=meta["attribution"] if attribution_file else None)
    elif fmt is ExportFormat.xlsx:
        write_wide_xlsx(table, out, meta, title=f"Indicateurs {level}")
    elif fmt is ExportFormat.geojson:
        write_geojson(con, table, level, out, meta)
    elif fmt is ExportFormat.gpkg:
        write_gpkg(con, table, level, out, meta)
    else:
        write_parquet(table, out, meta)
    return len(table), meta


#: Formats whose cost per cell is small (no styles, no geometry): a larger bound.
CHEAP = {ExportFormat.csv: 4, ExportFormat.csv_fr: 4, ExportFormat.parquet: 4}


def check_size(df, fmt: ExportFormat, max_cells: int) -> None:
    """Refuse (French, naming the bound) a wide table too large for ``fmt``."""
    from pacte.errors import InvalidParameterError
    from pacte.labels import fr_number

    bound = max_cells * CHEAP.get(fmt, 1)
    cells = len(df) * df.shape[1]
    if cells > bound:
        raise InvalidParameterError(
            f"export trop lourd : {fr_number(len(df))} territoires x {df.shape[1]} colonnes = "
            f"{fr_number(cells)} cellules au format {fmt.value} (maximum : {fr_number(bound)}, "
            "réglage PACTE_MAX_EXPORT_CELLS) ; choisissez des indicateurs (indicator) ou une "
            "période (period)")
