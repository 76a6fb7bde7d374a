"""French words for what users read: ordinals, ranks, booleans, durations, dates, plurals and
the first capital letter (one helper each, in pacte.labels)."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from pacte.labels import (
    count_title,
    fr_bool,
    fr_datetime,
    fr_duration,
    fr_ordinal,
    fr_rank,
    upper_first,
)


def test_ordinals_and_ranks():
    assert fr_ordinal(1) == "1er"
    assert fr_ordinal(2) == "2ᵉ"
    assert fr_rank(218, 1255) == "218ᵉ sur 1\u202f255"
    assert fr_ordinal(1255) == "1\u202f255ᵉ"


def test_booleans_and_plurals():
    assert (fr_bool(True), fr_bool(False), fr_bool(None)) == ("oui", "non", "—")
    assert count_title(1) == "1 territoire"
    assert count_title(1255) == "1\u202f255 territoires"
    assert count_title(0, "valeur") == "0 valeur"


def test_durations():
    assert fr_duration(0.84) == "0,8 s"
    assert fr_duration(26.4) == "26 s"
    assert fr_duration(65) == "1 min 05 s"
    assert fr_duration(7380) == "2 h 03 min"


def test_dates():
    assert fr_datetime("2026-12-01T09:05:00+00:00") == "1er décembre 2026 à 9 h 05 UTC"
    assert fr_datetime(dt.date(2026, 3, 14)) == "14 mars 2026"
    assert fr_datetime("pas une date") == "pas une date"


def test_upper_first_keeps_acronyms():
    assert upper_first("EPCI") == "EPCI"
    assert upper_first("intercommunalité (EPCI)") == "Intercommunalité (EPCI)"
    assert "intercommunalité (EPCI)".capitalize() == "Intercommunalité (epci)"  # the slip


@given(st.floats(min_value=0, max_value=1e6, allow_nan=False))
def test_durations_are_french(seconds):
    text = fr_duration(seconds)
    assert "." not in text and text.endswith(("s", "min"))
