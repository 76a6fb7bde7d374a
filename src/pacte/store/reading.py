"""The snapshot's Parquet tables read into the build's connection, with DuckDB alone.

This module imports neither pandas nor the derive steps: the build reads the bundled
snapshot's Parquet tables (:func:`preload`) in a thread while the derive steps' modules and
the later steps' (pandas, numpy, the catalogue: ~0.7 s of CPU, one core) are imported
(:func:`pacte.store.build.build`); DuckDB's reading releases the GIL.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from pacte.store.build_tables import BUILD_TABLES

#: Snapshot tables that only the derive steps read: the ``jobs`` table holds them harmonised
#: and aggregated, their sources stay named in ``provenance``; they are not kept in the store
#: (URSSAF's national file alone is ~12 M rows).
BUILD_ONLY = frozenset({"census_functions", "estel_nonsalaried", "estel_salaried",
                        "quarterly_jobs", "urssaf_jobs"})

#: Snapshot tables read as views of their Parquet files (the census functions: 29 MB of
#: memory as a table); the quarterly series stay a table, their labels taken in its row
#: order (``rowid``, which a view has not).
PARQUET_VIEWS = BUILD_ONLY - {"quarterly_jobs"}

#: Snapshot tables the derive steps read (of the others, read by later steps, the
#: temporary ones are loaded after the jobs table is written: their 58 MB not under its
#: sort's peak).
DERIVE_READS = frozenset({"communes", "epci", "territory_names", "commune_ze2010",
                          "commune_passage", "commune_splits", "cog_codes", "naf",
                          "estel_salaried", "estel_nonsalaried", "census_functions",
                          "quarterly_jobs", "urssaf_jobs"})


def table_path(snap: Path, name: str, meta: dict) -> Path:
    """The file of the snapshot's table ``name`` (``meta``: its PROVENANCE.json entry)."""
    return snap / meta.get("file", f"{name}.parquet")


def is_temporary(name: str) -> bool:
    """Whether the snapshot's table ``name`` is read by the build only (a temporary table
    of its connection, never written into the store file)."""
    return name in BUILD_ONLY | BUILD_TABLES


def create_view(con: duckdb.DuckDBPyConnection, name: str, path: Path) -> None:
    """Temporary view ``name`` of the Parquet file ``path``."""
    con.execute(f'CREATE TEMP VIEW "{name}" AS SELECT * FROM read_parquet('
                + "'" + str(path).replace("'", "''") + "')")


def build_table_views(con: duckdb.DuckDBPyConnection, snap: Path, prov: dict
                       ) -> duckdb.DuckDBPyConnection:
    """A cursor of ``con`` on which the build-only tables (:data:`BUILD_TABLES`) are views
    of their Parquet files (on ``con``, temporary tables a cursor does not see)."""
    cur = con.cursor()
    try:
        cur.execute("SET enable_progress_bar = false")
        for name in sorted(BUILD_TABLES & prov.keys()):
            create_view(cur, name, table_path(snap, name, prov[name]))
    except BaseException:
        cur.close()
        raise
    return cur


def read_parquet_tables(con: duckdb.DuckDBPyConnection, snap: Path, prov: dict) -> None:
    """A table of ``con`` for every Parquet table of the snapshot listed in ``prov``, in
    its order (the reviewed CSV files are left to their parsers,
    :func:`pacte.store.derive.load`): temporary if the build only reads it, a view of its
    file for those only a few derive statements read (:data:`PARQUET_VIEWS`)."""
    for name, meta in prov.items():
        path = table_path(snap, name, meta)
        if path.suffix == ".csv":
            continue
        if name in PARQUET_VIEWS:
            create_view(con, name, path)
        else:
            temp = "TEMP " if is_temporary(name) else ""
            con.execute(f'CREATE {temp}TABLE "{name}" AS SELECT * FROM read_parquet(?)',
                        [str(path)])


def early_tables(prov: dict) -> dict:
    """The entries of ``prov`` read before the jobs table is written: those the derive
    steps read and the later steps' tables kept in the store (the later steps' temporary
    ones come after the jobs table's sort, :func:`late_tables`)."""
    return {k: v for k, v in prov.items() if k in DERIVE_READS or not is_temporary(k)}


def late_tables(prov: dict) -> dict:
    """The entries of ``prov`` read once the jobs table is written (see
    :func:`early_tables`)."""
    return {k: v for k, v in prov.items() if k not in early_tables(prov)}


def preload(con: duckdb.DuckDBPyConnection, snap: Path, prov: dict) -> None:
    """The bundled build's first reading: the Parquet tables of :func:`early_tables`, then
    a checkpoint of the store. Those kept in the store fill its write-ahead log (14 MB of
    the 16 MB at which DuckDB checkpoints on a commit): the derive steps' next commit (the
    territories', on the side lane, :func:`pacte.store.derive._run_lanes`) checkpointed the
    store, 0.13 s of CPU in that lane; here, in the reading's thread, beside the imports
    (:func:`pacte.store.build.build`)."""
    read_parquet_tables(con, snap, early_tables(prov))
    con.execute("CHECKPOINT")
