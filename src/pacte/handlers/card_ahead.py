"""The JSON rows of the ranked levels' cards (:class:`pacte.handlers.card_rows.LevelRows`:
job series and shown indicators, none of which the rankings write) made ahead by DuckDB
(the GIL released), the job series' beside the catalogue (the jobs table is written by the
derive steps), the indicators' beside the rankings (written by the catalogue), and kept
compressed (Arrow IPC, zstd) until the cards' step reads them back a chunk at a time
(:class:`PackedRows`) instead of querying them there: the ranked levels' cards, alone after
the spatial statistics, are the build's tail, whose chunk queries (1.5-2 s of CPU on one
thread) bounded it.

The same queries, the same rows in the same order (by code, kind and each kind's order):
a piece of a level's codes at a time, cut into parts compressed each on its own (the
ranked levels' 150 MB of JSON rows take 8 MB as zstd; 0.02-0.04 s of CPU to compress the
EPCI's 91 MB, 0.004 s to read them back). Bundled build, alternated pairs against main's
under heavy load (load average 8-16 on 2 cores): the tail (« Bassins candidats » to
« Validation du store »), 3 pairs, medians: 4.83 -> 2.56 s of CPU, 12.1 -> 6.1 s of
wall (walls about 2.5 times the quiet ones); the catalogue 4.78 -> 5.50 s of CPU, the
rankings 4.45 -> 5.07 (the rows made there, on DuckDB's two threads); the build's CPU
(user + sys) 21.1 -> 19.7 s, its peak 429 -> 434 MB (max RSS: 426-438 against 426-433).
Parts of 8 MB instead of 2 (a chunk's rows decompressed from up to two parts of each
kind, then copied into one buffer): the build's peak 444-447 MB (3 builds).
"""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from pacte.handlers.card_indicators import register_labels
from pacte.handlers.card_rows import INDICATORS, JOBS, JsonRows, LevelRows, arrow_table
from pacte.handlers.territory import has_indicators
from pacte.store.heap import release_duckdb_heap

#: JSON of the rows of a query (a piece of a level's codes): a query costs about 30 ms
#: however few rows it reads (EPCI, one DuckDB thread: 100 codes 63 ms, 400 codes 159 ms,
#: the whole level 0.46 s), its memory that of its rows, sorted by DuckDB, then as Arrow.
#: The indicators' pieces run beside the ZE2010 ranking, where the build's peak now falls:
#: 8 MB pieces put it at 432-436 MB there, 4 MB at 415-431 (RSS sampled every 5 ms, 2 and
#: 3 builds; main's 417-421 there, its derive's 424-427 the build's peak).
PIECE_BYTES = 4_000_000
#: The job series' pieces (beside the catalogue, whose memory stays 60 MB under the
#: build's peak, measured): fewer queries. Not made from a jobs table as large as the
#: national URSSAF file's (:data:`pacte.handlers.card_build.JOBS_AHEAD_MAX_ROWS`).
JOBS_PIECE_BYTES = 16_000_000
#: JSON of the rows of a part of a piece, compressed on its own: a chunk of the cards'
#: step (:data:`pacte.handlers.card_build.PREFETCH_BYTES` of cards) decompresses the parts
#: it spans, of each kind: small parts, little more than its rows (see above: 8 MB parts
#: raised the build's peak). With one list of parts (both kinds), a chunk is a part.
PART_BYTES = 2_000_000
#: Codes of a level's first piece, and the bounds of a piece's codes.
FIRST_PIECE = 64
PIECE_RANGE = (8, 1024)
#: Compression of the parts: zstd (the ranked levels' 150 MB of JSON rows take 8 MB).
CODEC = "zstd"

#: (last code, number of codes, compressed rows and their size uncompressed) of a part of
#: a level's codes.
Part = tuple[str, int, tuple[bytes, int]]


def _packed(table: pa.Table) -> tuple[bytes, int]:
    """``table`` as an Arrow IPC stream, compressed as a whole: by :func:`pyarrow.compress`
    in pyarrow's memory pool (the build's: the system's, :func:`pacte.store.heap.
    system_arrow_pool`); the IPC writer's own compression took Arrow's C++ default pool
    (mimalloc), which kept 30 MB through the rest of the build (measured)."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    raw = sink.getvalue()
    return pa.compress(raw, codec=CODEC, asbytes=True), raw.size


def _unpacked(packed: tuple[bytes, int]) -> pa.Table:
    data, size = packed
    return pa.ipc.open_stream(pa.decompress(data, size, codec=CODEC)).read_all()


def _count_upto(codes: pa.ChunkedArray, code: str) -> int:
    """Rows whose code is at most ``code`` (the rows sorted by code)."""
    return pc.sum(pc.less_equal(codes, code).cast(pa.int64())).as_py() or 0


def _parts(table: pa.Table, codes: list[str], part_bytes: int) -> list[Part]:
    """The rows ``table`` of the territories ``codes`` (sorted by code), cut between
    territories into parts of about ``part_bytes`` of JSON, each compressed."""
    lengths = pc.binary_length(table.column("j").combine_chunks()).cast(pa.int64())
    per_code = pa.table({"code": table.column("code").combine_chunks(), "n": lengths}) \
        .group_by("code").aggregate([("n", "sum")])
    size_of = dict(zip(per_code.column("code").to_pylist(),
                       per_code.column("n_sum").to_pylist(), strict=True))
    out: list[Part] = []
    tcodes = table.column("code")
    lo = n = acc = 0
    for i, code in enumerate(codes):
        acc += size_of.get(code, 0)
        n += 1
        if acc >= part_bytes or i == len(codes) - 1:
            hi = _count_upto(tcodes, code)
            out.append((code, n, _packed(table.slice(lo, hi - lo))))
            lo, n, acc = hi, 0, 0
    return out


def level_parts(con: duckdb.DuckDBPyConnection, level: str,
                kinds: tuple[int, ...] = (JOBS, INDICATORS),
                part_bytes: int = PART_BYTES, piece_bytes: int | None = None) -> list[Part]:
    """The parts of ``level``'s codes, in code order, with their compressed rows: the rows
    of :class:`LevelRows` of ``kinds`` (on a cursor of ``con`` of their own), a piece at a
    time; none for a level without rows of those kinds."""
    with_ind = has_indicators(level)
    if not with_ind and INDICATORS in kinds:
        kinds = tuple(k for k in kinds if k != INDICATORS)
    if not kinds:
        return []
    cur = con.cursor()
    try:
        if INDICATORS in kinds:  # (the indicators' table: not there beside the catalogue)
            register_labels(cur, level)
        rows = LevelRows(cur, level, with_ind, kinds)
        codes = [c for (c,) in cur.execute(
            "SELECT code FROM territory WHERE level = ? ORDER BY code", [level]).fetchall()]
        out: list[Part] = []
        k = n_bytes = 0
        size = FIRST_PIECE
        while k < len(codes):
            end = min(k + size, len(codes))
            table = arrow_table(cur, rows.sql, [*rows.params, codes[k - 1] if k else "",
                                                codes[end - 1]])
            n_bytes += table.column("j").nbytes
            out += _parts(table, codes[k:end], part_bytes)
            table = None
            k = end
            size = max(PIECE_RANGE[0], min(PIECE_RANGE[1],
                                           (piece_bytes or PIECE_BYTES) * k
                                           // max(n_bytes, 1)))
        return out
    finally:
        cur.close()
        # the pieces' query memory given back once, at the level's end: given back after
        # each piece, DuckDB's allocator took it back from the system for the next one
        # (bundled build: 75,000 page faults of the build's 1.08 M, 0.2 s of CPU)
        release_duckdb_heap()


class PackedRows:
    """A level's rows made ahead (:func:`level_parts`: a list of parts for each query,
    of one kind or both), read back a range of codes at a time as :class:`LevelRows`
    reads them (:meth:`chunk`); with one list of parts, a chunk of the cards' step is a
    part (:meth:`size_at`)."""

    def __init__(self, *lists: list[Part]) -> None:
        self.lists = [parts for parts in lists if parts]
        self._sizes: dict[int, int] = {}
        if len(self.lists) == 1:
            k = 0
            for _last, n, _packed in self.lists[0]:
                self._sizes[k] = n
                k += n

    def size_at(self, k: int, default: int) -> int:
        """Codes of the chunk starting at the level's ``k``-th code: its part's, when the
        rows are one list of parts."""
        return self._sizes.get(k, default)

    def chunk(self, after: str | None, last: str) -> JsonRows:
        """The rows of the codes after ``after`` (from the first when None) to ``last``
        (a list's rows after the previous list's: :class:`JsonRows` groups them by code
        and kind)."""
        after = after or ""
        tables = []
        for parts in self.lists:
            for part_last, _n, packed in parts:
                if part_last <= after:
                    continue  # every code of the part is at most ``after``
                table = _unpacked(packed)
                codes = table.column("code")
                lo, hi = _count_upto(codes, after), _count_upto(codes, last)
                tables.append(table.slice(lo, hi - lo))
                if part_last >= last:
                    break  # the next parts' codes are after ``last``
        return JsonRows(pa.concat_tables(tables) if tables else None, kinds=2)

    def close(self) -> None:
        pass


class RowsAhead:
    """The rows of levels made ahead (:meth:`make`, a kind or both at a time), each
    level's taken once (:meth:`take`), when both kinds were made."""

    def __init__(self) -> None:
        self._levels: dict[str, list[list[Part]]] = {}
        self._kinds: dict[str, set[int]] = {}

    def make(self, con: duckdb.DuckDBPyConnection, levels: tuple[str, ...],
             kinds: tuple[int, ...] = (JOBS, INDICATORS), piece_bytes: int | None = None
             ) -> None:
        for level in levels:
            parts = level_parts(con, level, kinds, piece_bytes=piece_bytes)
            self._levels.setdefault(level, []).append(parts)
            self._kinds.setdefault(level, set()).update(kinds)

    def take(self, level: str) -> PackedRows | None:
        """``level``'s rows, or None unless both kinds were made (then queried)."""
        lists, kinds = self._levels.pop(level, None), self._kinds.pop(level, set())
        return PackedRows(*lists) if lists and kinds >= {JOBS, INDICATORS} else None

    def clear(self) -> None:
        self._levels.clear()
        self._kinds.clear()
