"""Opening a store that cannot be read: each way a file goes bad gets its French reason,
chosen from the class of DuckDB's error or from the file's first bytes, never from the
wording of DuckDB's message."""

from __future__ import annotations

import subprocess
import sys

import duckdb
import pytest

from pacte.errors import StoreError
from pacte.store.connect import REASONS, connect, unreadable_reason


@pytest.fixture(scope="module")
def small_db(tmp_path_factory):
    """A DuckDB file of a few megabytes with the store's tables (one data table)."""
    path = tmp_path_factory.mktemp("db") / "small.duckdb"
    con = duckdb.connect(str(path))
    for table in ("provenance", "territory", "jobs", "series"):
        con.execute(f"CREATE TABLE {table} AS SELECT range AS i, 'x' || range AS s "
                    "FROM range(300000)")
    con.execute("CREATE TABLE meta AS SELECT 'build_hash' AS key, 'abc' AS value")
    con.close()
    return path


def reason(path) -> str:
    with pytest.raises(StoreError) as info:
        connect(path)
    text = str(info.value)
    assert text.startswith("store illisible ou corrompu") and "pacte build" in text, text
    return text


def test_a_good_small_store_opens(small_db):
    with connect(small_db) as con:
        assert con.execute("SELECT count(*) FROM jobs").fetchone() == (300000,)


def test_text_is_not_a_duckdb_file(tmp_path):
    path = tmp_path / "notes.duckdb"
    path.write_text("ceci n'est pas un store\n" * 100, encoding="utf-8")
    assert "ce n'est pas un fichier DuckDB" in reason(path)


def test_empty_file(tmp_path):
    path = tmp_path / "vide.duckdb"
    path.write_bytes(b"")
    assert "fichier vide" in reason(path)


def test_truncated_file_is_an_io_error(small_db, tmp_path):
    data = small_db.read_bytes()
    path = tmp_path / "half.duckdb"
    path.write_bytes(data[: len(data) // 2])
    text = reason(path)
    assert "tronqué" in text


def test_locked_file_is_an_io_error(small_db, tmp_path):
    """A writer in another process holds the file: DuckDB's IOException, same reason."""
    code = ("import duckdb, sys; con = duckdb.connect(sys.argv[1]); print('ok', flush=True); "
            "sys.stdin.read()")
    writer = subprocess.Popen([sys.executable, "-c", code, str(small_db)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "ok"
        assert "verrouillé en écriture par un autre programme" in reason(small_db)
    finally:
        writer.stdin.close()
        writer.wait(timeout=30)


def test_altered_blocks_are_a_checksum_failure(small_db, tmp_path):
    """DuckDB raises a checksum failure as the bare ``duckdb.Error``, met at the first read
    of an altered block."""
    data = bytearray(small_db.read_bytes())
    for offset in range(12_288 + 100, len(data), 997):
        data[offset] ^= 0xFF
    path = tmp_path / "altered.duckdb"
    path.write_bytes(bytes(data))
    with pytest.raises(duckdb.Error) as info:
        con = duckdb.connect(str(path), read_only=True)
        con.execute("SELECT max(s) FROM jobs").fetchall()
    assert type(info.value) is duckdb.Error
    assert unreadable_reason(info.value) == REASONS[duckdb.Error]
    assert "somme de contrôle" in unreadable_reason(info.value)


def test_reasons_follow_the_class_not_the_text():
    assert unreadable_reason(duckdb.IOException("whatever")) == REASONS[duckdb.IOException]
    assert "autre version de pacte" in unreadable_reason(duckdb.CatalogException("x"))
    assert "autre version de pacte" in unreadable_reason(duckdb.BinderException("x"))
    # a subclass not listed is named, never taken for altered blocks
    assert unreadable_reason(duckdb.ParserException("checksum")) == (
        "DuckDB ne peut pas le lire : ParserException")


def test_missing_tables(tmp_path):
    path = tmp_path / "other.duckdb"
    duckdb.connect(str(path)).execute("CREATE TABLE t AS SELECT 1").close()
    assert "tables absentes : meta, provenance" in reason(path)
