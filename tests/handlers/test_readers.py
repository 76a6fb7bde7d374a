"""Readers never recompute: with every calculation patched to raise, ``show``,
``indicators`` and the default ``rank`` still answer from a built store."""

import pytest
from typer.testing import CliRunner

from pacte.cli import app


def _boom(*_a, **_k):
    raise AssertionError("a reader recomputed an indicator")


@pytest.fixture
def no_compute(monkeypatch):
    import pacte.engine.compute as compute
    import pacte.engine.jobs as jobs
    import pacte.targeting.index as index

    monkeypatch.setattr(compute, "compute_indicators", _boom)
    monkeypatch.setattr(compute, "compute_job_indicators", _boom)
    monkeypatch.setattr(jobs, "compute_job_indicators", _boom)
    monkeypatch.setattr(index, "calc_index", _boom)
    monkeypatch.setattr(index, "rank_territories", _boom)
    for name in list(compute.MODELS):
        monkeypatch.setitem(compute.MODELS, name, _boom)


@pytest.mark.parametrize("args, expected", [
    (["show", "200023414", "--format", "json"], "Métropole Rouen Normandie"),
    (["indicators", "--level", "epci", "--indicator", "industry_share", "--code", "200023414",
      "--format", "csv"], "industry_share"),
    (["rank", "--top", "5", "--format", "csv"], "rank,code,name,score"),
])
def test_readers_answer_without_computing(built_store, no_compute, args, expected):
    res = CliRunner().invoke(app, [*args, "--db", str(built_store)])
    assert res.exit_code == 0, res.output
    assert expected in res.stdout


def test_custom_seed_recomputes_only_targeting(built_store, monkeypatch):
    """A custom seed reruns the targeting step from the stored indicators: the engine's
    calculations are never called."""
    import pacte.engine.compute as compute

    monkeypatch.setattr(compute, "compute_indicators", _boom)
    monkeypatch.setattr(compute, "compute_job_indicators", _boom)
    res = CliRunner().invoke(app, ["rank", "--top", "3", "--seed", "7", "--draws", "50",
                                   "--format", "json", "--db", str(built_store)])
    assert res.exit_code == 0, res.output
