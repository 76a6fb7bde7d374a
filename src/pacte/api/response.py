"""JSON answers: ``{"data": ..., "meta": ...}``, DataFrames as records (NaN -> null)."""

from __future__ import annotations

import struct
import zlib
from typing import Any

from fastapi.responses import JSONResponse, Response

from pacte.export.jsonable import dumps, jsonable
from pacte.handlers.cards import Card
from pacte.handlers.envelope import Answer

__all__ = ["JSON", "answer", "answer_card", "jsonable"]


class JSON(JSONResponse):
    """UTF-8 JSON without ASCII escapes (French text stays readable)."""

    def render(self, content: Any) -> bytes:
        return dumps(content)


def answer(ans: Answer, data: Any = None, **meta: Any) -> JSON:
    """The envelope of a handler's answer; ``data`` replaces ``ans.data`` when given."""
    return JSON({"data": jsonable(ans.data if data is None else data),
                 "meta": jsonable({**ans.meta, **meta})})


#: A gzip member header: deflate, no name, no time, unknown OS (RFC 1952).
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"


def answer_card(card: Card, meta: dict, gzip: bool, **extra: Any) -> Response:
    """The envelope around a stored territory card (:class:`pacte.handlers.cards.Card`).
    With ``gzip`` (the client accepts it), the card's deflate stream is sent as it is, the
    envelope's end compressed after it and the gzip trailer (CRC-32 combined, length)
    closing it: one valid gzip stream, the card not compressed again. The gzip middleware
    leaves an answer that has a Content-Encoding alone."""
    tail = b',"meta":' + dumps(jsonable({**meta, **extra})) + b"}"
    if not gzip:
        return Response(card.head() + tail, media_type="application/json",
                        headers={"vary": "Accept-Encoding"})
    z = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    trailer = struct.pack("<II", zlib.crc32(tail, card.crc),
                          (card.size + len(tail)) & 0xFFFFFFFF)
    body = GZIP_HEADER + card.deflate + z.compress(tail) + z.flush() + trailer
    return Response(body, media_type="application/json",
                    headers={"content-encoding": "gzip", "vary": "Accept-Encoding"})
