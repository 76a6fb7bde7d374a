"""Targeting: the rule (YAML, :mod:`~pacte.targeting.rule`), the composite index and its
uncertainty (:mod:`~pacte.targeting.index`, returning a :class:`Ranking`), the typology and peers
(:mod:`~pacte.targeting.typology`)."""

from pacte.targeting.facts import Ranking, RankingFacts
from pacte.targeting.index import calc_selection, rank_territories
from pacte.targeting.rule import NORMALISATIONS, Config, calc_weights, load_config, parse_config

__all__ = ["NORMALISATIONS", "Config", "Ranking", "RankingFacts", "calc_selection",
           "calc_weights", "load_config", "parse_config", "rank_territories"]
