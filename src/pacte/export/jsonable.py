"""JSON as every output writes it: DataFrames as records, numpy scalars as Python, NaN as
null, UTF-8 without ASCII escapes (French text stays readable), no spaces: the API's answers
and the stored territory cards (:mod:`pacte.handlers.cards`)."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd

from pacte.export.tables import records


def jsonable(x: Any) -> Any:
    """DataFrames -> records; numpy scalars -> Python; NaN -> None; recursively."""
    t = type(x)  # the plain types first, by exact type (numpy's float64 is a float too)
    if t is str or t is int or t is bool or x is None:
        return x
    if t is float:
        return None if math.isnan(x) else x
    if isinstance(x, pd.DataFrame):
        return records(x)
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [jsonable(v) for v in x]
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and math.isnan(x):
        return None
    if isinstance(x, pd.Timestamp):
        return x.isoformat()
    return x


def dumps(content: Any) -> bytes:
    """Compact UTF-8 JSON of already JSON-safe ``content`` (NaN refused)."""
    return json.dumps(content, ensure_ascii=False, allow_nan=False,
                      separators=(",", ":")).encode("utf-8")
