"""Candidate basins on a FICTIONAL lattice of territories (squares given as GeoJSON, read
by the same contiguity code as the real contours): a planted cluster of high scores is
found by the local Moran and grouped by the basin builder; properties on random scores."""

import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pacte.errors import InvalidParameterError
from pacte.spatial.autocorr import calc_lisa, calc_moran
from pacte.spatial.basins import calc_basins, calc_order
from pacte.spatial.params import BasinParams, load_params
from pacte.spatial.weights import calc_components, calc_queen, is_contiguous

SIDE = 8
BLOCK = {(r, c) for r in range(3) for c in range(3)}  # planted cluster: top-left 3 x 3


def _square(r: int, c: int) -> str:
    ring = [[c, r], [c + 1, r], [c + 1, r + 1], [c, r + 1], [c, r]]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


def _lattice(side: int = SIDE, island: bool = False):
    cells = [(r, c) for r in range(side) for c in range(side)]
    codes = [f"{r}{c}" for r, c in cells]
    geoms = [_square(r, c) for r, c in cells]
    if island:  # a square far from the others
        codes.append("ile")
        geoms.append(_square(50, 50))
    return cells, calc_queen(codes, geoms, "epci")


def _planted_scores(cells, seed: int = 42) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.array([3.0 if rc in BLOCK else 0.0 for rc in cells]) + rng.normal(0, 0.3,
                                                                                len(cells))


def test_queen_on_geojson_lattice():
    cells, cont = _lattice(island=True)
    assert cont.neighbours["00"] == ("01", "10", "11")  # a corner: 3 queen neighbours
    assert len(cont.neighbours["33"]) == 8
    assert cont.islands == ("ile",)
    comp = calc_components(cont)
    assert comp["00"] == 0 and comp["ile"] == 1


def test_planted_cluster_found_by_lisa():
    cells, cont = _lattice()
    y = _planted_scores(cells)
    w = cont.to_w()
    assert calc_moran(y, w, 999, seed=0)["p_sim"] == pytest.approx(0.001)
    lisa = calc_lisa(y, w, permutations=999, seed=0, alpha=0.05)
    hh = {cells[i] for i in np.flatnonzero(lisa["cluster"].to_numpy() == "HH")}
    assert hh <= BLOCK  # no High-High outside the planted block
    assert len(hh) >= 6  # and most of the block


def test_planted_cluster_grouped_by_basin_builder():
    cells, cont = _lattice()
    y = _planted_scores(cells)
    lisa = calc_lisa(y, cont.to_w(), permutations=999, seed=0)
    n = len(cells)
    params = BasinParams(min_members=1, max_members=4, min_population=50_000,
                         min_industry_jobs=2_500, exclude_natures=("ME",), seed=0,
                         seed_top_share=0.0)
    members, failed = calc_basins(cont, y, lisa["cluster"], np.full(n, 20_000.0),
                                  np.full(n, 1_000.0), np.array(["CC"] * n), params)
    got = {b: {cells[cont.codes.index(c)] for c in g["code"]}
           for b, g in members.groupby("basin")}
    assert len(got) == 2  # 9 cells: two basins of 4; the 9th cannot reach 3 members alone
    for block in got.values():
        assert block <= BLOCK and len(block) == 4
    assert is_contiguous(members["code"][members["basin"] == 1], cont)
    # the first basin starts from the highest score
    assert members.iloc[0]["code"] == cont.codes[int(np.argmax(y))]


def test_excluded_natures_and_max_population():
    cells, cont = _lattice()
    y = _planted_scores(cells)
    n = len(cells)
    cluster = np.array(["HH" if rc in BLOCK else "NS" for rc in cells], dtype=object)
    nature = np.array(["ME" if rc == (1, 1) else "CC" for rc in cells], dtype=object)
    params = BasinParams(min_population=50_000, max_population=60_000,
                         min_industry_jobs=2_500, seed_top_share=0.0)
    members, _ = calc_basins(cont, y, cluster, np.full(n, 20_000.0), np.full(n, 1_000.0),
                             nature, params)
    assert "11" not in set(members["code"])
    assert (members.groupby("basin").size() == 3).all()  # 3 x 20,000 <= 60,000 < 4 x


@given(st.integers(0, 10_000), st.integers(1, 4), st.integers(0, 120_000),
       st.integers(0, 6_000), st.sampled_from([0.0, 0.05, 0.3]))
def test_basin_properties(seed, max_members, min_pop, min_ind, top_share):
    """Any scores and thresholds: contiguous basins, member bounds, thresholds reached,
    every EPCI in at most one basin, only eligible EPCI."""
    cells, cont = _lattice(6)
    rng = np.random.default_rng(seed)
    n = len(cells)
    y = rng.normal(size=n)
    cluster = rng.choice(np.array(["HH", "NS", "LL"], dtype=object), n)
    pop, ind = rng.uniform(5_000, 60_000, n), rng.uniform(0, 3_000, n)
    nature = rng.choice(np.array(["CC", "CA", "ME"], dtype=object), n)
    params = BasinParams(min_members=1, max_members=max_members, min_population=min_pop,
                         min_industry_jobs=min_ind, seed=seed, seed_top_share=top_share)
    members, failed = calc_basins(cont, y, cluster, pop, ind, nature, params)
    top = set(np.argsort(-y)[:int(np.floor(top_share * n))])
    assert members["code"].is_unique
    idx = {c: i for i, c in enumerate(cont.codes)}
    for _, g in members.groupby("basin"):
        rows = [idx[c] for c in g["code"]]
        assert 1 <= len(rows) <= max_members
        assert is_contiguous(g["code"], cont)
        assert pop[rows].sum() >= min_pop and ind[rows].sum() >= min_ind
        assert not (nature[rows] == "ME").any()
        assert cluster[rows[0]] == "HH" or rows[0] in top  # seeds: clusters, then top
    again, _ = calc_basins(cont, y, cluster, pop, ind, nature, params)
    assert again.equals(members)  # deterministic for a seed
    assert set(failed["code"]).isdisjoint(members["code"][members["role"] == "amorce"])


def test_isolated_top_score_seeds_a_basin():
    """A high score among low neighbours is no cluster, but seeds a basin when it is
    among the ``seed_top_share`` highest scores."""
    cells, cont = _lattice()
    n = len(cells)
    y = np.zeros(n)
    y[cont.codes.index("44")] = 5.0
    y[cont.codes.index("45")] = 0.5
    cluster = np.array(["NS"] * n, dtype=object)
    args = (cont, y, cluster, np.full(n, 30_000.0), np.full(n, 2_000.0),
            np.array(["CC"] * n))
    none, _ = calc_basins(*args, BasinParams(seed_top_share=0.0))
    assert none.empty
    one, _ = calc_basins(*args, BasinParams(seed_top_share=1 / n))
    assert one["code"].tolist() == ["44", "45"]  # the seed, then its best neighbour


def test_seed_breaks_ties_only():
    score = np.array([1.0, 1.0, 1.0, 0.5, 2.0])
    orders = {tuple(calc_order(score, s)) for s in range(20)}
    assert all(o[0] == 4 and o[-1] == 3 for o in orders)  # scores decide
    assert len(orders) > 1  # the seed orders the three ties


def test_params_file_errors(tmp_path):
    default = load_params()
    assert default.basins.max_members == 4 and default.statistics.permutations == 999
    bad = tmp_path / "p.yaml"
    bad.write_text("basins: {min_members: 3, max_members: 2}\nstatistics: {}\n")
    with pytest.raises(InvalidParameterError, match="max_members"):
        load_params(bad)
    bad.write_text("basins: {taille: 2}\nstatistics: {}\n")
    with pytest.raises(InvalidParameterError, match="taille"):
        load_params(bad)
    bad.write_text("basins: {}\nstatistics: {alpha: 2}\n")
    with pytest.raises(InvalidParameterError, match="alpha"):
        load_params(bad)
