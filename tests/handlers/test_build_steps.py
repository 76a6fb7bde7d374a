"""The spatial step split in two (:func:`pacte.handlers.build.steps`, :class:`pacte.spatial.
materialise.SpatialSteps`): the contiguity beside the rankings, then the statistics after
the ranking. Its tables are the one-step ones, and the contiguity failing beside the
rankings fails the build."""

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
    """The stored spatial tables (contiguity made beside the rankings, the basins'
    contours parsed from their members only) are those of :func:`write_spatial` alone."""
    from pacte.spatial.materialise import write_spatial

    two = {t: _rows(rw_copy, t) for t in SPATIAL_TABLES}
    for t in SPATIAL_TABLES:
        rw_copy.execute(f"DROP TABLE {t}")
    write_spatial(rw_copy)
    assert {t: _rows(rw_copy, t) for t in SPATIAL_TABLES} == two
    assert two["contours_bassin"]  # the check compared contours


def test_contiguity_failing_beside_the_rankings_fails_the_build(tmp_path, monkeypatch):
    """The contiguity (beside the rankings) failing fails the build with its error, once
    the rankings are done; no store is left."""
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
