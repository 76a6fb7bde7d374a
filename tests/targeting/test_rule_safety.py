"""A weights file with a misspelt or unknown key is never accepted
silently (property test: random misspellings and random keys at every level of the file)."""

from __future__ import annotations

import copy

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pacte.errors import InvalidParameterError
from pacte.targeting.rule import DEFAULT_CONFIG, KEYS, load_config, parse_config

RAW = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))


def _places(raw: dict) -> list[tuple[str, dict]]:
    """(part, mapping) for every mapping of the file that accepts keys."""
    out = [("top", raw)] + [(p, raw[p]) for p in ("missing", "winsorisation", "uncertainty",
                                                   "typology") if isinstance(raw.get(p), dict)]
    for dim in raw["dimensions"]:
        out.append(("dimension", dim))
        for ind in dim["indicators"]:
            out.append(("indicator", ind))
            out += [("fallback", f) for f in ind.get("fallback") or []]
    return out


def _misspell(key: str, op: int, i: int, ch: str) -> str:
    i %= len(key)
    if op == 0:
        return key[:i] + key[i + 1:]  # a letter dropped
    if op == 1:
        return key[:i] + ch + key[i:]  # a letter added
    if op == 2 and len(key) > 1:
        j = min(i + 1, len(key) - 1)
        return key[:i] + key[j] + key[i] + key[j + 1:] if j > i else key + ch  # swapped
    return key[:i] + ch + key[i + 1:]  # a letter replaced


@settings(max_examples=150)
@given(place=st.integers(0, 10_000), which=st.integers(0, 100), op=st.integers(0, 3),
       i=st.integers(0, 30), ch=st.sampled_from("abcdeilnorstuzé_-"),
       unknown=st.booleans(), name=st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1,
                                           max_size=12), value=st.integers(0, 10))
def test_misspelt_or_unknown_keys_are_never_accepted(place, which, op, i, ch, unknown, name,
                                                     value):
    raw = copy.deepcopy(RAW)
    places = _places(raw)
    part, target = places[place % len(places)]
    if unknown:
        key = name
    else:
        present = [k for k in target if isinstance(k, str)]
        key = _misspell(present[which % len(present)], op, i, ch)
    if key in KEYS[part]:
        return  # the change happens to spell a valid key: nothing to refuse
    target[key] = value
    with pytest.raises(InvalidParameterError, match=f"clé inconnue « {key} »"):
        parse_config(raw, "essai.yaml")


def test_the_default_file_has_only_known_keys():
    assert parse_config(copy.deepcopy(RAW)).name == load_config().name


@pytest.mark.parametrize("part_key, typo, closest", [
    (("top",), "normalization", "normalisation"),
    (("dimension",), "wieght", "weight"),
    (("uncertainty",), "draw", "draws"),
])
def test_the_closest_key_is_named(part_key, typo, closest):
    raw = copy.deepcopy(RAW)
    target = {"top": raw, "dimension": raw["dimensions"][0],
              "uncertainty": raw["uncertainty"]}[part_key[0]]
    target[typo] = 5
    with pytest.raises(InvalidParameterError, match=f"voulez-vous dire « {closest} » ?"):
        parse_config(raw, "essai.yaml")
