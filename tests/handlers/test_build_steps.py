"""The build's steps split in two (:func:`pacte.handlers.build.steps`): the cards of the
levels without a ranking beside the rankings, then the others (:class:`pacte.handlers.
card_build.CardSteps`); the spatial contiguity beside the catalogue, then the statistics
(:class:`pacte.spatial.materialise.SpatialSteps`). Their tables are the one-step ones, and a
failure of a step running beside another fails the build."""

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


def test_two_step_cards_are_the_one_step_cards(rw_copy):
    """The stored cards (two steps: departments, regions and France first) are the cards
    of one step over every level, row for row (levels then codes, in order), byte for
    byte; the second step alone writes every level's."""
    from pacte.handlers.card_build import TABLE, UNRANKED, CardSteps

    assert UNRANKED == ("dep", "fr", "reg")
    two = _rows(rw_copy, TABLE)
    assert [(r[1], r[2]) for r in two] == sorted((r[1], r[2]) for r in two)
    rw_copy.execute(f"DROP TABLE {TABLE}")
    CardSteps().ranked(rw_copy)  # without its first step: every level, in one step
    one = _rows(rw_copy, TABLE)
    assert len(one) == len(two) and one == two


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


@pytest.mark.parametrize("failing", ["cards", "contiguity"])
def test_a_failing_step_beside_another_fails_the_build(tmp_path, monkeypatch, failing):
    """The first card step (beside the rankings) or the contiguity (beside the catalogue)
    failing fails the build with its error; no store is left."""
    from fixtures.conftest_fictional import SNAPSHOT

    from pacte.handlers import card_build
    from pacte.handlers.build import build_store
    from pacte.spatial import materialise

    def boom(*_a, **_k):
        raise ValueError(f"panne : {failing}")

    if failing == "cards":
        real = card_build.card_chunks
        monkeypatch.setattr(card_build, "card_chunks", lambda con, levels, *a: boom()
                            if tuple(levels) == card_build.UNRANKED else real(con, levels, *a))
    else:
        monkeypatch.setattr(materialise, "load_contiguity", boom)
    db = tmp_path / "p.duckdb"
    with pytest.raises(BuildError, match=f"panne : {failing}"):
        build_store(db, snap=SNAPSHOT)
    assert not db.exists() and not list(tmp_path.glob(".p.duckdb*"))
