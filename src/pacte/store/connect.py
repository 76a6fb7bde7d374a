"""Open the store read-only, checked: a missing, unreadable or corrupted file gets a French
error telling the user to rebuild, never a DuckDB traceback."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pacte.errors import StoreError
from pacte.settings import DB_ENV, default_db_path

#: Tables every store has (a store missing one is corrupted or from another program).
REQUIRED_TABLES = ("meta", "provenance", "territory", "jobs", "series")
#: A query that fails to bind when one of them is missing, reading no row.
REQUIRED_PROBE = "SELECT 1 FROM " + ", ".join(f"(SELECT 1 FROM {t} LIMIT 0)"
                                              for t in REQUIRED_TABLES)


#: DuckDB's file header (one main header and two database headers of 4 KiB each).
HEADER_BYTES = 3 * 4096


#: DuckDB's magic number, at byte 8 of every database file.
MAGIC = b"DUCK"

#: Why DuckDB cannot read a store, by the class of its error (the first class of the
#: error's method resolution order found here wins; the base class only for itself: DuckDB
#: raises a checksum failure, altered blocks, as a bare ``duckdb.Error``).
REASONS: dict[type[duckdb.Error], str] = {
    duckdb.IOException: "lecture impossible : fichier tronqué, ou verrouillé en écriture par "
                        "un autre programme",
    duckdb.SerializationException: "format illisible (autre version de DuckDB ?)",
    duckdb.CatalogException: "table absente (store d'une autre version de pacte ?)",
    duckdb.BinderException: "colonne absente (store d'une autre version de pacte ?)",
    duckdb.ConversionException: "valeur stockée illisible",
    duckdb.OutOfMemoryException: "mémoire insuffisante pour l'ouvrir",
    duckdb.InternalException: "erreur interne de DuckDB",
    duckdb.Error: "blocs altérés (somme de contrôle fausse)",
}


def unreadable_reason(exc: BaseException) -> str:
    """French reason of a DuckDB error met while reading a store, from its class."""
    for cls in type(exc).__mro__:
        if cls in REASONS and (cls is not duckdb.Error or type(exc) is duckdb.Error):
            return REASONS[cls]
    return f"DuckDB ne peut pas le lire : {type(exc).__name__}"


def _header_problem(path: Path) -> str | None:
    """Why ``path`` is not a DuckDB file at all, read from its first bytes, or None."""
    with open(path, "rb") as f:
        head = f.read(12)
    if not head:
        return "fichier vide"
    if len(head) < 12 or head[8:12] != MAGIC:
        return "ce n'est pas un fichier DuckDB"
    return None


def _corrupted(path: Path, why: str) -> StoreError:
    return StoreError(f"store illisible ou corrompu : {path} ({why}) — relancez « pacte build »")


def connect(db_path: Path | str | None = None) -> duckdb.DuckDBPyConnection:
    """Open the store read-only after checking it: DuckDB opens it, the expected tables exist
    and the build hash is recorded. Raises :class:`StoreError` (French) otherwise."""
    path = Path(db_path) if db_path is not None else default_db_path()
    if not path.exists():
        raise StoreError(f"store introuvable : {path}. Lancez d'abord « pacte build » "
                         f"(ou définissez {DB_ENV}).")
    if path.is_dir():
        raise StoreError(f"{path} est un dossier, pas un fichier de store pacte")
    try:
        problem = _header_problem(path)
    except OSError as exc:
        raise StoreError(f"store illisible : {path} ({exc.strerror})") from None
    if problem:
        raise _corrupted(path, problem)
    try:
        con = duckdb.connect(str(path), read_only=True)
        # no progress bar: it would write into the output of --format json or csv
        con.execute("SET enable_progress_bar = false")
    except duckdb.Error as exc:
        raise _corrupted(path, unreadable_reason(exc)) from None
    try:
        # the blocks in use must be in the file; a free block at its end may not be (a
        # national build's store, 64 KiB blocks, ended one free block short of total_blocks)
        block_size, used_blocks = con.execute(
            "SELECT block_size, used_blocks FROM pragma_database_size()").fetchall()[0]
        expected = HEADER_BYTES + int(block_size) * int(used_blocks)
        if path.stat().st_size < expected:
            raise _corrupted(path, f"fichier tronqué : {path.stat().st_size} octets sur "
                             f"{expected} attendus")
        try:  # binding the tables (no row read) is 10x cheaper than listing them all
            con.execute(REQUIRED_PROBE).fetchall()
        except duckdb.CatalogException:
            tables = {r[0] for r in con.execute(  # duckdb_tables(): 10x cheaper than
                "SELECT table_name FROM duckdb_tables()").fetchall()}  # information_schema
            missing = [t for t in REQUIRED_TABLES if t not in tables]
            if missing:
                raise _corrupted(path, "tables absentes : " + ", ".join(missing)) from None
            raise
        row = con.execute("SELECT value FROM meta WHERE key = 'build_hash'").fetchall()
        row = row[0] if row else None
        if not row or not row[0]:
            raise _corrupted(path, "empreinte de construction absente")
    except duckdb.Error as exc:
        con.close()
        raise _corrupted(path, unreadable_reason(exc)) from None
    except StoreError:
        con.close()
        raise
    return con


def read_meta(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The store's ``meta`` table (build hash, build date, row counts...)."""
    return dict(con.execute("SELECT key, value FROM meta").fetchall())


def is_store(path: Path) -> bool:
    """True when ``path`` is a readable pacte store (used before replacing a file)."""
    try:
        connect(path).close()
    except StoreError:
        return False
    return True
