"""Query results as DataFrames, through Arrow: the frame of ``con.execute(sql).df()``, the
same columns, types and values, in a quarter of its time where the columns are text (the
build reads its level-wide frames this way: DuckDB's ``df()`` makes one Python string per
value, then pandas an Arrow array of them; Arrow hands DuckDB's text over as it is).

Types whose DataFrame would differ between the two paths (integers or booleans with nulls,
which ``df()`` gives as pandas' nullable types; text columns without a value, object in
``df()``; dates, decimals, lists, enums...) take ``df()``, as does a pandas whose text
type is not Arrow's (pandas 2)."""

from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow as pa

#: pandas' default text type (``str``, held by Arrow, since pandas 3)
_TEXT = pd.Series(["x"]).dtype
_ARROW_TEXT = isinstance(_TEXT, pd.StringDtype) and _TEXT.storage == "pyarrow"
_TEXT_TYPES = (pa.string(), pa.large_string(), pa.string_view())


def _as_pandas(t: pa.DataType) -> pd.api.extensions.ExtensionDtype | None:
    return _TEXT if t in _TEXT_TYPES else None


def _plain(col: pa.ChunkedArray) -> bool:
    """Whether ``col`` becomes the same pandas column through Arrow as through ``df()``."""
    t = col.type
    if t in _TEXT_TYPES:  # a text column without a value (no rows, nulls only): object
        return col.null_count < len(col)
    if pa.types.is_floating(t):
        return True
    return (pa.types.is_integer(t) or pa.types.is_boolean(t)) and col.null_count == 0


def frame(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None
          ) -> pd.DataFrame:
    """The rows of the query ``sql`` (a SELECT) as ``con.execute(sql, params).df()`` gives
    them."""
    if not _ARROW_TEXT:
        return con.execute(sql, params or []).df()
    abort = getattr(con, "abort", None)  # DuckDB 2: a result left pending by execute()
    if abort is not None:                  # is closed, as execute() itself would
        abort()
    table = con.sql(sql, params=params or None).to_arrow_table()
    if not all(_plain(c) for c in table.columns):
        return con.execute(sql, params or []).df()
    return table.to_pandas(types_mapper=_as_pandas)
