"""``pacte export``: the indicators of a level as a wide table, in the formats analysts use
(CSV, CSV for French Excel, XLSX, GeoJSON, GeoPackage, Parquet).

Registered on the main Typer app by ``pacte.cli.main`` (``register(app)``).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from pacte.cli.common import DbOpt, err, friendly
from pacte.geography import INDICATOR_LEVELS


class ExportFormat(StrEnum):
    csv = "csv"
    csv_fr = "csv-fr"
    xlsx = "xlsx"
    geojson = "geojson"
    gpkg = "gpkg"
    parquet = "parquet"


def export_level(con, level: str, fmt: ExportFormat | str, out: Path,
                 indicator: list[str] | None = None, period: str | None = None) -> int:
    """Write the wide table of ``level`` to ``out``; returns the number of territories."""
    from pacte.export.geo import write_geojson, write_gpkg
    from pacte.export.parquet import write_parquet
    from pacte.export.tables import write_csv_fr
    from pacte.export.wide import wide_table, with_headers
    from pacte.export.workbook import write_wide_xlsx
    from pacte.handlers.indicators import indicators

    fmt = ExportFormat(fmt)
    ans = indicators(con, level, indicator or None, period)
    df = wide_table(ans.data)
    meta = {**ans.meta, "level": level, "indicators": indicator or "tous",
            "period": period or "toutes"}
    if fmt is ExportFormat.csv:
        with_headers(df).to_csv(out, index=False, encoding="utf-8")
    elif fmt is ExportFormat.csv_fr:
        write_csv_fr(with_headers(df, french=True), out, attribution=meta["attribution"])
    elif fmt is ExportFormat.xlsx:
        write_wide_xlsx(df, out, meta, title=f"Indicateurs {level}")
    elif fmt is ExportFormat.geojson:
        write_geojson(con, df, level, out, meta)
    elif fmt is ExportFormat.gpkg:
        write_gpkg(con, df, level, out, meta)
    else:
        write_parquet(df, out, meta)
    return len(df)


def register(app: typer.Typer) -> None:
    """Add ``pacte export`` to ``app``."""

    @app.command("export")
    @friendly
    def export(
        level: Annotated[str, typer.Option(
            "--level", "-l", help=f"Niveau : {', '.join(INDICATOR_LEVELS)}.")],
        fmt: Annotated[ExportFormat, typer.Option(
            "--format", "-f", help="csv, csv-fr (Excel français), xlsx, geojson, gpkg ou "
            "parquet.")],
        out: Annotated[Path, typer.Option("--out", "-o", help="Fichier de sortie.")],
        indicator: Annotated[list[str] | None, typer.Option(
            "--indicator", "-i", help="Indicateur (répétable ; défaut : tout le catalogue).")
        ] = None,
        period: Annotated[str | None, typer.Option(
            "--period", "-p", help="Ne garder qu'une période (ex. 2016, 2006-2011).")] = None,
        db: DbOpt = None,
    ) -> None:
        """Exporte les indicateurs d'un niveau : une ligne par territoire (code, nom), une
        colonne par indicateur x période (unité dans l'en-tête), avec leurs sources."""
        from pacte import store

        with store.connect(db) as con, err.status("Export…"):
            n = export_level(con, level, fmt, out, indicator, period)
        err.print(f"{n} territoires écrits dans {out} ({fmt.value})")
