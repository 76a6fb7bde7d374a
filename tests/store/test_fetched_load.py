"""The national URSSAF file streamed into DuckDB (:func:`pacte.store.fetched.load_urssaf_jobs`):
the rows :func:`~pacte.store.fetched.parse_urssaf_jobs` gives, whatever the chunk size, and
a commune x APE pair repeated across chunks refused with its line."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pacte.errors import ParseError
from pacte.store.fetched import load_urssaf_jobs, parse_urssaf_jobs

SAMPLE = Path(__file__).resolve().parent.parent / "data/raw/urssaf_rouen_sample.csv"
COLS = ["commune", "ape", "year", "establishments", "jobs"]


@pytest.mark.parametrize("chunk_rows", [7, 100, 1_000])
def test_streamed_rows_are_the_parsed_rows(chunk_rows):
    con = duckdb.connect()
    n = load_urssaf_jobs(SAMPLE, con, "urssaf_jobs", chunk_rows=chunk_rows)
    got = con.execute("SELECT * FROM urssaf_jobs").df()
    want = parse_urssaf_jobs(SAMPLE, chunk_rows=chunk_rows)
    assert n == len(want) == 2_102
    key = ["commune", "ape", "year"]
    got = got.sort_values(key).reset_index(drop=True)
    want = want.sort_values(key).reset_index(drop=True)
    assert got[COLS].astype(str).equals(want[COLS].astype(str))


@pytest.mark.parametrize("chunk_rows", [7, 100])
def test_a_pair_repeated_across_chunks_is_refused_with_its_line(tmp_path, chunk_rows):
    lines = SAMPLE.read_bytes().split(b"\r\n")
    path = tmp_path / "dup.csv"
    path.write_bytes(b"\r\n".join([*lines[:-1], lines[1], b""]))  # row 1 again, last line
    with pytest.raises(ParseError, match="couple commune x APE en double") as info:
        load_urssaf_jobs(path, duckdb.connect(), "urssaf_jobs", chunk_rows=chunk_rows)
    assert info.value.line == len(lines)


def _jobs_table(rows):
    con = duckdb.connect()
    con.execute("CREATE TABLE t (commune VARCHAR, ape VARCHAR, year SMALLINT, "
                "establishments BIGINT, jobs BIGINT)")
    if rows:
        con.executemany("INSERT INTO t VALUES (?, ?, ?, 1, 1)", rows)
    return con


@pytest.mark.parametrize(("rows", "repeated"), [
    ([], False),
    ([("76540", "2511Z", 2006), ("76540", "2511Z", 2022), ("76540", "2512Z", 2022),
      ("76541", "2511Z", 2022)], False),
    ([("76540", "2511Z", 2006), ("76541", "2511Z", 2006), ("76540", "2511Z", 2006)], True),
    # the bit of the last year of a 64-year span, and of the first
    ([("76540", "2511Z", 2000), ("76540", "2511Z", 2063), ("76540", "2511Z", 2063)], True),
    ([("76540", "2511Z", 2000), ("76540", "2511Z", 2000), ("76540", "2511Z", 2063)], True),
    ([("76540", "2511Z", y) for y in range(2000, 2064)], False),
    # years further apart than the bits of one integer: the direct grouping
    ([("76540", "2511Z", 1900), ("76540", "2511Z", 2020), ("76540", "2511Z", 2020)], True),
    ([("76540", "2511Z", 1900), ("76540", "2511Z", 2020), ("76541", "2511Z", 2020)], False),
])
def test_repeated_rows_are_found_whatever_the_years(rows, repeated):
    from pacte.store.fetched import has_repeated_rows

    assert has_repeated_rows(_jobs_table(rows), "t") is repeated


@pytest.mark.parametrize("chunk_rows", [7, 1_000])
def test_a_bad_cell_in_a_later_chunk_stops_the_load_with_its_line(tmp_path, chunk_rows):
    """The chunks are parsed in a thread ahead of their insert: a bad cell there is raised
    by the load, with its line."""
    lines = SAMPLE.read_bytes().split(b"\r\n")
    cells = lines[-2].split(b";")
    cells[-1] = b"douze"
    path = tmp_path / "bad.csv"
    path.write_bytes(b"\r\n".join([*lines[:-2], b";".join(cells), b""]))
    with pytest.raises(ParseError, match="valeur non numérique") as info:
        load_urssaf_jobs(path, duckdb.connect(), "urssaf_jobs", chunk_rows=chunk_rows)
    assert info.value.line == len(lines) - 1
