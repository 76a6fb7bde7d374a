"""Text cells that a spreadsheet would run as a formula (« formula injection », OWASP CSV
injection): a text beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return.

Every writer goes through this module: in CSV such a text gets a leading apostrophe (the
spreadsheet then shows it as text); in XLSX it is stored as a text cell (never a formula).
Only text is touched: numbers, negative ones included, stay numbers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas only for frames: a reader of plain rows needs this module too
    import pandas as pd

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: object) -> bool:
    """True for a text a spreadsheet would evaluate."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def neutralise(value: object) -> object:
    """A formula-like text with a leading apostrophe; anything else unchanged."""
    return "'" + value if is_formula_like(value) else value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` fit for CSV: formula-like texts (cells of text columns and column
    names) neutralised; numeric columns untouched."""
    import pandas as pd

    out = df.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object or isinstance(s.dtype, pd.StringDtype):
            if s.map(is_formula_like).any():
                out[col] = s.map(neutralise)
    out.columns = [neutralise(c) if isinstance(c, str) else c for c in out.columns]
    return out


def set_text_cell(cell, value: object) -> None:
    """Store ``value`` in an openpyxl cell; a formula-like text stays text (data type
    ``s``), so a spreadsheet never evaluates it."""
    cell.value = value
    if is_formula_like(value):
        cell.data_type = "s"
