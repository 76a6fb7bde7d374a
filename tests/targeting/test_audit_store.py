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
