"""The national URSSAF file straight into DuckDB: the fast path of
:func:`pacte.store.fetched.load_urssaf_jobs`, for files it can vouch for.

The streamed Python parser (:func:`pacte.sources.urssaf.iter_urssaf`) reads the file on one
core: 8.4 s of CPU on the national-size bench file (1.2 M rows, 487 MB), 12.5 s with its
insert. DuckDB's CSV reader reads it on every core and without the GIL, but does not accept
and refuse the same files (a quote inside an unquoted cell, a space before a quoted one, a
lone CR...) and names no line. So the fast path only loads a file it has checked in bulk:
one on which both readers agree and the Python parser raises nothing; for any other file
it returns None and the caller runs the Python parser, which loads the rows or raises its
error with the line (errors are rare: their message matters more than their speed):

1. the header, by the Python parser's own functions (their errors as they were), on one
   physical line ending in LF or CRLF (no lone CR: DuckDB would split lines there);
2. the physical lines (DuckDB, no quoting): each line with a quote is a record of RFC 4180
   fields on one line (a quoted cell opens and closes it, inner quotes doubled: both
   readers then split it the same way); the line's last fields, from the first column the
   parser reads, are unquoted: the commune and APE codes as the parser requires them, counts
   of 0 to 15 digits (exact through the parser's float64) or empty; no commune x APE (dot
   removed) on two lines (compared by 64-bit hash: a collision only sends the file to the
   Python parser);
3. the rows (DuckDB, RFC 4180, strict: a line with another number of fields than the header
   is an error, so the file goes to the Python parser), from wide to long in SQL: the rows
   of the Python parser, in its order (file order, then years), by DuckDB's preserved
   insertion order.

Measured on the national-size bench file (medians of 3 alternated pairs, session 38, other
builds running): the load alone into a DuckDB file, 11.7 -> 7.0 s of CPU, 11.7 -> 6.4 s
wall, peak 584 -> 357 MB; step 2 ~1.8-2.1 s of it (reading the lines 0.5, the last fields'
pattern and its captured codes 0.55, the full pattern on the quoted lines 0.15, the pairs'
hashes counted 0.5), step 3 ~5 s (DuckDB's write of the 12.3 M rows ~3 s, as in the Python
path; reading the CSV ~1 s). In the national build, from the load's start to the URSSAF
harmonisation (which waits for it): 13.6 -> 9.7 s of CPU, 12.9 -> 5.9 s wall, peak there
926 -> 517 MB (the build's peak, later, unchanged).
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import duckdb

from pacte.sources._csv import read_header, require_columns
from pacte.sources.urssaf import APE, COMMUNE, ESTABLISHMENTS, JOBS, year_columns

#: A cell both readers split alike on one line: unquoted without quote, or quoted with its
#: inner quotes doubled (RFC 4180).
FIELD = r'(?:[^";\r\n]*|"(?:[^"\r\n]|"")*")'
#: A cell the Python parser does not read, in the last fields of a line: unquoted.
PLAIN = r'[^";\r\n]*'
#: The cells it reads, as it accepts them (no space: a padded cell goes to the parser).
CODES = {COMMUNE: r"([0-9][0-9AB][0-9]{3})", APE: r"([0-9]{2}\.?[0-9]{2}[A-Z])"}
COUNT = r"[0-9]{0,15}"
BOM = b"\xef\xbb\xbf"
GLOB = re.compile(r"[*?\[\]{}]|^~")


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _header_is_one_clean_line(path: Path, width: int) -> bool:
    """Whether the file's first physical line is the whole header: RFC 4180 cells, LF or
    CRLF at its end, no other CR (see module doc, 1)."""
    try:
        with gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb") as f:
            line = f.readline()
    except (OSError, EOFError):
        return False
    if not line.endswith(b"\n"):
        return False
    body = line[:-1].removesuffix(b"\r").removeprefix(BOM)
    pattern = ";".join([FIELD] * width).encode()
    return b"\r" not in body and re.fullmatch(pattern, body) is not None


def _source(path: Path, options: str) -> str:
    compression = "gzip" if path.suffix == ".gz" else "none"
    return (f"read_csv({_sql_text(str(path))}, header = false, skip = 1, {options}, "
            f"strict_mode = true, auto_detect = false, compression = '{compression}')")


def _lines_are_clean(con: duckdb.DuckDBPyConnection, path: Path, width: int,
                     read: dict[int, str], commune: int) -> bool:
    """Step 2 of the module doc, in one scan of the physical lines. ``read``: position ->
    pattern of the cells the Python parser reads (the codes' captured), ``commune``: the
    position of the commune code."""
    first = min(read)
    tail = ";".join(read.get(i, PLAIN) for i in range(first, width))
    tail = ("^" if first == 0 else ";") + tail + "$"
    names = ["c" if i == commune else "a" for i in sorted(read) if read[i] in CODES.values()]
    # each line one VARCHAR: a delimiter of one control byte (a line holding it has two
    # fields, an error), no quoting
    lines = _source(path, "delim = '\x01', quote = '', escape = '', columns = {'l': 'VARCHAR'}")
    full = ";".join([FIELD] * width)
    # the full pattern only for the lines with a quote (16 % on the bench file; CASE
    # evaluates it for those only: 0.64 instead of 1.8 s of CPU for every line)
    bad, repeated = con.execute(f"""
        SELECT count(*) FILTER (k.c = '' OR CASE WHEN contains(l, '"')
                                THEN NOT regexp_full_match(l, {_sql_text(full)}) ELSE false END),
               count(*) - count(DISTINCT hash(k.c, replace(k.a, '.', '')))
        FROM (SELECT l, regexp_extract(l, {_sql_text(tail)}, {names}) AS k
              FROM {lines} WHERE l IS NOT NULL)""").fetchall()[0]
    return bad == 0 and repeated == 0


def fast_load(path: str | Path, con: duckdb.DuckDBPyConnection, table: str) -> int | None:
    """Create ``table`` (``urssaf_jobs`` schema) from the URSSAF file ``path`` with DuckDB
    alone and return its rows; or None, ``table`` not created, if the file is not one the
    module doc's checks vouch for. Raises the Python parser's errors on the header."""
    path = Path(path)
    _, header, line = read_header(path, sep=";")
    years = year_columns(path, header, line)
    wanted = {y: (header.index(f"{ESTABLISHMENTS}{y}"), header.index(f"{JOBS}{y}"))
              for y in years}
    require_columns(path, header, [COMMUNE, APE], line)
    commune, ape = header.index(COMMUNE), header.index(APE)
    width = len(header)
    # DuckDB reads a path as a glob pattern: ``a[1].csv`` would be ``a1.csv``
    if GLOB.search(str(path)) or not _header_is_one_clean_line(path, width):
        return None
    read = {commune: CODES[COMMUNE], ape: CODES[APE]}
    read.update({i: COUNT for pair in wanted.values() for i in pair})
    try:
        if not _lines_are_clean(con, path, width, read, commune):
            return None
    except duckdb.Error:
        return None
    types = {f"c{i}": "BIGINT" if read.get(i) == COUNT else "VARCHAR" for i in range(width)}
    rows = _source(path, f"""delim = ';', quote = '"', escape = '"', columns = {types}""")
    est = ", ".join(f"c{e}" for e, _ in wanted.values())
    jobs = ", ".join(f"c{j}" for _, j in wanted.values())
    con.execute(f'CREATE TABLE "{table}" (commune VARCHAR, ape VARCHAR, year SMALLINT, '
                'establishments BIGINT, jobs BIGINT)')
    try:
        con.execute(f"""INSERT INTO "{table}"
            SELECT commune, ape, year, coalesce(e, 0), coalesce(j, 0)
            FROM (SELECT c{commune} AS commune, replace(c{ape}, '.', '') AS ape,
                         unnest({years}) AS year, unnest([{est}]) AS e, unnest([{jobs}]) AS j
                  FROM {rows})
            WHERE coalesce(e, 0) <> 0 OR coalesce(j, 0) <> 0""")
    except duckdb.Error:
        con.execute(f'DROP TABLE "{table}"')
        return None
    return con.execute(f'SELECT count(*) FROM "{table}"').fetchall()[0][0]
