"""Build step of the territory cards: the API's whole answer for each territory (every level
but communes), written once into the store as finished gzip bytes, so that a reader answers
with one lookup instead of six queries and a JSON encoding (targets: territory p99 under
50 ms, 300 requests/s on one worker, cold as well as warm; see bench/).

A card is the body of ``GET /api/territories/{level}/{code}``: ``{"data":...,"meta":...}``
where ``data`` is :func:`pacte.handlers.territory.territory`'s (``jobs_detail=False``: the
URSSAF APE codes summed into NAF sections) and ``meta`` its envelope plus the ``level``
(:func:`pacte.handlers.envelope.envelope`). Nothing in that answer depends on the request:
the envelope names the store's build hash, build date and the provenance of the sources the
territory's figures come from, all fixed by the build, which writes them before this step.

The data are assembled from the same readers called for a whole level at once
(``code=None``) and encoded by DuckDB, with doubles in full precision (the live answer's
encoder, :func:`pacte.export.tables.records`, keeps 15 decimals); the tests check that a
card parses to the live answer. Reading the cards: :mod:`pacte.handlers.cards`; sending
them: :func:`pacte.api.response.answer_stored`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import deflate
import duckdb
import pandas as pd
import pyarrow as pa

from pacte.catalogue.headline import KEY_FIGURES
from pacte.export.jsonable import dumps, jsonable
from pacte.geography import CARD_LEVELS, RANK_LEVELS
from pacte.handlers.anchoring import anchoring_profile
from pacte.handlers.card_indicators import register_labels, show_indicators_sql
from pacte.handlers.card_rows import (
    INDICATORS,
    JOBS,
    JsonRows,
    LevelRows,
    arrow_table,
    json_sql,
)
from pacte.handlers.compare import default_groups
from pacte.handlers.envelope import envelope
from pacte.handlers.ranking import rank_summaries
from pacte.handlers.territory import (
    HEADLINE_COLUMNS,
    answer_sources,
    has_indicators,
    headline_rows,
    identity,
    records,
)
from pacte.store import queries
from pacte.store.connect import read_meta
from pacte.store.frames import frame

TABLE = "territory_card"
#: gzip level of the stored bodies, compressed by libdeflate (the ``deflate`` package), the
#: GIL released (the chunks spread over the cores). At 1, the cards' 243 MB of JSON take
#: 0.42 s of CPU against 1.02 at 6 (a quarter of the step's CPU; 2 EPYC cores, measured),
#: for 26.8 MB against 24.6 (9 % more bytes per answer sent compressed); the store, whose
#: DuckDB column compresses them again, grows from 58.3 to 59.0 MB. (zlib's level 6: 24.9 MB
#: in 3.6 s; levels 2 to 5 of libdeflate: 0.69 to 0.85 s for 25.4 to 23.8 MB.)
GZIP_LEVEL = 1


#: (code, gzip body, sources) of a territory's card.
Card = tuple[str, bytes, list[str]]
#: The levels whose cards read nothing the rankings write (the ranking's place and peers:
#: :func:`pacte.handlers.ranking.rank_summaries`, :func:`pacte.handlers.compare.
#: default_groups`, the anchoring's peers: all empty off the ranked levels).
UNRANKED = tuple(lv for lv in sorted(CARD_LEVELS) if lv not in RANK_LEVELS)


def gzip_body(body: bytes, level: int = GZIP_LEVEL) -> bytes:
    """``body`` as one gzip member (RFC 1952) without name or time: the same bytes at every
    build of the same store."""
    return bytes(deflate.gzip_compress(body, level))


#: Territories whose cards are assembled and compressed together: the JSON of a chunk is
#: built, compressed and dropped before the next (the build's peak memory stays that of a
#: chunk, not of a level's 110 MB of JSON). The first chunk of a level has :data:`CHUNK`
#: territories; the next ones as many as make about :data:`CHUNK_BYTES` of JSON at the
#: level's mean card so far (a département's card is 420 KB, an EPCI's 100 KB): fewer,
#: larger queries for the small cards, smaller chunks for the large ones. 16 first: at 64,
#: the first query of the départements read all 101 (their 42 MB of JSON sorted by DuckDB
#: at once, 60 MB of its memory: the highest of the step's queries, measured).
CHUNK = 16
CHUNK_BYTES = 12_000_000
#: Bounds of a chunk's territories.
CHUNK_RANGE = (8, 256)
#: Chunks of territories whose rows one query reads (:class:`pacte.handlers.card_rows.
#: LevelRows`): a query costs about 10 ms however few rows it reads (planning, binding, a
#: scan of the level's row groups): the EPCI's rows in 13 queries, a chunk each, took 0.72 s
#: of CPU, in 5, 0.51 s, in one, 0.43 s; but DuckDB sorts its span's rows, their JSON
#: included, before the first is read: a chunk each, at most 12 MB of JSON a query (bundled
#: build's peak, median of 3 builds: 2 chunks 459 MB, 1 chunk 442 MB, the same CPU time
#: within the noise).
SPAN = 1


def next_chunk(n_cards: int, n_bytes: int) -> int:
    """Territories of the next chunk after ``n_cards`` cards of ``n_bytes`` of JSON."""
    mean = max(n_bytes // max(n_cards, 1), 1)
    return max(CHUNK_RANGE[0], min(CHUNK_RANGE[1], CHUNK_BYTES // mean))


def _frame_rows(con: duckdb.DuckDBPyConnection, df: pd.DataFrame | None,
                keep_code: bool = False) -> JsonRows:
    """The rows of a level-wide frame (a ``code`` column, dropped unless ``keep_code``), in
    its row order, encoded once for the level (encoded a chunk at a time instead, from the
    frame registered as Arrow: 15 % more CPU for the same peak, measured)."""
    if df is None or df.empty:
        return JsonRows()
    names = [c for c in df.columns if keep_code or c != "code"]
    floats = {c for c in names if pd.api.types.is_float_dtype(df[c])}
    source = "s.source" if "source" in df.columns else "NULL"
    con.register("_card_frame", df)
    try:  # a scan without ORDER BY keeps the frame's order (preserve_insertion_order)
        return JsonRows(arrow_table(con, f"""
            SELECT code, {source} AS source, {json_sql(names, floats)} AS j
            FROM _card_frame s"""))
    finally:
        con.unregister("_card_frame")


def _json(x) -> bytes:
    """:func:`pacte.export.jsonable.dumps` of ``jsonable(x)``: ``x`` encoded as it is when
    it is JSON-safe already, which gives the same bytes (the card's blocks have text keys),
    in a third of the time."""
    try:
        return dumps(x)
    except (TypeError, ValueError):  # a NaN, a numpy scalar, a DataFrame...
        return dumps(jsonable(x))


def _headlines(con: duckdb.DuckDBPyConnection, level: str, sql: str, params: list,
               order: str) -> dict[str, list[dict]]:
    """code -> key figures (:func:`pacte.handlers.territory.headline`) of every territory of
    ``level``, from the shown indicator rows (:func:`pacte.handlers.card_indicators.
    show_indicators_sql`) of the key figures' indicators (the others cannot be picked)."""
    keys = [i for i, _ in KEY_FIGURES]
    ind_df = frame(con, f"""SELECT * EXCLUDE (_o, _ord) FROM ({sql}) s
                            WHERE indicator IN ({", ".join("?" * len(keys))})
                            ORDER BY code, {order}""", [*params, *keys])
    by_code: dict[str, list[dict]] = {}
    cols = [c for c in HEADLINE_COLUMNS if c in ind_df.columns]
    for code, row in zip(ind_df["code"].tolist(), records(ind_df, cols), strict=True):
        by_code.setdefault(code, []).append(row)
    return {c: headline_rows(rows, level) for c, rows in by_code.items()}


def level_cards(con: duckdb.DuckDBPyConnection, level: str, store_meta: dict | None = None,
                chunk: int = CHUNK) -> Iterator[list[tuple[str, bytes, list[str]]]]:
    """(code, whole answer as JSON (uncompressed), the sources it names: job sources and
    models) of every territory of ``level``, in code order, by lists of ``chunk``
    territories, then as many as :func:`next_chunk` gives (the caller's: emptied once used,
    their bodies are not held meanwhile). ``store_meta``: the store's meta table, when read
    already."""
    store_meta = read_meta(con) if store_meta is None else store_meta
    terr = con.execute("SELECT * FROM territory WHERE level = ? ORDER BY code", [level]).df()
    records_ = terr.to_dict("records")
    names = dict(((lv, c), n) for lv, c, n in con.execute(
        "SELECT level, code, name FROM territory WHERE level IN ('epci', 'dep', 'reg')"
    ).fetchall())
    with_ind = has_indicators(level)
    cov = _frame_rows(con, queries.coverage(con, level), keep_code=True)
    anch = _frame_rows(con, anchoring_profile(con, level, None) if with_ind else None)
    ranks, groups = rank_summaries(con, level), default_groups(con, level)
    cur = con.cursor()  # the stream's: the envelopes below may read the store on ``con``
    try:
        heads = {}
        if with_ind:
            register_labels(cur, level)
            heads = _headlines(cur, level, *show_indicators_sql(level))
        rows = LevelRows(cur, level, with_ind)
        yield from _cards(con, level, store_meta, records_, names, rows, cov, anch, heads,
                          ranks, groups, chunk)
    finally:
        cur.close()


def _cards(con, level, store_meta, records_, names, rows, cov, anch, heads, ranks, groups,
           chunk):
    """The chunks of cards of :func:`level_cards`."""
    with_ind = has_indicators(level)
    metas: dict[tuple[str, ...], bytes] = {}  # the envelope depends on the sources only
    codes = [r["code"] for r in records_]
    k, done, size = 0, 0, chunk
    while k < len(records_):
        part = records_[k:k + size]
        k += len(part)
        got = rows.until(part[-1]["code"], codes[min(k - len(part) + SPAN * size,
                                                       len(codes)) - 1])
        out = []
        for row in part:
            code = row["code"]
            parents = [{"level": lv, "code": row.get(lv), "name": names[(lv, row.get(lv))]}
                       for lv in ("epci", "dep", "reg")
                       if isinstance(row.get(lv), str) and row.get(lv)
                       and (lv, row.get(lv)) in names]
            parts = (b'{"data":{"territory":', _json(identity(row)),
                     b',"parents":', _json(parents),
                     b',"coverage":[', cov.text(code), b'],"indicators":',
                     *((b"[", got.text(code, INDICATORS), b"]") if with_ind else (b"null",)),
                     b',"anchoring":',
                     *((b"[", anch.text(code), b"]") if with_ind else (b"null",)),
                     b',"jobs":[', got.text(code, JOBS),
                     b'],"headline":', _json(heads.get(code, [])),
                     b',"ranking":', _json(ranks.get(code)),
                     b',"comparison":', _json(groups.get(code)), b'},"meta":')
            sources = answer_sources(got.sources(code, JOBS),
                                     got.sources(code, INDICATORS) if with_ind else None,
                                     anch.has(code))
            key = tuple(sources)
            if key not in metas:
                metas[key] = _json(envelope(con, sources, store_meta=store_meta,
                                            level=level))
            out.append((code, b"".join((*parts, metas[key], b"}")), sources))
        done += sum(len(body) for _c, body, _s in out)
        size = next_chunk(k, done)
        # the chunk's rows (their Arrow buffers: its JSON once more) not held under the next
        # span's query, nor the cards once compressed (the caller empties ``out``): the
        # step's memory over its start 167-171 -> 151-158 MB (3 pairs), the same CPU time
        got = None
        yield out
    rows.close()


def write_territory_cards(con: duckdb.DuckDBPyConnection, say=lambda _m: None,
                          ready: dict[str, list[Card]] | None = None) -> dict[str, int]:
    """Build step: the table ``territory_card`` (key "level/code", level, code, ``body``:
    the whole answer as one gzip member, and ``sources``: the job sources and models it
    names, a JSON list, for ``pacte show``). Runs after the store's meta and provenance are
    written (its envelope names them). ``ready``: level -> its cards made already
    (:func:`compressed_cards`), written in their place among the others."""
    say("Fiches des territoires (réponses de l'API)")
    ready = ready or {}
    store_meta = read_meta(con)
    pending: list = []  # a chunk is compressed while the next one is assembled
    written = 0
    con.execute(f"CREATE TABLE {TABLE} (key VARCHAR, level VARCHAR, code VARCHAR, "
                "body BLOB, sources VARCHAR)")

    def collect() -> None:
        nonlocal written
        if pending:
            con.register("_cards", pa.table({
                "key": [f"{lv}/{code}" for lv, code, _f, _s in pending],
                "level": [lv for lv, _c, _f, _s in pending],
                "code": [code for _l, code, _f, _s in pending],
                "body": pa.array([f.result() for _l, _c, f, _s in pending], pa.binary()),
                "sources": [json.dumps(src) for _l, _c, _f, src in pending]}))
            con.execute(f"INSERT INTO {TABLE} SELECT * FROM _cards")
            con.unregister("_cards")
            written += len(pending)
            pending.clear()

    # each chunk committed on its own: the write-ahead log serialises a commit's rows in
    # memory (the cards in one statement: 80-100 MB over their 27 MB of gzip bytes for the
    # time of the commit, the build's peak; measured). No checkpoint meanwhile (the
    # bundled build's are triggered past 16 MB of log): each rewrote the table, whose old
    # blocks stayed free in the file (70 MB instead of 58); the build's last one writes it
    threshold = con.execute("SELECT current_setting('checkpoint_threshold')"
                            ).fetchall()[0][0]
    con.execute("SET checkpoint_threshold = '1TB'")
    try:
        with ThreadPoolExecutor() as pool:
            # levels, then codes, in order: the table's rows sorted by level and code
            for level in sorted(CARD_LEVELS):
                if level in ready:
                    collect()
                    pending.extend((level, code, _done(body), src)
                                   for code, body, src in ready.pop(level))
                    continue
                for cards in level_cards(con, level, store_meta):
                    collect()
                    pending.extend((level, code, pool.submit(gzip_body, body), src)
                                   for code, body, src in cards)
                    cards.clear()  # each body held by its compression only
            collect()
    finally:
        con.execute(f"SET checkpoint_threshold = '{threshold}'")
    con.execute(f"CREATE UNIQUE INDEX {TABLE}_key ON {TABLE} (key)")  # one card each
    return {TABLE: written}


def compressed_cards(con: duckdb.DuckDBPyConnection, levels: tuple[str, ...]
                     ) -> dict[str, list[Card]]:
    """level -> the cards of ``levels``, compressed, in code order (:func:`write_territory_
    cards` writes them with ``ready``)."""
    store_meta = read_meta(con)
    out: dict[str, list] = {}
    with ThreadPoolExecutor() as pool:
        for level in levels:
            out[level] = []
            for cards in level_cards(con, level, store_meta):
                out[level].extend((code, pool.submit(gzip_body, body), src)
                                  for code, body, src in cards)
                cards.clear()  # each body held by its compression only
    return {lv: [(code, f.result(), src) for code, f, src in cards]
            for lv, cards in out.items()}


def _done(value) -> Future:
    """A finished future of ``value`` (the pending cards' bodies are futures)."""
    future: Future = Future()
    future.set_result(value)
    return future


class CardSteps:
    """:func:`write_territory_cards` in two build steps (:func:`pacte.handlers.build.
    steps`; a new pair for each build): the :data:`UNRANKED` levels' cards (départements,
    regions, France: 0.8-0.9 s of CPU of the step's 4.4-4.8, their gzip bytes 2.6 MB)
    made beside the rankings (in a thread of their own: :func:`pacte.handlers.build.steps`),
    the others, once the ranking is stored, beside the spatial statistics; the table
    written by the second, its rows in the same order (by level, then code)."""

    def __init__(self) -> None:
        self._ready: dict[str, list[Card]] = {}

    def unranked(self, con: duckdb.DuckDBPyConnection, say=lambda _m: None) -> dict:
        self._ready = compressed_cards(con, UNRANKED)
        return {}

    def cards(self, con: duckdb.DuckDBPyConnection, say=lambda _m: None) -> dict[str, int]:
        ready, self._ready = self._ready, {}
        return write_territory_cards(con, say, ready)
