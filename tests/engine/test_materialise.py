"""The build's catalogue step (:func:`pacte.engine.materialise.write_indicators`: France's
rows computed first, each part encoded as it is made, each run freed once read) stores what
the engine computes, every level then France, in the engine's order."""

import numpy as np
import pandas as pd
import pytest

from pacte.catalogue import LONG_COLUMNS as COLUMNS
from pacte.engine.compute import MODELS, compute_indicators, indicator_parts
from pacte.store.frames import frame


def test_stored_rows_are_every_level_then_france_in_the_engine_order(raw_con):
    stored = frame(raw_con, f"SELECT {', '.join(COLUMNS)} FROM indicator ORDER BY ord")
    runs: dict = {}
    computed = pd.concat([compute_indicators(raw_con, runs=runs),
                          compute_indicators(raw_con, "fr", runs=runs)], ignore_index=True)
    assert len(stored) == len(computed)
    for c in COLUMNS:
        if c == "value":
            np.testing.assert_allclose(stored[c].to_numpy(float),
                                       computed[c].to_numpy(float), rtol=1e-9)
        else:
            assert stored[c].tolist() == computed[c].tolist(), c


def test_consumed_runs_give_the_same_rows_and_are_freed(raw_con):
    runs = {m: f(raw_con, None) for m, f in MODELS.items() if m != "anchoring"}
    keep = dict(runs)
    got = indicator_parts(raw_con, "reg", ["import_exposure_china", "industrie_elargie_share"],
                          runs=runs, consume=True)
    assert runs == {}  # each model's run taken out once its rows were selected
    again = indicator_parts(raw_con, "reg", ["import_exposure_china",
                                             "industrie_elargie_share"], runs=keep)
    assert len(got) == len(again) == 3
    for a, b in zip(got, again, strict=True):
        pd.testing.assert_frame_equal(a, b)


def test_each_part_is_handed_over_as_made_in_the_list_order(raw_con):
    """``each`` receives every part (the build encodes it at once): the list holds what it
    returns, in the order of the frames (job indicators first, then each model's)."""
    inds = ["import_exposure_china", "industrie_elargie_share", "industry_share"]
    runs = {m: f(raw_con, None) for m, f in MODELS.items() if m != "anchoring"}
    seen: list[pd.DataFrame] = []
    got = indicator_parts(raw_con, "reg", inds, runs=dict(runs), consume=True,
                          each=lambda df: seen.append(df) or len(seen))
    plain = indicator_parts(raw_con, "reg", inds, runs=runs)
    assert sorted(got) == list(range(1, len(plain) + 1))
    for n, frame_ in zip(got, plain, strict=True):
        pd.testing.assert_frame_equal(seen[n - 1], frame_)


def _fake_models(log: dict, fail: str | None = None, wait: float = 0.0):
    """Store-level models recording the thread and the connection each ran on; the
    anchoring model and the value chains' wait for each other (they must overlap); ``fail``
    raises in that model (after ``wait`` seconds for the anchoring's)."""
    import threading
    import time

    started = {m: threading.Event() for m in ("anchoring", "valuechain")}

    def model(name, other=None):
        def run(con, level, tops=None):
            log[name] = {"thread": threading.get_ident(), "con": con}
            started[name].set() if name in started else None
            if other is not None and fail is None:
                assert started[other].wait(10), f"{name} ran alone"
            if name == "anchoring":  # it reads a build-only table: the connection's own
                n = con.execute("SELECT count(*) FROM anchoring_bpe").fetchone()[0]
                time.sleep(wait)
                log["anchoring_done"] = True
            if name == fail:
                raise ValueError(f"panne du modèle {name}")
            if tops is not None:
                tops.append(name)
            return pd.DataFrame({"level": ["reg"], "model": [name],
                                 "n": [n if name == "anchoring" else 0]})
        return run

    return {"valuechain": model("valuechain", "anchoring"), "exposure": model("exposure"),
            "anchoring": model("anchoring", "valuechain")}


def _con_with_build_table():
    import duckdb

    con = duckdb.connect()
    con.execute("CREATE TEMP TABLE anchoring_bpe AS SELECT 1 AS x UNION ALL SELECT 2")
    return con


def test_build_table_readers_run_on_the_connection_in_a_thread_beside_the_others(
        monkeypatch):
    """The anchoring model runs in a thread on the build's connection (its temporary tables:
    a cursor does not see them) while the other models run on a cursor in the calling
    thread; every run is returned, the exposure's ``tops`` filled, the build-only tables
    dropped afterwards."""
    import threading

    from pacte.engine import materialise

    log: dict = {}
    monkeypatch.setattr(materialise, "MODELS", _fake_models(log))
    con = _con_with_build_table()
    tops: list = []
    runs = materialise._run_models(con, tops)
    assert set(runs) == {"valuechain", "exposure", "anchoring"}
    assert runs["anchoring"]["n"].tolist() == [2]
    assert tops == ["exposure"]
    me = threading.get_ident()
    assert log["anchoring"]["thread"] != me and log["anchoring"]["con"] is con
    for m in ("valuechain", "exposure"):
        assert log[m]["thread"] == me and log[m]["con"] is not con
    assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = "
                       "'anchoring_bpe'").fetchone()[0] == 0


@pytest.mark.parametrize("failing", ["anchoring", "valuechain"])
def test_a_failing_model_fails_once_both_sides_are_done(monkeypatch, failing):
    """A model failing on either side raises its error once the thread is done (the
    connection is never left in use); the build-only tables are then kept (the build fails
    and its temporary file is removed)."""
    from pacte.engine import materialise

    log: dict = {}
    monkeypatch.setattr(materialise, "MODELS", _fake_models(log, failing, wait=0.3))
    con = _con_with_build_table()
    with pytest.raises(ValueError, match=f"panne du modèle {failing}"):
        materialise._run_models(con, [])
    assert log.get("anchoring_done")  # the thread had ended
    assert con.execute("SELECT count(*) FROM anchoring_bpe").fetchone()[0] == 2


@pytest.mark.parametrize("part", ["anchoring_blocks", "finish_anchoring"])
def test_a_failing_anchoring_model_fails_the_build_and_keeps_the_previous_store(
        monkeypatch, fictional_store, tmp_path, part):
    """The anchoring model failing, early (its blocks, beside the derive's end) or in the
    catalogue step (the census' and its frame), fails the whole build with its error; the
    previous store stays, no temporary file is left."""
    import shutil

    from fixtures.conftest_fictional import SNAPSHOT

    from pacte import store
    from pacte.engine import materialise
    from pacte.errors import BuildError
    from pacte.handlers.build import steps

    def broken(*_args, **_kw):
        raise ValueError("panne du modèle d'ancrage")

    monkeypatch.setattr(materialise, part, broken)
    db = tmp_path / "p.duckdb"
    shutil.copy(fictional_store, db)
    before = db.read_bytes()
    with pytest.raises(BuildError, match="panne du modèle d'ancrage"):
        store.build(db, SNAPSHOT, steps=steps)
    assert db.read_bytes() == before
    assert not list(tmp_path.glob(".p.duckdb*"))


def test_an_early_anchoring_is_finished_not_run_again(monkeypatch):
    """Given the anchoring's early blocks (a future), the catalogue's models finish them
    (the census' block, the frame) in the thread, and the model itself does not run; the
    blocks are taken out of the future (not held for the rest of the build)."""
    from concurrent.futures import Future

    from pacte.engine import materialise

    def model(name):
        def run(con, level, tops=None):
            if name == "anchoring":
                raise AssertionError("the anchoring model ran again")
            return pd.DataFrame({"model": [name]})
        return run

    finished: list = []

    def finish(con, rows):
        finished.append(rows)
        return pd.DataFrame({"model": ["anchoring"]})

    monkeypatch.setattr(materialise, "MODELS", {m: model(m) for m in
                                                ("valuechain", "exposure", "anchoring")})
    monkeypatch.setattr(materialise, "finish_anchoring", finish)
    early: Future = Future()
    box = [["blocks"]]
    early.set_result(box)
    runs = materialise._run_models(_con_with_build_table(), [], early)
    assert finished == [["blocks"]] and box == []
    assert {m: df["model"].tolist() for m, df in runs.items()} == {
        m: [m] for m in ("valuechain", "exposure", "anchoring")}


def test_the_catalogue_step_hands_its_early_blocks_over_once(monkeypatch):
    """:class:`Catalogue`: without early work, the step computes everything; with it, the
    step gets the early blocks' future (then lets it go), or its failure."""
    import duckdb

    from pacte.engine import materialise
    from pacte.handlers.build import steps

    got: list = []
    monkeypatch.setattr(materialise, "write_indicators",
                        lambda con, say, anchoring: got.append(anchoring) or {})
    monkeypatch.setattr(materialise, "anchoring_blocks",
                        lambda cur, jobs=True: ["blocks", jobs])
    con = duckdb.connect()
    materialise.Catalogue()(con)
    assert got == [None]
    step = materialise.Catalogue()
    step.early()(con)
    step(con)
    assert got[1].result() == [["blocks", False]] and step._anchoring is None

    failing = materialise.Catalogue()
    monkeypatch.setattr(materialise, "anchoring_blocks", lambda cur, jobs=True: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        failing.early()(con)
    failing(con)
    with pytest.raises(ZeroDivisionError):
        got[2].result()
    assert callable(steps()[0].early)  # the build's first step: the catalogue's
