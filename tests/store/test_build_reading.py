"""The build's first second (:func:`pacte.store.build.build`): the bundled snapshot's
Parquet tables read by DuckDB in a thread (:func:`pacte.store.reading.preload`) while
pandas and the derive module import, then the steps' modules imported in a thread beside
the derive steps (``steps`` given as a function). The same tables as reading in the
derive steps; a failure on either side fails the build once both are done."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading

import duckdb
import pytest

from pacte import store
from pacte.errors import BuildError
from pacte.store import derive, reading
from pacte.store.build import read_provenance

#: The tables the derive steps write into the store.
DERIVED = ("territory", "series", "sector_label", "source_name", "jobs", "coverage",
           "harmonisation_log")


def _copies(fictional_store, tmp_path):
    """A previous store to protect (path, its bytes) and a copy of the fictional
    snapshot."""
    from fixtures.conftest_fictional import SNAPSHOT

    db = tmp_path / "p.duckdb"
    shutil.copy(fictional_store, db)
    snap = tmp_path / "snap"
    shutil.copytree(SNAPSHOT, snap)
    return db, db.read_bytes(), snap


def test_early_and_late_tables_split_the_snapshot():
    """Every snapshot table is read once: before the jobs table (those the derive steps
    read, those kept in the store) or after it (the later steps' temporary ones)."""
    from fixtures.conftest_fictional import SNAPSHOT

    prov = read_provenance(SNAPSHOT)
    early, late = reading.early_tables(prov), reading.late_tables(prov)
    assert not set(early) & set(late) and {*early, *late} == set(prov)
    assert reading.DERIVE_READS & set(prov) <= set(early)
    assert late and all(reading.is_temporary(name) for name in late)
    assert list(early) == [k for k in prov if k in early]  # in the snapshot's order


def test_preloaded_snapshot_gives_the_tables_of_the_derive_steps_reading(tmp_path):
    """``run(read=True)`` after :func:`reading.preload` (the build's way) gives the tables
    and progress messages of ``run`` reading the snapshot itself, « Lecture du snapshot »
    aside (said by the build)."""
    from fixtures.conftest_fictional import SNAPSHOT

    prov = read_provenance(SNAPSHOT)
    said_pre, said_self = [], []
    pre = duckdb.connect(str(tmp_path / "pre.duckdb"))
    reading.preload(pre, SNAPSHOT, prov)
    counts_pre = derive.run(pre, SNAPSHOT, read_provenance(SNAPSHOT), said_pre.append,
                            read=True)
    own = duckdb.connect(str(tmp_path / "own.duckdb"))
    counts_own = derive.run(own, SNAPSHOT, read_provenance(SNAPSHOT), said_self.append)
    assert counts_pre == counts_own and counts_pre["jobs"] > 0
    assert said_self == ["Lecture du snapshot", *said_pre]
    for table in DERIVED:
        assert pre.execute(f'SELECT * FROM "{table}"').fetchall() == \
            own.execute(f'SELECT * FROM "{table}"').fetchall(), table

    def tables(con):
        return con.execute("SELECT table_name, temporary FROM duckdb_tables() "
                           "ORDER BY table_oid").fetchall()

    assert sorted(tables(pre)) == sorted(tables(own))
    # the snapshot's tables created in the same order (the lanes' own vary between runs)
    assert [t for t in tables(pre) if t[0] in prov] == [t for t in tables(own) if t[0] in prov]


def test_steps_function_is_called_in_a_thread_and_its_steps_run(fictional_store, tmp_path):
    """``steps`` given as a function: called once, off the build's thread (beside the
    derive steps), its steps run on the store and counted in its meta."""
    from fixtures.conftest_fictional import SNAPSHOT

    calls = []

    def step(con, say):
        con.execute("CREATE TABLE stepped AS SELECT 1 AS x")
        return {"stepped": 1}

    def steps():
        calls.append(threading.current_thread())
        return [step]

    db = tmp_path / "s.duckdb"
    meta = store.build(db, SNAPSHOT, steps=steps)
    assert len(calls) == 1 and calls[0] is not threading.main_thread()
    assert meta["rows_stepped"] == "1"
    with store.connect(db) as con:
        assert con.execute("SELECT x FROM stepped").fetchall() == [(1,)]


def test_steps_function_failing_fails_the_build(fictional_store, tmp_path):
    """The steps' modules failing to import fails the build with their error, once the
    derive steps are done; the previous store stays, no temporary file is left."""
    db, before, snap = _copies(fictional_store, tmp_path)

    def steps():
        raise ImportError("module des étapes introuvable")

    with pytest.raises(BuildError, match="module des étapes introuvable"):
        store.build(db, snap, steps=steps)
    assert db.read_bytes() == before
    assert not list(tmp_path.glob(".p.duckdb*"))


def test_reading_failing_fails_the_build(fictional_store, tmp_path, monkeypatch):
    """The snapshot's reading (in its thread) failing fails the build with its error; the
    previous store stays, no temporary file is left."""
    db, before, snap = _copies(fictional_store, tmp_path)

    def broken(*_args):
        raise duckdb.IOException("lecture impossible : epci.parquet")

    monkeypatch.setattr(reading, "preload", broken)
    with pytest.raises(BuildError, match="lecture impossible : epci.parquet"):
        store.build(db, snap)
    assert db.read_bytes() == before
    assert not list(tmp_path.glob(".p.duckdb*"))


def test_build_handler_imports_neither_pandas_nor_the_steps():
    """Importing the build's handler loads neither pandas nor the steps' modules: the
    build imports them while DuckDB works."""
    code = ("import sys, pacte.handlers.build; print(sorted(m for m in ('pandas', 'numpy', "
            "'pacte.engine', 'pacte.targeting', 'pacte.store.derive') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
