"""DCRTP cut scenarios as data: one YAML per case in tests/data/finance/scenarios/ (input,
expected output, tolerance), hand-checked in each file's description."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pandas as pd
import pytest
import yaml

from pacte.finance import SimulationInputs, simulate
from pacte.finance.simulator import Rules, calc_allocation, calc_rows

SCENARIOS = sorted((Path(__file__).parents[1] / "data" / "finance" / "scenarios")
                   .glob("*.yaml"))


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _run(case: dict) -> tuple[pd.DataFrame, float]:
    entities = pd.DataFrame(case["entities"])
    if "year" in case:
        sim = simulate(SimulationInputs(entities), year=case["year"], cut=case["cut"],
                       key=case["key"], exempt=case.get("exempt"))
        return sim.rows, sim.totals["shortfall"]
    alloc = calc_allocation(entities, round(case["cut"] * 100), case["key"],
                            rules=Rules(**case["rules"]), exempt=case.get("exempt", ()))
    return calc_rows(entities, alloc), alloc.shortfall / 100


def test_there_are_scenarios():
    assert {p.stem for p in SCENARIOS} >= {"cap_binds_several_rounds",
                                           "communes_exhausted_spill",
                                           "all_exhausted_shortfall", "dsu_exempt_2018"}


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario(path):
    case = _load(path)
    rows, shortfall = _run(case)
    tol = case["tolerance"]
    got = dict(zip(rows["code"], rows["cut"], strict=True))
    for code, expected in case["expected"]["cuts"].items():
        assert got[code] == pytest.approx(expected, abs=tol), code
    assert shortfall == pytest.approx(case["expected"]["shortfall"], abs=tol)
    # exact to the cent: cuts + shortfall == target, in integer cents
    assert int(rows["cut_cents"].sum()) + round(shortfall * 100) == round(case["cut"] * 100)
    assert (rows["cut"] <= rows["dcrtp_before"]).all()
    assert (rows["dcrtp_after"] == rows["dcrtp_before"] - rows["cut"]).all()


@pytest.mark.parametrize("path", [p for p in SCENARIOS if "rounds" in _load(p)["expected"]],
                         ids=lambda p: p.stem)
def test_scenario_needs_the_stated_rounds(path, reference):
    """The literal round-by-round rule (exact fractions) needs the number of rounds the file
    states, and lands on the same cuts as pacte's direct fixed point."""
    case = _load(path)
    ents = case["entities"]
    rows, _ = _run(case)
    got = dict(zip(rows["code"], rows["cut"], strict=True))
    if case["key"] == "population":
        pools = {"ensemble": ents}
        targets = {"ensemble": Fraction(case["cut"])}
        weight = "population"
    else:
        pools = {lv: [e for e in ents if e["level"] == lv] for lv in ("commune", "epci")}
        total = sum(Fraction(e["rrf"]) for e in ents if e["dcrtp"] > 0)
        targets = {lv: Fraction(case["cut"]) * sum(Fraction(e["rrf"]) for e in es
                                                   if e["dcrtp"] > 0) / total
                   for lv, es in pools.items()}
        weight = "rrf"
    rounds = 0
    for lv, es in pools.items():
        shares, r = reference.iterate_pool(targets[lv], [Fraction(e["dcrtp"]) for e in es],
                                 [Fraction(e[weight]) for e in es])
        rounds = max(rounds, r)
        for e, s in zip(es, shares, strict=True):
            assert got[e["code"]] == pytest.approx(float(s), abs=0.005)
    assert rounds == case["expected"]["rounds"]


def test_row_order_does_not_move_the_tied_cent():
    case = _load(next(p for p in SCENARIOS if p.stem == "cent_ties"))
    case["entities"] = case["entities"][::-1]
    rows, _ = _run(case)
    assert dict(zip(rows["code"], rows["cut"], strict=True)) == {
        "05001": 33.34, "05002": 33.33, "05003": 33.33}
