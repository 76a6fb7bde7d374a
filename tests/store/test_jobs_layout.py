"""The jobs table's write (:func:`pacte.store.layout.write_jobs_table`): rows sorted by
territory then series, on their text typed as ENUM values (declared in sort order) and
written back as text; rows given already typed (the census commune rows) merged in the
same order; the year computed on read; a year that is not its period's refused."""

from __future__ import annotations

import duckdb
import pytest

from pacte.errors import BuildError
from pacte.store.layout import KeyedRows, write_jobs_table

ORDER = (("level", "code"), ("source", "scheme", "sector", "period"))
COLS = ("source VARCHAR, level VARCHAR, code VARCHAR, year SMALLINT, period VARCHAR, "
        "scheme VARCHAR, sector VARCHAR, jobs DOUBLE, n_missing INTEGER, estimate BOOLEAN, "
        "partial BOOLEAN")
SORT = "level, code, source, scheme, sector, period"


def _source(con, rows):
    con.execute(f"CREATE TEMP TABLE src ({COLS})")
    con.executemany("INSERT INTO src VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


ROWS = [  # shuffled: territories, sources and periods out of order, a quarter, a null value
    ("trim", "reg", "28", 2008, "2008-T3", "A17", "A17-C1", 5.0, 0, False, False),
    ("rp", "commune", "76540", 2016, "2016", "RP15", "TOTAL", 9.5, 0, False, False),
    ("urssaf", "commune", "76540", 2008, "2008", "APE", "2511Z", 3.0, 0, False, True),
    ("rp", "commune", "76095", 1999, "1999", "RP15", "BTP", None, 1, False, False),
    ("rp", "commune", "76540", 1999, "1999", "RP15", "TOTAL", 8.25, 0, False, False),
    ("estel", "ze2020", "2805", 2008, "2008", "A5", "TOTAL", 7.0, 0, True, False),
    ("trim", "reg", "28", 2008, "2008-T2", "A17", "A17-C1", 4.0, 0, False, False),
]


def _stored(con):
    return con.execute("SELECT source, level, code, year, period, scheme, sector, jobs, "
                       "n_missing, estimate, partial FROM jobs").fetchall()


def test_rows_are_written_sorted_with_the_year_computed_on_read():
    con = duckdb.connect()
    _source(con, ROWS)
    want = con.execute(f"SELECT * FROM src ORDER BY {SORT}").fetchall()
    write_jobs_table(con, ["SELECT * FROM src"], ORDER)
    assert _stored(con) == want  # storage order: the sorted order
    kinds = dict(con.execute("SELECT column_name, data_type FROM duckdb_columns() "
                             "WHERE table_name = 'jobs'").fetchall())
    assert kinds["year"] == "SMALLINT" and kinds["period"] == "VARCHAR"
    assert con.execute("SELECT count(*) FROM duckdb_types() WHERE type_name LIKE "
                       "'_jobs_%'").fetchall()[0][0] == 0


def test_keyed_rows_are_merged_in_order():
    """Rows given already typed (communes of the census, cast to the write's types) land
    among the others as if they had been sorted with them."""
    con = duckdb.connect()
    keyed_rows = [r for r in ROWS if r[0] == "rp" and r[1] == "commune"]
    _source(con, [r for r in ROWS if r not in keyed_rows])
    con.execute(f"CREATE TEMP TABLE kr ({COLS})")
    con.executemany("INSERT INTO kr VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", keyed_rows)
    text = ("source", "level", "code", "period", "scheme", "sector")
    keyed = KeyedRows(
        values={c: f"SELECT {c} FROM kr" for c in text},
        rows=lambda t: "SELECT " + ", ".join(f"CAST({c} AS {t[c]}) AS {c}" for c in text)
        + ", jobs, n_missing, estimate, partial FROM kr")
    write_jobs_table(con, ["SELECT * FROM src"], ORDER, [keyed])
    _source_all = duckdb.connect()
    _source(_source_all, ROWS)
    assert _stored(con) == _source_all.execute(f"SELECT * FROM src ORDER BY {SORT}").fetchall()
    assert con.execute("SELECT count(*) FROM duckdb_types() WHERE type_name LIKE "
                       "'_jobs_%'").fetchall()[0][0] == 0  # the write's types dropped


def test_null_keys_keep_their_rows():
    con = duckdb.connect()
    _source(con, [*ROWS, ("rp", "epci", None, 2016, "2016", "RP15", "TOTAL", 1.0, 0, False,
                          False)])
    want = con.execute(f"SELECT * FROM src ORDER BY {SORT}").fetchall()
    write_jobs_table(con, ["SELECT * FROM src"], ORDER)
    assert con.execute("SELECT count(*) FROM jobs WHERE code IS NULL").fetchall()[0][0] == 1
    assert _stored(con) == want


def test_a_year_that_is_not_its_periods_is_refused():
    con = duckdb.connect()
    _source(con, [*ROWS, ("trim", "dep", "76", 2009, "2008-T4", "A17", "A17-C1", 1.0, 0,
                          False, False)])
    with pytest.raises(BuildError, match="année différente de celle de la période"):
        write_jobs_table(con, ["SELECT * FROM src"], ORDER)


def test_the_built_stores_jobs_are_stored_sorted(con):
    """The real store's jobs table, in storage order, is sorted by territory then series
    (what a reader's lookup of one territory relies on: a few row groups read)."""
    unsorted = con.execute(f"""SELECT count(*) FROM (
        SELECT [{SORT}] AS k, lag([{SORT}]) OVER (ORDER BY rowid) AS prev FROM jobs)
        WHERE k < prev""")
    assert unsorted.fetchall()[0][0] == 0


def test_text_sorts_as_text_through_its_enum_values():
    """Codes whose order is the bytes' (upper case before lower case, accents after, a
    prefix before its longer codes, digits before letters): the rows come out as sorting
    the text itself puts them."""
    con = duckdb.connect()
    odd = ["A17-C10", "A17-C1", "autre", "Autre", "Éco", "eco", "2A004", "2B033", "10"]
    _source(con, [*ROWS, *[("trim", "dep", code, 2008, "2008-T1", "A17", sector, 1.0, 0,
                            False, False) for code, sector in zip(odd, reversed(odd),
                                                                  strict=True)]])
    want = con.execute(f"SELECT * FROM src ORDER BY {SORT}").fetchall()
    write_jobs_table(con, ["SELECT * FROM src"], ORDER)
    assert _stored(con) == want
