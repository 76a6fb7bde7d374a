"""Writing the territory cards: a chunk committed at a time, without a checkpoint meanwhile
(the checkpoint threshold raised for the step, then put back as it was, failure or not)."""

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
    yield con
    con.close()


def test_cards_written_a_chunk_at_a_time_are_the_built_ones(writable, built_store):
    """The same rows in the same order as the store's (bodies, sources), the store's
    checkpoint threshold put back, and every card's key unique."""
    out = card_build.write_territory_cards(writable)
    assert writable.execute("SELECT current_setting('checkpoint_threshold')"
                            ).fetchall()[0][0] == "7.0 MiB"
    writable.execute(f"ATTACH '{built_store}' AS ref (READ_ONLY)")
    rows = f"SELECT key, level, code, body, sources FROM {{}}.{card_build.TABLE}"
    n = writable.execute(f"SELECT count(*) FROM ({rows.format('ref')})").fetchall()[0][0]
    assert out == {card_build.TABLE: n}
    got = writable.execute(rows.format("main") + " ORDER BY rowid").fetchall()
    assert got == writable.execute(rows.format("ref") + " ORDER BY rowid").fetchall()
    with pytest.raises(duckdb.ConstraintException):
        writable.execute(f"INSERT INTO {card_build.TABLE} SELECT * FROM "
                         f"ref.{card_build.TABLE} LIMIT 1")


def test_a_failing_card_step_puts_the_threshold_back(writable, monkeypatch):
    def broken(*_a, **_k):
        raise RuntimeError("panne")
        yield

    monkeypatch.setattr(card_build, "level_cards", broken)
    with pytest.raises(RuntimeError, match="panne"):
        card_build.write_territory_cards(writable)
    assert writable.execute("SELECT current_setting('checkpoint_threshold')"
                            ).fetchall()[0][0] == "7.0 MiB"
