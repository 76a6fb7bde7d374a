"""Writing the territory cards: a chunk committed at a time, without a checkpoint meanwhile,
on one DuckDB thread (the checkpoint threshold and the threads set for the step, then put
back as they were, failure or not)."""

import shutil

import duckdb
import pytest

from pacte.handlers import card_build


@pytest.fixture
def writable(built_store, tmp_path):
    """A writable copy of the real store without its cards."""
    path = tmp_path / "cards.duckdb"
    shutil.copy(built_store, path)
    con = duckdb.connect(str(path))
    con.execute(f"DROP TABLE {card_build.TABLE}")
    con.execute("SET checkpoint_threshold = '7.0 MiB'")
    con.execute("SET threads = 3")
    yield con
    con.close()


def test_cards_written_a_chunk_at_a_time_are_the_built_ones(writable, built_store):
    """The same rows in the same order as the store's (bodies, sources), the store's
    checkpoint threshold put back, and every card's key unique."""
    out = card_build.write_territory_cards(writable)
    assert settings(writable) == ("7.0 MiB", 3)
    writable.execute(f"ATTACH '{built_store}' AS ref (READ_ONLY)")
    rows = f"SELECT key, level, code, body, sources FROM {{}}.{card_build.TABLE}"
    n = writable.execute(f"SELECT count(*) FROM ({rows.format('ref')})").fetchall()[0][0]
    assert out == {card_build.TABLE: n}
    got = writable.execute(rows.format("main") + " ORDER BY rowid").fetchall()
    assert got == writable.execute(rows.format("ref") + " ORDER BY rowid").fetchall()
    with pytest.raises(duckdb.ConstraintException):
        writable.execute(f"INSERT INTO {card_build.TABLE} SELECT * FROM "
                         f"ref.{card_build.TABLE} LIMIT 1")


def settings(con) -> tuple:
    return con.execute("SELECT current_setting('checkpoint_threshold'), "
                       "current_setting('threads')").fetchall()[0]


def test_a_failing_card_step_puts_the_settings_back(writable, monkeypatch):
    def broken(*_a, **_k):
        raise RuntimeError("panne")
        yield

    monkeypatch.setattr(card_build, "level_cards", broken)
    with pytest.raises(RuntimeError, match="panne"):
        card_build.write_territory_cards(writable)
    assert settings(writable) == ("7.0 MiB", 3)


def test_a_failing_prefetched_query_fails_the_step(writable, monkeypatch):
    """A chunk's rows fail in the thread that queries them: the step fails with that
    error (no card table half written is kept by the build: it fails), the settings put
    back; the step's DuckDB threads were one meanwhile."""
    from pacte.handlers.card_rows import LevelRows

    seen, chunk = [], LevelRows.chunk

    def broken(self, after, last):
        seen.append(settings(self.con)[1])
        if len(seen) == 3:
            raise RuntimeError("requête en panne")
        return chunk(self, after, last)

    monkeypatch.setattr(LevelRows, "chunk", broken)
    with pytest.raises(RuntimeError, match="requête en panne"):
        card_build.write_territory_cards(writable)
    assert settings(writable) == ("7.0 MiB", 3)
    assert seen == [card_build.CARD_THREADS] * 3


#: The tables written beside the rankings and after them: the unranked levels' cards read
#: none of them.
LATER = ("ranking", "ranking_draws", "ranking_meta", "ranking_selection", "audit_uncertainty",
         "spatial_neighbour", "spatial_moran", "spatial_lisa", "spatial_meta", "basin",
         "basin_member", "basin_failed", "contours_bassin")


def test_cards_in_two_steps_are_the_built_ones(writable, built_store, tmp_path, monkeypatch):
    """:class:`card_build.CardSteps`: the unranked levels' cards made first from a store
    without the rankings' tables (as beside the rankings), then the others, which alone
    are assembled by the second step: the built table, rows in the same order."""
    from pacte.geography import CARD_LEVELS, RANK_LEVELS

    assert card_build.UNRANKED and not set(card_build.UNRANKED) & set(RANK_LEVELS)
    early = tmp_path / "early.duckdb"
    shutil.copy(built_store, early)
    steps = card_build.CardSteps()
    with duckdb.connect(str(early)) as con:
        for table in (*LATER, card_build.TABLE):
            con.execute(f"DROP TABLE {table}")
        assert steps.jobs_ahead(con) == {}  # (beside the catalogue: the job series' rows)
        assert steps.unranked(con) == {}
    made, level_cards = [], card_build.level_cards

    def recorded(con, level, *a, **k):
        made.append(level)
        return level_cards(con, level, *a, **k)

    monkeypatch.setattr(card_build, "level_cards", recorded)
    out = steps.cards(writable)
    assert sorted(made) == sorted(set(CARD_LEVELS) - set(card_build.UNRANKED))
    writable.execute(f"ATTACH '{built_store}' AS ref (READ_ONLY)")
    rows = f"SELECT key, level, code, body, sources FROM {{}}.{card_build.TABLE}"
    ref = writable.execute(rows.format("ref") + " ORDER BY rowid").fetchall()
    assert out == {card_build.TABLE: len(ref)}
    got = writable.execute(rows.format("main") + " ORDER BY rowid").fetchall()
    assert got == ref
    # (the built store is built by this code: the order checked on its own too)
    assert [r[1:3] for r in got] == sorted(r[1:3] for r in got)


def test_unranked_cards_are_made_beside_the_rankings():
    """The build's schedule: the unranked levels' cards in the rankings' step, the other
    cards beside the spatial statistics."""
    from pacte.handlers.build import steps

    names = [step.__name__.split("+") for step in steps()]
    assert "unranked" in names[1] and names[1][0] == "ranking"
    assert names[2] == ["cards", "statistics"]
