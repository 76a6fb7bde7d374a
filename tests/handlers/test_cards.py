"""Territory cards: the answer the build stores for each territory (a finished gzip member)
is the live handler's answer with its envelope, the API sends it as it is or decompressed,
and the job series summed into NAF sections keep every job."""

import gzip
import json
import math
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pacte.api.response import accepts_gzip, answer_stored
from pacte.errors import UnknownTerritoryError
from pacte.export.jsonable import jsonable
from pacte.handlers import cards
from pacte.handlers.card_build import CHUNK_BYTES, CHUNK_RANGE, gzip_body, next_chunk
from pacte.handlers.territory import territory
from pacte.store import queries, read_meta

ROUEN = "200023414"


def same(a, b, path="") -> None:
    """Equal JSON values; floats to 1e-12 relative or 1e-14 absolute (the live encoder keeps
    15 decimals, the card every digit)."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), path
        for k in a:
            same(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{path}[{i}]")
    elif isinstance(a, float) or isinstance(b, float):
        assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-14), (path, a, b)
    else:
        assert a == b, (path, a, b)


def sample(con, level: str, n: int) -> list[str]:
    codes = [r[0] for r in con.execute("SELECT code FROM territory WHERE level = ? "
                                       "ORDER BY hash(code) LIMIT ?", [level, n]).fetchall()]
    return codes + ([ROUEN] if level == "epci" else [])


@pytest.mark.parametrize("level,n", [("epci", 12), ("ze2020", 4), ("ze2010", 4), ("dep", 4),
                                     ("reg", 3), ("fr", 1)])
def test_card_is_the_live_answer(con, level, n):
    """Data and envelope: the live answer plus the level the API adds to it."""
    for code in sample(con, level, n):
        body = cards.read_card(con, level, code)
        assert body is not None, (level, code)
        card = cards.card_json(body)
        assert list(card) == ["data", "meta"]
        live = territory(con, code, level, jobs_detail=False)
        same(card["data"], jsonable(live.data), f"{level}/{code}")
        assert card["meta"] == jsonable({**live.meta, "level": level})


def test_each_live_answer_gets_its_own_ranking(con):
    """The level's ranking summaries are kept per process and store
    (:func:`pacte.handlers.territory.rank_of`): each answer gets a copy, so that a caller
    changing its answer changes no later one."""
    from pacte.handlers.ranking import rank_summaries

    first = territory(con, ROUEN, "epci", jobs_detail=False).data["ranking"]
    first["rank"] = -1
    again = territory(con, ROUEN, "epci", jobs_detail=False).data["ranking"]
    assert again == rank_summaries(con, "epci")[ROUEN] and again["rank"] > 0


def test_the_envelope_is_the_store_s(con):
    meta = cards.card_json(cards.read_card(con, "epci", ROUEN))["meta"]
    store = read_meta(con)
    assert (meta["build_hash"], meta["built_at"]) == (store["build_hash"], store["built_at"])
    tables = {s["table"] for s in meta["sources"]}
    assert {"urssaf_jobs", "census_functions", "wiod_trade", "anchoring_bpe",
            "communes"} <= tables
    assert "ofgl_rei" not in tables  # only the sources of its figures


def test_every_territory_but_communes_has_a_card(con):
    n = dict(con.execute("SELECT level, count(*) FROM territory_card GROUP BY level"
                         ).fetchall())
    expected = dict(con.execute("SELECT level, count(*) FROM territory WHERE level <> "
                                "'commune' GROUP BY level").fetchall())
    assert n == expected and n["epci"] == 1255


def test_commune_and_names(con):
    # a commune has no card: the API assembles it on request
    assert cards.stored_answer(con, "76540", "commune") is None
    # an exact name resolves to its code's card; an unknown one is the French error
    by_name = cards.stored_answer(con, "Métropole Rouen Normandie", "epci")
    assert by_name == cards.read_card(con, "epci", ROUEN)
    assert cards.stored_answer(con, ROUEN.lower() + " ", "epci") == by_name
    with pytest.raises(UnknownTerritoryError, match="Territoire inconnu au niveau epci"):
        cards.stored_answer(con, "Grand Pari", "epci")


def test_frames_are_the_live_frames(con):
    """The profile's input read from the card: the live answer's tables and envelope."""
    got = cards.territory_frames(con, ROUEN, "epci")
    live = territory(con, ROUEN, "epci", jobs_detail=False)
    assert got.meta == live.meta
    assert got.data["territory"] == jsonable(live.data["territory"])
    for k in cards.FRAMES:
        assert list(got.data[k].columns) == list(live.data[k].columns), k
        assert len(got.data[k]) == len(live.data[k]), k
    commune = cards.territory_frames(con, "76540", "commune")  # no card: the live answer
    assert commune.data["territory"]["name"] == "Rouen"


def test_sections_keep_every_job(con):
    """Rouen's URSSAF series: the 21 NAF sections of the answer sum to the TOTAL row and to
    the 732-code detail, every year (conservation on the real extract)."""
    detail = queries.territory_jobs(con, "epci", ROUEN, detail=True, source="urssaf")
    summed = queries.territory_jobs(con, "epci", ROUEN, detail=False, source="urssaf")
    assert len(detail) == 8647 and len(summed) < 400
    codes = detail[detail["sector"] != "TOTAL"].groupby("year")["jobs"].sum()
    sections = summed[summed["scheme"] == "A21"].groupby("year")["jobs"].sum()
    total = summed[summed["sector"] == "TOTAL"].set_index("year")["jobs"]
    assert len(codes) == 17
    assert (sections - codes).abs().max() < 1e-6
    assert (total - codes).abs().max() < 1e-6
    assert set(summed.loc[summed["scheme"] == "A21", "sector"]) <= set("ABCDEFGHIJKLMNOPQRSTU")
    c2015 = summed[(summed["year"] == 2015) & (summed["sector"] == "C")]["jobs"].item()
    assert c2015 == 22234  # manufacturing, Métropole Rouen Normandie, 2015 (URSSAF extract)


@given(body=st.binary(max_size=5000), level=st.integers(1, 9))
def test_a_stored_body_is_one_gzip_member(body, level):
    """One member, the same bytes at every build, read whole by gzip and by a single
    streaming decoder (httpx's)."""
    packed = gzip_body(body, level)
    assert packed == gzip_body(body, level)
    assert packed[:4] == b"\x1f\x8b\x08\x00" and packed[4:8] == b"\0\0\0\0"  # no name, time 0
    assert gzip.decompress(packed) == body
    d = zlib.decompressobj(zlib.MAX_WBITS | 16)
    assert d.decompress(packed) + d.flush() == body and d.eof and not d.unused_data


def test_answer_stored_both_encodings(con):
    body = cards.read_card(con, "epci", ROUEN)
    packed, plain = answer_stored(body, gzip_ok=True), answer_stored(body, gzip_ok=False)
    assert packed.headers["content-encoding"] == "gzip" and packed.body == body
    assert "content-encoding" not in plain.headers
    assert packed.headers["vary"] == plain.headers["vary"] == "Accept-Encoding"
    assert gzip.decompress(packed.body) == plain.body
    assert int(plain.headers["content-length"]) == len(plain.body)
    doc = json.loads(plain.body)
    assert doc["meta"]["level"] == "epci"
    assert doc["data"]["territory"]["name"] == "Métropole Rouen Normandie"


@pytest.mark.parametrize("header,ok", [("gzip", True), ("gzip, deflate, br", True),
                                       ("br;q=1.0, gzip;q=0.8", True), ("identity", False),
                                       ("", False), (None, False)])
def test_accepts_gzip(header, ok):
    assert accepts_gzip(header) is ok


def test_chunks_hold_about_the_same_json():
    """A chunk holds about CHUNK_BYTES of JSON at the level's mean card so far (a
    département's card, 420 KB: 28 of them at 12 MB; an EPCI's, 100 KB: 120), within
    CHUNK_RANGE."""
    assert CHUNK_BYTES == 12_000_000
    assert next_chunk(64, 64 * 420_000) == 28
    assert next_chunk(64, 64 * 100_000) == 120
    assert next_chunk(10, 10) == CHUNK_RANGE[1]  # tiny cards: the largest chunk
    assert next_chunk(1, 10**9) == CHUNK_RANGE[0]  # huge cards: the smallest
    assert next_chunk(0, 0) == CHUNK_RANGE[1]


def test_rows_read_in_spans_and_batches_give_the_same_cards(con, monkeypatch):
    """A level's JSON rows come from one query per span of chunks, read as a stream of
    batches: a territory's rows cut by a batch's end or a span's give the cards of one
    query for the whole level."""
    from pacte.handlers import card_build, card_rows

    def cards_of(level):
        return [c for part in card_build.level_cards(con, level, chunk=8) for c in part]

    monkeypatch.setattr(card_build, "SPAN", 10_000)
    whole = {lv: cards_of(lv) for lv in ("dep", "reg")}
    monkeypatch.setattr(card_build, "SPAN", 1)
    monkeypatch.setattr(card_rows, "BATCH_ROWS", 997)  # batches end inside a territory
    for level, expected in whole.items():
        got = cards_of(level)
        assert [c for c, _b, _s in got] == [c for c, _b, _s in expected]
        assert got == expected, level


def test_prefetched_rows_give_the_same_cards_in_the_same_order(con):
    """Each chunk's rows queried in a thread while the previous chunk is assembled
    (``prefetch``, the build's): the cards of the rows read in one stream, in code order,
    chunk by chunk (many small chunks: a chunk given its neighbour's rows, or rows read
    twice or skipped, would change them)."""
    from pacte.handlers import card_build

    for level in ("dep", "reg", "fr"):
        plain = list(card_build.level_cards(con, level, chunk=8))
        chunks = list(card_build.level_cards(con, level, chunk=8, prefetch=True,
                                             chunk_bytes=1))
        got = [c for part in chunks for c in part]
        assert len(chunks) > 1 or level == "fr"
        assert all(len(part) <= card_build.CHUNK_RANGE[0] for part in chunks)
        assert [c for c, _b, _s in got] == [c for part in plain for c, _b, _s in part]
        assert got == [c for part in plain for c in part], level


def test_a_chunk_of_rows_is_its_codes_rows(con):
    """:meth:`LevelRows.chunk`: the rows of the codes after ``after`` to ``last`` only,
    whatever chunk was read before (a thread's chunks are not one after the other)."""
    from pacte.handlers.card_indicators import register_labels
    from pacte.handlers.card_rows import INDICATORS, JOBS, LevelRows

    codes = [c for (c,) in con.execute(
        "SELECT code FROM territory WHERE level = 'dep' ORDER BY code").fetchall()]
    cur = con.cursor()
    try:
        register_labels(cur, "dep")
        rows = LevelRows(cur, "dep", True)
        whole = rows.chunk(None, codes[-1])
        for after, last in ((codes[40], codes[45]), (None, codes[2]), (codes[9], codes[10]),
                            (codes[-3], codes[-1])):
            part = rows.chunk(after, last)
            inside = codes[codes.index(after) + 1 if after else 0:codes.index(last) + 1]
            for code in codes:
                for kind in (JOBS, INDICATORS):
                    expected = whole.text(code, kind) if code in inside else b""
                    assert bytes(part.text(code, kind)) == bytes(expected), (code, kind)
                    assert part.has(code, kind) is (code in inside and whole.has(code, kind))
    finally:
        cur.close()


def test_json_rows_are_slices_of_one_buffer():
    """Each (code, kind)'s rows, commas between them, and its distinct sources."""
    import pyarrow as pa

    from pacte.handlers.card_rows import JsonRows

    rows = JsonRows(pa.table({"code": ["a", "a", "a", "b"], "kind": pa.array([0, 0, 1, 1],
                                                                             pa.int8()),
                              "source": ["x", "y", "x", None],
                              "j": ['{"v":1},', '{"v":2},', '{"w":"é"},', "[3],"]}), kinds=2)
    assert bytes(rows.text("a")) == b'{"v":1},{"v":2}'
    assert bytes(rows.text("a", 1)) == '{"w":"é"}'.encode()
    assert bytes(rows.text("b", 1)) == b"[3]" and rows.text("b") == b""
    assert rows.sources("a") == {"x", "y"} and rows.sources("b", 1) == {None}
    assert rows.has("a") and not rows.has("c")
    unsorted = JsonRows(pa.table({"code": ["b", "a", "b"], "source": ["x", "x", "y"],
                                  "j": ["1,", "2,", "3,"]}))  # grouped, order kept
    assert bytes(unsorted.text("b")) == b"1,3" and bytes(unsorted.text("a")) == b"2"
