"""The CLI's indented JSON (:func:`pacte.export.indented.dumps_indented`) is, byte for byte,
the standard library's ``json.dumps(value, ensure_ascii=False, indent=1, default=str)``."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from pacte.export.indented import dumps_indented

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(),
                    st.dates())  # dates go through default=str
KEYS = st.one_of(st.text(), st.integers(), st.floats(), st.booleans(), st.none())
#: Rows of a table: a few rows of a few keys reach every path of the encoder; unbounded, the
#: lists drawn made the examples twice as slow to generate for no other path.
RECORDS = st.lists(st.dictionaries(KEYS, SCALARS, min_size=1, max_size=6), min_size=1,
                   max_size=6)
VALUES = st.recursive(SCALARS | RECORDS, lambda inner: st.one_of(
    st.lists(inner), st.tuples(inner, inner), st.dictionaries(KEYS, inner)), max_leaves=30)


@given(VALUES)
def test_same_text_as_the_standard_encoder(value):
    assert dumps_indented(value) == json.dumps(value, ensure_ascii=False, indent=1,
                                               default=str)


def test_records_and_nested_documents():
    """The simulation's shape: records of scalars (the C encoder's path) inside a document,
    French text unescaped, NaN as the standard encoder writes it."""
    doc = {"meta": {"clé": "données fictives", "notes": ["a", "b"], "vide": {}},
           "rows": [{"code": "01001", "cut": 12.5, "x": float("nan"), "ok": True},
                    {"code": "01002", "cut": -0.0, "x": None, "ok": False},
                    {"nom": "},\n  {", "}": "{"}],  # braces in text are not rows' braces
           "totals": [], "n": 2}
    text = dumps_indented(doc)
    assert text == json.dumps(doc, ensure_ascii=False, indent=1)
    assert '\n  {\n   "code": "01001",\n   "cut": 12.5,\n   "x": NaN,' in text
