"""The export formats (``pacte export --format``, ``/api/export?format=``), with the media
type and file extension of each. No heavy import: the CLI reads it to build its options."""

from __future__ import annotations

from enum import StrEnum


class ExportFormat(StrEnum):
    csv = "csv"
    csv_fr = "csv-fr"
    xlsx = "xlsx"
    geojson = "geojson"
    gpkg = "gpkg"
    parquet = "parquet"


#: Media type and file extension of each format.
MEDIA = {ExportFormat.csv: ("text/csv; charset=utf-8", "csv"),
         ExportFormat.csv_fr: ("text/csv; charset=utf-8", "csv"),
         ExportFormat.xlsx: ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                             "xlsx"),
         ExportFormat.geojson: ("application/geo+json", "geojson"),
         ExportFormat.gpkg: ("application/geopackage+sqlite3", "gpkg"),
         ExportFormat.parquet: ("application/vnd.apache.parquet", "parquet")}
