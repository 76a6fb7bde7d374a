"""The plant closure / opening handler on the real bundled store: Métropole Rouen Normandie
(EPCI 200023414, URSSAF private salaried jobs by APE), a C4 (transport equipment) plant.

Known answers from the store itself: jobs per million euros of C4 output for a salaried
source are France's salaried C4 jobs (Insee quarterly estimates, T4 2010) over C4 output
(TRE 2010 A17, ThreeME calibration); value added per output is C4's value added / output of
the same table. Properties: linear in N; with the territory equal to the nation, the
regional model is the national one (nothing leaks to the rest of France)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pacte.errors import InvalidParameterError, UnknownTerritoryError
from pacte.handlers.impact import COLUMNS, impact

ROUEN = "200023414"
NUM = ["jobs", "output", "value_added"]


@pytest.fixture(scope="module")
def rouen(con):
    return impact(con, ROUEN, "C4", -500)


BAND = (0.05, 0.1, 0.2)  # flq.band of data/model_parameters.yaml


def _c4_ratios(con) -> tuple[float, float]:
    sec = con.execute("SELECT x, value_added FROM io_sut_a17_sectors WHERE year = 2010 "
                      "AND sector = 'C4'").fetchone()
    jobs = con.execute("SELECT sum(jobs) FROM jobs WHERE source = 'trim' AND level = 'fr' "
                       "AND period = '2010-T4' AND scheme = 'A17' AND sector LIKE '%-C4'"
                       ).fetchone()[0]
    return jobs / sec[0], sec[1] / sec[0]


def test_rouen_direct_effect_from_the_store(con, rouen):
    jpo, vpo = _c4_ratios(con)
    df = rouen.data
    assert list(df.columns) == COLUMNS and len(df) == 3 * 4 * 3
    direct = df[(df["effect"] == "direct") & (df["area"] == "local")]
    assert direct["jobs"].tolist() == [-500.0] * 3
    assert direct["output"].to_numpy() == pytest.approx(-500 / jpo)
    assert direct["value_added"].to_numpy() == pytest.approx(-500 / jpo * vpo)
    assert rouen.meta["jobs_per_output"] == pytest.approx(jpo)
    rest = df[(df["effect"] == "direct") & (df["area"] == "rest_of_france")]
    assert (rest[NUM] == 0).all().all()


def test_rouen_three_effects_band_and_totals(rouen):
    df = rouen.data.set_index(["delta", "effect", "area"])
    for d in BAND:
        for e in ("direct", "indirect", "induced", "total"):
            assert df.loc[(d, e, "france"), NUM].to_numpy() == pytest.approx(
                df.loc[(d, e, "local"), NUM].to_numpy()
                + df.loc[(d, e, "rest_of_france"), NUM].to_numpy())
        tot = sum(df.loc[(d, e, "local"), "jobs"] for e in ("direct", "indirect", "induced"))
        assert df.loc[(d, "total", "local"), "jobs"] == pytest.approx(tot)
        for e in ("indirect", "induced"):  # a closure destroys jobs everywhere
            assert df.loc[(d, e, "local"), "jobs"] < 0
            assert df.loc[(d, e, "rest_of_france"), "jobs"] < 0
    # France-wide effects do not depend on delta; a larger delta leaks more
    fr = [df.loc[(d, "total", "france"), "jobs"] for d in BAND]
    assert fr == pytest.approx([fr[0]] * 3)
    local = [df.loc[(d, "indirect", "local"), "jobs"] for d in BAND]
    assert local[0] < local[1] < local[2] < 0


def test_rouen_envelope(rouen):
    m = rouen.meta
    assert m["territory"] == {"level": "epci", "code": ROUEN,
                              "name": "Métropole Rouen Normandie"}
    assert m["sector"] == "C4" and m["sector_label"] == "Fabrication de matériels de transport"
    assert m["deltas"] == list(BAND) and "URSSAF" in m["resolution"]
    assert m["salaried"] is True
    tables = {s["table"] for s in m["sources"]}
    assert {"io_sut_a17_sectors", "io_sut_a17_flows", "urssaf_jobs"} <= tables
    assert len(m["sectors"]) == 16 and m["build_hash"]


@settings(max_examples=6)
@given(n=st.integers(min_value=1, max_value=20_000))
def test_impact_is_linear_in_jobs(con, rouen, n):
    a = impact(con, ROUEN, "C4", n).data
    scaled = rouen.data[NUM].to_numpy() * (n / -500)
    assert a[NUM].to_numpy() == pytest.approx(scaled, rel=1e-9, abs=1e-9)


def test_the_structure_kept_per_territory_is_the_one_read_anew(con, rouen):
    """The territory's sector structure is read once per store and territory
    (:func:`pacte.handlers.impact.territory_inputs`): with another territory asked in
    between, Rouen's answer is the one computed first; the kept arrays are read-only and
    equal to a fresh read."""
    from pacte.engine.impact import load_territory
    from pacte.handlers.impact import territory_inputs

    vimeu = impact(con, "200070944", "C4", -100)  # CC du Vimeu
    c4 = [s["code"] for s in vimeu.meta["sectors"]].index("C4")
    assert vimeu.meta["sector_jobs_local"] == load_territory(con, "epci", "200070944"
                                                             ).E_region[c4]
    assert vimeu.meta["sector_jobs_local"] != rouen.meta["sector_jobs_local"]
    again = impact(con, ROUEN, "C4", -500).data
    assert again[NUM].to_numpy() == pytest.approx(rouen.data[NUM].to_numpy(), rel=1e-12)
    kept, fresh = territory_inputs(con, "epci", ROUEN), load_territory(con, "epci", ROUEN)
    assert kept is territory_inputs(con, "epci", ROUEN)
    assert np.array_equal(kept.E_region, fresh.E_region) and not kept.E_region.flags.writeable


def test_nation_as_territory_reproduces_the_national_model(con):
    df = impact(con, "FR", "C4", 1_000, level="fr").data
    rest = df[df["area"] == "rest_of_france"]
    assert np.abs(rest[NUM].to_numpy()).max() < 1e-6
    local = df[(df["area"] == "local") & (df["effect"] == "total")]["jobs"]
    assert local.to_numpy() == pytest.approx([local.iloc[0]] * 3)


def test_sector_codes_and_errors(con):
    assert impact(con, ROUEN, "de", -10).meta["sector"] == "C2DE"
    assert impact(con, ROUEN, " c4 ", -10).meta["sector"] == "C4"
    with pytest.raises(InvalidParameterError) as e:
        impact(con, ROUEN, "C9", -500)
    assert "C4 (Fabrication de matériels de transport)" in str(e.value)
    assert "C2DE (Cokéfaction et raffinage" in str(e.value)
    with pytest.raises(InvalidParameterError, match="non nul"):
        impact(con, ROUEN, "C4", 0)
    with pytest.raises(InvalidParameterError, match="niveau « commune »"):
        impact(con, "76540", "C4", -500)
    with pytest.raises(UnknownTerritoryError):
        impact(con, "299999999", "C4", -500)


def test_closure_larger_than_the_sector_is_refused_on_real_data(con):
    """Rouen has a few thousand C4 jobs: closing ten million is refused, with the figure."""
    with pytest.raises(InvalidParameterError, match=r"Rouen.*compte [\d\u202f]+ emplois"):
        impact(con, ROUEN, "C4", -10_000_000)


def test_closure_larger_than_the_sector_is_refused(fictional_con):
    """A closure of more jobs than the territory has in the sector is refused with both
    figures in French; closing exactly what it has is accepted."""
    from pacte.engine import impact as eng

    code = fictional_con.execute("SELECT code FROM territory WHERE level = 'epci' "
                                 "ORDER BY code LIMIT 1").fetchone()[0]
    terr = eng.load_territory(fictional_con, "epci", code)
    i = eng.SECTORS.index("C5")
    have = float(terr.E_region[i])
    with pytest.raises(InvalidParameterError, match="fermeture de .* impossible.*compte"):
        impact(fictional_con, code, "C5", -(have + 10))
    if have >= 1:
        ok = impact(fictional_con, code, "C5", -float(int(have)))
        assert ok.data["jobs"].notna().all()
