"""Open the store read-only, checked: a missing, unreadable or corrupted file gets a French
error telling the user to rebuild, never a DuckDB traceback."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pacte.errors import StoreError
from pacte.settings import DB_ENV, default_db_path

#: Tables every store has (a store missing one is corrupted or from another program).
REQUIRED_TABLES = ("meta", "provenance", "territory", "jobs", "series")


#: DuckDB's file header (one main header and two database headers of 4 KiB each).
HEADER_BYTES = 3 * 4096


def _why(exc: BaseException) -> str:
    text = str(exc)
    if "not a valid DuckDB database" in text:
        return "ce n'est pas un fichier DuckDB"
    if "Could not read enough bytes" in text:
        return "fichier tronqué"
    if "checksum" in text.lower():
        return "blocs altérés (somme de contrôle fausse)"
    if "lock" in text.lower():
        return "fichier verrouillé par un autre programme"
    return f"DuckDB ne peut pas l'ouvrir : {type(exc).__name__}"


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
        with open(path, "rb"):
            pass
    except OSError as exc:
        raise StoreError(f"store illisible : {path} ({exc.strerror})") from None
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise _corrupted(path, _why(exc)) from None
    try:
        block_size, total_blocks = con.execute(
            "SELECT block_size, total_blocks FROM pragma_database_size()").fetchall()[0]
        expected = HEADER_BYTES + int(block_size) * int(total_blocks)
        if path.stat().st_size < expected:
            raise _corrupted(path, f"fichier tronqué : {path.stat().st_size} octets sur "
                             f"{expected} attendus")
        tables = {r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables").fetchall()}
        missing = [t for t in REQUIRED_TABLES if t not in tables]
        if missing:
            raise _corrupted(path, "tables absentes : " + ", ".join(missing))
        row = con.execute("SELECT value FROM meta WHERE key = 'build_hash'").fetchall()
        row = row[0] if row else None
        if not row or not row[0]:
            raise _corrupted(path, "empreinte de construction absente")
    except duckdb.Error as exc:
        con.close()
        raise _corrupted(path, _why(exc)) from None
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
