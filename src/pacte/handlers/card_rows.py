"""The JSON rows of the territory cards' arrays (:mod:`pacte.handlers.card_build`): encoded
by DuckDB (doubles in full precision, non-finite ones as null), each followed by a comma, so
that a territory's rows, one after the other in an Arrow buffer, are its array's elements as
they are: no Python object per row, no copy until the card's own bytes.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pacte.handlers.card_indicators import show_indicators_sql
from pacte.store.heap import release_duckdb_heap
from pacte.store.rows import territory_jobs_sql

#: Rows of a batch of a level's stream of JSON rows (about 3 MB of JSON).
BATCH_ROWS = 8192


def _fields(names: list[str], floats: set[str]) -> str:
    """``struct_pack`` arguments of the columns ``names`` of the alias ``s``: non-finite
    doubles (``floats``) as null."""
    out = []
    for col in names:
        quoted = 's."' + col.replace('"', '""') + '"'
        value = f"CASE WHEN isfinite({quoted}) THEN {quoted} END" if col in floats else quoted
        out.append(f"{quoted[2:]} := {value}")
    return ", ".join(out)


def json_sql(names: list[str], floats: set[str]) -> str:
    """A row's JSON object followed by a comma: a territory's rows, stored one after the
    other, are its array's elements as they are (:class:`JsonRows`)."""
    return f"to_json(struct_pack({_fields(names, floats)})) || ','"


class JsonRows:
    """Rows encoded as JSON by DuckDB (doubles in full precision, non-finite ones as null),
    each followed by a comma (:func:`json_sql`), with their territory's code, source and
    ``kind`` (a number: which array of the card they belong to; 0 when absent), grouped by
    code and kind (a stable sort when not: a territory's rows keep their order). The
    elements of a territory's array are then one slice of the Arrow buffer that holds the
    rows (:meth:`text`): no Python string per row, no copy until the card's own bytes.
    Neither an ordered aggregation in SQL (DuckDB sorts each group on its own: most of the
    step's query time) nor a Python object per row."""

    def __init__(self, table: pa.Table | None = None, kinds: int = 1) -> None:
        self._texts: list[dict[str, memoryview]] = [{} for _ in range(kinds)]
        self._sources: list[dict[str, set]] = [{} for _ in range(kinds)]
        if table is None or not table.num_rows:
            return
        codes = table.column("code").combine_chunks()
        if "kind" in table.column_names:
            kind = table.column("kind").combine_chunks().to_numpy(zero_copy_only=False)
        else:
            kind = np.zeros(len(codes), np.int8)
            if not pc.all(pc.greater_equal(codes[1:], codes[:-1])).as_py():  # not grouped
                table = table.take(pc.array_sort_indices(codes))  # stable
                codes = table.column("code").combine_chunks()
        rows = table.column("j").combine_chunks()  # one buffer
        if not (pa.types.is_string(rows.type) or pa.types.is_large_string(rows.type)):
            rows = rows.cast(pa.large_string())  # a view type: its bytes in one buffer
        width = np.int64 if pa.types.is_large_string(rows.type) else np.int32
        offsets = np.frombuffer(rows.buffers()[1], width, len(rows) + 1, rows.offset
                                * np.dtype(width).itemsize)
        data = memoryview(rows.buffers()[2])
        change = pc.not_equal(codes[1:], codes[:-1]).to_numpy(zero_copy_only=False)
        starts = np.concatenate([[0], np.flatnonzero(change | (kind[1:] != kind[:-1])) + 1,
                                 [len(codes)]])
        first = starts[:-1]
        keys = list(zip(kind[first].tolist(), codes.take(pa.array(first)).to_pylist(),
                        strict=True))
        for (k, code), lo, hi in zip(keys, offsets[first].tolist(),
                                     (offsets[starts[1:]] - 1).tolist(), strict=True):
            self._texts[k][code] = data[lo:hi]  # without the last comma
        # each group's distinct sources: (group, source) pairs as integers
        source = table.column("source").combine_chunks()
        if pa.types.is_null(source.type):
            for k, code in keys:
                self._sources[k][code] = {None}
            return
        source = source.dictionary_encode()
        labels = source.dictionary.to_pylist()
        group = np.repeat(np.arange(len(keys)), np.diff(starts))
        index = source.indices.fill_null(len(labels)).to_numpy()
        for pair in np.unique(group * (len(labels) + 1) + index).tolist():
            g, i = divmod(pair, len(labels) + 1)
            k, code = keys[g]
            self._sources[k].setdefault(code, set()).add(labels[i] if i < len(labels)
                                                         else None)

    def text(self, code: str, kind: int = 0) -> memoryview | bytes:
        """The elements (UTF-8, without brackets) of the array of ``code``'s rows."""
        return self._texts[kind].get(code, b"")

    def sources(self, code: str, kind: int = 0) -> set:
        """The distinct sources of ``code``'s rows (empty without rows)."""
        return self._sources[kind].get(code, set())

    def has(self, code: str, kind: int = 0) -> bool:
        return code in self._texts[kind]


def arrow_table(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pa.Table:
    """The rows of ``sql`` as an Arrow table (DuckDB's text handed over as it is)."""
    abort = getattr(con, "abort", None)  # DuckDB 2: a result left pending by execute()
    if abort is not None:                  # is closed, as execute() itself would
        abort()
    return con.sql(sql, params=params or None).to_arrow_table()


#: The kinds of rows of a level's stream (:class:`LevelRows`).
JOBS, INDICATORS = 0, 1
#: Sort keys of the stream: a number, four texts, a number. The job series' rows by source,
#: scheme, sector, period (:func:`pacte.store.queries.territory_jobs`); the indicators' by
#: the catalogue's order (``_o``), source, period, stored order (``_ord``).
_KEYS = (("NULL", "source", "scheme", "sector", "period", "NULL"),
         ("_o", "source", "period", "NULL", "NULL", "_ord"))


class LevelRows:
    """The JSON rows of a level's job series (:data:`JOBS`; :func:`pacte.store.rows.
    territory_jobs_sql`, NAF sections) and shown indicators (:data:`INDICATORS`;
    :func:`pacte.handlers.card_indicators.show_indicators_sql`), by code, kind and each
    kind's order, a range of codes at a time (:meth:`until`), from one query per span of
    codes (:data:`pacte.handlers.card_build.SPAN`) whose rows are read as a stream of Arrow
    batches: one query, not one per kind (the same scans and joins). ``con``: a cursor of
    its own, a stream holding it until it is read out."""

    def __init__(self, con: duckdb.DuckDBPyConnection, level: str, with_ind: bool,
                 kinds: tuple[int, ...] = (JOBS, INDICATORS)) -> None:
        queries_ = [(*territory_jobs_sql(level, None, detail=False), ())]
        if with_ind:
            sql, params, _order = show_indicators_sql(level)
            queries_.append((sql, params, ("_o", "_ord")))
        selects, self.params = [], []
        for kind, (sql, p, hidden) in enumerate(queries_):
            if kind not in kinds:  # (rows made ahead a kind at a time)
                continue
            desc = con.execute(f"SELECT * FROM ({sql}) LIMIT 0", p).description
            names = [d[0] for d in desc if d[0] != "code" and d[0] not in hidden]
            floats = {d[0] for d in desc if str(d[1]) in ("DOUBLE", "FLOAT")}
            keys = ", ".join(f"{k}::{'BIGINT' if i in (0, 5) else 'VARCHAR'} AS _k{i}"
                             for i, k in enumerate(_KEYS[kind]))
            selects.append(f"SELECT code, {kind}::TINYINT AS kind, source, "
                           f"{json_sql(names, floats)} AS j, {keys} FROM ({sql}) s")
            self.params += p
        self.sql = (f"SELECT code, kind, source, j FROM ({' UNION ALL '.join(selects)}) "
                    "WHERE code > ? AND code <= ? "
                    "ORDER BY code, kind, _k0 NULLS LAST, _k1, _k2, _k3, _k4, _k5")
        self.con = con
        self.reader = None
        self.read_to: str | None = None  # the last code of the spans queried
        self.pending: list[pa.RecordBatch] = []

    def until(self, last: str, span_last: str) -> JsonRows:
        """The rows not read yet whose code is at most ``last``; a new span, when needed,
        runs to ``span_last`` (or ``last``, if greater)."""
        span_last = max(span_last, last)
        while not self.pending or self.pending[-1].column(0)[-1].as_py() <= last:
            batch = None if self.reader is None else next(self.reader, None)
            if batch is None:  # the span is read out
                if self.read_to is not None and self.read_to >= last:
                    break
                self._open(span_last)
            elif batch.num_rows:
                self.pending.append(batch)
        out, keep = [], []
        for batch in self.pending:
            if keep or batch.column(0)[-1].as_py() > last:
                n = pc.sum(pc.less_equal(batch.column(0), last).cast(pa.int8())).as_py()
                out.append(batch.slice(0, n or 0))
                keep.append(batch.slice(n or 0))
            else:
                out.append(batch)
        self.pending = keep
        return JsonRows(pa.Table.from_batches(out, self.schema), kinds=2)

    def chunk(self, after: str | None, last: str) -> JsonRows:
        """The rows of the codes after ``after`` (from the first when None) to ``last``,
        from one query read at once (:func:`pacte.handlers.card_build.level_cards`'s
        ``prefetch``): one Arrow buffer of JSON, not batches copied into one by
        :class:`JsonRows`."""
        self.close()
        release_duckdb_heap()  # as in :meth:`_open`
        return JsonRows(arrow_table(self.con, self.sql, [*self.params, after or "", last]),
                        kinds=2)

    def _open(self, span_last: str) -> None:
        """The stream of the codes after the last span's, to ``span_last``."""
        self.close()
        # the last span's query memory, freed, given back now rather than over DuckDB's
        # allocator's next second, under this query's (the bundled build's peak, median of
        # 3 builds: 464 MB without, 445 MB with, the same CPU time within the noise)
        release_duckdb_heap()
        abort = getattr(self.con, "abort", None)  # a result left pending (DuckDB 2)
        if abort is not None:
            abort()
        reader = self.con.sql(self.sql, params=[*self.params, self.read_to or "",
                                                span_last]).to_arrow_reader(BATCH_ROWS)
        self.schema, self.read_to = reader.schema, span_last
        self.reader = iter(reader)

    def close(self) -> None:
        if self.reader is not None:
            for _ in self.reader:  # read out: the cursor is free again
                pass
            self.reader = None
