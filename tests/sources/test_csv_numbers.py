"""The one CSV separator guess and French-number parser every source parser uses
(:mod:`pacte.sources._csv`): round trips with pacte's own French formatting, and the errors
naming the file, the line, the column and the value."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pacte.errors import ParseError
from pacte.labels import fr_number
from pacte.sources._csv import guess_separator, parse_fr_numbers, sniff_separator


def column(*cells: str, first_line: int = 2) -> pd.Series:
    return pd.Series(list(cells), index=range(first_line, first_line + len(cells)),
                     dtype="str")


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False),
       st.integers(min_value=0, max_value=4))
def test_fr_number_output_is_read_back(x, decimals):
    """What pacte writes in French (narrow no-break spaces, decimal comma) is read back to
    the same rounded value."""
    text = fr_number(x, decimals)
    back = parse_fr_numbers(column(text), "f.csv", "v", "signed").iloc[0]
    assert back == pytest.approx(round(x, decimals), abs=10 ** -decimals / 2)


@given(st.integers(min_value=0, max_value=10**12))
def test_counts_round_trip_in_every_spelling(n):
    spellings = [fr_number(n), f"{n:,}".replace(",", " "), f"{n:,}".replace(",", "\u00a0"),
                 str(n)]
    back = parse_fr_numbers(column(*spellings), "f.csv", "n", "count")
    assert back.tolist() == [float(n)] * len(spellings)


def test_missing_marks_and_empty_cells_are_nan_never_zero():
    back = parse_fr_numbers(column("nd", "N.C.", "", " ", "0"), "f.csv", "v")
    assert [math.isnan(v) for v in back] == [True, True, True, True, False]
    assert back.iloc[-1] == 0.0


@pytest.mark.parametrize(("cell", "kind", "what"), [
    ("-5", "amount", "valeur négative dans la colonne « v » (montant positif ou nul attendu)"),
    ("- 1 234,5", "count", "valeur négative"),
    ("12,5", "count", "valeur non numérique dans la colonne « v » (effectif entier positif "
                      "ou nul attendu)"),
    ("1 234 €", "signed", "valeur non numérique dans la colonne « v » (montant attendu)"),
    ("1e5", "signed", "valeur non numérique"),
])
def test_bad_cells_name_file_line_column_and_value(cell, kind, what):
    with pytest.raises(ParseError) as info:
        parse_fr_numbers(column("1", "2", cell, first_line=7), "dir/f.csv", "v", kind)
    assert str(info.value).startswith(f"dir/f.csv, ligne 9 : {what}")
    assert str(info.value).endswith(f"(valeur : {cell!r})")
    assert info.value.line == 9 and info.value.value == cell


def test_without_thousands_spaces_a_spaced_number_is_refused():
    with pytest.raises(ParseError, match="ligne 2 : valeur non numérique"):
        parse_fr_numbers(column("12 000"), "f.csv", "n", spaces=False, missing=())
    assert parse_fr_numbers(column("12.5"), "f.csv", "n", spaces=False).tolist() == [12.5]


@pytest.mark.parametrize(("line", "sep"), [
    ("a;b;c\n", ";"), ("a,b,c\n", ","), ("a;b,c\n", ";"),  # a tie goes to « ; »
    ('"x,y";b\n', ";"), ("a,b;c,d\n", ","), ("seul\n", ","),
])
def test_separator_guess(line, sep):
    assert guess_separator(line) == sep


def test_separator_of_an_empty_file_names_the_expected_header(tmp_path):
    path = tmp_path / "vide.csv"
    path.write_text("\n", encoding="utf-8")
    with pytest.raises(ParseError, match=r"vide.csv, ligne 1 : fichier vide : en-tête DGCL"):
        sniff_separator(path, "DGCL")
    path.write_text("\ufeffa;b\n1;2\n", encoding="utf-8")
    assert sniff_separator(path, "DGCL") == ";"


def test_result_keeps_the_line_index():
    back = parse_fr_numbers(column("1,5", "2", first_line=10), "f.csv", "v")
    assert back.index.tolist() == [10, 11] and back.dtype == np.float64
    assert back.tolist() == [1.5, 2.0]
