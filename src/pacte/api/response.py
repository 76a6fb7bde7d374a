"""JSON answers: ``{"data": ..., "meta": ...}``, DataFrames as records (NaN -> null); and
the answers the build stored whole, as gzip bytes (the territory cards)."""

from __future__ import annotations

import gzip
from typing import Any

from fastapi.responses import JSONResponse, Response

from pacte.export.jsonable import dumps, jsonable
from pacte.handlers.envelope import Answer

__all__ = ["JSON", "accepts_gzip", "answer", "answer_stored", "jsonable"]


class JSON(JSONResponse):
    """UTF-8 JSON without ASCII escapes (French text stays readable)."""

    def render(self, content: Any) -> bytes:
        return dumps(content)


def answer(ans: Answer, data: Any = None, **meta: Any) -> JSON:
    """The envelope of a handler's answer; ``data`` replaces ``ans.data`` when given."""
    return JSON({"data": jsonable(ans.data if data is None else data),
                 "meta": jsonable({**ans.meta, **meta})})


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether a request's ``Accept-Encoding`` allows gzip (as the gzip middleware reads it)."""
    return "gzip" in (accept_encoding or "")


def answer_stored(body: bytes, gzip_ok: bool) -> Response:
    """A whole JSON answer stored as one gzip member (:mod:`pacte.handlers.card_build`):
    sent as it is to a client that accepts gzip, decompressed for the others. The gzip
    middleware leaves an answer that has a Content-Encoding alone."""
    if gzip_ok:
        return Response(body, media_type="application/json",
                        headers={"content-encoding": "gzip", "vary": "Accept-Encoding"})
    return Response(gzip.decompress(body), media_type="application/json",
                    headers={"vary": "Accept-Encoding"})
