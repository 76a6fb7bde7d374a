"""JSON answers: ``{"data": ..., "meta": ...}``, DataFrames as records (NaN -> null)."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd
from fastapi.responses import JSONResponse

from pacte.export.tables import records
from pacte.handlers.envelope import Answer


def jsonable(x: Any) -> Any:
    """DataFrames -> records; numpy scalars -> Python; NaN -> None; recursively."""
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


class JSON(JSONResponse):
    """UTF-8 JSON without ASCII escapes (French text stays readable)."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, allow_nan=False,
                          separators=(",", ":")).encode("utf-8")


def answer(ans: Answer, data: Any = None, **meta: Any) -> JSON:
    """The envelope of a handler's answer; ``data`` replaces ``ans.data`` when given."""
    return JSON({"data": jsonable(ans.data if data is None else data),
                 "meta": jsonable({**ans.meta, **meta})})
