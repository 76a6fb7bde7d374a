"""Targeting: the rule (YAML, :mod:`~pacte.targeting.rule`), the composite index and its
uncertainty (:mod:`~pacte.targeting.index`), the typology and peers
(:mod:`~pacte.targeting.typology`)."""

from pacte.targeting.index import calc_selection, rank_territories
from pacte.targeting.rule import NORMALISATIONS, Config, calc_weights, load_config, parse_config

__all__ = ["NORMALISATIONS", "Config", "calc_selection", "calc_weights", "load_config",
           "parse_config", "rank_territories"]
