"""store.frames.frame: the DataFrame of ``con.execute(sql).df()``, the same columns, types
and values, through Arrow where that gives the same frame."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pacte.store.frames import frame

QUERIES = [
    # text, doubles and floats with nulls and NaN, integers and booleans without nulls
    """SELECT * FROM (VALUES ('01001', 1.5, 2::SMALLINT, true, 0.5::FLOAT),
                             (NULL, NULL, 3::SMALLINT, false, NULL),
                             ('2A004', 'nan'::DOUBLE, 4::SMALLINT, true, 1::FLOAT))
       t(code, v, n, b, f)""",
    # integers and booleans with nulls: pandas' nullable types (taken by df())
    "SELECT * FROM (VALUES (1, true), (NULL, NULL)) t(i, b)",
    # dates, decimals, lists, a column of nulls only
    "SELECT DATE '2025-01-01' AS d, 1.25::DECIMAL(5, 2) AS x, [1, 2] AS l, NULL AS z",
    # a text column of nulls only (object in df()), no rows
    "SELECT NULL::VARCHAR AS s, 1.0 AS v",
    "SELECT 'a' AS s, 1.0 AS v, 1 AS i WHERE false",
]


@pytest.mark.parametrize("sql", QUERIES)
def test_frame_is_the_frame_of_df(sql):
    con = duckdb.connect()
    expected = con.execute(sql).df()
    got = frame(con, sql)
    pd.testing.assert_frame_equal(got, expected)
    assert list(got.dtypes) == list(expected.dtypes)


def test_frame_after_a_result_left_pending():
    """A result of execute() left unread does not stop the next query (as execute())."""
    con = duckdb.connect()
    con.execute("SELECT * FROM range(10)")
    assert frame(con, "SELECT ? AS x", [7])["x"].tolist() == [7]


@pytest.fixture(scope="module")
def memory_con():
    """One in-memory database for the examples (a new connection costs about 28 ms)."""
    con = duckdb.connect()
    yield con
    con.close()


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(st.tuples(st.one_of(st.none(), st.text(max_size=6)),
                               st.one_of(st.none(), st.floats(allow_nan=True, width=64)),
                               st.integers(-2**31, 2**31 - 1)), max_size=20))
def test_frame_equals_df_on_any_rows(memory_con, rows):
    """Each example on a new table (the same connection)."""
    con = memory_con
    con.execute("CREATE OR REPLACE TABLE t (s VARCHAR, v DOUBLE, i INTEGER)")
    if rows:
        con.executemany("INSERT INTO t VALUES (?, ?, ?)", rows)
    sql = "SELECT * FROM t ORDER BY rowid"
    pd.testing.assert_frame_equal(frame(con, sql), con.execute(sql).df())
