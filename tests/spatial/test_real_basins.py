"""Candidate basins and spatial statistics on the REAL bundled data (store built once per
session): contiguity on the real contours, member bounds, thresholds, one basin per EPCI at
most, figures on summed counts, the stored Moran's I reproduced from the stored score."""

import json

import numpy as np
import pandas as pd
import pytest

from pacte.spatial.autocorr import calc_moran
from pacte.spatial.basin_index import calc_basin_matrix, calc_membership, load_epci_panels
from pacte.spatial.materialise import load_contiguity
from pacte.spatial.params import load_params
from pacte.spatial.weights import calc_connected, is_contiguous
from pacte.targeting.index import load_matrix
from pacte.targeting.rule import load_config


@pytest.fixture(scope="module")
def members(con):
    return con.execute("SELECT * FROM basin_member").df()


@pytest.fixture(scope="module")
def cont(con):
    return load_contiguity(con, "epci")


def test_every_basin_contiguous_bounded_and_above_thresholds(con, members, cont):
    p = load_params().basins
    basins = con.execute("SELECT * FROM basin").df().set_index("code")
    assert len(basins) > 0 and set(basins.index) == set(members["basin"])
    assert members["code"].is_unique  # every EPCI in at most one basin
    nature = dict(con.execute("SELECT code, nature FROM territory WHERE level = 'epci'"
                              ).fetchall())
    ranking = con.execute("SELECT code, rank FROM ranking WHERE level = 'epci'").df()
    top = set(ranking.loc[ranking["rank"] <= int(p.seed_top_share * len(ranking)), "code"])
    for code, g in members.groupby("basin"):
        assert p.min_members <= len(g) <= p.max_members, code
        assert is_contiguous(g["code"], cont), code
        assert g["population"].sum() >= p.min_population, code
        assert g["industry_jobs"].sum() >= p.min_industry_jobs, code
        assert not {nature[c] for c in g["code"]} & set(p.exclude_natures), code
        assert g.iloc[0]["role"] == "amorce"
        assert g.iloc[0]["cluster"] == "HH" or g.iloc[0]["code"] in top, code
        b = basins.loc[code]
        assert b["n_members"] == len(g)
        assert b["population"] == pytest.approx(g["population"].sum())  # sums, not means
        assert b["industry_share"] == pytest.approx(
            100 * g["industry_jobs"].sum() / g["jobs"].sum())
    assert set(basins["tier"]) <= {"retenu", "incertain", "écarté"}
    programme = load_config().programme
    size = basins["tier_size"].iloc[0]
    assert size == round(programme.size / basins["n_members"].mean())  # EPCI -> basins
    assert ((basins["p_top"] >= programme.retained) == (basins["tier"] == "retenu")).all()
    # among the N first in 90 % of the draws: its 5th-percentile rank is within N
    assert (basins.loc[basins["tier"] == "retenu", "rank_low"] <= size).all()
    ranks = basins["rank"].to_numpy()
    assert sorted(ranks) == list(range(1, len(basins) + 1))
    assert (basins["rank_low"] <= basins["rank"]).all()
    assert (basins["rank"] <= basins["rank_high"]).all()


def test_islands_have_no_neighbour_and_overseas_stay_apart(con, cont):
    islands = set(cont.islands)
    # Ré, Oléron, Belle-Île, Noirmoutier, Marie-Galante, Petite-Terre: no shared vertex
    assert islands == {"241700459", "241700624", "245600465", "248500191", "249710047",
                       "200050532"}
    lisa = con.execute("SELECT code, score, cluster FROM spatial_lisa WHERE level = 'epci'"
                       ).df()
    assert set(lisa.loc[lisa["cluster"] == "ISOLE", "code"]) == islands
    assert (lisa["cluster"] == "NC").sum() == (lisa["score"].isna()
                                               & ~lisa["code"].isin(islands)).sum()
    dep = dict(con.execute("SELECT code, dep FROM territory WHERE level = 'epci'").fetchall())
    for code in cont.codes:
        if str(dep[code]).startswith("97"):  # overseas: neighbours in the same département
            assert all(dep[n] == dep[code] for n in cont.neighbours[code]), code
    stored = dict(con.execute("SELECT key, value FROM spatial_meta").fetchall())
    assert set(stored["islands_epci"].split(", ")) == islands


def test_stored_moran_reproduced_from_the_stored_score(con, cont):
    st = load_params().statistics
    row = con.execute("SELECT * FROM spatial_moran WHERE level = 'epci' AND "
                      "variable = 'score'").df().iloc[0]
    score = con.execute("SELECT code, score FROM ranking WHERE level = 'epci'").df()
    y = score.set_index("code")["score"].reindex(list(cont.codes)).to_numpy(float)
    mask = calc_connected(cont, y)
    codes = np.array(cont.codes, dtype=object)
    again = calc_moran(y[mask], cont.to_w(codes[mask]), st.permutations, st.seed)
    assert row["moran_i"] == pytest.approx(again["I"], rel=1e-12)
    assert row["p_sim"] == pytest.approx(again["p_sim"])
    assert row["permutations"] == st.permutations and row["n"] == mask.sum()
    assert row["moran_i"] > 0.2 and row["p_sim"] == pytest.approx(1 / (st.permutations + 1))


def test_single_member_basins_reproduce_the_epci_indicators(con):
    """A basin of one EPCI is that EPCI: the summed-panel indicators equal the stored ones."""
    config = load_config()
    ter, X = load_matrix(con, "epci", config)
    pick = ter["code"].iloc[[0, 100, 500, 900]].tolist()
    m = pd.DataFrame({"basin_code": [f"T{i}" for i in range(4)], "code": pick})
    panels = load_epci_panels(con, config)
    M = calc_membership(m, m["basin_code"], panels["rp"].codes)
    Xb, notes = calc_basin_matrix(panels, M, m["basin_code"], pick, config)
    expected = X[ter.index[ter["code"].isin(pick)]]
    order = [pick.index(c) for c in ter["code"][ter["code"].isin(pick)]]
    np.testing.assert_allclose(Xb[order], expected, rtol=1e-9)
    assert notes == []


def test_lisa_counts_add_up(con):
    for level in ("epci", "ze2020"):
        n = con.execute("SELECT count(*) FROM territory WHERE level = ?", [level]
                        ).fetchall()[0][0]
        got = con.execute("SELECT count(*) FROM spatial_lisa WHERE level = ?", [level]
                          ).fetchall()[0][0]
        assert got == n, level


def test_parameters_stored(con):
    meta = dict(con.execute("SELECT key, value FROM spatial_meta").fetchall())
    assert json.loads(meta["params"])["basins"]["max_members"] == 4


def test_level_statistics_in_the_rule_order_permutations_made_once_per_size(
        con, cont, monkeypatch):
    """The Moran rows come in the order score, then the rule's indicators, whatever order
    they are computed in; the permutations of n territories are made once a level (the
    score's territories, then the indicators' 4 more, then the score's again made them
    three times at EPCI)."""
    import functools

    from pacte.spatial import autocorr
    from pacte.spatial.materialise import calc_level_statistics

    made, make = [], autocorr.permutation_indices.__wrapped__

    @functools.lru_cache(maxsize=1)
    def counted(n, permutations, seed):
        made.append(n)
        return make(n, permutations, seed)

    monkeypatch.setattr(autocorr, "permutation_indices", counted)
    config, st = load_config(), load_params().statistics
    moran, _ = calc_level_statistics(con, "epci", cont, config, load_params())
    assert moran["variable"].tolist() == ["score", *[s.id for s in config.specs]]
    assert len(made) == len(set(made)) == moran["n"].nunique() == 2
    stored = con.execute("SELECT variable, moran_i, p_sim, n FROM spatial_moran "
                         "WHERE level = 'epci'").df()
    pd.testing.assert_frame_equal(stored, moran[["variable", "moran_i", "p_sim", "n"]],
                                  check_dtype=False)
    ter, X = load_matrix(con, "epci", config)  # the last indicator, computed on its own
    y = pd.Series(X[:, -1], index=ter["code"]).reindex(list(cont.codes)).to_numpy(float)
    mask = calc_connected(cont, y)
    again = calc_moran(y[mask], cont.to_w(np.array(cont.codes, dtype=object)[mask]),
                       st.permutations, st.seed)
    assert moran.iloc[-1][["moran_i", "p_sim", "n"]].tolist() == [
        again["I"], again["p_sim"], again["n"]]
