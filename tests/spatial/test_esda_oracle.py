"""pacte's contiguity, Moran's I and local Moran (numpy and scipy) against PySAL's own
(libpysal ``Queen`` and ``W``, esda ``Moran`` and ``Moran_Local``, no numba), number for
number: exact equality, same seed, on esda's example files and on the REAL contours and
scores (real store, built once per session). esda and libpysal are the test oracle only:
the build does not import them."""

import warnings
from pathlib import Path

import numpy as np
import pytest

from pacte.spatial.autocorr import QUADRANTS, calc_lisa, calc_moran
from pacte.spatial.materialise import SPATIAL_LEVELS, load_contiguity
from pacte.spatial.params import load_params
from pacte.spatial.weights import Weights, calc_connected, calc_queen
from pacte.targeting.materialise import read_default_ranking

DATA = Path(__file__).parents[1] / "data" / "esda"
MORAN_KEYS = (("I", "I"), ("expected", "EI"), ("z_norm", "z_norm"), ("p_norm", "p_norm"),
              ("p_sim", "p_sim"))


def _esda_moran(y, neighbours: dict, ids: list, seed: int, permutations: int = 999):
    import esda
    from libpysal.weights import W

    w = W(neighbours, id_order=ids, silence_warnings=True)
    np.random.seed(seed)  # esda's Moran draws from the global generator
    return esda.Moran(y, w, transformation="r", permutations=permutations, two_tailed=False)


def _esda_local(y, neighbours: dict, ids: list, seed: int, permutations: int = 999):
    import esda
    from libpysal.weights import W

    w = W(neighbours, id_order=ids, silence_warnings=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # esda's notice on its future default alternative
        return esda.Moran_Local(y, w, transformation="r", permutations=permutations,
                                keep_simulations=False, seed=seed, n_jobs=1)


def _assert_same(y, neighbours: dict, ids: list, seed: int, permutations: int = 999):
    """calc_moran and calc_lisa on pacte's Weights equal esda's on libpysal's W, exactly (the
    normal p-value to 1e-13 relative: :func:`pacte.spatial.autocorr.calc_ndtr`)."""
    pos = {c: i for i, c in enumerate(ids)}
    w = Weights(ids, [[pos[n] for n in neighbours[c]] for c in ids])
    ours = calc_moran(y, w, permutations, seed)
    theirs = _esda_moran(y, neighbours, ids, seed, permutations)
    for key, attr in MORAN_KEYS:
        if key == "p_norm":  # math.erfc, not cephes' (scipy.special not imported by the build)
            assert ours[key] == pytest.approx(getattr(theirs, attr), rel=1e-13), key
        else:
            assert ours[key] == getattr(theirs, attr), key
    lt = calc_lisa(y, Weights(ids, [[pos[n] for n in neighbours[c]] for c in ids]),
                   permutations, seed)
    lm = _esda_local(y, neighbours, ids, seed, permutations)
    assert np.array_equal(lt["local_i"].to_numpy(), lm.Is)
    assert np.array_equal(lt["p_sim"].to_numpy(), np.asarray(lm.p_sim, float))
    assert lt["quadrant"].tolist() == [QUADRANTS[int(q)] for q in lm.q]


@pytest.mark.parametrize("seed", [0, 12345])
def test_stl_homicides_same_numbers_as_esda(seed):
    """St. Louis homicide rates (esda's example, 78 counties): every Moran figure and every
    local I, p-value and quadrant equal esda's."""
    import libpysal

    y = np.array(libpysal.io.open(str(DATA / "stl_hom.txt")).by_col["HR8893"], float)
    gal = libpysal.io.open(str(DATA / "stl.gal")).read()
    ids = list(gal.id_order)
    _assert_same(y, {i: list(gal.neighbors[i]) for i in ids}, ids, seed)


def test_queen_is_libpysal_s_on_shapes_with_a_hole_and_an_island():
    """A square with a hole holding another square (they share the hole's vertices), a
    square touching the first at one corner only, and an island: libpysal's Queen."""
    import geopandas as gpd
    import shapely
    from libpysal.weights import Queen

    geoms = ['{"type":"Polygon","coordinates":[[[0,0],[4,0],[4,4],[0,4],[0,0]],'
             '[[1,1],[2,1],[2,2],[1,2],[1,1]]]}',
             '{"type":"Polygon","coordinates":[[[1,1],[2,1],[2,2],[1,2],[1,1]]]}',
             '{"type":"MultiPolygon","coordinates":[[[[4,4],[5,4],[5,5],[4,5],[4,4]]],'
             '[[[9,9],[9.5,9],[9.5,9.5],[9,9]]]]}',
             '{"type":"Polygon","coordinates":[[[-0.0,7],[1,7],[1,8],[-0.0,7]]]}']
    codes = ["a", "b", "c", "d"]
    cont = calc_queen(codes, geoms)
    q = Queen.from_dataframe(gpd.GeoDataFrame(
        {"code": codes}, geometry=shapely.from_geojson(geoms)), use_index=False,
        silence_warnings=True)
    assert cont.neighbours == {codes[i]: tuple(sorted(codes[j] for j in q.neighbors[i]))
                               for i in range(len(codes))}
    assert cont.neighbours == {"a": ("b", "c"), "b": ("a",), "c": ("a",), "d": ()}


@pytest.mark.parametrize("level", SPATIAL_LEVELS)
def test_real_contiguity_and_statistics_are_esda_s(con, level):
    """On the real contours: the Queen neighbours equal libpysal's; on the stored score of
    the default ranking (the territories with a neighbour), Moran's I, its z, p-values and
    every territory's local I, p-value and quadrant equal esda's (the build's seed and
    permutations)."""
    import geopandas as gpd
    import shapely
    from libpysal.weights import Queen

    df = con.execute(f"SELECT code, geometry FROM contours_{level} ORDER BY code").df()
    cont = load_contiguity(con, level)
    q = Queen.from_dataframe(gpd.GeoDataFrame(
        {"code": df["code"]}, geometry=shapely.from_geojson(df["geometry"].tolist())),
        use_index=False, silence_warnings=True)
    codes = df["code"].tolist()
    assert cont.neighbours == {codes[i]: tuple(sorted(codes[j] for j in q.neighbors[i]))
                               for i in range(len(codes))}
    score = read_default_ranking(con, level).frame.set_index("code")["score"]
    y = score.reindex(list(cont.codes)).to_numpy(float)
    mask = calc_connected(cont, y)
    keep = [c for c, m in zip(cont.codes, mask, strict=True) if m]
    inside = set(keep)
    neighbours = {c: [n for n in cont.neighbours[c] if n in inside] for c in keep}
    st = load_params().statistics
    _assert_same(y[mask], neighbours, keep, st.seed, st.permutations)
