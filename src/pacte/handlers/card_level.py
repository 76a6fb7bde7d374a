"""A level's territory cards (:mod:`pacte.handlers.card_build`), assembled a chunk of
territories at a time: the inputs read once for the whole level (territories, coverage,
anchoring, key figures, ranking places and peers), and a chunk's cards from its JSON rows (:class:`pacte.handlers.
card_rows.LevelRows`).
"""

from __future__ import annotations

import duckdb
import pandas as pd

from pacte.catalogue.headline import KEY_FIGURES
from pacte.export.jsonable import dumps, jsonable
from pacte.handlers.anchoring import anchoring_profile
from pacte.handlers.card_indicators import register_labels, show_indicators_sql
from pacte.handlers.card_rows import INDICATORS, JOBS, JsonRows, arrow_table, json_sql
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
from pacte.store.frames import frame

#: (code, body: gzip bytes or JSON, sources) of a territory's card.
Card = tuple[str, bytes, list[str]]


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


class LevelInputs:
    """What every card of ``level`` reads besides its JSON rows: its territories, then,
    once :meth:`read`, the rest, read once for the level; the envelopes made once per set
    of sources; the cards and JSON bytes of the chunks done (:meth:`done`), which size the
    next chunk (:func:`pacte.handlers.card_build.next_chunk`)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, level: str, store_meta: dict
                 ) -> None:
        self.level, self.store_meta = level, store_meta
        terr = con.execute("SELECT * FROM territory WHERE level = ? ORDER BY code",
                           [level]).df()
        self.records = terr.to_dict("records")
        self.codes = [r["code"] for r in self.records]
        self.with_ind = has_indicators(level)
        self.metas: dict[tuple[str, ...], bytes] = {}  # the envelope: by sources only
        self.n_cards = self.n_bytes = 0

    def read(self, con: duckdb.DuckDBPyConnection) -> LevelInputs:
        """The level's parents' names, coverage, anchoring, key figures (on a cursor of
        ``con`` of their own: the indicators' labels registered there), ranking places
        and peers."""
        level = self.level
        self.names = dict(((lv, c), n) for lv, c, n in con.execute(
            "SELECT level, code, name FROM territory WHERE level IN ('epci', 'dep', 'reg')"
        ).fetchall())
        self.cov = _frame_rows(con, queries.coverage(con, level), keep_code=True)
        self.anch = _frame_rows(con, anchoring_profile(con, level, None)
                                if self.with_ind else None)
        self.ranks, self.groups = rank_summaries(con, level), default_groups(con, level)
        self.heads: dict[str, list[dict]] = {}
        if self.with_ind:
            cur = con.cursor()
            try:
                register_labels(cur, level)
                self.heads = _headlines(cur, level, *show_indicators_sql(level))
            finally:
                cur.close()
        return self

    def done(self, cards: list[Card]) -> None:
        """Count ``cards`` (their JSON) among the level's done."""
        self.n_cards += len(cards)
        self.n_bytes += sum(len(body) for _c, body, _s in cards)

    def assemble(self, con: duckdb.DuckDBPyConnection, part: list[dict], got: JsonRows
                 ) -> list[Card]:
        """The cards (JSON) of the territories ``part`` (records of the level's, in code
        order), from their JSON rows ``got``; ``con``: the envelopes read the store there."""
        with_ind, names = self.with_ind, self.names
        cov, anch, heads, ranks, groups = (self.cov, self.anch, self.heads, self.ranks,
                                           self.groups)
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
            meta = self.metas.get(key)
            if meta is None:
                meta = self.metas[key] = _json(envelope(con, sources,
                                                        store_meta=self.store_meta,
                                                        level=self.level))
            out.append((code, b"".join((*parts, meta, b"}")), sources))
        return out
