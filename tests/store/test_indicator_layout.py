"""The indicator table's write from compact rows (:func:`pacte.store.layout.compact_rows`,
:func:`pacte.store.layout.write_indicator_table`): the build encodes each part of the long
table as it is made (texts as Arrow dictionaries, a dictionary per part) and writes their
concatenation; the table is the one DuckDB makes from the whole frame at once (same rows,
order, types and percentiles), and the exposure's top rows written from compact rows are
those written from the DataFrames."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from pacte.engine.exposure_top import write_exposure_top
from pacte.store.layout import compact_rows, write_indicator_table

TEXT = ["level", "code", "name", "indicator", "period", "unit", "resolution", "source",
        "note"]
#: Texts whose byte order is not their order in a part, nor Python's default by accident:
#: accents (UTF-8 bytes above ASCII), capitals before small letters, prefixes.
WORDS = ["é", "e", "Z", "a", "ab", "a b", "«x»", "ze2020", "ze2010", "epci", "dep", "reg"]


def _frame(rng: np.random.Generator, n: int) -> pd.DataFrame:
    pick = lambda k: rng.choice(WORDS[:k], n)  # noqa: E731
    value = rng.integers(0, 5, n).astype(float)  # ties within groups
    value[rng.random(n) < 0.2] = np.nan  # missing values: null, in their own group
    return pd.DataFrame({"level": pick(4), "code": pick(12), "name": pick(12),
                         "indicator": pick(6), "period": pick(3), "value": value,
                         "unit": pick(2), "resolution": pick(5), "source": pick(3),
                         "note": pick(12)}).astype({c: "str" for c in TEXT})


def _reference(con: duckdb.DuckDBPyConnection, whole: pd.DataFrame) -> list[tuple]:
    con.register("whole", whole)
    return con.execute(f"""SELECT ord, {', '.join(whole.columns[1:])},
        CASE WHEN value IS NULL THEN NULL ELSE 100 * cume_dist() OVER (
            PARTITION BY level, indicator, period, source, value IS NULL ORDER BY value) END
        FROM whole ORDER BY level, indicator, ord""").fetchall()


def test_parts_encoded_apart_give_the_table_of_the_whole_frame():
    rng = np.random.default_rng(7)
    parts = [_frame(rng, n) for n in (300, 1, 450, 120)]
    whole = pd.concat(parts, ignore_index=True)
    whole.insert(0, "ord", np.arange(len(whole), dtype=np.int64))
    rows = pa.concat_tables([compact_rows(p) for p in parts])
    assert len({rows["level"].chunk(i).dictionary.to_pylist().__repr__()
                for i in range(rows["level"].num_chunks)}) > 1  # a dictionary per part
    rows = rows.add_column(0, "ord", pa.array(np.arange(len(rows), dtype=np.int64)))
    con = duckdb.connect()
    write_indicator_table(con, "indicator", rows)
    got = con.execute(f"SELECT ord, {', '.join(whole.columns[1:])}, percentile "
                      "FROM indicator").fetchall()
    assert got == _reference(con, whole)
    types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                             "WHERE table_name = 'indicator'").fetchall())
    assert {types[c] for c in TEXT} == {"VARCHAR"}
    assert (types["ord"], types["value"], types["percentile"]) == ("BIGINT", "DOUBLE",
                                                                    "DOUBLE")


def test_no_row():
    rows = compact_rows(_frame(np.random.default_rng(0), 0))
    rows = rows.add_column(0, "ord", pa.array(np.zeros(0, np.int64)))
    con = duckdb.connect()
    write_indicator_table(con, "indicator", rows)
    assert con.execute("SELECT count(*) FROM indicator").fetchall() == [(0,)]


def test_exposure_top_from_compact_rows_is_the_table_from_the_frames():
    rng = np.random.default_rng(3)
    frames = [pd.DataFrame({"code": rng.choice(WORDS, 40), "rank": rng.integers(1, 6, 40),
                            "contribution": np.where(rng.random(40) < 0.3, np.nan,
                                                     rng.random(40)),
                            "note": rng.choice(["", "é", "pas de données"], 40),
                            "own_detail": rng.random(40) < 0.5}).astype({"code": "str",
                                                                         "note": "str"})
              for _ in range(3)]
    tables = []
    for tops in ([f.copy() for f in frames], [compact_rows(f.copy()) for f in frames]):
        con = duckdb.connect()
        write_exposure_top(con, tops=tops)
        tables.append((con.execute("SELECT * FROM exposure_top").fetchall(),
                       con.execute("DESCRIBE exposure_top").fetchall()))
    assert tables[0] == tables[1]
    assert any(r[2] is None for r in tables[0][0])  # NaN stored as null both ways
