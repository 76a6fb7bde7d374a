"""national_io.pivot_sum (the value chains' pivots) against pandas' pivot_table: the same
frame, the same floats (pandas' compensated grouped sums, rows in the same order)."""

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from pacte.engine.national_io import pivot_sum


def _pivot_table(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    w = df[df["sector"].isin(cols)].pivot_table(index="code", columns="sector",
                                                values="jobs", aggfunc="sum")
    return w.reindex(columns=cols).fillna(0.0)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["b", "a", "c", "d10", "d2"]),
                          st.sampled_from(["X", "Y", "Z", "W"]),
                          st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False),
                                    st.sampled_from([0.1, 0.2, 0.3, 1e-17, 1e17]))),
                min_size=1, max_size=40))
def test_same_frame_as_pivot_table(rows):
    df = pd.DataFrame(rows, columns=["code", "sector", "jobs"]).astype({"jobs": float})
    cols = ["Z", "X", "Y"]  # W dropped, as the sectors outside the scheme
    want = _pivot_table(df, cols)
    got = pivot_sum(df["code"], df["sector"], df["jobs"], cols)
    if want.empty:
        assert got.empty or not df["sector"].isin(cols).any()
        return
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert np.array_equal(got.to_numpy(), want.to_numpy())  # bitwise, not to a tolerance


def test_missing_cells_are_zero_and_nan_jobs_sum_to_zero():
    df = pd.DataFrame({"code": ["a", "a", "b"], "sector": ["X", "Y", "X"],
                       "jobs": [1.5, np.nan, 2.0]})
    got = pivot_sum(df["code"], df["sector"], df["jobs"], ["X", "Y"])
    assert got.to_numpy().tolist() == [[1.5, 0.0], [2.0, 0.0]]
    assert got.index.tolist() == ["a", "b"] and got.columns.tolist() == ["X", "Y"]


def test_compensated_sums_as_pandas():
    """pandas' grouped sums are compensated (Kahan): 1e17 + 1 - 1e17 is 1, not 0."""
    df = pd.DataFrame({"code": ["a"] * 3 + ["b"] * 3, "sector": ["X"] * 6,
                       "jobs": [1e17, 1.0, -1e17, 0.1, 0.2, 0.3]})
    want = _pivot_table(df, ["X"])
    got = pivot_sum(df["code"], df["sector"], df["jobs"], ["X"])
    assert np.array_equal(got.to_numpy(), want.to_numpy())
    assert got.loc["a", "X"] == want.loc["a", "X"]
