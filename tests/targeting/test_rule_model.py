"""The rule as a model: every hostile or malformed rule gets a French InvalidParameterError
naming the key (never a crash, never a silent truncation), every number finite and bounded,
every cost a client controls capped by the settings, and the YAML reader safe against
alias bombs, deep nesting, duplicate keys and endless files."""

from __future__ import annotations

import copy
import math
import re

import pytest
import yaml

from pacte.errors import InvalidParameterError
from pacte.settings import LIMITS
from pacte.targeting.rule import DEFAULT_CONFIG, Rule, load_rule, parse_rule

RAW = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))


def _with(path: tuple, value) -> dict:
    raw = copy.deepcopy(RAW)
    target = raw
    for key in path[:-1]:
        target = target.setdefault(key, {}) if isinstance(key, str) else target[key]
    target[path[-1]] = value
    return raw


def _deep(n: int):
    out: object = "x"
    for _ in range(n):
        out = {"a": out}
    return out


@pytest.mark.parametrize("path, value, message", [
    (("typology", "k_min"), "cinq", "typology.k_min : nombre entier attendu"),
    (("typology", "k_min"), 3.7, "typology.k_min : nombre entier attendu"),
    (("typology", "k_min"), [1], "typology.k_min : nombre entier attendu"),
    (("typology", "k_min"), math.nan, "typology.k_min : nombre entier attendu"),
    (("typology", "peers"), [1], "typology.peers : nombre entier attendu"),
    (("typology", "threshold"), "x", "typology.threshold : nombre attendu"),
    (("typology", "threshold"), math.nan, "typology.threshold : nombre fini attendu"),
    (("typology", "k_max"), 1_000_000_000,
     f"typology.k_max : valeur trop grande (maximum : {LIMITS.max_clusters})"),
    (("typology", "peers"), 10**6, f"(maximum : {LIMITS.max_peers})"),
    (("uncertainty", "draws"), 200_000,
     f"uncertainty.draws : valeur trop grande (maximum : {LIMITS.max_draws})"),
    (("uncertainty", "draws"), 3.7, "uncertainty.draws : nombre entier attendu"),
    (("uncertainty", "concentration"), math.inf,
     "uncertainty.concentration : nombre fini attendu"),
    (("dimensions", 0, "weight"), math.inf, "dimensions[1].weight : nombre fini attendu"),
    (("dimensions", 0, "indicators", 0, "weight"), 1e308,
     f"valeur trop grande (maximum : {int(LIMITS.max_weight)})"),
    (("dimensions", 0, "indicators", 0, "weight"), True, "nombre attendu"),
    (("dimensions", 0, "indicators", 0, "id"), ["industry_share"], "texte attendu"),
    (("eligibility", "exclude_natures"), [["ME"]], "eligibility.exclude_natures[1] : valeur "
                                                   "inconnue"),
    (("description",), _deep(700), "description : texte attendu"),
    (("dimensions", 0, "indicators", 0, "fallback"), [{"source": "rp", "period": "2011"}] * 11,
     f"(maximum : {LIMITS.max_fallbacks} éléments)"),
    (("dimensions",), [], "dimensions : liste vide"),
    (("name",), "x" * (LIMITS.max_text + 1), "name : texte trop long"),
])
def test_bad_values_are_refused_in_french(path, value, message):
    with pytest.raises(InvalidParameterError, match=re.escape(message)) as exc:
        parse_rule(_with(path, value), "essai.yaml")
    assert str(exc.value).startswith("essai.yaml : ")
    assert len(str(exc.value)) < 400  # never the whole input echoed


def test_exponent_numbers_are_numbers_and_defaults_hold():
    rule = parse_rule(_with(("dimensions", 0, "weight"), 1e0))
    assert rule.config.dimensions[0].weight == 1.0
    assert parse_rule(copy.deepcopy(RAW)).config == load_rule().config
    assert isinstance(load_rule(), Rule)


def test_all_weights_at_the_bound_still_give_finite_weights():
    """Weights at the bound (1e6) are equal weights: the normalised weights stay finite."""
    from pacte.targeting.rule import calc_weights
    raw = copy.deepcopy(RAW)
    for dim in raw["dimensions"]:
        dim["weight"] = LIMITS.max_weight
        for ind in dim["indicators"]:
            ind["weight"] = LIMITS.max_weight
    _M, w_ind, w_dim = calc_weights(parse_rule(raw).config)
    assert all(math.isfinite(w) for w in [*w_ind, *w_dim])
    assert w_dim.tolist() == [0.5, 0.5]


def _write(tmp_path, text: str):
    path = tmp_path / "regle.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_yaml_alias_bomb_is_refused_fast(tmp_path):
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for i in range(1, 10):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 9)}]")
    path = _write(tmp_path, "\n".join(lines) + "\n")
    with pytest.raises(InvalidParameterError, match="alias"):
        load_rule(path)


def test_yaml_depth_duplicates_and_size(tmp_path):
    deep = _write(tmp_path, "name: " + "[" * 700 + "]" * 700 + "\n")
    with pytest.raises(InvalidParameterError, match=r"regle.yaml : YAML invalide à la ligne 1.*"
                                                    r"imbrication trop profonde"):
        load_rule(deep)
    dup = _write(tmp_path, "name: a\nname: b\n")
    with pytest.raises(InvalidParameterError, match="ligne 2, colonne 1 : clé en double « name »"):
        load_rule(dup)
    big = _write(tmp_path, "# " + "x" * LIMITS.max_rule_bytes + "\n")
    with pytest.raises(InvalidParameterError, match="fichier trop volumineux"):
        load_rule(big)


def test_an_endless_file_is_not_read_forever():
    with pytest.raises(InvalidParameterError, match="/dev/zero : fichier trop volumineux"):
        load_rule("/dev/zero")
