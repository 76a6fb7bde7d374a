"""Territory cards (issues 16 and 19): the answer the build stores for each territory is the
live handler's answer, its gzip stream is valid however it is spliced, and the job series
summed into NAF sections keep every job."""

import gzip
import json
import math
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pacte.api.response import answer_card
from pacte.export.jsonable import jsonable
from pacte.handlers import cards
from pacte.handlers.territory import territory
from pacte.store import queries

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
    for code in sample(con, level, n):
        card = cards.read_card(con, level, code)
        assert card is not None, (level, code)
        live = territory(con, code, level, jobs_detail=False)
        same(json.loads(card.data()), jsonable(live.data), f"{level}/{code}")
        # the envelope names the same snapshot tables as the live answer's
        stored = cards.territory_json(con, code, level)
        assert stored.meta == live.meta


def test_every_territory_but_communes_has_a_card(con):
    n = dict(con.execute("SELECT level, count(*) FROM territory_card GROUP BY level"
                         ).fetchall())
    expected = dict(con.execute("SELECT level, count(*) FROM territory WHERE level <> "
                                "'commune' GROUP BY level").fetchall())
    assert n == expected and n["epci"] == 1255


def test_commune_and_names_are_answered_without_a_card(con):
    # a commune has no card: assembled on the spot, same answer as the live handler
    ans = cards.territory_json(con, "76540", "commune")
    live = territory(con, "76540", "commune", jobs_detail=False)
    same(json.loads(ans.data.data()), jsonable(live.data))
    assert json.loads(ans.data.data())["territory"]["name"] == "Rouen"
    # an exact name resolves to its code's card
    by_name = cards.territory_json(con, "Métropole Rouen Normandie", "epci")
    assert by_name.data == cards.read_card(con, "epci", ROUEN)


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


@given(data=st.binary(max_size=3000), tail=st.binary(max_size=400),
       level=st.integers(1, 9))
def test_spliced_gzip_is_one_valid_stream(data, tail, level):
    """Card stream + separately compressed end + combined CRC = one gzip member that
    gzip and a single streaming decoder (httpx's) read whole."""
    card = cards.Card.of(data, (), level)
    assert card.data() == data
    z = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    import struct

    body = (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + card.deflate + z.compress(tail)
            + z.flush() + struct.pack("<II", zlib.crc32(tail, card.crc),
                                      (card.size + len(tail)) & 0xFFFFFFFF))
    expected = cards.PREFIX + data + tail
    assert gzip.decompress(body) == expected
    d = zlib.decompressobj(zlib.MAX_WBITS | 16)
    assert d.decompress(body) + d.flush() == expected and d.eof and not d.unused_data


def test_answer_card_both_encodings(con):
    card = cards.read_card(con, "epci", ROUEN)
    meta = {"build_hash": "x", "sources": [{"table": "t"}]}
    plain = answer_card(card, meta, gzip=False, level="epci")
    packed = answer_card(card, meta, gzip=True, level="epci")
    assert packed.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    assert gzip.decompress(packed.body) == plain.body
    body = json.loads(plain.body)
    assert body["meta"] == {**meta, "level": "epci"}
    assert body["data"]["territory"]["name"] == "Métropole Rouen Normandie"
