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
from concurrent.futures import ThreadPoolExecutor

import deflate
import duckdb
import pyarrow as pa

from pacte.geography import CARD_LEVELS, RANK_LEVELS
from pacte.handlers.card_ahead import JOBS_PIECE_BYTES, PackedRows, RowsAhead
from pacte.handlers.card_indicators import register_labels
from pacte.handlers.card_level import Card, LevelInputs
from pacte.handlers.card_rows import INDICATORS, JOBS, LevelRows
from pacte.store.connect import read_meta

TABLE = "territory_card"
#: gzip level of the stored bodies, compressed by libdeflate (the ``deflate`` package), the
#: GIL released (the chunks spread over the cores). At 1, the cards' 243 MB of JSON take
#: 0.42 s of CPU against 1.02 at 6 (a quarter of the step's CPU; 2 EPYC cores, measured),
#: for 26.8 MB against 24.6 (9 % more bytes per answer sent compressed); the store, whose
#: DuckDB column compresses them again, grows from 58.3 to 59.0 MB. (zlib's level 6: 24.9 MB
#: in 3.6 s; levels 2 to 5 of libdeflate: 0.69 to 0.85 s for 25.4 to 23.8 MB.)
GZIP_LEVEL = 1

#: The levels whose cards read nothing the rankings write (the ranking's place and peers:
#: :func:`pacte.handlers.ranking.rank_summaries`, :func:`pacte.handlers.compare.
#: default_groups`, the anchoring's peers: all empty off the ranked levels).
UNRANKED = tuple(lv for lv in sorted(CARD_LEVELS) if lv not in RANK_LEVELS)
RANKED = tuple(lv for lv in sorted(CARD_LEVELS) if lv in RANK_LEVELS)
#: Rows of the jobs table up to which the ranked levels' rows are made ahead (:class:
#: `CardSteps`): the bundled snapshot's 2.8 M. With the national URSSAF file's (about 15 M,
#: bench/bench_urssaf_national.py --derive) the job series' query beside the catalogue
#: raised the national build's peak from 1,321-1,324 to 1,443 MB (RSS sampled every 10
#: ms, one build each; 1,414 MB with 4 MB pieces); there the cards query their rows.
JOBS_AHEAD_MAX_ROWS = 5_000_000


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
#: DuckDB's threads during :func:`write_territory_cards` (its own setting put back after):
#: a chunk's query (a few ms of scans, joins and JSON, then a sort) gains little from a
#: second thread, which costs more CPU than it saves wall (100 EPCI: 0.070 s of CPU and of
#: wall on one thread, 0.090 s of CPU for 0.062 s of wall on two); the step's other core
#: is the thread's that assembles the cards meanwhile (:func:`level_cards`'s
#: ``prefetch``). The ranked levels' cards, 3 runs each, medians: 3.83 -> 3.56 s of CPU.
CARD_THREADS = 1
#: JSON of a chunk whose rows are queried while the previous chunk is assembled
#: (:func:`level_cards`'s ``prefetch``): that chunk's rows and cards are then held under the
#: next one's query. At :data:`CHUNK_BYTES`, the ranked levels' cards reached 416-427 MB
#: (bundled build, 3 builds; 418-437 before the prefetch, the build's peak); at 10 MB,
#: 408-419 (3 builds against 420-425), 2-3 queries more (the same CPU time within the noise).
PREFETCH_BYTES = 10_000_000


def next_chunk(n_cards: int, n_bytes: int, chunk_bytes: int = CHUNK_BYTES) -> int:
    """Territories of the next chunk after ``n_cards`` cards of ``n_bytes`` of JSON."""
    mean = max(n_bytes // max(n_cards, 1), 1)
    return max(CHUNK_RANGE[0], min(CHUNK_RANGE[1], chunk_bytes // mean))


def level_cards(con: duckdb.DuckDBPyConnection, level: str, store_meta: dict | None = None,
                chunk: int = CHUNK, prefetch: bool = False,
                chunk_bytes: int = CHUNK_BYTES, ahead: PackedRows | None = None
                ) -> Iterator[list[Card]]:
    """(code, whole answer as JSON (uncompressed), the sources it names: job sources and
    models) of every territory of ``level``, in code order, by lists of ``chunk``
    territories, then as many as :func:`next_chunk` gives (the caller's: emptied once used,
    their bodies are not held meanwhile). ``store_meta``: the store's meta table, when read
    already. ``prefetch``: each chunk's rows queried in a thread while the previous chunk's
    cards are assembled. ``ahead``: the level's rows made ahead (:mod:`pacte.handlers.
    card_ahead`), read instead of queried."""
    store_meta = read_meta(con) if store_meta is None else store_meta
    cur = con.cursor()  # the stream's: the envelopes below may read the store on ``con``
    pool = ThreadPoolExecutor(1, thread_name_prefix="card-rows") if prefetch else None
    try:
        inputs = LevelInputs(con, level, store_meta)
        rows = ahead
        if rows is None:
            if inputs.with_ind:
                register_labels(cur, level)
            rows = LevelRows(cur, level, inputs.with_ind)
        if pool is not None:
            yield from _prefetched(con, inputs, rows, pool, chunk, chunk_bytes)
            return
        inputs.read(con)
        records_, codes = inputs.records, inputs.codes
        k, size = 0, chunk
        while k < len(records_):
            part = records_[k:k + size]
            k += len(part)
            got = rows.until(part[-1]["code"], codes[min(k - len(part) + SPAN * size,
                                                           len(codes)) - 1])
            out = inputs.assemble(con, part, got)
            inputs.done(out)
            size = next_chunk(inputs.n_cards, inputs.n_bytes, chunk_bytes)
            # the chunk's rows (their Arrow buffers: its JSON once more) not held under the
            # next span's query, nor the cards once compressed (the caller empties ``out``):
            # the step's memory over its start 167-171 -> 151-158 MB (3 pairs), the same CPU
            got = None
            yield out
        rows.close()
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)  # before the cursor closes
        cur.close()


def _prefetched(con, inputs: LevelInputs, rows: LevelRows | PackedRows, pool: ThreadPoolExecutor,
                chunk: int, chunk_bytes: int) -> Iterator[list[Card]]:
    """The chunks of :func:`level_cards`, each one's rows queried by ``pool`` while the
    previous one's cards are assembled here (its size from the chunks done before it); the
    first one's while the level's inputs are read. The query releases the GIL (DuckDB,
    one thread: :data:`CARD_THREADS`), the assembly holds it: the ranked levels' cards,
    alone on one core after the spatial statistics (3.3 s of the bundled build's 15.8),
    use the second. Bundled build, 8 pairs under load, medians: the card step's own thread
    2.44 -> 1.62 s of CPU (the queries in the other), the build's CPU 17.65 -> 17.54 s, the
    cards' memory 423 -> 416 MB at most (:data:`PREFETCH_BYTES`), the build's peak 424 ->
    426 MB (set before the cards). Two threads each assembling its own chunks instead (a
    cursor each, the chunks taken in turn): 0.4-0.8 s more CPU (twice the queries at half
    the JSON each, for the same memory; at 12 MB each, 45 MB more) and the GIL held by both."""
    records_, codes = inputs.records, inputs.codes
    # rows made ahead: a chunk is a part of them (:meth:`pacte.handlers.card_ahead.
    # PackedRows.size_at`), read as one
    size_at = getattr(rows, "size_at", lambda _k, size: size)
    part = records_[:size_at(0, chunk)]
    future = pool.submit(rows.chunk, None, part[-1]["code"]) if part else None
    inputs.read(con)
    k = len(part)
    while future is not None:
        got = future.result()
        size = size_at(k, next_chunk(inputs.n_cards, inputs.n_bytes, chunk_bytes)
                       if inputs.n_cards else chunk)
        following = records_[k:k + size]
        future = (pool.submit(rows.chunk, codes[k - 1], following[-1]["code"])
                  if following else None)
        k += len(following)
        out = inputs.assemble(con, part, got)
        got = None
        inputs.done(out)
        part = following
        yield out


def _piped(con: duckdb.DuckDBPyConnection, store_meta: dict, ready: dict[str, list[Card]],
           ahead: RowsAhead | None = None) -> Iterator[tuple[str, list]]:
    """(level, cards: their gzip bytes or their compression's future) of every card level,
    in order: those of ``ready`` as they are; the others' by chunks (:func:`level_cards`,
    each chunk's rows queried while the previous chunk is assembled), a chunk compressed
    (by threads) while the next one is assembled."""
    previous = None
    with ThreadPoolExecutor() as pool:
        for level in sorted(CARD_LEVELS):
            if level in ready:
                if previous is not None:
                    yield previous
                    previous = None
                yield level, ready.pop(level)
                continue
            for cards in level_cards(con, level, store_meta, prefetch=True,
                                     chunk_bytes=PREFETCH_BYTES,
                                     ahead=ahead.take(level) if ahead else None):
                if previous is not None:
                    yield previous
                previous = (level, [(code, pool.submit(gzip_body, body), src)
                                    for code, body, src in cards])
                cards.clear()  # each body held by its compression only
        if previous is not None:
            yield previous


def write_territory_cards(con: duckdb.DuckDBPyConnection, say=lambda _m: None,
                          ready: dict[str, list[Card]] | None = None,
                          ahead: RowsAhead | None = None) -> dict[str, int]:
    """Build step: the table ``territory_card`` (key "level/code", level, code, ``body``:
    the whole answer as one gzip member, and ``sources``: the job sources and models it
    names, a JSON list, for ``pacte show``). Runs after the store's meta and provenance are
    written (its envelope names them). ``ready``: level -> its cards made already
    (:func:`compressed_cards`), written in their place among the others; ``ahead``: the
    JSON rows of levels made already (:class:`pacte.handlers.card_ahead.RowsAhead`)."""
    say("Fiches des territoires (réponses de l'API)")
    store_meta = read_meta(con)
    written = 0
    con.execute(f"CREATE TABLE {TABLE} (key VARCHAR, level VARCHAR, code VARCHAR, "
                "body BLOB, sources VARCHAR)")
    # each chunk committed on its own: the write-ahead log serialises a commit's rows in
    # memory (the cards in one statement: 80-100 MB over their 27 MB of gzip bytes for the
    # time of the commit, the build's peak; measured). No checkpoint meanwhile (the
    # bundled build's are triggered past 16 MB of log): each rewrote the table, whose old
    # blocks stayed free in the file (70 MB instead of 58); the build's last one writes it
    threshold, threads = con.execute(
        "SELECT current_setting('checkpoint_threshold'), current_setting('threads')"
    ).fetchall()[0]
    con.execute("SET checkpoint_threshold = '1TB'")
    con.execute(f"SET threads = {CARD_THREADS}")
    try:
        # levels, then codes, in order: the table's rows sorted by level and code
        for level, cards in _piped(con, store_meta, dict(ready or {}), ahead):
            con.register("_cards", pa.table({
                "key": [f"{level}/{code}" for code, _b, _s in cards],
                "level": [level] * len(cards),
                "code": [code for code, _b, _s in cards],
                "body": pa.array([body if isinstance(body, bytes) else body.result()
                                  for _c, body, _s in cards], pa.binary()),
                "sources": [json.dumps(src) for _c, _b, src in cards]}))
            con.execute(f"INSERT INTO {TABLE} SELECT * FROM _cards")
            con.unregister("_cards")
            written += len(cards)
    finally:
        con.execute(f"SET checkpoint_threshold = '{threshold}'")
        con.execute(f"SET threads = {threads}")
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


class CardSteps:
    """:func:`write_territory_cards` in two build steps (:func:`pacte.handlers.build.
    steps`; a new pair for each build): the :data:`UNRANKED` levels' cards (départements,
    regions, France: 0.8-0.9 s of CPU of the step's 4.4-4.8, their gzip bytes 2.6 MB)
    made beside the rankings (in a thread of their own: :func:`pacte.handlers.build.steps`),
    the others, once the ranking is stored, beside the spatial statistics; the table
    written by the second, its rows in the same order (by level, then code). The ranked
    levels' JSON rows are made ahead (:mod:`pacte.handlers.card_ahead`): the job series'
    beside the catalogue (:meth:`jobs_ahead`), the indicators' beside the rankings, before
    the unranked levels' cards; the second step reads them instead of querying them."""

    def __init__(self) -> None:
        self._ready: dict[str, list[Card]] = {}
        self._ahead = RowsAhead()
        self._with_ahead = False

    def jobs_ahead(self, con: duckdb.DuckDBPyConnection, say=lambda _m: None) -> dict:
        """The ranked levels' job series' rows, unless the jobs table is over
        :data:`JOBS_AHEAD_MAX_ROWS` (then no rows are made ahead: both kinds queried in
        the cards' step, as before them)."""
        ((n,),) = con.execute("SELECT count(*) FROM jobs").fetchall()
        self._with_ahead = n <= JOBS_AHEAD_MAX_ROWS
        if self._with_ahead:
            self._ahead.make(con, RANKED, (JOBS,), JOBS_PIECE_BYTES)
        return {}

    def unranked(self, con: duckdb.DuckDBPyConnection, say=lambda _m: None) -> dict:
        if self._with_ahead:  # (without the job series', the indicators' would not be used)
            self._ahead.make(con, RANKED, (INDICATORS,))
        self._ready = compressed_cards(con, UNRANKED)
        return {}

    def cards(self, con: duckdb.DuckDBPyConnection, say=lambda _m: None) -> dict[str, int]:
        ready, self._ready = self._ready, {}
        try:
            return write_territory_cards(con, say, ready, self._ahead)
        finally:
            self._ahead.clear()
