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
