"""Reading the territory cards: the API's whole answer for a territory, stored by the build
as one gzip member (:mod:`pacte.handlers.card_build`).

:func:`stored_answer` gives those bytes as they are (the API sends them to a client that
accepts gzip, and decompresses them once for the others: :func:`pacte.api.response.
answer_stored`); a territory without a card (a commune: 35,000 of them; a store built before
the cards) gets None, and its answer is assembled by :func:`pacte.handlers.territory.
territory`. :func:`territory_frames` reads a card back as the DataFrames the profile takes.

The cards of a store are read whole at its first lookup (about 20 MB for the bundled
store: one query, faster than one indexed lookup per request) and kept in the store's
state (:class:`pacte.store.state.StoreState`, fixed by its build hash).
"""

from __future__ import annotations

import gzip
import json

import duckdb
import pandas as pd

from pacte.handlers.card_build import TABLE
from pacte.handlers.envelope import Answer
from pacte.handlers.territory import territory
from pacte.store import queries
from pacte.store.connect import read_meta
from pacte.store.state import state_of


def _load_cards(con: duckdb.DuckDBPyConnection) -> dict[str, bytes]:
    """{"level/code": gzip body} of the store; empty for a store without cards (or with
    cards of an older form, without a ``body``)."""
    try:
        return dict(con.execute(f"SELECT key, body FROM {TABLE}").fetchall())
    except (duckdb.CatalogException, duckdb.BinderException):
        return {}


def _cards(con: duckdb.DuckDBPyConnection, build_hash: str | None) -> dict[str, bytes]:
    return state_of(con, build_hash).get("cards", lambda: _load_cards(con))


def read_card(con: duckdb.DuckDBPyConnection, level: str, code: str,
              build_hash: str | None = None) -> bytes | None:
    """The stored answer (gzip bytes) of (``level``, ``code``, case-insensitive), or None
    when there is none (unknown code, a commune, a store without cards). ``build_hash``:
    the store's, when read already."""
    if build_hash is None:
        build_hash = read_meta(con).get("build_hash")
    return _cards(con, build_hash).get(f"{level}/{str(code).strip().upper()}")


def stored_answer(con: duckdb.DuckDBPyConnection, query: str, level: str | None = None
                  ) -> bytes | None:
    """The stored answer (gzip bytes) of the territory ``query`` (code or exact name) of
    ``level``, or None when it has no card. An unknown territory or level raises the
    French error of :func:`pacte.store.queries.find_territory` (with suggestions)."""
    build_hash = read_meta(con).get("build_hash")
    body = read_card(con, level, query, build_hash) if level else None
    if body is None:
        terr = queries.find_territory(con, query, level)  # names, suggestions, errors
        body = read_card(con, terr["level"], terr["code"], build_hash)
    return body


def card_json(body: bytes) -> dict:
    """A stored answer as JSON values: {"data": ..., "meta": ...}."""
    return json.loads(gzip.decompress(body))


#: Tables of a card read back as DataFrames.
FRAMES = ("parents", "coverage", "indicators", "anchoring", "jobs")


def territory_frames(con: duckdb.DuckDBPyConnection, query: str, level: str | None = None
                     ) -> Answer:
    """:func:`territory` (``jobs_detail=False``) read from the stored card, as DataFrames
    (the profile's input): one lookup instead of six queries. Assembled live when there is
    no card, or when a table of the card is empty (its columns are then the live ones).
    ``meta``: the card's envelope without the API's ``level``, as :func:`territory`'s."""
    body = stored_answer(con, query, level)
    if body is None:
        return territory(con, query, level, jobs_detail=False)
    card = card_json(body)
    d = card["data"]
    if any(d[k] == [] for k in ("parents", "indicators", "jobs")):
        return territory(con, query, level, jobs_detail=False)
    out = {**d, **{k: None if d[k] is None else pd.DataFrame(d[k]) for k in FRAMES}}
    return Answer(out, {k: v for k, v in card["meta"].items() if k != "level"})
