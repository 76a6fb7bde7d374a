"""The spatial step split in two (:func:`pacte.handlers.build.steps`, :class:`pacte.spatial.
materialise.SpatialSteps`): the contiguity beside the catalogue, then the statistics after
the ranking. Its tables are the one-step ones, and the contiguity failing beside the
catalogue fails the build."""

import shutil

import duckdb
import pytest

from pacte.errors import BuildError

SPATIAL_TABLES = ("spatial_neighbour", "spatial_moran", "spatial_lisa", "basin",
                  "basin_member", "basin_failed", "contours_bassin", "spatial_meta")


@pytest.fixture
def rw_copy(built_store, tmp_path):
    """A writable copy of the real store (built with the two-step path)."""
    path = tmp_path / "copy.duckdb"
    shutil.copy(built_store, path)
    con = duckdb.connect(str(path))
    yield con
    con.close()


def _rows(con, table: str) -> list[tuple]:
    return con.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()


def test_two_step_spatial_is_the_one_step_spatial(rw_copy):
    """The stored spatial tables (contiguity made beside the catalogue, the basins'
    contours parsed from their members only) are those of :func:`write_spatial` alone."""
    from pacte.spatial.materialise import write_spatial

    two = {t: _rows(rw_copy, t) for t in SPATIAL_TABLES}
    for t in SPATIAL_TABLES:
        rw_copy.execute(f"DROP TABLE {t}")
    write_spatial(rw_copy)
    assert {t: _rows(rw_copy, t) for t in SPATIAL_TABLES} == two
    assert two["contours_bassin"]  # the check compared contours


def test_contiguity_failing_beside_the_catalogue_fails_the_build(tmp_path, monkeypatch):
    """The contiguity (beside the catalogue) failing fails the build with its error, once
    the catalogue is done; no store is left."""
    from fixtures.conftest_fictional import SNAPSHOT

    from pacte.handlers.build import build_store
    from pacte.spatial import materialise

    def boom(*_a, **_k):
        raise ValueError("panne : contiguïté")

    monkeypatch.setattr(materialise, "load_contiguity", boom)
    db = tmp_path / "p.duckdb"
    with pytest.raises(BuildError, match="panne : contiguïté"):
        build_store(db, snap=SNAPSHOT)
    assert not db.exists() and not list(tmp_path.glob(".p.duckdb*"))


def test_selection_made_in_the_ranking_is_the_one_read_back(rw_copy):
    """``ranking_selection`` as the build makes it (each level's rows in the ranking's
    threads, :class:`pacte.handlers.ranking.SelectionRows`) is, to the byte, the table made
    from the stored ranking and draws read back (the step as it was); a level given
    ``ready`` is taken as it is, the others read back."""
    from pacte.handlers.ranking import write_ranking_selection

    built = _rows(rw_copy, "ranking_selection")
    assert {r[0] for r in built} == {"epci", "ze2020", "ze2010"}
    rw_copy.execute("DROP TABLE ranking_selection")
    write_ranking_selection(rw_copy)
    assert _rows(rw_copy, "ranking_selection") == built
    epci = rw_copy.execute("SELECT * FROM ranking_selection WHERE level = 'epci'").df()
    rw_copy.execute("DROP TABLE ranking_selection")
    write_ranking_selection(rw_copy, ready={"epci": epci.head(3)})
    assert rw_copy.execute("SELECT count(*) FROM ranking_selection WHERE level = 'epci'"
                           ).fetchall() == [(3,)]
    assert (_rows(rw_copy, "ranking_selection")[3:]
            == [r for r in built if r[0] != "epci"])
