"""The national basis of the input-output models on the real store: persons employed with
salaried jobs never above total jobs in any sector, dated model parameters with references,
and the household closure they imply."""

from __future__ import annotations

import numpy as np
import pytest

from pacte.engine import model_parameters as mp
from pacte.engine.national_io import (
    SECTORS,
    household_closure,
    load_national_table,
    national_jobs,
    respending_rate,
)
from pacte.errors import InvalidParameterError


@pytest.fixture(scope="module")
def jobs(con):
    return national_jobs(con)


@pytest.mark.parametrize("sector", SECTORS)
def test_salaried_never_above_total(jobs, sector):
    row = jobs.loc[sector]
    assert row["salaried"] <= row["total"]
    assert row["salaried"] > 0


def test_basis_adds_insee_salaried_and_estel_non_salaried(con, jobs):
    """Insee quarterly salaried jobs T4 2010, the 16 A17 series (24 574 565) + ESTEL
    non-salaried jobs 2010 summed over the ZE2010 (2 554 849): 27 129 414 persons."""
    ns = con.execute("SELECT sum(jobs) FROM jobs WHERE source = 'estel_ns' AND level = "
                     "'ze2010' AND year = 2010 AND sector = 'TOTAL'").fetchone()[0]
    assert ns == 2_554_849
    assert jobs["salaried"].sum() == 24_574_565
    assert jobs["total"].sum() == pytest.approx(27_129_414, rel=1e-12)


def test_jobs_per_output_on_one_basis(con, jobs):
    t = load_national_table(con)
    np.testing.assert_allclose(t.jobs, jobs["total"].to_numpy())
    assert (jobs["salaried"].to_numpy() / t.x <= t.jobs / t.x + 1e-12).all()


def test_closure_respends_about_half_of_compensation(con):
    """Net wages 0.56 of compensation × propensity 0.84 × domestic share 0.8067 = 0.379 of
    each euro of compensation buys domestic output (0.89 with the former closure)."""
    w, c = household_closure(con, load_national_table(con))
    assert c.sum() == pytest.approx(0.56 * 0.84 * 0.8067, rel=1e-9)
    assert respending_rate() == pytest.approx(c.sum())
    assert (w > 0).all()


def test_every_model_parameter_is_dated_and_referenced():
    params = mp.all_parameters()
    names = {p.name for p in params}
    assert {"flq.delta", "flq.band", "flq.household_delta", "household.net_wage_share",
            "household.propensity_to_consume", "household.domestic_share",
            "jobs_at_risk.china_share_of_decline"} <= names
    for p in params:
        assert p.references and all(t for t, _ in p.references), p.name
        assert p.unit, p.name
    assert mp.value("flq.delta") in mp.value("flq.band")


def test_unknown_parameter_is_a_clear_error():
    with pytest.raises(InvalidParameterError, match="paramètre de modèle inconnu"):
        mp.value("flq.gamma")
