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

import bisect
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import deflate
import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pacte.catalogue.headline import KEY_FIGURES
from pacte.export.jsonable import dumps, jsonable
from pacte.geography import CARD_LEVELS
from pacte.handlers.anchoring import anchoring_profile
from pacte.handlers.card_indicators import register_labels, show_indicators_sql, unregister_labels
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
from pacte.store.rows import territory_jobs_sql

TABLE = "territory_card"
#: gzip level of the stored bodies, compressed by libdeflate (the ``deflate`` package): at 6,
#: 1 % fewer bytes than zlib's level 6 for the whole table (24.6 against 24.9 MB) in 40 % of
#: its time (1.5 against 3.6 s of CPU), spread over the cores (the GIL is released); a card
#: is compressed once and sent many times.
GZIP_LEVEL = 6


def gzip_body(body: bytes, level: int = GZIP_LEVEL) -> bytes:
    """``body`` as one gzip member (RFC 1952) without name or time: the same bytes at every
    build of the same store."""
    return bytes(deflate.gzip_compress(body, level))


#: Territories whose cards are assembled and compressed together: the JSON of a chunk is
#: built, compressed and dropped before the next (the build's peak memory stays that of a
#: chunk, not of a level's 110 MB of JSON). The first chunk of a level has :data:`CHUNK`
#: territories; the next ones as many as make about :data:`CHUNK_BYTES` of JSON at the
#: level's mean card so far (a département's card is 420 KB, an EPCI's 100 KB): fewer,
#: larger queries for the small cards, smaller chunks for the large ones.
CHUNK = 64
CHUNK_BYTES = 12_000_000
#: Bounds of a chunk's territories.
CHUNK_RANGE = (8, 256)


def next_chunk(n_cards: int, n_bytes: int) -> int:
    """Territories of the next chunk after ``n_cards`` cards of ``n_bytes`` of JSON."""
    mean = max(n_bytes // max(n_cards, 1), 1)
    return max(CHUNK_RANGE[0], min(CHUNK_RANGE[1], CHUNK_BYTES // mean))


def _fields(names: list[str], floats: set[str]) -> str:
    """``struct_pack`` arguments of the columns ``names`` of the alias ``s``: non-finite
    doubles (``floats``) as null."""
    out = []
    for col in names:
        quoted = 's."' + col.replace('"', '""') + '"'
        value = f"CASE WHEN isfinite({quoted}) THEN {quoted} END" if col in floats else quoted
        out.append(f"{quoted[2:]} := {value}")
    return ", ".join(out)


class _JsonRows:
    """Rows encoded as JSON by DuckDB (doubles in full precision, non-finite ones as null)
    with their territory's code and source, grouped by code (a stable sort: a territory's
    rows keep their order); :meth:`chunk` joins the rows of a range of territories into one
    JSON array each, in Arrow. Neither an ordered aggregation in SQL (DuckDB sorts each
    group on its own: most of the step's query time) nor a Python string per row."""

    def __init__(self, table: pa.Table | None = None) -> None:
        self.codes: list[str] = []
        self.sources: dict[str, set[str]] = {}
        if table is None or not table.num_rows:
            return
        codes = table.column("code").combine_chunks()
        if not pc.all(pc.greater_equal(codes[1:], codes[:-1])).as_py():  # not yet grouped
            table = table.take(pc.array_sort_indices(codes))  # stable
            codes = table.column("code").combine_chunks()
        self.rows = table.column("j").combine_chunks()
        ends = np.flatnonzero(pc.not_equal(codes[1:], codes[:-1]).to_numpy(
            zero_copy_only=False)) + 1
        self.starts = np.concatenate([[0], ends, [len(codes)]]).astype(np.int32)
        self.codes = codes.take(pa.array(self.starts[:-1])).to_pylist()
        # each territory's distinct sources: (territory, source) pairs as integers
        source = table.column("source").combine_chunks()
        if pa.types.is_null(source.type):
            self.sources = {c: {None} for c in self.codes}
            return
        source = source.dictionary_encode()
        labels = source.dictionary.to_pylist()
        group = np.repeat(np.arange(len(self.codes)), np.diff(self.starts))
        index = source.indices.fill_null(len(labels)).to_numpy()
        for pair in np.unique(group * (len(labels) + 1) + index).tolist():
            g, i = divmod(pair, len(labels) + 1)
            self.sources.setdefault(self.codes[g], set()).add(labels[i] if i < len(labels)
                                                                 else None)

    def chunk(self, first: str, last: str) -> dict[str, bytes]:
        """code -> JSON array (UTF-8, without its brackets) of the rows of each territory
        whose code runs from ``first`` to ``last``."""
        a, b = bisect.bisect_left(self.codes, first), bisect.bisect_right(self.codes, last)
        if a >= b:
            return {}
        lo, hi = int(self.starts[a]), int(self.starts[b])
        offsets = pa.array(self.starts[a:b + 1] - lo)
        joined = pc.binary_join(pa.ListArray.from_arrays(offsets, self.rows.slice(lo, hi - lo)),
                                ",")
        return dict(zip(self.codes[a:b], joined.cast(pa.binary()).to_pylist(), strict=True))


def _text(rows: dict[str, bytes], code: str) -> bytes:
    """The JSON array of the rows of ``code`` in ``rows`` (:meth:`_JsonRows.chunk`)."""
    inner = rows.get(code)
    return b"[]" if inner is None else b"[" + inner + b"]"


def _arrow(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pa.Table:
    """The rows of ``sql`` as an Arrow table (DuckDB's text handed over as it is)."""
    abort = getattr(con, "abort", None)  # DuckDB 2: a result left pending by execute()
    if abort is not None:                  # is closed, as execute() itself would
        abort()
    return con.sql(sql, params=params or None).to_arrow_table()


def _frame_rows(con: duckdb.DuckDBPyConnection, df: pd.DataFrame | None,
                keep_code: bool = False) -> _JsonRows:
    """The rows of a level-wide frame (a ``code`` column, dropped unless ``keep_code``), in
    its row order, encoded once for the level (encoded a chunk at a time instead, from the
    frame registered as Arrow: 15 % more CPU for the same peak, measured)."""
    if df is None or df.empty:
        return _JsonRows()
    names = [c for c in df.columns if keep_code or c != "code"]
    floats = {c for c in names if pd.api.types.is_float_dtype(df[c])}
    source = "s.source" if "source" in df.columns else "NULL"
    con.register("_card_frame", df)
    try:  # a scan without ORDER BY keeps the frame's order (preserve_insertion_order)
        return _JsonRows(_arrow(con, f"""
            SELECT code, {source} AS source, to_json(struct_pack({_fields(names, floats)})) AS j
            FROM _card_frame s"""))
    finally:
        con.unregister("_card_frame")


class _QueryRows:
    """The rows of a level-wide query (``sql``, ``params``: a ``code`` column first, dropped;
    a ``source`` column), each territory's in ``order``, read a chunk of territories at a
    time (a range of codes: the store's tables are sorted by code, so DuckDB reads the row
    groups that hold them). ``hidden``: columns of ``sql`` left out of the JSON (those
    ``order`` sorts on)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, sql: str, params: list, order: str,
                 hidden: tuple[str, ...] = ()) -> None:
        desc = con.execute(f"SELECT * FROM ({sql}) LIMIT 0", params).description
        names = [d[0] for d in desc if d[0] != "code" and d[0] not in hidden]
        floats = {d[0] for d in desc if str(d[1]) in ("DOUBLE", "FLOAT")}
        self.con, self.params = con, params
        self.sql = f"""SELECT code, source, to_json(struct_pack({_fields(names, floats)})) AS j
                       FROM ({sql}) s WHERE code BETWEEN ? AND ? ORDER BY code, {order}"""

    def chunk(self, first: str, last: str) -> _JsonRows:
        return _JsonRows(_arrow(self.con, self.sql, [*self.params, first, last]))


def _json(x) -> bytes:
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
    territories, then as many as :func:`next_chunk` gives. ``store_meta``: the store's meta table, when read already."""
    store_meta = read_meta(con) if store_meta is None else store_meta
    terr = con.execute("SELECT * FROM territory WHERE level = ? ORDER BY code", [level]).df()
    records_ = terr.to_dict("records")
    names = dict(((lv, c), n) for lv, c, n in con.execute(
        "SELECT level, code, name FROM territory WHERE level IN ('epci', 'dep', 'reg')"
    ).fetchall())
    # in the order of pacte.store.queries.territory_jobs (by code, then these columns)
    jobs_rows = _QueryRows(con, *territory_jobs_sql(level, None, detail=False),
                           order="source, scheme, sector, period")
    with_ind = has_indicators(level)
    ind_rows, heads = None, {}
    if with_ind:  # the rows of pacte.engine.read_show_indicators, a chunk at a time
        register_labels(con, level)
        sql, params, order = show_indicators_sql(level)
        ind_rows = _QueryRows(con, sql, params, order, hidden=("_o", "_ord"))
        heads = _headlines(con, level, sql, params, order)
    cov = _frame_rows(con, queries.coverage(con, level), keep_code=True)
    anch = _frame_rows(con, anchoring_profile(con, level, None) if with_ind else None)
    ranks, groups = rank_summaries(con, level), default_groups(con, level)
    metas: dict[tuple[str, ...], bytes] = {}  # the envelope depends on the sources only
    k, done, size = 0, 0, chunk
    while k < len(records_):
        part = records_[k:k + size]
        k += len(part)
        first, last = part[0]["code"], part[-1]["code"]
        jobs = jobs_rows.chunk(first, last)
        ind = ind_rows.chunk(first, last) if ind_rows is not None else _JsonRows()
        cov_, ind_, anch_, jobs_ = (r.chunk(first, last) for r in (cov, ind, anch, jobs))
        out = []
        for row in part:
            code = row["code"]
            parents = [{"level": lv, "code": row.get(lv), "name": names[(lv, row.get(lv))]}
                       for lv in ("epci", "dep", "reg")
                       if isinstance(row.get(lv), str) and row.get(lv)
                       and (lv, row.get(lv)) in names]
            parts = (b'{"data":{"territory":', _json(identity(row)),
                     b',"parents":', _json(parents), b',"coverage":', _text(cov_, code),
                     b',"indicators":', _text(ind_, code) if with_ind else b"null",
                     b',"anchoring":', _text(anch_, code) if with_ind else b"null",
                     b',"jobs":', _text(jobs_, code),
                     b',"headline":', _json(heads.get(code, [])),
                     b',"ranking":', _json(ranks.get(code)),
                     b',"comparison":', _json(groups.get(code)), b'},"meta":')
            sources = answer_sources(jobs.sources.get(code, ()),
                                     ind.sources.get(code, ()) if with_ind else None,
                                     code in anch.sources)
            key = tuple(sources)
            if key not in metas:
                metas[key] = _json(envelope(con, sources, store_meta=store_meta,
                                            level=level))
            out.append((code, b"".join((*parts, metas[key], b"}")), sources))
        done += sum(len(body) for _c, body, _s in out)
        size = next_chunk(k, done)
        yield out
    if with_ind:
        unregister_labels(con)


def write_territory_cards(con: duckdb.DuckDBPyConnection, say=lambda _m: None
                          ) -> dict[str, int]:
    """Build step: the table ``territory_card`` (key "level/code", level, code, ``body``:
    the whole answer as one gzip member, and ``sources``: the job sources and models it
    names, a JSON list, for ``pacte show``). Runs after the store's meta and provenance are
    written (its envelope names them)."""
    say("Fiches des territoires (réponses de l'API)")
    store_meta = read_meta(con)
    pending: list = []  # a chunk is compressed while the next one is assembled
    done: list[pa.Table] = []  # the compressed chunks, as Arrow (their bytes once)

    def collect() -> None:
        if pending:
            done.append(pa.table({
                "key": [f"{lv}/{code}" for lv, code, _f, _s in pending],
                "level": [lv for lv, _c, _f, _s in pending],
                "code": [code for _l, code, _f, _s in pending],
                "body": pa.array([f.result() for _l, _c, f, _s in pending], pa.binary()),
                "sources": [json.dumps(src) for _l, _c, _f, src in pending]}))
            pending.clear()

    with ThreadPoolExecutor() as pool:
        # levels, then codes, in order: the table's rows sorted by level and code as written
        for level in sorted(CARD_LEVELS):
            for cards in level_cards(con, level, store_meta):
                collect()
                pending.extend((level, code, pool.submit(gzip_body, body), src)
                               for code, body, src in cards)
        collect()
    # written in one statement: a chunk at a time, each checkpoint during the step rewrote
    # the table, whose old blocks stayed free in the file (70 MB instead of 58)
    table = pa.concat_tables(done)
    done.clear()
    con.register("_cards", table)
    con.execute(f"CREATE TABLE {TABLE} AS SELECT * FROM _cards")
    con.unregister("_cards")
    con.execute(f"CREATE UNIQUE INDEX {TABLE}_key ON {TABLE} (key)")  # one card each
    return {TABLE: len(table)}
