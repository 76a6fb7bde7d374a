"""Which snapshot tables (PROVENANCE.json, the store's ``provenance`` table) each job source
or model reads, as the store records it: the envelope of every answer names their source,
vintage and licence.

The families declare these tables (:data:`pacte.catalogue.SOURCE_TABLES`, one
:class:`pacte.catalogue.Family` each); the build writes that declaration into the store
(table ``source_tables``, :func:`write_source_tables`), so that a reader needs nothing but
DuckDB to name its sources (the catalogue loads numpy)."""

from __future__ import annotations

import duckdb

from pacte.errors import StoreError

TABLE = "source_tables"


def write_source_tables(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Build step: the families' declaration of the tables each source reads, as rows
    (source, table_name, position)."""
    from pacte.catalogue import SOURCE_TABLES  # the build only: the catalogue loads numpy

    rows = [(s, t, i) for s, tables in SOURCE_TABLES.items() for i, t in enumerate(tables)]
    con.execute(f"CREATE TABLE {TABLE} (source VARCHAR, table_name VARCHAR, "
                "position INTEGER)")
    con.executemany(f"INSERT INTO {TABLE} VALUES (?, ?, ?)", rows)
    return {TABLE: len(rows)}


def read_source_tables(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, ...]]:
    """Source (job series, model, fetched file, or ``territory``) -> the snapshot tables it
    reads, as the build recorded them."""
    try:
        rows = con.execute(f"SELECT source, table_name FROM {TABLE} "
                           "ORDER BY source, position").fetchall()
    except duckdb.CatalogException:
        raise StoreError("ce store ne dit pas quelles tables lit chaque source (store d'une "
                         "version antérieure) — relancez « pacte build »") from None
    out: dict[str, tuple[str, ...]] = {}
    for source, table in rows:
        out[source] = (*out.get(source, ()), table)
    return out
