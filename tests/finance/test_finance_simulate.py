"""The entry points simulate / compare_keys on the fictional national demo and on small
hand-checked inputs: totals to the cent, meta (parameters, verified flags, « données
fictives »), quintile shares and the « double peine » index."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pacte.errors import InvalidParameterError
from pacte.finance import FICTIONAL, ROW_COLUMNS, SimulationInputs, compare_keys, simulate
from pacte.finance.burden import calc_quintiles
from pacte.finance.demo import demo_inputs, demo_national


@pytest.fixture(scope="module")
def demo():
    return demo_national(0)


@pytest.fixture(scope="module")
def inputs(demo):
    return demo_inputs(demo=demo)


def test_demo_is_national_size_deterministic_and_fictional(demo, inputs):
    e = inputs.entities
    assert (e["level"] == "commune").sum() == 35_000 and (e["level"] == "epci").sum() == 1_255
    assert round(e["dcrtp"].sum() * 100) == 928_540_780_00  # the 2025 bloc-communal total
    assert inputs.meta["fictif"]
    assert e["name"].str.contains("fictive").all()
    small = demo_national(3, n_communes=400, n_epci=30)
    pd.testing.assert_frame_equal(small.criteres,
                                  demo_national(3, n_communes=400, n_epci=30).criteres)
    assert not small.criteres.equals(demo_national(4, n_communes=400, n_epci=30).criteres)
    # official labels, so the same input path as a real file
    assert "Potentiel fiscal et financier des communes - Montant de DCRTP de l'EPCI" in \
        demo.criteres.columns


def test_national_simulation_2026(demo, inputs):
    sim = simulate(inputs, year=2026, industrial=demo.industrial,
                   vulnerability=demo.vulnerability)
    assert list(sim.rows.columns) == ROW_COLUMNS
    assert int(sim.rows["cut_cents"].sum()) == 258_231_388_00  # PLF 2026, to the cent
    assert sim.totals["shortfall"] == 0 and not sim.totals["exhausted"]
    assert (sim.rows["cut"] <= sim.rows["dcrtp_before"]).all()
    assert (sim.rows.loc[sim.rows["exempt"], "cut"] == 0).all()
    assert sim.rows["exempt"].sum() == inputs.entities["dsu_eligible"].sum()
    # the stamp and the unverified parameters travel with every output
    assert sim.meta["estampille"] == FICTIONAL and sim.meta["donnees_fictives"]
    assert sim.stamp == FICTIONAL and not sim.rows.attrs and not sim.summary.attrs
    assert sim.meta["minoration"]["parametre"] == "minoration_bloc_communal.plf"
    assert sim.meta["minoration"]["fourchette_projets"] == [258_231_388.0, 317_631_388.0]
    assert sim.meta["verified"]["minoration_bloc_communal.plf"] is False
    assert sim.meta["verified"]["fpu.report_dcrtp_epci"] is True
    assert not sim.meta["tout_verifie"]
    assert any("projet" in w for w in sim.meta["avertissements"])
    assert all(p["references"] for p in sim.meta["parametres"])


def test_summary_quintiles_and_double_peine(demo, inputs):
    sim = simulate(inputs, year=2025, key="dcrtp", industrial=demo.industrial,
                   vulnerability=demo.vulnerability)
    s = sim.summary
    total = s[s["grouping"] == "total"].iloc[0]
    assert total["cut"] == pytest.approx(202_227_685) and total["cut_share"] == 1
    for gid in ("industrial", "vulnerability"):
        q = s[s["grouping"] == gid]
        assert list(q["group"]) == ["Q1", "Q2", "Q3", "Q4", "Q5"]
        assert list(q["n_territories"]) == [251] * 5
        assert q["population"].sum() == pytest.approx(total["population"])
        assert q["cut_share"].sum() == pytest.approx(1)
        np.testing.assert_allclose(q["double_peine"], q["cut_share"] / q["population_share"])
    # a uniform rate: every quintile loses the same share of its DCRTP
    np.testing.assert_allclose(s["cut_share_dcrtp"], 202_227_685 / 928_540_780, rtol=1e-6)


def test_compare_keys_side_by_side(demo, inputs):
    cmp = compare_keys(inputs, year=2026, stage="senat", industrial=demo.industrial)
    assert list(cmp.totals["key"]) == ["legal", "dcrtp", "population", "spare-industrial"]
    assert cmp.meta["cles_ignorees"] == {"legal-exempt": "pas de liste d'exonérations"}
    assert {f"cut_{k}" for k in cmp.totals["key"]} <= set(cmp.rows.columns)
    for k in ("legal", "dcrtp", "population"):
        assert round(cmp.rows[f"cut_{k}"].sum() * 100) == 317_631_388_00
    spare = cmp.simulations["spare-industrial"]
    q5 = calc_quintiles(demo.industrial)
    spared = set(q5.index[q5 == "Q5"])
    terr = spare.rows["epci"].where(spare.rows["epci"] != "", spare.rows["code"])
    assert (spare.rows.loc[terr.isin(spared), "cut"] == 0).all()
    s = cmp.summary.set_index(["grouping", "group"])
    assert s.loc[("industrial", "Q5"), "cut_share_spare-industrial"] == 0
    assert cmp.meta["estampille"] == FICTIONAL == cmp.stamp and not cmp.rows.attrs


def _tiny() -> SimulationInputs:
    rows = [{"level": "epci", "code": f"20000000{i}", "name": f"E{i}", "epci": f"20000000{i}",
             "dcrtp": d, "rrf": 1000.0, "population": p, "dsu_eligible": False}
            for i, (d, p) in enumerate([(100, 10), (200, 10), (300, 10), (400, 10),
                                        (1000, 60)], 1)]
    return SimulationInputs(pd.DataFrame(rows), {"fictif": False})


def test_double_peine_hand_checked():
    """Uniform rate 10 % on DCRTP 100..1000 (total 2,000): cuts 10, 20, 30, 40, 100 €.
    Quintiles of the industrial weight 1..5: E5 is Q5, 60 % of the population, 50 % of the
    cut: double peine 0.5 / 0.6 = 0.8333; E1 (Q1): 5 % of the cut, 10 % of the population:
    0.5. Without quintile series, only the total row."""
    ind = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0], index=[f"20000000{i}" for i in range(1, 6)])
    sim = simulate(_tiny(), year=2024, cut=200, key="dcrtp", industrial=ind)
    q = sim.summary[sim.summary["grouping"] == "industrial"].set_index("group")
    assert q.loc["Q5", "cut"] == 100 and q.loc["Q5", "double_peine"] == pytest.approx(0.5 / 0.6)
    assert q.loc["Q1", "double_peine"] == pytest.approx(0.5)
    assert sim.meta["estampille"] is None and sim.stamp is None
    assert list(simulate(_tiny(), year=2024, cut=200, key="dcrtp").summary["grouping"]) == \
        ["total"]


def test_unclassified_territories_are_their_own_group():
    ind = pd.Series([1.0, 2.0], index=["200000001", "200000002"])
    sim = simulate(_tiny(), year=2024, cut=200, key="dcrtp", industrial=ind)
    q = sim.summary[sim.summary["grouping"] == "industrial"].set_index("group")
    assert q.loc["non classé", "n_territories"] == 3
    assert q.loc["non classé", "cut"] == pytest.approx(170)


def test_entry_point_errors():
    tiny = _tiny()
    with pytest.raises(InvalidParameterError, match="année 2030 inconnue.*2017 à 2026"):
        simulate(tiny, year=2030)
    with pytest.raises(InvalidParameterError, match="en vigueur à partir du 2018"):
        simulate(tiny, year=2017, cut=10)
    with pytest.raises(InvalidParameterError, match="clé inconnue.*legal, dcrtp"):
        simulate(tiny, year=2024, key="bogus")
    with pytest.raises(InvalidParameterError, match="liste d'exonérations"):
        simulate(tiny, year=2024, key="legal-exempt")
    with pytest.raises(InvalidParameterError, match="poids de l'industrie"):
        simulate(tiny, year=2024, key="spare-industrial")
    with pytest.raises(InvalidParameterError, match="colonnes manquantes.*rrf"):
        simulate(SimulationInputs(tiny.entities.drop(columns="rrf")), year=2024)
    warn = simulate(tiny, year=2024, cut=10, key="legal-exempt", exempt=["99999"])
    assert any("absent" in w for w in warn.meta["avertissements"])


def test_exhausted_cut_reports_the_shortfall():
    sim = simulate(_tiny(), year=2025, key="legal")  # 202 M€ against 2,000 € of DCRTP
    assert sim.totals["cut"] == 2000 and sim.totals["exhausted"]
    assert sim.totals["shortfall"] == pytest.approx(202_227_685 - 2000)
    assert (sim.rows["dcrtp_after"] == 0).all()
    assert any("épuisée" in w for w in sim.meta["avertissements"])
