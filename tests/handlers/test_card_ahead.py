"""The ranked levels' JSON rows made ahead (:mod:`pacte.handlers.card_ahead`): compressed by
parts, read back as the queried rows (any range of codes, across parts), the cards made
from them the cards made from the queries, chunk by chunk (a chunk per part); their
failure beside the rankings fails the build and leaves the previous store."""

import shutil

import pytest

from pacte.errors import BuildError
from pacte.handlers import card_ahead, card_build


def _codes(con, level: str) -> list[str]:
    return [c for (c,) in con.execute(
        "SELECT code FROM territory WHERE level = ? ORDER BY code", [level]).fetchall()]


@pytest.fixture
def small_pieces(monkeypatch):
    """Pieces of a few territories: a level's rows from several queries."""
    monkeypatch.setattr(card_ahead, "PIECE_BYTES", 1_000_000)
    monkeypatch.setattr(card_ahead, "FIRST_PIECE", 9)


def test_parts_are_the_level_s_codes_in_order(con, small_pieces):
    codes = _codes(con, "ze2010")
    parts = card_ahead.level_parts(con, "ze2010", part_bytes=300_000)
    assert len(parts) > 5
    assert sum(n for _l, n, _p in parts) == len(codes)
    ends, k = [], 0
    for _last, n, _packed in parts:
        k += n
        ends.append(codes[k - 1])
    assert [last for last, _n, _p in parts] == ends


def test_a_chunk_of_packed_rows_is_its_codes_rows(con, small_pieces):
    """:meth:`PackedRows.chunk`: the queried rows of the codes after ``after`` to ``last``
    (:meth:`LevelRows.chunk`), within a part or across several, in any order."""
    from pacte.handlers.card_indicators import register_labels
    from pacte.handlers.card_rows import INDICATORS, JOBS, LevelRows

    codes = _codes(con, "ze2020")
    packed = card_ahead.PackedRows(card_ahead.level_parts(con, "ze2020",
                                                          part_bytes=500_000))
    cur = con.cursor()
    try:
        register_labels(cur, "ze2020")
        whole = LevelRows(cur, "ze2020", True).chunk(None, codes[-1])
    finally:
        cur.close()
    for after, last in ((codes[40], codes[45]), (None, codes[2]), (codes[9], codes[200]),
                        (codes[-3], codes[-1]), (None, codes[-1]), (codes[100], codes[101])):
        part = packed.chunk(after, last)
        inside = codes[codes.index(after) + 1 if after else 0:codes.index(last) + 1]
        for code in codes:
            for kind in (JOBS, INDICATORS):
                expected = whole.text(code, kind) if code in inside else b""
                assert bytes(part.text(code, kind)) == bytes(expected), (code, kind)
                assert part.sources(code, kind) == (whole.sources(code, kind)
                                                    if code in inside else set())


@pytest.mark.parametrize("level", ["ze2010", "epci"])
@pytest.mark.parametrize("split", [False, True])
def test_cards_from_rows_made_ahead_are_the_queried_ones(con, small_pieces, level, split):
    """Rows made ahead, both kinds at once (a chunk per part) or a kind at a time (the
    build's: the job series beside the catalogue, the indicators beside the rankings; the
    chunks then sized as queried), each chunk's rows read in a thread: the cards of the
    rows queried, in the same order."""
    from pacte.handlers.card_rows import INDICATORS, JOBS

    plain = [c for part in card_build.level_cards(con, level, chunk=8) for c in part]
    if split:
        lists = [card_ahead.level_parts(con, level, (kind,), part_bytes=700_000)
                 for kind in (JOBS, INDICATORS)]
        assert all(len(parts) > 1 for parts in lists)
        assert [p[0] for p in lists[0]] != [p[0] for p in lists[1]]  # parts cut apart
    else:
        lists = [card_ahead.level_parts(con, level, part_bytes=2_000_000)]
    chunks = list(card_build.level_cards(con, level, prefetch=True,
                                         ahead=card_ahead.PackedRows(*lists)))
    if not split:
        assert [len(c) for c in chunks] == [n for _l, n, _p in lists[0]]
    got = [c for part in chunks for c in part]
    assert [c for c, _b, _s in got] == [c for c, _b, _s in plain]
    assert got == plain


def test_rows_are_taken_once_both_kinds_made(con):
    """A level's rows are taken once, and only when both kinds were made (else the cards'
    step queries them)."""
    from pacte.handlers.card_rows import INDICATORS, JOBS

    ahead = card_ahead.RowsAhead()
    ahead.make(con, ("ze2010", "ze2020"), (JOBS,))
    ahead.make(con, ("ze2010",), (INDICATORS,))
    assert isinstance(ahead.take("ze2010"), card_ahead.PackedRows)
    assert ahead.take("ze2010") is None
    assert ahead.take("ze2020") is None  # its job series only


def test_rows_ahead_failing_fails_the_build(fictional_store, tmp_path, monkeypatch):
    """The rows made ahead (beside the rankings) failing fails the build with their error,
    once the rankings are done; the previous store stays, no temporary file is left."""
    from fixtures.conftest_fictional import SNAPSHOT

    from pacte.handlers.build import build_store

    def boom(*_a, **_k):
        raise ValueError("panne : lignes des fiches")

    monkeypatch.setattr(card_ahead, "level_parts", boom)
    db = tmp_path / "p.duckdb"
    shutil.copy(fictional_store, db)
    before = db.read_bytes()
    with pytest.raises(BuildError, match="panne : lignes des fiches"):
        build_store(db, snap=SNAPSHOT)
    assert db.read_bytes() == before
    assert not list(tmp_path.glob(".p.duckdb*"))


def test_no_rows_ahead_from_a_jobs_table_over_the_bound(con, monkeypatch):
    """Over :data:`JOBS_AHEAD_MAX_ROWS` rows of jobs (the national URSSAF file), no rows are
    made ahead, of either kind (the cards' step queries them); up to it, every ranked
    level's rows are."""
    monkeypatch.setattr(card_build, "JOBS_AHEAD_MAX_ROWS", 0)
    steps = card_build.CardSteps()
    steps.jobs_ahead(con)
    steps.unranked(con)
    assert not steps._ahead._levels  # neither kind made
    assert all(steps._ahead.take(lv) is None for lv in card_build.RANKED)
    ((n,),) = con.execute("SELECT count(*) FROM jobs").fetchall()
    monkeypatch.setattr(card_build, "JOBS_AHEAD_MAX_ROWS", n)
    steps = card_build.CardSteps()
    steps.jobs_ahead(con)
    steps.unranked(con)
    assert all(isinstance(steps._ahead.take(lv), card_ahead.PackedRows)
               for lv in card_build.RANKED)
