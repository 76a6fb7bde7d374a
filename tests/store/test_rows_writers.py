"""The readers' CSV writer (:func:`pacte.store.rows.csv_text`) writes rows column by column,
each distinct text quoted once: the same text as the csv writer row by row, whatever the
cells; the JSON writer (:func:`json_text`) writes one compact record a line, read back as the
value it was given."""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import date

from hypothesis import example, given
from hypothesis import strategies as st

from pacte.store.rows import Rows, _csv_column, csv_text, json_text

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str)


def csv_reference(rows: Rows) -> str:
    """The csv writer, row by row."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(rows.columns)
    if rows.rows:
        w.writerows(zip(*(_csv_column(list(c)) for c in zip(*rows.rows, strict=True)),
                        strict=True))
    return buf.getvalue()


#: Texts with what a writer must quote or escape: separators, quotes, line breaks,
#: control characters, non-ASCII, the empty text.
texts = st.one_of(st.sampled_from(["", " ", ",", '"', "a,b", 'x"y', "l1\nl2", "r\r", "\t",
                                   "é « » —", "\x00\x1f", "\u2028", "None", "-0.0"]),
                  st.text(max_size=12))
cells = st.one_of(texts, st.none(), st.booleans(), st.integers(-10**20, 10**20),
                  st.floats(allow_nan=True, allow_infinity=True),
                  st.sampled_from([0.0, -0.0, 1.0, 1e16, 1e-7, 2 / 3, math.nan, math.inf]),
                  st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 1, 1)),
                  st.lists(st.integers(0, 9), max_size=2))


@st.composite
def tables(draw):
    n_cols = draw(st.integers(1, 5))
    # a column often repeats a few values, as the readers' label columns do
    pools = [draw(st.lists(cells, min_size=1, max_size=4)) for _ in range(n_cols)]
    n_rows = draw(st.integers(0, 12))
    rows = [tuple(draw(st.sampled_from(p)) for p in pools) for _ in range(n_rows)]
    names = tuple(draw(st.lists(texts, min_size=n_cols, max_size=n_cols)))
    return Rows(names, rows)


@given(tables())
@example(Rows(("x",), [("",), (None,), ("a",)]))  # a lone empty field is quoted
@example(Rows(("x", "y"), [("", None), ('a"b', "c,d"), ("l\nm", 1.5)]))
def test_csv_text_is_the_writers_row_by_row(rows):
    assert csv_text(rows) == csv_reference(rows)


def _same(a, b) -> bool:
    """Equal JSON values, NaN equal to NaN (``json.loads`` reads back the encoder's NaN)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b and type(a) is type(b)


def _plain(v):
    """``v`` as JSON gives it back: tuples as lists, keys as texts, other values by str."""
    if isinstance(v, dict):
        return {next(iter(json.loads(_ENCODER.encode({k: 0})))): _plain(x)
                for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_plain(x) for x in v]
    return v if v is None or isinstance(v, bool | int | float | str) else str(v)


@given(tables())
@example(Rows(("x", "y"), [(math.nan, -0.0), (math.inf, -math.inf), (True, 1), (None, 1.0)]))
def test_json_text_is_one_record_a_line(rows):
    """A list of records: ``[``, one compact record a line, ``]``; a top-level object: one
    key a line; each line read back gives its record, and the whole text its value."""
    records = [dict(zip(rows.columns, r, strict=True)) for r in rows.rows]
    text = json_text(records)
    lines = text.split("\n")
    assert text.endswith("\n")
    if records:
        assert lines[0] == "[" and lines[-2] == "]" and len(lines) == len(records) + 3
        for line, record in zip(lines[1:-2], records, strict=True):
            assert line.startswith(" ") and not line.startswith("  ")
            assert _same(json.loads(line.strip().rstrip(",")), _plain(record))
    assert _same(json.loads(text), _plain(records))
    doc = {"jobs": records, "n": len(records), "meta": {"d": date(2025, 1, 2)}}
    assert _same(json.loads(json_text(doc)), _plain(doc))
    assert json_text(doc).count("\n") == 5 + (len(records) + 1 if records else 0)


def test_json_records_of_any_shape_are_written_one_a_line():
    """Records with other keys, other key order, keys that are not texts."""
    for records in ([{"a": 1}, {"b": 2}], [{"a": 1, "b": 2}, {"b": 2, "a": 1}],
                    [{1: "x", None: True}], [{}], [{}, {"a": 1}]):
        lines = json_text(records).split("\n")
        assert len(lines) == len(records) + 3
        assert [json.loads(x.strip().rstrip(",")) for x in lines[1:-2]] == _plain(records)
