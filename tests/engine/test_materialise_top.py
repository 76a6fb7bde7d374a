"""The catalogue step writes the exposure's top industries (``exposure_top``) on a cursor
in a thread beside the indicator rows: its message said in its place, after the indicators'
table; a failure on either side fails the build with its error, once both are done."""

import pytest


@pytest.mark.parametrize("part", ["write_exposure_top", "write_indicator_table"])
def test_a_failing_table_fails_the_build_and_keeps_the_previous_store(
        monkeypatch, fictional_store, tmp_path, part):
    import shutil
    import threading

    from fixtures.conftest_fictional import SNAPSHOT

    from pacte import store
    from pacte.engine import materialise
    from pacte.errors import BuildError
    from pacte.handlers.build import steps

    other = {"write_exposure_top": "write_indicator_table",
             "write_indicator_table": "write_exposure_top"}[part]
    done = threading.Event()
    real = getattr(materialise, other)

    def broken(*_args, **_kw):
        raise ValueError(f"panne de {part}")

    def slow(*args, **kw):  # the other side still running when this one fails
        try:
            return real(*args, **kw)
        finally:
            done.set()

    monkeypatch.setattr(materialise, part, broken)
    monkeypatch.setattr(materialise, other, slow)
    db = tmp_path / "p.duckdb"
    shutil.copy(fictional_store, db)
    before = db.read_bytes()
    with pytest.raises(BuildError, match=f"panne de {part}"):
        store.build(db, SNAPSHOT, steps=steps)
    assert done.is_set()  # the other side had ended before the step failed
    assert db.read_bytes() == before
    assert not list(tmp_path.glob(".p.duckdb*"))


def test_the_top_industries_message_follows_the_indicators_table(
        monkeypatch, fictional_store, tmp_path):
    from fixtures.conftest_fictional import SNAPSHOT

    from pacte import store
    from pacte.engine import materialise
    from pacte.engine.exposure_top import MESSAGE
    from pacte.handlers.build import steps

    said: list[str] = []
    real = materialise.write_indicator_table

    def table(*args, **kw):
        real(*args, **kw)
        said.append("<indicator>")

    monkeypatch.setattr(materialise, "write_indicator_table", table)
    store.build(tmp_path / "p.duckdb", SNAPSHOT, steps=steps, progress=said.append)
    at = said.index("Calcul de tous les indicateurs du catalogue")
    assert said.index("<indicator>") > at
    assert said.index(MESSAGE) > said.index("<indicator>")
    with store.connect(tmp_path / "p.duckdb") as con:
        assert con.execute("SELECT count(*) FROM exposure_top").fetchone()[0] > 0
