"""The build's queen contiguity in SQL (:func:`pacte.spatial.weights.queen_sql`, read by
:func:`pacte.spatial.materialise.load_contiguity`) against shapely's parse and
:func:`pacte.spatial.weights.calc_queen`: on the real contours, on random grids of
Polygon and MultiPolygon texts, and its error on an unreadable geometry."""

import json

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pacte.errors import InvalidParameterError
from pacte.spatial.materialise import SPATIAL_LEVELS, load_contiguity, load_contours
from pacte.spatial.weights import calc_queen


def _store(frame: pd.DataFrame, level: str = "x") -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.register("_c", frame)
    con.execute(f"CREATE TABLE contours_{level} AS SELECT * FROM _c")
    return con


@pytest.mark.parametrize("level", SPATIAL_LEVELS)
def test_real_contours_same_neighbours_as_shapely(con, level):
    assert load_contiguity(con, level) == load_contours(con, level)[0]


def _square(x: float, y: float, d: float) -> list:
    return [[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 6), st.integers(1, 6), st.integers(0, 2 ** 32 - 1))
def test_random_grids_same_neighbours_as_calc_queen(nx, ny, seed):
    """Cells of a grid, some dropped, grouped at random into territories (MultiPolygon
    when several cells, a single cell as a Polygon or a MultiPolygon)."""
    rng = np.random.default_rng(seed)
    d = 0.5  # exact binary coordinates: neighbouring cells share their vertices
    cells = [(i, j) for i in range(nx) for j in range(ny) if rng.random() > 0.2]
    owner = rng.integers(0, max(1, len(cells) // 2 + 1), len(cells))
    rows = []
    for k in sorted(set(owner.tolist())):
        polys = [[_square((i - 2) * d, j * d, d)]
                 for (i, j), o in zip(cells, owner, strict=True) if o == k]
        if rng.random() < 0.5 and len(polys) == 1:
            geo = {"type": "Polygon", "coordinates": polys[0]}
        else:
            geo = {"type": "MultiPolygon", "coordinates": polys}
        rows.append({"code": f"T{k:03d}", "geometry": json.dumps(geo)})
    if not rows:
        return
    frame = pd.DataFrame(rows)
    got = load_contiguity(_store(frame), "x")
    want = calc_queen(frame["code"], frame["geometry"], "x")
    assert got == want


def test_negative_zero_is_zero():
    a = {"type": "Polygon", "coordinates": [[[-0.0, 0.0], [-1.0, 0.0], [-1.0, 1.0],
                                             [-0.0, 0.0]]]}
    b = {"type": "Polygon", "coordinates": [[[0.0, -0.0], [1.0, 0.0], [1.0, 1.0],
                                             [0.0, -0.0]]]}
    frame = pd.DataFrame({"code": ["A", "B"], "geometry": [json.dumps(a), json.dumps(b)]})
    got = load_contiguity(_store(frame), "x")
    assert got.neighbours == {"A": ("B",), "B": ("A",)}
    assert got == calc_queen(frame["code"], frame["geometry"], "x")


def test_unreadable_geometry_is_named():
    frame = pd.DataFrame({"code": ["A"], "geometry": ['{"type": "Polygon", "coordinates": '
                                                      '[[["a", 1]]]}']})
    with pytest.raises(InvalidParameterError, match="contours x : géométrie GeoJSON"):
        load_contiguity(_store(frame), "x")
