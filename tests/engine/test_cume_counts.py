"""The indicator table's percentile counts (:func:`pacte.store.layout.calc_cume_counts`):
the same counts as DuckDB's windows (``count(*) OVER (PARTITION BY g ORDER BY v RANGE
BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)``), ties and missing values included."""

import duckdb
import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from pacte.store.layout import calc_cume_counts


def _duckdb_counts(group: np.ndarray, value: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    con = duckdb.connect()
    con.register("df", pd.DataFrame({"i": np.arange(len(group)), "g": group, "v": value}))
    r = con.sql("""SELECT count(*) OVER (PARTITION BY g) AS n,
                             count(*) OVER (PARTITION BY g ORDER BY v RANGE BETWEEN
                                            UNBOUNDED PRECEDING AND CURRENT ROW) AS k
                      FROM df ORDER BY i""").fetchnumpy()
    return np.asarray(r["n"]), np.asarray(r["k"])


def test_known_counts():
    """Group 0: values 3, 1, 3, 2 -> at or below: 4, 1, 4, 2 (the two 3s are peers);
    group 1 (missing values): both rows count the whole group."""
    group = np.array([0, 0, 0, 0, 1, 1])
    value = np.array([3.0, 1.0, 3.0, 2.0, np.nan, np.nan])
    n, k = calc_cume_counts(group, value)
    assert n.tolist() == [4, 4, 4, 4, 2, 2]
    assert k.tolist() == [4, 1, 4, 2, 2, 2]


def test_empty():
    n, k = calc_cume_counts(np.zeros(0, np.int64), np.zeros(0))
    assert len(n) == len(k) == 0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.one_of(st.none(), st.integers(-3, 3))),
                max_size=40))
def test_same_counts_as_duckdb_windows(rows):
    """Any groups, ties and missing values (each group split by missing or not, as the
    table's partition ``value IS NULL`` does): the counts of DuckDB's windows."""
    value = np.array([np.nan if v is None else float(v) for _, v in rows], dtype=float)
    group = np.array([g for g, _ in rows], dtype=np.int64) * 2 + np.isnan(value)
    n, k = calc_cume_counts(group, value)
    dn, dk = _duckdb_counts(group, value)
    assert n.tolist() == dn.tolist()
    assert k.tolist() == dk.tolist()
