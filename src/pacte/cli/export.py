"""``pacte export``: the indicators of a level as a wide table, in the formats analysts use
(CSV, CSV for French Excel, XLSX, GeoJSON, GeoPackage, Parquet).

Registered on the main Typer app by ``pacte.cli.main`` (``register(app)``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pacte.cli.common import DbOpt, err, friendly
from pacte.export.formats import ExportFormat
from pacte.geography import INDICATOR_LEVELS


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
        from pacte.handlers.export import export_level

        with store.connect(db) as con, err.status("Export…"):
            n, _ = export_level(con, level, fmt, out, indicator, period)
        from pacte.export.tables import SOURCES_SUFFIX
        from pacte.handlers.basins import BASIN_LEVEL
        from pacte.labels import count_title

        sidecar = fmt is ExportFormat.csv_fr or (fmt is ExportFormat.csv
                                                 and level != BASIN_LEVEL)
        side = f" ; sources : {out}{SOURCES_SUFFIX}" if sidecar else ""
        err.print(f"{count_title(n)} écrits dans {out} ({fmt.value}{side})")
