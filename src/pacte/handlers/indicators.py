"""Indicator answers: the catalogue, and the long indicator table of a level."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pandas as pd

from pacte.catalogue import DIRECTION_LABELS, FAMILIES, INDICATORS, periods_text, source_name
from pacte.engine import read_indicators
from pacte.errors import InvalidParameterError
from pacte.geography import INDICATOR_LEVELS
from pacte.handlers.envelope import Answer, envelope
from pacte.store import queries


def catalogue() -> pd.DataFrame:
    """The catalogue as a table (``pacte indicators --list``, the API's catalogue route)."""
    return pd.DataFrame([{
        "id": i.id, "label": i.label, "unit": i.unit, "family": i.family,
        "family_label": FAMILIES.get(i.family, i.family),
        "direction": DIRECTION_LABELS[i.direction], "formula": i.formula,
        "sources": ", ".join(source_name(s) for s in i.sources),
        "levels": ", ".join(i.levels), "periods": periods_text(i)} for i in INDICATORS.values()])


def indicators(con: duckdb.DuckDBPyConnection, level: str | None,
               indicator: Sequence[str] | None = None, period: str | None = None,
               code: str | None = None) -> Answer:
    """Every indicator (or ``indicator``) of every territory of ``level`` (or one ``code``),
    one row per territory x indicator x period x source."""
    if level is None:
        raise InvalidParameterError(f"--level est obligatoire (niveaux : "
                                    f"{', '.join(INDICATOR_LEVELS)}) ; --list pour le catalogue")
    if code is not None:
        code = queries.find_territory(con, code, level)["code"]
    df = read_indicators(con, level, indicator, period, code)
    return Answer(df, envelope(con, sorted(set(df["source"]))))
