"""Territory cards: the API's answer for each territory (every level but communes), built
once at build time and stored serialised, so that a reader answers with one lookup instead
of six queries and a JSON encoding (targets: territory p99 under 50 ms, 300 requests/s on
one worker, cold as well as warm; see bench/).

A card is :func:`pacte.handlers.territory.territory`'s ``data`` (``jobs_detail=False``: the
URSSAF APE codes summed into NAF sections) as JSON, zlib-compressed,
with the sources its envelope names. It is assembled from the same readers called for a
whole level at once (``code=None``) and encoded by DuckDB, with doubles in full precision
(the live answer's encoder, :func:`pacte.export.tables.records`, keeps 15 decimals); the
tests check that it parses to the live answer. The envelope (build hash,
vintages, licences) is not stored: it is read at request time, like every answer's.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from pacte.engine import read_show_indicators
from pacte.export.jsonable import dumps, jsonable
from pacte.geography import CARD_LEVELS
from pacte.handlers.anchoring import anchoring_profile
from pacte.handlers.compare import default_groups
from pacte.handlers.envelope import Answer, envelope
from pacte.handlers.ranking import rank_summaries
from pacte.handlers.territory import (
    answer_sources,
    has_indicators,
    headline,
    identity,
    territory,
)
from pacte.store import queries
from pacte.store.connect import read_meta
from pacte.store.state import state_of

TABLE = "territory_card"
#: Levels with a stored card (communes are assembled on request: 35,000 of them).
#: zlib level: 6 takes 2.4 times as long as 1 (1.8 s against 0.75 s for the 222 MB of
#: cards) for 18 instead of 22 MB.
ZLIB_LEVEL = 1


#: What a card's stream starts with: the API appends ``,"meta":{...}}`` to it.
PREFIX = b'{"data":'


@dataclass(frozen=True)
class Card:
    """``{"data":<the territory's data>`` as a raw deflate stream flushed to a byte boundary
    but not ended (``Z_SYNC_FLUSH``), with its CRC-32 and length: the API appends the rest of
    the envelope, compressed, and sends the whole as one gzip stream without compressing
    the card again (:func:`pacte.api.response.answer_card`)."""

    deflate: bytes
    crc: int
    size: int
    sources: tuple[str, ...]

    @classmethod
    def of(cls, data_json: bytes, sources, level: int = ZLIB_LEVEL) -> Card:
        raw = PREFIX + data_json
        z = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
        return cls(z.compress(raw) + z.flush(zlib.Z_SYNC_FLUSH), zlib.crc32(raw), len(raw),
                   tuple(sources))

    def head(self) -> bytes:
        """The uncompressed ``{"data":...`` (for a client that does not accept gzip)."""
        return zlib.decompressobj(-zlib.MAX_WBITS).decompress(self.deflate)

    def data(self) -> bytes:
        """The territory's data as JSON."""
        return self.head()[len(PREFIX):]


def _split(con: duckdb.DuckDBPyConnection, df: pd.DataFrame | None, keep_code: bool = False
           ) -> dict[str, str]:
    """code -> JSON array (text) of the rows of a level-wide frame, in its row order, the
    ``code`` column dropped unless ``keep_code``; encoded by DuckDB in one query (doubles
    in full precision, non-finite ones as null)."""
    if df is None or df.empty:
        return {}
    frame = df.assign(_row=np.arange(len(df)))
    fields = []
    for col in (df.columns if keep_code else df.columns.drop("code")):
        name = '"' + col.replace('"', '""') + '"'
        value = (f"CASE WHEN isfinite({name}) THEN {name} END"
                 if pd.api.types.is_float_dtype(df[col]) else name)
        fields.append(f"{name} := {value}")
    con.register("_card_rows", frame)
    try:
        return dict(con.execute(f"""
            SELECT code, '[' || string_agg(to_json(struct_pack({', '.join(fields)})), ','
                                           ORDER BY _row) || ']'
            FROM _card_rows GROUP BY code""").fetchall())
    finally:
        con.unregister("_card_rows")


def level_cards(con: duckdb.DuckDBPyConnection, level: str) -> list[tuple[str, Card]]:
    """(code, card) of every territory of ``level``."""
    terr = con.execute("SELECT * FROM territory WHERE level = ? ORDER BY code", [level]).df()
    names = dict(((lv, c), n) for lv, c, n in con.execute(
        "SELECT level, code, name FROM territory WHERE level IN ('epci', 'dep', 'reg')"
    ).fetchall())
    jobs_df = queries.territory_jobs(con, level, detail=False)
    job_sources = jobs_df.groupby("code")["source"].unique().to_dict()
    jobs, cov = _split(con, jobs_df), _split(con, queries.coverage(con, level), keep_code=True)
    with_ind = has_indicators(level)
    ind_df = read_show_indicators(con, level, None) if with_ind else None
    ind_sources = {} if ind_df is None else ind_df.groupby("code")["source"].unique().to_dict()
    ind = _split(con, ind_df)
    anch = _split(con, anchoring_profile(con, level, None)) if with_ind else {}
    ranks, groups = rank_summaries(con, level), default_groups(con, level)
    heads = ({} if ind_df is None else
             {c: headline(g, level) for c, g in ind_df.groupby("code", sort=False)})
    out = []
    for row in terr.to_dict("records"):
        code = row["code"]
        parents = [{"level": lv, "code": row.get(lv), "name": names[(lv, row.get(lv))]}
                   for lv in ("epci", "dep", "reg")
                   if isinstance(row.get(lv), str) and row.get(lv)
                   and (lv, row.get(lv)) in names]
        a = anch.get(code, "[]")
        parts = [("territory", dumps(jsonable(identity(row))).decode()),
                 ("parents", dumps(parents).decode()), ("coverage", cov.get(code, "[]")),
                 ("indicators", ind.get(code, "[]") if with_ind else "null"),
                 ("anchoring", a if with_ind else "null"), ("jobs", jobs.get(code, "[]")),
                 ("headline", dumps(jsonable(heads.get(code, []))).decode()),
                 ("ranking", dumps(jsonable(ranks.get(code))).decode()),
                 ("comparison", dumps(jsonable(groups.get(code))).decode())]
        data = "{" + ",".join(f'"{k}":{v}' for k, v in parts) + "}"
        sources = answer_sources(job_sources.get(code, ()),
                                 ind_sources.get(code, ()) if with_ind else None, a != "[]")
        out.append((code, Card.of(data.encode("utf-8"), sources)))
    return out


def write_territory_cards(con: duckdb.DuckDBPyConnection, say=lambda _m: None
                          ) -> dict[str, int]:
    """Build step: the table ``territory_card`` (key "level/code", level, code, sources as
    JSON, and the card: data, crc, size; see :class:`Card`)."""
    say("Fiches des territoires (réponses de l'API)")
    rows = [(level, code, card) for level in CARD_LEVELS
            for code, card in level_cards(con, level)]
    table = pa.table({
        "key": [f"{lv}/{c}" for lv, c, _ in rows], "level": [lv for lv, _, _ in rows],
        "code": [c for _, c, _ in rows],
        "sources": [json.dumps(list(card.sources)) for _, _, card in rows],
        "data": pa.array([card.deflate for _, _, card in rows], pa.binary()),
        "crc": pa.array([card.crc for _, _, card in rows], pa.uint32()),
        "size": pa.array([card.size for _, _, card in rows], pa.int64())})
    con.register("_cards", table)
    con.execute(f"CREATE TABLE {TABLE} AS SELECT * FROM _cards ORDER BY level, code")
    con.unregister("_cards")
    con.execute(f"CREATE UNIQUE INDEX {TABLE}_key ON {TABLE} (key)")  # one card each
    return {TABLE: len(rows)}


def _load_cards(con: duckdb.DuckDBPyConnection) -> dict[str, Card] | None:
    try:
        rows = con.execute(f"SELECT key, data, crc, size, sources FROM {TABLE}").fetchall()
    except duckdb.CatalogException:  # a store built before the cards
        return None
    return {k: Card(d, crc, size, tuple(json.loads(src))) for k, d, crc, size, src in rows}


def _cards(con: duckdb.DuckDBPyConnection, meta: dict) -> dict[str, Card] | None:
    """{key: card} of the store, read whole at its first card lookup (22 MB for the bundled
    store) and kept in the store's state (fixed by its build hash)."""
    return state_of(con, meta.get("build_hash")).get("cards", lambda: _load_cards(con))


def read_card(con: duckdb.DuckDBPyConnection, level: str, code: str,
              meta: dict | None = None) -> Card | None:
    """The stored card of (``level``, ``code``, case-insensitive), or None when there is
    none (unknown code, a commune, a store without cards). ``meta``: the store's, if read."""
    cards = _cards(con, read_meta(con) if meta is None else meta)
    return None if cards is None else cards.get(f"{level}/{str(code).strip().upper()}")


def territory_json(con: duckdb.DuckDBPyConnection, query: str, level: str | None = None
                   ) -> Answer:
    """:func:`territory`'s answer with ``data`` as a :class:`Card` (the API's form): the
    stored card when there is one, else made on the spot (communes, older stores)."""
    meta = read_meta(con)
    card = read_card(con, level, query, meta) if level else None
    if card is None:
        terr = queries.find_territory(con, query, level)  # names, suggestions, errors
        card = read_card(con, terr["level"], terr["code"], meta)
    if card is None:
        ans = territory(con, query, level, jobs_detail=False)
        return Answer(Card.of(dumps(jsonable(ans.data)), ()), ans.meta)
    return Answer(card, envelope(con, card.sources, store_meta=meta))


def territory_frames(con: duckdb.DuckDBPyConnection, query: str, level: str | None = None
                     ) -> Answer:
    """:func:`territory` (``jobs_detail=False``) read from the stored card, as DataFrames
    (the profile's input): one lookup instead of six queries. Assembled live when there is
    no card, or when a table of the card is empty (its columns are then the live ones)."""
    ans = territory_json(con, query, level)
    d = json.loads(ans.data.data())
    parts = ("parents", "coverage", "indicators", "anchoring", "jobs")
    if any(d[k] == [] for k in ("parents", "indicators", "jobs")):
        return territory(con, query, level, jobs_detail=False)
    out = {"territory": d["territory"],
           **{k: None if d[k] is None else pd.DataFrame(d[k]) for k in parts}}
    return Answer(out, ans.meta)
