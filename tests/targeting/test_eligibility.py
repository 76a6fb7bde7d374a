"""Eligibility rules: applied after scoring, never changing a score or a rank."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from pacte.errors import InvalidParameterError
from pacte.targeting.eligibility import (
    Eligibility,
    calc_eligibility,
    calc_eligible_selection,
    load_eligibility,
    parse_eligibility,
)
from pacte.targeting.rule import DEFAULT_CONFIG, load_config

DF = pd.DataFrame({"rank": [1, 2, 3, 4, 5, 6], "code": list("abcdef"),
                   "score": [6, 5, 4, 3, 2, 1.0],
                   "population": [500_000, 40_000, 8_000, 60_000, 30_000, 90_000],
                   "nature": ["ME", "CA", "CC", "CA", "CC", "CU"],
                   "reg": ["11", "11", "11", "84", "84", "93"]})


def test_marks_and_reasons():
    rules = Eligibility(("ME",), 10_000, 80_000)
    m = calc_eligibility(DF, rules)
    assert m["eligible"].tolist() == [False, True, False, True, True, False]
    assert m.loc[0, "eligibility_note"] == "métropole exclue; plus de 80\u202f000 habitants"
    assert m.loc[2, "eligibility_note"] == "moins de 10\u202f000 habitants"
    assert m["eligible_rank"].tolist()[1::2] == [1, 2, pytest.approx(float("nan"), nan_ok=True)]
    pd.testing.assert_frame_equal(m[DF.columns], DF)  # scores and ranks untouched


def test_selection_with_per_region_minimum():
    """Métropoles out: top 2 = b, c. Métropoles and CC out, one per région: b (11), d (84),
    f (93): the minimums may exceed top."""
    m = calc_eligibility(DF, Eligibility(("ME",)))
    assert m["code"][calc_eligible_selection(m, 2, Eligibility(("ME",)))].tolist() == [
        "b", "c"]
    rules = Eligibility(("ME", "CC"), per_region_min=1)
    m = calc_eligibility(DF, rules)
    assert m["code"][calc_eligible_selection(m, 2, rules)].tolist() == ["b", "d", "f"]


def test_parse_errors_in_french():
    with pytest.raises(InvalidParameterError, match="exclude_natures"):
        parse_eligibility({"exclude_natures": ["XX"]})
    with pytest.raises(InvalidParameterError, match="min 9 > max 5"):
        parse_eligibility({"population": {"min": 9, "max": 5}})
    with pytest.raises(InvalidParameterError, match="clé inconnue « eligibility.pop »"):
        parse_eligibility({"pop": 1})
    assert parse_eligibility(None).is_empty


def test_default_rule_excludes_metropoles(tmp_path):
    """The default file declares its eligibility and stays a valid rule file."""
    assert load_eligibility() == Eligibility(("ME",))
    assert load_config(DEFAULT_CONFIG).name.endswith("v2)")
    raw = yaml.safe_load(DEFAULT_CONFIG.read_text("utf-8"))
    raw["eligibility"]["population"] = {"min": 20000, "max": None}
    (tmp_path / "r.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    assert load_eligibility(tmp_path / "r.yaml").population_min == 20000
    assert load_config(tmp_path / "r.yaml").specs == load_config().specs
