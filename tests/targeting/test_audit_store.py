"""The default rule's variance decomposition stored at build time (table
``audit_uncertainty``): equal to the one computed, read by the audit for the default rule
only, computed for any other rule, level, number of draws, or a store without it."""

from __future__ import annotations

from dataclasses import replace

import pytest

import pacte.targeting.audit as audit
from pacte.targeting.audit import AUDIT_DRAWS, calc_uncertainty_rows, run_audit
from pacte.targeting.audit_store import LEVELS, TABLE, read_default_uncertainty
from pacte.targeting.rule import load_config


def _boom(*_a, **_k):
    raise AssertionError("the audit recomputed the stored decomposition")


def test_stored_decomposition_equals_the_computed_one(fictional_con):
    """Every stored level: the same rows, in the same order, to the bit."""
    config = load_config()
    for level in LEVELS:
        stored = read_default_uncertainty(fictional_con, level, config, AUDIT_DRAWS)
        assert stored is not None and len(stored) == len(config.uncertainty.sources) + 1
        assert stored == calc_uncertainty_rows(fictional_con, level, config, AUDIT_DRAWS)


def test_default_audit_reads_the_stored_rows(fictional_con, monkeypatch):
    """The default rule's audit never runs the Monte Carlo; its rows are the table's."""
    monkeypatch.setattr(audit, "calc_source_shares", _boom)
    a = run_audit(fictional_con, "epci", load_config())
    assert a["uncertainty"] == read_default_uncertainty(fictional_con, "epci", load_config(),
                                                        AUDIT_DRAWS)
    assert [r["source"] for r in a["uncertainty"]][-1] == "all"


@pytest.mark.parametrize("change", ["rule", "draws", "level"])
def test_anything_else_is_computed(fictional_con, monkeypatch, change):
    """Another rule, number of draws or level: the stored rows do not apply."""
    monkeypatch.setattr(audit, "calc_source_shares", _boom)
    config = load_config()
    kw = {"config": replace(config, aggregation="geometric") if change == "rule" else config,
          "draws": 20 if change == "draws" else AUDIT_DRAWS,
          "level": "ze2020" if change == "level" else "epci"}
    assert "ze2020" not in LEVELS
    with pytest.raises(AssertionError, match="recomputed"):
        run_audit(fictional_con, kw["level"], kw["config"], draws=kw["draws"])


def test_store_without_the_table_computes(fictional_store, tmp_path):
    """A store of an earlier version (no table) or of another default rule file (another
    hash): the audit computes, with the same figures."""
    import shutil

    import duckdb

    path = tmp_path / "old.duckdb"
    shutil.copy(fictional_store, path)
    config = load_config()
    with duckdb.connect(str(path)) as con:
        expected = read_default_uncertainty(con, "epci", config, AUDIT_DRAWS)
        con.execute(f"UPDATE {TABLE} SET rule_hash = 'another'")
        assert read_default_uncertainty(con, "epci", config, AUDIT_DRAWS) is None
        con.execute(f"DROP TABLE {TABLE}")
        assert read_default_uncertainty(con, "epci", config, AUDIT_DRAWS) is None
        assert run_audit(con, "epci", config)["uncertainty"] == expected


def test_audit_takes_the_rankings_draws_of_every_source(fictional_con, monkeypatch):
    """The build's audit takes its last run (every source, seed 0) from the default
    ranking's first draws: the same rows to the bit, one Monte Carlo run fewer; draws that
    are not that run's (another seed, a partial chunk) are drawn again."""
    import numpy as np

    import pacte.targeting.variance as variance
    from pacte.targeting.audit_store import DefaultSteps
    from pacte.targeting.index import rank_territories

    config = replace(load_config(), draws=200)
    r = rank_territories(fictional_con, "epci", config, seed=0)
    codes = r.frame["code"].to_numpy()
    runs = []
    run = variance.calc_uncertainty_ranks
    monkeypatch.setattr(variance, "calc_uncertainty_ranks",
                        lambda *a, **k: runs.append(1) or run(*a, **k))
    computed = calc_uncertainty_rows(fictional_con, "epci", config, 100)
    n_runs = len(runs)
    steps = DefaultSteps()
    steps._publish("epci", config, 0, codes, r.ranks)
    reused = calc_uncertainty_rows(fictional_con, "epci", config, 100, steps._ranks)
    assert reused == computed and len(runs) == 2 * n_runs - 1
    flipped = codes[::-1]  # the audit's rows in its own order, whatever the ranking's
    np.testing.assert_array_equal(steps._ranks("epci", config, flipped, 100),
                                  r.ranks[::-1, :100])
    assert steps._ranks("epci", config, codes, 50) is None  # half a chunk
    assert steps._ranks("epci", config, codes, 300) is None  # more than drawn
    other = DefaultSteps()
    other._publish("epci", config, 1, codes, r.ranks)
    assert other._ranks("epci", config, codes, 100) is None  # another seed


def test_failed_ranking_leaves_the_audit_to_draw(fictional_con, monkeypatch):
    """A ranking step that fails never leaves the audit waiting."""
    import pacte.targeting.audit_store as audit_store

    def fail(*_a, **_k):
        raise RuntimeError("classement")

    monkeypatch.setattr(audit_store, "write_default_ranking", fail)
    steps = audit_store.DefaultSteps()
    with pytest.raises(RuntimeError):
        steps.ranking(fictional_con)
    assert steps._ranks("epci", load_config(), ["x"], AUDIT_DRAWS) is None
    assert steps._inputs("epci", load_config()) is None  # the audit reads the store


def test_audit_takes_what_the_ranking_read(fictional_con, monkeypatch):
    """The build's audit takes the territories, the raw matrix and the census panels the
    ranking read (:func:`rank_territories`'s ``loaded``) instead of reading them again:
    the same rows to the bit; another rule's are not taken."""
    from pacte.engine import jobs
    from pacte.targeting.audit_store import DefaultSteps
    from pacte.targeting.index import rank_territories

    config = replace(load_config(), draws=100)
    steps = DefaultSteps()
    rank_territories(fictional_con, "epci", config, seed=0, loaded=steps._publish_loaded)
    computed = calc_uncertainty_rows(fictional_con, "epci", config, 100)
    monkeypatch.setattr(audit, "load_matrix", _boom)
    monkeypatch.setattr(jobs, "load_panels", _boom)
    assert calc_uncertainty_rows(fictional_con, "epci", config, 100,
                                 loaded=steps._inputs) == computed
    assert steps._inputs("epci", replace(config, aggregation="geometric")) is None
