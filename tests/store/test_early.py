"""The build steps' early work (:class:`pacte.store.early.EarlyWork`): a step's ``early()``
gives a function run in a thread once the derive steps have written the jobs table, on a
cursor seeing the build-only tables, while the build goes on (its first steps included);
its failure fails the build, once it is done, and the previous store stays."""

from __future__ import annotations

import shutil
import threading
import time

import duckdb
import pytest

from pacte import store
from pacte.errors import BuildError
from pacte.store import derive
from pacte.store.build import read_provenance


def _step(name: str, early=None, before=None):
    """A step writing the one-row table ``name`` (after ``before()``); ``early``: its
    early work (a function of the cursor)."""
    def step(con, say):
        if before is not None:
            before()
        con.execute(f"CREATE TABLE {name} AS SELECT 1 AS x")
        return {name: 1}
    step.__name__ = name
    if early is not None:
        step.early = lambda: early
    return step


def _copies(fictional_store, tmp_path):
    from fixtures.conftest_fictional import SNAPSHOT

    db = tmp_path / "p.duckdb"
    shutil.copy(fictional_store, db)
    return db, db.read_bytes(), SNAPSHOT


def test_early_work_runs_in_a_thread_on_the_written_jobs_beside_the_steps(fictional_store,
                                                                         tmp_path):
    """The early work sees the jobs table and the build-only tables (views of their files)
    on its cursor, in a thread of its own; it is still running when the steps start (the
    step sets an event it waits for), and the step then gets what it made."""
    db, _, snap = _copies(fictional_store, tmp_path)
    stepping = threading.Event()
    seen: dict = {}

    def early(cur):
        seen["thread"] = threading.get_ident()
        seen["jobs"] = cur.execute("SELECT count(*) FROM jobs").fetchone()[0]
        seen["bpe"] = cur.execute("SELECT count(*) FROM anchoring_bpe").fetchone()[0]
        assert stepping.wait(30), "the early work did not run beside the steps"
        seen["done"] = True

    def before():
        stepping.set()

    main = _step("main_table", early=early, before=before)
    meta = store.build(db, snap, steps=[main])
    assert seen["thread"] != threading.get_ident() and seen.get("done")
    assert seen["jobs"] > 0 and seen["bpe"] > 0
    assert meta["rows_main_table"] == "1"


def test_beside_keeps_the_early_work_of_both_sides(fictional_store, tmp_path):
    db, _, snap = _copies(fictional_store, tmp_path)
    ran: list = []
    step = store.beside(_step("main_table", early=lambda cur: ran.append("main")),
                        _step("side_table", early=lambda cur: ran.append("side")))
    assert callable(step.early)
    store.build(db, snap, steps=[step])
    assert ran == ["main", "side"]
    assert not hasattr(store.beside(_step("a"), _step("b")), "early")


def test_a_failing_early_work_fails_the_build_and_keeps_the_previous_store(fictional_store,
                                                                          tmp_path):
    db, before, snap = _copies(fictional_store, tmp_path)

    def early(cur):
        raise ValueError("panne du travail anticipé")

    with pytest.raises(BuildError, match="panne du travail anticipé"):
        store.build(db, snap, steps=[_step("main_table", early=early)])
    assert db.read_bytes() == before
    assert not list(tmp_path.glob(".p.duckdb*"))


def test_a_derive_failure_waits_for_the_early_work(fictional_store, tmp_path, monkeypatch):
    """The derive failing once the early work started: its error is the one raised, after
    the early work is done (it queried its cursor to the end); the previous store stays."""
    db, before, snap = _copies(fictional_store, tmp_path)
    done: list = []

    def early(cur):
        time.sleep(0.3)
        done.append(cur.execute("SELECT count(*) FROM jobs").fetchone()[0])

    def broken(con):
        raise ValueError("panne de la fin des dérivations")

    monkeypatch.setattr(derive, "_finish", broken)
    with pytest.raises(BuildError, match="panne de la fin des dérivations"):
        store.build(db, snap, steps=[_step("main_table", early=early)])
    assert done and done[0] > 0
    assert db.read_bytes() == before
    assert not list(tmp_path.glob(".p.duckdb*"))


def test_the_late_tables_are_views_only_for_an_early_work(tmp_path):
    """Without early work, the tables only later steps read are loaded as temporary tables;
    with one, they are views of their files (the early work reads them on its cursor)."""
    from fixtures.conftest_fictional import SNAPSHOT

    prov = read_provenance(SNAPSHOT)
    kinds = {}
    for name, early in (("none", None), ("no_work", lambda: None),
                        ("work", lambda: lambda cur: cur.close())):
        con = duckdb.connect(str(tmp_path / f"{name}.duckdb"))
        derive.run(con, SNAPSHOT, prov, lambda _m: None, early=early)
        kinds[name] = {r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()}, {
            r[0] for r in con.execute(
                "SELECT view_name FROM duckdb_views() WHERE temporary").fetchall()}
        con.close()
    assert kinds["none"] == kinds["no_work"]
    assert "commune_supracom" in kinds["none"][0] and "anchoring_bpe" in kinds["none"][0]
    assert "commune_supracom" not in kinds["work"][0]
    assert {"commune_supracom", "anchoring_bpe"} <= kinds["work"][1]
