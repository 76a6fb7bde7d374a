"""The derive steps with fetched files (:func:`pacte.store.derive.run` with loaders): the
files are streamed into the store on a cursor, in a thread, beside the bundled snapshot's
steps; the tables are those of the same rows given as a DataFrame, and a failure on either
side is raised once both are done."""

from __future__ import annotations

import threading

import duckdb
import pandas as pd
import pytest

from pacte.errors import ParseError
from pacte.store import derive
from pacte.store.build import read_provenance

DERIVED = ("territory", "series", "sector_label", "source_name", "jobs", "coverage",
           "harmonisation_log")


def _snapshot():
    from fixtures.conftest_fictional import SNAPSHOT

    return SNAPSHOT, read_provenance(SNAPSHOT)


def _urssaf(snap, prov) -> str:
    return str(snap / prov["urssaf_jobs"].get("file", "urssaf_jobs.parquet"))


def _run(tmp_path, name, override, say=None):
    snap, prov = _snapshot()
    con = duckdb.connect(str(tmp_path / f"{name}.duckdb"))
    counts = derive.run(con, snap, prov, say or (lambda _msg: None),
                        overrides={"urssaf_jobs": override})
    return con, counts, prov


def test_loaded_beside_the_bundled_steps_gives_the_tables_of_a_frame(tmp_path):
    """The loader runs while the bundled steps do (it waits for the territories' message:
    run one after the other, it would wait in vain); the derived tables are those of the
    same rows given as a DataFrame."""
    snap, prov = _snapshot()
    territories = threading.Event()

    def say(msg):
        if msg.startswith("Territoires"):
            territories.set()

    def load(con, name):
        if not territories.wait(60):
            raise AssertionError("le chargement n'a pas lieu à côté des autres étapes")
        con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM read_parquet(?)',
                    [_urssaf(snap, prov)])
        return con.execute(f'SELECT count(*) FROM "{name}"').fetchall()[0][0]

    streamed, counts, prov_streamed = _run(tmp_path, "streamed", load, say)
    frame = pd.read_parquet(_urssaf(snap, prov))
    parsed, counts_parsed, _ = _run(tmp_path, "parsed", frame)
    assert counts == counts_parsed and counts["jobs"] > 0
    assert prov_streamed["urssaf_jobs"]["rows"] == len(frame)
    # the same rows; their order is not compared: with fetched files, two builds of the
    # same inputs already give some census rows of the aggregate levels in another order
    # (seen on the national-size file, and here once in a whole-suite run)
    for table in DERIVED:
        assert streamed.execute(f'SELECT * FROM "{table}" ORDER BY ALL').fetchall() == \
            parsed.execute(f'SELECT * FROM "{table}" ORDER BY ALL').fetchall(), table


def test_a_failing_loader_stops_the_build_with_its_error(tmp_path):
    def load(_con, _name):
        raise ParseError("f.csv", "couple commune x APE en double", line=7)

    with pytest.raises(ParseError, match="en double"):
        _run(tmp_path, "f", load)


def test_a_failure_beside_the_loader_waits_for_it(tmp_path, monkeypatch):
    """ESTEL failing on the build's connection while the file loads: its error is the one
    raised, once the loader is done (the connection is not closed under it)."""
    loaded = []

    def load(con, name):
        con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM read_parquet(?)',
                    [_urssaf(*_snapshot())])
        loaded.append(name)
        return 1

    def broken(*_args):
        raise ValueError("panne d'ESTEL")

    monkeypatch.setattr(derive, "insert_estel_jobs", broken)
    with pytest.raises(ValueError, match="panne d'ESTEL"):
        _run(tmp_path, "f", load)
    assert loaded == ["urssaf_jobs"]
