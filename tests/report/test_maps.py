"""The report maps' contours (:func:`pacte.report.maps.map_contours`): parsed once for a
store, parsed again when the contours table changes, None once it is gone."""

import json

import duckdb
import numpy as np

from pacte.report import maps


def _square(x: float, y: float, size: float = 1.0) -> str:
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


def _store():
    con = duckdb.connect()
    con.execute("CREATE TABLE meta (key VARCHAR, value VARCHAR)")
    con.execute("INSERT INTO meta VALUES ('build_hash', 'test-maps-hash')")
    con.execute("CREATE TABLE territory (level VARCHAR, code VARCHAR, dep VARCHAR)")
    con.execute("INSERT INTO territory VALUES ('epci', 'A', '01'), ('epci', 'B', '974')")
    con.execute("CREATE TABLE contours_epci (code VARCHAR, geometry VARCHAR)")
    con.execute("INSERT INTO contours_epci VALUES (?, ?), (?, ?)",
                ["A", _square(0, 0, 2), "B", _square(55, -21)])
    return con


def test_rings_go_to_the_mainland_or_their_dom_inset():
    con = _store()
    geo = maps.map_contours(con, "epci")
    assert list(geo.codes) == ["A", "B"]
    mainland, reunion = geo.parts[0], geo.parts[1 + list(maps.DOM).index("974")]
    assert mainland.row.tolist() == [0] and reunion.row.tolist() == [1]
    assert mainland.size.tolist() == [4.0] and reunion.size.tolist() == [1.0]
    assert sum(len(p.rings) for p in geo.parts) == 2
    np.testing.assert_array_equal(mainland.rings[0][0], [0.0, 0.0])


def test_a_changed_or_dropped_table_is_read_again():
    con = _store()
    first = maps.map_contours(con, "epci")
    assert maps.map_contours(con, "epci") is first  # same store: parsed once
    con.execute("UPDATE contours_epci SET geometry = ? WHERE code = 'A'", [_square(0, 0, 30)])
    changed = maps.map_contours(con, "epci")
    assert changed is not first and changed.parts[0].size.tolist() == [900.0]
    con.execute("DROP TABLE contours_epci")
    assert maps.map_contours(con, "epci") is None


def test_saved_maps_are_savefig_s_pixels(tmp_path):
    """Each map of a canvas is written (in a thread) with the pixels ``savefig`` gives for
    the same figure, the map's own artists gone from the next; a file that cannot be
    written fails the canvas's closing."""
    import pytest
    from PIL import Image

    faces = np.array([[1.0, 0.0, 0.0, 1.0], [0.0, 0.0, 1.0, 1.0]])
    with maps.france_canvas(_store(), "epci") as canvas:
        text = canvas.fig.text(0.5, 0.5, "carte 1")
        canvas.fig.savefig(tmp_path / "expected1.png")
        canvas.save(tmp_path / "one.png", [text])
        canvas.colour(faces[::-1], (0, 0, 0, 1), 0.5)
        canvas.fig.savefig(tmp_path / "expected2.png")
        canvas.save(tmp_path / "two.png", [])
    for got, expected in (("one", "expected1"), ("two", "expected2")):
        a = np.asarray(Image.open(tmp_path / f"{got}.png"))
        b = np.asarray(Image.open(tmp_path / f"{expected}.png"))
        assert a.shape == b.shape and np.array_equal(a, b)
    assert not np.array_equal(np.asarray(Image.open(tmp_path / "one.png")),
                              np.asarray(Image.open(tmp_path / "two.png")))
    with pytest.raises(OSError), maps.france_canvas(_store(), "epci") as canvas:
        canvas.save(tmp_path / "absent" / "x.png", [])


def _python_parse(con, level: str) -> maps.MapContours:
    """The contours as parsed by Python (``json`` and numpy), the reference."""
    geo = maps.load_contours(con, level)
    return maps._parse(geo["code"], geo["dep"], [maps._rings(g) for g in geo["geometry"]])


def _assert_same(a: maps.MapContours, b: maps.MapContours) -> None:
    assert list(a.codes) == list(b.codes)
    for pa, pb in zip(a.parts, b.parts, strict=True):
        np.testing.assert_array_equal(pa.row, pb.row)
        np.testing.assert_array_equal(pa.size, pb.size)
        assert len(pa.rings) == len(pb.rings)
        for ra, rb in zip(pa.rings, pb.rings, strict=True):
            assert ra.dtype == rb.dtype and ra.shape == rb.shape
            np.testing.assert_array_equal(ra, rb)  # bit for bit: the maps' pixels


def test_duckdb_reads_the_doubles_python_reads(con):
    """Every EPCI's rings as DuckDB's JSON reader gives them: the same coordinates, bit for
    bit, rows, order and sizes as Python's parser."""
    _assert_same(maps._read_rings(con, "epci"), _python_parse(con, "epci"))


def test_geometries_duckdb_does_not_read_are_parsed_by_python():
    """A Polygon, a ring of three coordinates, digits past a double's precision: the same
    rings either way (DuckDB's reader or, where it gives up, Python's)."""
    con = _store()
    three = json.dumps({"type": "MultiPolygon", "coordinates": [[[[0, 0, 5], [1, 0, 5],
                                                                  [1, 1, 5], [0, 0, 5]]]]})
    con.execute("INSERT INTO territory VALUES ('epci', 'C', '02'), ('epci', 'D', '03')")
    con.execute("INSERT INTO contours_epci VALUES ('D', ?)", [json.dumps(
        {"type": "MultiPolygon", "coordinates": [[[[0.1000000000000000055511151231257827,
                                                    2.5e-3], [1e2, 0], [7, 7.25]],
                                                   [[0.5, 0.5], [0.6, 0.5], [0.5, 0.6]]],
                                                  [[[3, 3], [4, 3], [4, 4]]]]})])
    _assert_same(maps._read_rings(con, "epci"), _python_parse(con, "epci"))
    con.execute("INSERT INTO contours_epci VALUES ('C', ?)", [three])
    got = maps._read_rings(con, "epci")  # a third coordinate: Python's parser
    assert got.parts[0].rings[-1].shape == (4, 3)


def test_map_imports_run_in_a_thread_the_caller_joins():
    """``pacte run`` imports matplotlib (Agg) and Pillow's PNG writer in a thread while the
    store builds; a fresh interpreter has them once the thread is joined."""
    import subprocess
    import sys

    code = ("import sys; from pacte.report.maps import import_in_background; "
            "assert 'matplotlib' not in sys.modules; t = import_in_background(); "
            "assert t.name == 'pacte-map-imports'; t.join(); import matplotlib; "
            "from PIL import Image; "
            "assert 'matplotlib.pyplot' in sys.modules and matplotlib.get_backend().lower() == 'agg'"
            " and 'PNG' in Image.SAVE")
    subprocess.run([sys.executable, "-c", code], check=True)
