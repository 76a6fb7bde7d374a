"""The derive steps in two lanes (:func:`pacte.store.derive.run`): the census and URSSAF
harmonisations and the territories on a cursor, in a thread, beside the load, ESTEL and
the labels on the build's connection. They must give the tables one lane gives, row for
row, and fail as one lane fails: with the first error, once both lanes are done."""

from __future__ import annotations

import duckdb
import pytest

from pacte.store import derive
from pacte.store.build import read_provenance

#: The tables the derive steps write into the store.
DERIVED = ("territory", "series", "sector_label", "source_name", "jobs", "coverage",
           "harmonisation_log")


def _derive(tmp_path, name: str, lanes: bool, said: list | None = None):
    from fixtures.conftest_fictional import SNAPSHOT

    con = duckdb.connect(str(tmp_path / f"{name}.duckdb"))
    counts = derive.run(con, SNAPSHOT, read_provenance(SNAPSHOT),
                        (said if said is not None else []).append, lanes=lanes)
    return con, counts


def _rows(con, table: str) -> list[tuple]:
    return con.execute(f'SELECT * FROM "{table}"').fetchall()  # storage order


def test_two_lanes_give_the_tables_of_one(tmp_path):
    """Every derived table, its columns and its rows in storage order; the snapshot tables
    the later steps read are there too, and nothing of the lanes is left behind."""
    said_two, said_one = [], []
    two, counts_two = _derive(tmp_path, "two", lanes=True, said=said_two)
    one, counts_one = _derive(tmp_path, "one", lanes=False, said=said_one)
    assert counts_two == counts_one and counts_two["jobs"] > 0
    assert said_two == said_one  # the same progress messages, in the same order
    for table in DERIVED:
        assert two.execute(f'DESCRIBE "{table}"').fetchall() == \
            one.execute(f'DESCRIBE "{table}"').fetchall(), table
        assert _rows(two, table) == _rows(one, table), table

    def tables(con):
        return sorted(con.execute("SELECT table_name, temporary FROM duckdb_tables()"
                                  ).fetchall())

    assert tables(two) == tables(one)
    assert derive.SCRATCH not in {r[0] for r in two.execute(
        "SELECT database_name FROM duckdb_databases()").fetchall()}


def test_a_failure_beside_the_side_lane_waits_for_it(tmp_path, monkeypatch):
    """ESTEL failing on the build's connection while the side lane works: its error is the
    one raised, after the side lane is done (it had written its tables); nothing of the
    lanes is left on the connection."""
    side_done = []
    territory = derive.create_territory

    def create_territory(con, weights):
        territory(con, weights)
        side_done.append(True)

    def broken(*_args):
        raise ValueError("panne d'ESTEL")

    monkeypatch.setattr(derive, "create_territory", create_territory)
    monkeypatch.setattr(derive, "insert_estel_jobs", broken)
    from fixtures.conftest_fictional import SNAPSHOT

    con = duckdb.connect(str(tmp_path / "f.duckdb"))
    with pytest.raises(ValueError, match="panne d'ESTEL"):
        derive.run(con, SNAPSHOT, read_provenance(SNAPSHOT), lambda _m: None)
    assert side_done == [True]
    assert derive.SCRATCH not in {r[0] for r in con.execute(
        "SELECT database_name FROM duckdb_databases()").fetchall()}


def test_a_failure_of_the_side_lane_stops_the_build(tmp_path, monkeypatch):
    """The census harmonisation failing on the side lane: the build's connection, waiting
    for its table, raises that error (it does not wait forever)."""
    def broken(*_args):
        raise ValueError("panne du recensement")

    monkeypatch.setattr(derive, "harmonise_census", broken)
    from fixtures.conftest_fictional import SNAPSHOT

    con = duckdb.connect(str(tmp_path / "f.duckdb"))
    with pytest.raises(ValueError, match="panne du recensement"):
        derive.run(con, SNAPSHOT, read_provenance(SNAPSHOT), lambda _m: None)
