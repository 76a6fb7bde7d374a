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
import numpy as np
import pandas as pd
import pyarrow as pa

from pacte.catalogue.headline import KEY_FIGURES
from pacte.engine import read_show_indicators
from pacte.export.jsonable import dumps, jsonable
from pacte.geography import CARD_LEVELS
from pacte.handlers.anchoring import anchoring_profile
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
#: chunk, not of a level's 150 MB of JSON).
CHUNK = 160


def _fields(names: list[str], floats: set[str]) -> str:
    """``struct_pack`` arguments of the columns ``names`` of the alias ``s``: non-finite
    doubles (``floats``) as null."""
    out = []
    for col in names:
        quoted = 's."' + col.replace('"', '""') + '"'
        value = f"CASE WHEN isfinite({quoted}) THEN {quoted} END" if col in floats else quoted
        out.append(f"{quoted[2:]} := {value}")
    return ", ".join(out)


class _QueryRows:
    """The rows of a level-wide query (``sql``, ``params``: a ``code`` column first),
    encoded as JSON by DuckDB chunk by chunk, never passing through pandas nor held for the
    whole level: :meth:`split` runs the query on the chunk's codes (a range of codes: the
    store's tables are sorted by code, so DuckDB reads the row groups that hold them).
    ``order``: the rows' order within a territory; ``distinct``: a column whose distinct
    values :meth:`split` also gives for each territory."""

    def __init__(self, con: duckdb.DuckDBPyConnection, sql: str, params: list, order: str,
                 distinct: str) -> None:
        self.con, self.params = con, params
        desc = con.execute(f"SELECT * FROM ({sql}) LIMIT 0", params).description
        names = [d[0] for d in desc if d[0] != "code"]
        floats = {d[0] for d in desc if str(d[1]) in ("DOUBLE", "FLOAT")}
        self.sql = f"""
            SELECT code, '[' || string_agg(to_json(struct_pack({_fields(names, floats)})),
                                           ',' ORDER BY {order}) || ']',
                   list(DISTINCT s."{distinct}")
            FROM ({sql}) s WHERE code BETWEEN ? AND ? GROUP BY code"""

    def split(self, first: str, last: str) -> tuple[dict[str, str], dict[str, list]]:
        """(code -> JSON array (text) of the territory's rows, code -> distinct values) for
        the territories whose codes run from ``first`` to ``last``."""
        rows = self.con.execute(self.sql, [*self.params, first, last]).fetchall()
        return {c: j for c, j, _ in rows}, {c: d for c, _, d in rows}


class _Rows:
    """The rows of a level-wide frame, each encoded once as JSON into a temporary table
    (DuckDB spills it when short of memory) beside its territory's chunk (the table
    ``_card_chunks``: code -> chunk); :meth:`split` concatenates the rows of one chunk,
    read from the row groups that hold it (the frames come ordered by code, as the chunks
    are)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, name: str, df: pd.DataFrame | None,
                 keep_code: bool = False) -> None:
        self.con, self.name = con, name
        self.empty = df is None or df.empty
        if self.empty:
            return
        names = [c for c in df.columns if keep_code or c != "code"]
        floats = {c for c in names if pd.api.types.is_float_dtype(df[c])}
        con.register("_card_frame", df.assign(_row=np.arange(len(df))))
        try:  # each row encoded once, with its chunk: a chunk's query only concatenates
            con.execute(f"""CREATE OR REPLACE TEMP TABLE {name} AS
                SELECT c._chunk, s.code, s._row, to_json(struct_pack({_fields(names, floats)}))
                       AS j
                FROM _card_frame s JOIN _card_chunks c ON c.code = s.code""")
        finally:
            con.unregister("_card_frame")
        self.sql = f"""
            SELECT code, '[' || string_agg(j, ',' ORDER BY _row) || ']'
            FROM {name} WHERE _chunk = ? GROUP BY code"""

    def split(self, chunk: int) -> dict[str, str]:
        """code -> JSON array (text) of the territory's rows, for the territories of chunk
        ``chunk``: in the source's row order, the ``code`` column dropped unless
        ``keep_code``, encoded by DuckDB (doubles in full precision, non-finite ones as
        null)."""
        if self.empty:
            return {}
        return dict(self.con.execute(self.sql, [chunk]).fetchall())

    def close(self) -> None:
        if not self.empty:
            self.con.execute(f"DROP TABLE IF EXISTS {self.name}")


def _json(x) -> str:
    return dumps(jsonable(x)).decode("utf-8")


def _headlines(ind_df: pd.DataFrame, level: str) -> dict[str, list[dict]]:
    """code -> key figures (:func:`pacte.handlers.territory.headline`) of every territory of
    a level-wide indicator frame, its rows read once."""
    by_code: dict[str, list[dict]] = {}
    cols = [c for c in HEADLINE_COLUMNS if c in ind_df.columns]
    # only the rows of the key figures' indicators can be picked: the others are not read
    ind_df = ind_df[ind_df["indicator"].isin([i for i, _ in KEY_FIGURES]).to_numpy(bool)]
    for code, row in zip(ind_df["code"].tolist(), records(ind_df, cols), strict=True):
        by_code.setdefault(code, []).append(row)
    return {c: headline_rows(rows, level) for c, rows in by_code.items()}


def level_cards(con: duckdb.DuckDBPyConnection, level: str, store_meta: dict | None = None,
                chunk: int = CHUNK) -> Iterator[list[tuple[str, bytes, list[str]]]]:
    """(code, whole answer as JSON (uncompressed), the sources it names: job sources and
    models) of every territory of ``level``, in code order, by lists of at most ``chunk``
    territories. ``store_meta``: the store's meta table, when read already."""
    store_meta = read_meta(con) if store_meta is None else store_meta
    terr = con.execute("SELECT * FROM territory WHERE level = ? ORDER BY code", [level]).df()
    records_ = terr.to_dict("records")
    con.execute("""CREATE OR REPLACE TEMP TABLE _card_chunks AS
        SELECT code, (row_number() OVER (ORDER BY code) - 1) // ? AS _chunk
        FROM territory WHERE level = ?""", [chunk, level])
    names = dict(((lv, c), n) for lv, c, n in con.execute(
        "SELECT level, code, name FROM territory WHERE level IN ('epci', 'dep', 'reg')"
    ).fetchall())
    # in the order of pacte.store.queries.territory_jobs (by code, then these columns)
    jobs_rows = _QueryRows(con, *territory_jobs_sql(level, None, detail=False),
                           order="source, scheme, sector, period", distinct="source")
    with_ind = has_indicators(level)
    ind_df = read_show_indicators(con, level, None) if with_ind else None
    ind_sources = {} if ind_df is None else ind_df.groupby("code")["source"].unique().to_dict()
    heads = {} if ind_df is None else _headlines(ind_df, level)
    frames = [_Rows(con, "_card_coverage", queries.coverage(con, level), keep_code=True),
              _Rows(con, "_card_indicators", ind_df),
              _Rows(con, "_card_anchoring",
                    anchoring_profile(con, level, None) if with_ind else None)]
    del ind_df
    ranks, groups = rank_summaries(con, level), default_groups(con, level)
    metas: dict[tuple[str, ...], str] = {}  # the envelope depends on the sources only
    try:
        for k in range(0, len(records_), chunk):
            cov, ind, anch = (f.split(k // chunk) for f in frames)
            part = records_[k:k + chunk]
            jobs, job_sources = jobs_rows.split(part[0]["code"], part[-1]["code"])
            out = []
            for row in part:
                code = row["code"]
                parents = [{"level": lv, "code": row.get(lv), "name": names[(lv, row.get(lv))]}
                           for lv in ("epci", "dep", "reg")
                           if isinstance(row.get(lv), str) and row.get(lv)
                           and (lv, row.get(lv)) in names]
                a = anch.get(code, "[]")
                parts = [("territory", _json(identity(row))), ("parents", _json(parents)),
                         ("coverage", cov.get(code, "[]")),
                         ("indicators", ind.get(code, "[]") if with_ind else "null"),
                         ("anchoring", a if with_ind else "null"),
                         ("jobs", jobs.get(code, "[]")),
                         ("headline", _json(heads.get(code, []))),
                         ("ranking", _json(ranks.get(code))),
                         ("comparison", _json(groups.get(code)))]
                data = "{" + ",".join(f'"{k}":{v}' for k, v in parts) + "}"
                sources = answer_sources(job_sources.get(code, ()),
                                         ind_sources.get(code, ()) if with_ind else None,
                                         a != "[]")
                key = tuple(sources)
                if key not in metas:
                    metas[key] = _json(envelope(con, sources, store_meta=store_meta,
                                                level=level))
                out.append((code, f'{{"data":{data},"meta":{metas[key]}}}'.encode(), sources))
            yield out
    finally:
        for f in frames:
            f.close()
        con.execute("DROP TABLE _card_chunks")


def write_territory_cards(con: duckdb.DuckDBPyConnection, say=lambda _m: None
                          ) -> dict[str, int]:
    """Build step: the table ``territory_card`` (key "level/code", level, code, ``body``:
    the whole answer as one gzip member, and ``sources``: the job sources and models it
    names, a JSON list, for ``pacte show``). Runs after the store's meta and provenance are
    written (its envelope names them)."""
    say("Fiches des territoires (réponses de l'API)")
    store_meta = read_meta(con)
    rows: list[tuple[str, str, bytes, list[str]]] = []
    pending: list = []  # a chunk is compressed while the next one is assembled

    def collect() -> None:
        rows.extend((lv, code, f.result(), src) for lv, code, f, src in pending)
        pending.clear()

    with ThreadPoolExecutor() as pool:
        for level in CARD_LEVELS:
            for cards in level_cards(con, level, store_meta):
                collect()
                pending.extend((level, code, pool.submit(gzip_body, body), src)
                               for code, body, src in cards)
        collect()
    table = pa.table({
        "key": [f"{r[0]}/{r[1]}" for r in rows], "level": [r[0] for r in rows],
        "code": [r[1] for r in rows], "body": pa.array([r[2] for r in rows], pa.binary()),
        "sources": [json.dumps(r[3]) for r in rows]})
    rows.clear()
    con.register("_cards", table)
    con.execute(f"CREATE TABLE {TABLE} AS SELECT * FROM _cards ORDER BY level, code")
    con.unregister("_cards")
    con.execute(f"CREATE UNIQUE INDEX {TABLE}_key ON {TABLE} (key)")  # one card each
    return {TABLE: len(table)}
