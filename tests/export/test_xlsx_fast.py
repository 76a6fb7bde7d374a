"""The direct XLSX writer (pacte.export.xlsx_fast) behind ``write_xlsx`` gives the workbook
openpyxl gives (``xlsx_workbook`` saved): same sheets, cells (value, type, number format,
bold header), column widths, frozen row and filter, read back with openpyxl; tables holding
values it does not write fall back to openpyxl."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.utils.exceptions import IllegalCharacterError

from pacte.export import xlsx_fast
from pacte.export.tables import save_workbook, write_xlsx, xlsx_workbook


def _read(path):
    from openpyxl import load_workbook

    return load_workbook(path)


def _same(a_path, b_path) -> int:
    a, b = _read(a_path), _read(b_path)
    assert a.sheetnames == b.sheetnames and a.active.title == b.active.title
    n = 0
    for name in a.sheetnames:
        x, y = a[name], b[name]
        assert (x.dimensions, x.freeze_panes, x.auto_filter.ref) == (
            y.dimensions, y.freeze_panes, y.auto_filter.ref)
        assert {c: d.width for c, d in x.column_dimensions.items()} == {
            c: d.width for c, d in y.column_dimensions.items()}
        for r1, r2 in zip(x.iter_rows(), y.iter_rows(), strict=True):
            for c1, c2 in zip(r1, r2, strict=True):
                v1, v2 = (None if c.value == "" else c.value for c in (c1, c2))
                assert (v1, type(v1), c1.number_format, bool(c1.font.b)) == (
                    v2, type(v2), c2.number_format, bool(c2.font.b)), c1.coordinate
                n += 1
    return n


def _both(df, tmp_path, **kw):
    fast = write_xlsx(df, tmp_path / "fast.xlsx", **kw)
    slow = save_workbook(xlsx_workbook(df, kw.get("title", "Classement")), tmp_path / "o.xlsx")
    return fast, slow


def test_ranking_like_table_is_the_same_workbook(tmp_path):
    df = pd.DataFrame({
        "rank": [1, 2, 3, 4], "code": ["200033116", "01234", "=1+1", " lead"],
        "name": ["Ville-d'Été", "A & B <c>", "-x", "ligne\r\nsuite"],
        "score": [1.912964148604685, -0.0, np.nan, 0.1 + 0.2],
        "population": [47505, 10 ** 17, 0, -3],
        "eligible": [True, False, True, None], "note": ["", None, "@x", "\ttab"],
        "share": np.array([0.5, 1e-300, 123456.789, -2.5], dtype=np.float32).astype(float),
    })
    fast, slow = _both(df, tmp_path, title="Classement 'EPCI' très long pour un onglet")
    assert _same(fast, slow) == 5 * df.shape[1] + 2
    ws = _read(fast).active
    assert ws["B3"].value == "01234" and ws["B3"].data_type == "s"  # text keeps its zero
    assert ws["B4"].value == "=1+1" and ws["B4"].data_type == "s"  # never a formula
    assert ws["F3"].value == "non" and ws["A1"].font.b


def test_empty_table_and_no_attribution(tmp_path):
    df = pd.DataFrame({"code": pd.Series([], dtype=object), "score": pd.Series([], dtype=float)})
    fast = write_xlsx(df, tmp_path / "f.xlsx", attribution=None)
    slow = save_workbook(xlsx_workbook(df, attribution=None), tmp_path / "s.xlsx")
    _same(fast, slow)
    assert _read(fast).sheetnames == ["Classement"]


@pytest.mark.parametrize("value", [dt.date(2024, 1, 2), float("inf"), "bell\x07"])
def test_values_it_does_not_write_go_through_openpyxl(tmp_path, value):
    df = pd.DataFrame({"code": ["a", "b"], "v": [value, value]})
    with pytest.raises(xlsx_fast.Unsupported):
        xlsx_fast.write_workbook(tmp_path / "x.xlsx", [("T", [["code", "v"], ["a", value]],
                                                        [None, None], [8, 8], True)])
    if isinstance(value, str):  # openpyxl refuses it too, as before
        with pytest.raises(IllegalCharacterError):
            write_xlsx(df, tmp_path / "o.xlsx")
    else:
        fast, slow = _both(df, tmp_path)
        _same(fast, slow)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.none(), st.text(max_size=8)),
                          st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=False),
                                    st.integers(-2 ** 53, 2 ** 53))), min_size=1, max_size=6))
def test_any_plain_table_reads_back_as_openpyxl_writes_it(tmp_path_factory, rows):
    df = pd.DataFrame(rows, columns=["name", "value"])
    df["value"] = df["value"].astype(object)
    tmp = tmp_path_factory.mktemp("x")
    try:
        fast, slow = _both(df, tmp)
    except IllegalCharacterError:  # a character no worksheet holds: both refuse it
        return
    _same(fast, slow)


def test_column_letters():
    assert [xlsx_fast.column_letter(j) for j in (1, 26, 27, 52, 703)] == [
        "A", "Z", "AA", "AZ", "AAA"]
