"""A ranking's facts travel as a typed object (:class:`pacte.targeting.Ranking`), and the
store keeps those of the default ranking as typed columns that read back to the same facts."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from pacte.targeting import Ranking, load_config, rank_territories
from pacte.targeting.facts import META_COLUMNS, RankingFacts
from pacte.targeting.materialise import (
    DEFAULT_SEED,
    decode_ranks,
    encode_ranks,
    read_default_draws,
    read_default_ranking,
)
from pacte.targeting.tiers import with_tiers


def test_stored_facts_are_the_computed_ones(fictional_con):
    config = load_config()
    computed = with_tiers(rank_territories(fictional_con, "epci", config, seed=DEFAULT_SEED),
                          config.programme.size, config.programme)
    stored = read_default_ranking(fictional_con, "epci")
    assert isinstance(stored, Ranking) and stored.ranks is None
    assert stored.facts == computed.facts
    assert stored.facts == RankingFacts("epci", config.name, 0, config.draws, (),
                                        tuple(config.uncertainty.sources),
                                        config.programme.size, config.programme.retained,
                                        config.programme.excluded)
    assert list(stored.frame["code"]) == list(computed.frame["code"])
    assert not stored.frame.attrs and not computed.frame.attrs


def test_ranking_meta_has_the_declared_typed_columns(fictional_con):
    types = dict(fictional_con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_name = 'ranking_meta' ORDER BY ordinal_position").fetchall())
    assert {c: t.replace('"', "") for c, t in types.items()} == META_COLUMNS


def test_unranked_facts_name_code_name_and_reason(fictional_con):
    """The fictional URSSAF extract has no 2019 Herfindahl index for CC fictive des Champs
    d'Essai (200070936): a rule needing it with ``missing: exclude`` leaves that EPCI
    unranked; the facts say which and why, the frame does not list it."""
    from pacte.targeting import parse_config

    strict = parse_config({"name": "t", "missing": {"method": "exclude"},
                           "dimensions": [{"id": "a", "indicators": [
                               {"id": "herfindahl", "source": "urssaf", "period": "2019"},
                               {"id": "industry_share", "source": "rp", "period": "2016",
                                "direction": "higher_is_worse"}]}]})
    r = rank_territories(fictional_con, "epci", strict, draws=10)
    assert r.facts.excluded == ["200070936"]
    assert [u["name"] for u in r.facts.unranked] == ["CC fictive des Champs d'Essai"]
    assert r.facts.unranked[0]["reason"] == (
        "1 indicateur sur 2 manquant (données absentes) ; la règle écarte tout territoire à "
        "valeur manquante (missing.method = exclude)")
    assert list(r.frame["code"]) == ["200023414", "247600620"]
    assert r.ranks.shape == (2, 10) and r.facts.draws == 10 and r.facts.tier_size is None


def test_unranked_reason_names_the_rule_that_excluded():
    """Under ``missing: median`` a territory is left out only beyond the threshold; under
    ``exclude`` one missing value is enough and the reason says so (not « au-delà du seuil »)."""
    from pacte.targeting.index import calc_unranked_reason

    assert calc_unranked_reason(3, 4, 0.5) == (
        "3 indicateurs sur 4 manquants (données absentes), au-delà du seuil de la règle "
        "(missing.max_missing_share = 0,50)")
    assert "seuil" not in calc_unranked_reason(1, 4, 1.0, "exclude")
    assert "au-delà du seuil" in calc_unranked_reason(3, 4, 0.5, "exclude")


@given(st.lists(st.integers(-32768, 32767), max_size=3000))
def test_stored_draws_decode_to_the_ranks(ranks):
    """The stored Monte Carlo ranks (int16 byte planes, deflated) decode to the same ranks."""
    r = np.array(ranks, dtype=np.int64)
    back = decode_ranks(encode_ranks(r))
    assert back.dtype == np.int16 and back.tolist() == ranks


def test_stored_draws_are_the_computed_draws(fictional_con):
    """The default ranking's draws read back from the store are those the targeting step
    draws again with the same rule and seed."""
    stored = read_default_ranking(fictional_con, "epci")
    r = rank_territories(fictional_con, "epci", load_config(), seed=DEFAULT_SEED)
    R = read_default_draws(fictional_con, "epci", stored.frame["code"])
    order = {c: i for i, c in enumerate(r.frame["code"])}
    assert np.array_equal(R, r.ranks[[order[c] for c in stored.frame["code"]]])
