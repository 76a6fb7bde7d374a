"""The URSSAF file loaded by DuckDB alone (:mod:`pacte.store.urssaf_fast`) gives what the
Python parser gives: the same rows in the same order on the files it takes, and on every
other file it steps aside so that the parser loads the rows or raises its error (same
message, same line). Each case is loaded both ways; a fast path that accepted a file the
parser refuses, or read it otherwise, fails here."""

from __future__ import annotations

import gzip
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from pacte.store.fetched import load_urssaf_jobs
from pacte.store.urssaf_fast import fast_load

SAMPLE = Path(__file__).resolve().parent.parent / "data/raw/urssaf_rouen_sample.csv"
BOM = b"\xef\xbb\xbf"


def outcome(path: Path, fast: bool, chunk_rows: int = 50) -> tuple:
    """The rows loaded (in table order), or the error raised (type, message, line)."""
    con = duckdb.connect()
    try:
        n = load_urssaf_jobs(path, con, "t", chunk_rows=chunk_rows, fast=fast)
    except Exception as error:  # noqa: BLE001 - any error must be the parser's
        return ("error", type(error).__name__, str(error), getattr(error, "line", None))
    rows = con.execute("SELECT * FROM t").fetchall()
    assert n == len(rows)
    types = con.execute("SELECT column_name, data_type FROM information_schema.columns "
                        "WHERE table_name = 't' ORDER BY ordinal_position").fetchall()
    return ("rows", types, rows)


def taken(path: Path) -> bool:
    """Whether the fast path loads the file itself (else the parser does)."""
    return fast_load(path, duckdb.connect(), "t") is not None


def sample_lines() -> list[bytes]:
    """The sample's lines without their CRLF (the header with its BOM)."""
    return SAMPLE.read_bytes().split(b"\r\n")[:-1]


def cells(line: bytes, edit: dict[int, bytes]) -> bytes:
    """``line`` with some of its last 36 cells (commune, APE, then the 34 counts: index 0
    is the commune) replaced."""
    head, *tail = line.rsplit(b";", 36)
    for i, value in edit.items():
        tail[i] = value
    return b";".join([head, *tail])


def label(line: bytes, value: bytes) -> bytes:
    """``line`` with its sixth cell (« Nom commune », unquoted in the sample) replaced."""
    parts = line.split(b";", 6)
    parts[5] = value
    return b";".join(parts)


def join(lines: list[bytes], eol: bytes = b"\r\n") -> bytes:
    return eol.join(lines) + eol


def _edit(i: int, **kw) -> callable:
    def run(lines):
        lines = list(lines)
        lines[i] = cells(lines[i], kw["cells"]) if "cells" in kw else label(lines[i], kw["label"])
        return join(lines)
    return run


L = sample_lines()
#: name -> (file bytes, whether the fast path takes it)
VALID = {
    "sample: BOM, CRLF, quoted ';' in labels": (join(L), True),
    "LF line ends": (join(L, b"\n"), True),
    "no BOM": (join([L[0].removeprefix(BOM), *L[1:]]), True),
    "blank lines": (join([L[0], L[1], b"", L[2], b"", b"", *L[3:], b""]), True),
    "no line end at the end": (join(L)[:-2], True),
    "dotted APE code": (join([L[0], cells(L[1], {1: b"43.99A"}), *L[2:]]), True),
    "empty and zero counts (a row with none left out)": (
        join([L[0], cells(L[1], dict.fromkeys(range(2, 36), b"")),
              cells(L[2], dict.fromkeys(range(2, 36), b"0")), *L[3:]]), True),
    "counts of 15 digits, leading zeros": (
        join([L[0], cells(L[1], {2: b"999999999999999", 3: b"007"}), *L[2:]]), True),
    "quoted label with doubled quotes": (
        join([L[0], label(L[1], b'"Le ""Houlme"" ; bis"'), *L[2:]]), True),
    # valid files the fast path leaves to the parser
    "quoted newline in a label": (
        join([L[0], L[1], label(L[2], b'"Bois-\r\nGuillaume"'), *L[3:]]), False),
    "quoted count": (join([L[0], cells(L[1], {3: b'"5"'}), *L[2:]]), False),
    "count with a space": (join([L[0], cells(L[1], {3: b" 5"}), *L[2:]]), False),
    "count of 16 digits": (join([L[0], cells(L[1], {3: b"1234567890123456"}), *L[2:]]), False),
    "LF and CRLF mixed": (join(L[:5]) + join(L[5:], b"\n"), False),
    "text after a closing quote": (join([L[0], label(L[1], b'"Bois"G'), *L[2:]]), False),
    "doubled quote in an unquoted label": (join([L[0], label(L[1], b'x""y'), *L[2:]]), False),
    "header over two lines": (join([b'"R\r\n' + L[0][len(BOM):].replace(b";", b'";', 1),
                                    *L[1:]]), False),
    # a pair twice, in chunks of 50 rows far apart, all zero: the parser lets it through
    "same pair twice, rows of zeros in two chunks": (
        join([L[0], cells(L[1], dict.fromkeys(range(2, 36), b"")), *L[2:120],
              cells(L[1], dict.fromkeys(range(2, 36), b"")), *L[120:]]), False),
}
ERRORS = {
    "malformed commune code at line 4": _edit(3, cells={0: b"7600"}),
    "commune code with a space": _edit(2, cells={0: b"76 005"}),
    "empty commune code": _edit(2, cells={0: b""}),
    "malformed APE code": _edit(5, cells={1: b"4399a"}),
    "non-integer count": _edit(4, cells={7: b"12a"}),
    "negative count": _edit(4, cells={7: b"-2"}),
    "decimal count": _edit(4, cells={7: b"1.5"}),
    "count with a sign": _edit(4, cells={7: b"+5"}),
    "count with an exponent": _edit(4, cells={7: b"1e3"}),
    "count with an underscore": _edit(4, cells={7: b"1_000"}),
    "unclosed quote": _edit(6, label=b'"Bois'),
    "quote inside an unquoted label": _edit(6, label=b'Bo"is'),
    "space before a quoted label": _edit(6, label=b' "Bois ; G"'),
}


def _duplicate(lines):
    return join([*lines[:9], lines[2], *lines[9:]])


def _duplicate_dotted(lines):
    ape = lines[2].rsplit(b";", 35)[0].rsplit(b";", 1)[1]
    return join([*lines, cells(lines[2], {1: ape[:2] + b"." + ape[2:]})])


ERRORS.update({
    "duplicate pair": _duplicate,
    "duplicate pair, one APE code dotted, far apart": _duplicate_dotted,
    "one field too many": lambda lines: join([*lines[:3], lines[3] + b";1", *lines[4:]]),
    "one field missing": lambda lines: join([*lines[:3], lines[3].rsplit(b";", 1)[0],
                                             *lines[4:]]),
    "two records on a line, split by a lone CR": lambda lines: join(
        [*lines[:10], lines[10] + b"\r" + lines[11], *lines[12:]]),
    "line of separators": lambda lines: join([*lines[:3], b";" * lines[3].count(b";"),
                                              *lines[3:]]),
    "NUL in a commune code": _edit(2, cells={0: b"76\x0005"}),
    "CR line ends only": lambda lines: join(lines, b"\r"),
    # blank to the eye, not to the parser (a blank line is one of at most 2 bytes)
    "line of spaces": lambda lines: join([*lines[:2], b"   ", *lines[2:]]),
})


@pytest.mark.parametrize("name", list(VALID))
def test_valid_files_give_the_parser_rows(tmp_path, name):
    data, fast = VALID[name]
    path = tmp_path / "u.csv"
    path.write_bytes(data)
    want = outcome(path, fast=False)
    assert want[0] == "rows" and len(want[2]) > 2_000, want[:3]
    assert outcome(path, fast=True) == want
    assert taken(path) is fast


@pytest.mark.parametrize("name", list(ERRORS))
def test_bad_files_raise_the_parser_error_with_its_line(tmp_path, name):
    path = tmp_path / "u.csv"
    path.write_bytes(ERRORS[name](L))
    want = outcome(path, fast=False)
    assert outcome(path, fast=True) == want
    assert not taken(path)
    if name != "CR line ends only":  # read as a header alone by the parser: no row
        assert want[0] == "error", want[:2]


def test_the_line_numbers_are_the_parser_ones(tmp_path):
    path = tmp_path / "u.csv"
    path.write_bytes(ERRORS["malformed commune code at line 4"](L))
    got = outcome(path, fast=True)
    assert got[:2] == ("error", "ParseError") and got[3] == 4
    assert "code commune malformé" in got[2] and "7600" in got[2]


def test_gzip_file(tmp_path):
    path = tmp_path / "u.csv.gz"
    path.write_bytes(gzip.compress(join(L[:100])) + gzip.compress(join(L[100:])))
    assert taken(path)
    assert outcome(path, fast=True) == outcome(path, fast=False)
    bad = tmp_path / "bad.csv.gz"
    bad.write_bytes(gzip.compress(ERRORS["non-integer count"](L)))
    assert not taken(bad)
    assert outcome(bad, fast=True) == outcome(bad, fast=False)


def test_a_failed_fast_path_leaves_no_table(tmp_path):
    path = tmp_path / "u.csv"
    path.write_bytes(ERRORS["duplicate pair"](L))
    con = duckdb.connect()
    assert fast_load(path, con, "t") is None
    assert con.execute("SELECT count(*) FROM duckdb_tables()").fetchall() == [(0,)]


# Property: small files in the format (two label cells, the codes, two years), written by
# the csv module, then one byte inserted or deleted anywhere: loaded both ways, the same
# rows or the same error.
HEADER = ["Nom", "APE", "Code commune", "Code APE", "Nombre d'établissements 2020",
          "Effectifs salariés 2020", "Nombre d'établissements 2021", "Effectifs salariés 2021"]
_label = st.text(st.sampled_from("ab ;\"é\r\n"), max_size=6)
_count = st.one_of(st.just(""), st.integers(0, 999).map(str))
_codes = (st.sampled_from(["76005", "2A004", "76540", "01004", "2B033", "76351"]),
          st.sampled_from(["4399A", "43.99A", "2511Z", "7010Z", "70.22Z", "4511Z"]),
          _count, _count, _count, _count)
_row = st.tuples(_label, _label, *_codes)


def _write(rows, eol: str, bom: bool) -> bytes:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator=eol)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return (BOM if bom else b"") + buffer.getvalue().encode("utf-8")


@settings(max_examples=120, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(_row, max_size=6), eol=st.sampled_from(["\r\n", "\n"]),
       bom=st.booleans(), mutate=st.integers(0, 10_000),
       byte=st.sampled_from([b"", b'"', b";", b"\r", b"\n", b" ", b"\r\n", b"-", b".",
                             b"x", b"\x00", b"\xff", None]))
def test_fast_and_slow_agree_on_random_files(tmp_path, rows, eol, bom, mutate, byte):
    data = _write(rows, eol, bom)
    if byte is not None:  # None: the file as written; b"": a byte deleted
        at = mutate % (len(data) + 1)
        data = data[:at] + byte + data[at + (byte == b""):]
    path = tmp_path / "p.csv"
    path.write_bytes(data)
    want = outcome(path, fast=False, chunk_rows=3)
    event(f"parser: {want[0]}, fast path taken: "
          f"{want[0] == 'rows' and taken(path)}")  # (a header error is raised by both)
    assert outcome(path, fast=True, chunk_rows=3) == want



@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(*[st.text(st.sampled_from('ab ;"é'), max_size=6)] * 2, *_codes),
                     max_size=6, unique_by=lambda row: (row[2], row[3].replace(".", ""))),
       eol=st.sampled_from(["\r\n", "\n"]), bom=st.booleans())
def test_the_fast_path_takes_random_valid_files(tmp_path, rows, eol, bom):
    """Labels without a newline, no pair twice: the fast path loads the parser's rows."""
    path = tmp_path / "p.csv"
    path.write_bytes(_write(rows, eol, bom))
    assert taken(path)
    assert outcome(path, fast=True, chunk_rows=3) == outcome(path, fast=False, chunk_rows=3)


def test_a_path_duckdb_would_read_as_a_pattern_is_left_to_the_parser(tmp_path):
    (tmp_path / "u1.csv").write_bytes(join(L[:50]))  # what u[1].csv matches as a pattern
    path = tmp_path / "u[1].csv"
    path.write_bytes(join(L))
    assert not taken(path)
    assert outcome(path, fast=True) == outcome(path, fast=False)
