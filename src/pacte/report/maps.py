"""Static maps of the reports (matplotlib, PNG): metropolitan France with the DOM as insets.

A level's contours are parsed once per store and level (:func:`map_contours`: the GeoJSON of
1,255 EPCI takes a tenth of a second to read), then every map of a report colours the same
rings: faces, edges and widths are arrays, one entry per ring, given to one collection per
axis."""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from pacte.labels import ATTRIBUTION

TOP_SHOWN = 50


def _rings(geometry: str) -> list[np.ndarray]:
    """Exterior rings of a GeoJSON (Multi)Polygon as (m, 2) arrays (holes are left out:
    enclaves are drawn on top, smallest last)."""
    g = json.loads(geometry)
    polys = g["coordinates"] if g["type"] == "MultiPolygon" else [g["coordinates"]]
    return [np.asarray(p[0], float) for p in polys]


#: Metropolitan France (with Corsica) and the DOM insets: lon/lat boxes.
METRO_BOX = (-5.5, 10.0, 41.2, 51.3)
DOM = {"971": "Guadeloupe", "972": "Martinique", "973": "Guyane", "974": "La Réunion",
       "976": "Mayotte"}


def load_contours(con, level: str) -> pd.DataFrame | None:
    """The contours of ``level`` with each territory's département (code, geometry, dep);
    None when the store has none for the level."""
    table = f"contours_{level}"
    if not con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
                       [table]).fetchall()[0][0]:
        return None
    return con.execute(f"SELECT c.code, c.geometry, t.dep FROM {table} c LEFT JOIN "
                       "territory t ON t.level = ? AND t.code = c.code", [level]).df()


@dataclass(frozen=True)
class Part:
    """The rings one axis draws (the mainland, or one DOM): each ring's territory
    (``row``: its row in :attr:`MapContours.codes`) and bounding-box area."""

    rings: list[np.ndarray]
    row: np.ndarray
    size: np.ndarray


@dataclass(frozen=True)
class MapContours:
    """A level's contours ready to draw: the territories' codes (in the store's order) and
    the rings of the mainland, then of each DOM of :data:`DOM`."""

    codes: pd.Index
    parts: tuple[Part, ...]


#: (build hash, level, rows, text size) -> contours of the last stores drawn (a report
#: draws three maps).
_CACHE: dict[tuple, MapContours | None] = {}


def map_contours(con, level: str) -> MapContours | None:
    """The contours of ``level`` parsed into rings (None when the store has none), kept for
    the store's build (its ``build_hash``) and the table's size: the maps of one report
    parse them once, a changed table is parsed again."""
    table = f"contours_{level}"
    if not con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
                       [table]).fetchall()[0][0]:
        return None
    try:
        bh = con.execute("SELECT value FROM meta WHERE key = 'build_hash'").fetchall()
    except duckdb.Error:  # a store without meta: parsed each time
        bh = []
    size = con.execute(f"SELECT count(*), sum(length(geometry)) FROM {table}").fetchall()[0]
    key = (bh[0][0] if bh else None, level, *size)
    if key[0] is not None and key in _CACHE:
        return _CACHE[key]
    out = _read_rings(con, level)
    if key[0] is not None:
        if len(_CACHE) >= 4:
            _CACHE.clear()
        _CACHE[key] = out
    return out


def _read_rings(con, level: str) -> MapContours | None:
    """The exterior rings of MultiPolygons parsed by DuckDB's JSON reader, as flat
    coordinates (Arrow lists: each territory's rings, each ring ``x0, y0, x1, …``): the
    1,255 EPCI in 0.02 s of CPU where ``json.loads`` and numpy on each geometry took 0.09 s,
    for 9 MB more at the peak (``json_transform``: a ``CAST`` of the JSON took 30 MB more).
    Its doubles are Python's (correctly rounded: the test compares both on every EPCI);
    anything else (a Polygon, a third coordinate, an empty ring, a DuckDB without lambdas)
    is parsed by :func:`_rings`."""
    table = f"contours_{level}"
    try:  # the join of load_contours, the geometry parsed: the same rows in the same order
        tb = con.sql(
            "SELECT code, dep, g.type AS type, list_transform(g.coordinates, lambda p: "
            "flatten(p[1])) AS rings, list_transform(g.coordinates, lambda p: len(p[1])) AS "
            "points FROM (SELECT c.code, t.dep, json_transform(c.geometry, '{\"type\": "
            "\"VARCHAR\", \"coordinates\": \"DOUBLE[][][][]\"}') AS g FROM "
            f"{table} c LEFT JOIN territory t ON t.level = $level AND t.code = c.code)",
            params={"level": level}).to_arrow_table()
        if set(tb.column("type").to_pylist()) - {"MultiPolygon"}:
            raise ValueError("géométrie autre que MultiPolygon")
        col = tb.column("rings").combine_chunks()
        rings = col.values
        if col.null_count or rings.null_count or rings.values.null_count:
            raise ValueError("géométrie incomplète")
        coords = rings.values.to_numpy()
        at = rings.offsets.to_numpy()
        points = tb.column("points").combine_chunks().values.to_numpy(zero_copy_only=False)
        if not (np.array_equal(np.diff(at), 2 * points) and points.all()):
            raise ValueError("anneau vide ou coordonnées non planes")
    except (duckdb.Error, ValueError):
        geo = load_contours(con, level)
        return None if geo is None else _parse(
            geo["code"], geo["dep"], [_rings(g) for g in geo["geometry"].tolist()])
    xy = coords.reshape(-1, 2)
    starts, ends = at[:-1] // 2, at[1:] // 2
    flat = [xy[a:b] for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]
    # each ring's bounding-box area at once (min and max are exact: np.ptp's figures)
    box = [np.maximum.reduceat(v, starts) - np.minimum.reduceat(v, starts)
           for v in (xy[:, 0], xy[:, 1])] if len(starts) else [np.zeros(0), np.zeros(0)]
    per = col.offsets.to_numpy().tolist()
    return _parse(tb.column("code").to_pandas(), tb.column("dep").to_pandas(),
                  [flat[a:b] for a, b in zip(per[:-1], per[1:], strict=True)],
                  (box[0] * box[1]).tolist())


def _parse(code: pd.Series, dep: pd.Series, parsed: list[list[np.ndarray]],
           sizes: list[float] | None = None) -> MapContours:
    """``parsed``: each territory's exterior rings, (m, 2) arrays; ``sizes``: their
    bounding-box areas, in the same order (computed here when None)."""
    dep = dep.fillna("").astype(str).to_numpy()
    groups = [~np.char.startswith(dep.astype(str), "97")] + [dep == d for d in DOM]
    first = np.cumsum([0, *map(len, parsed)]).tolist()  # each territory's first ring
    if sizes is None:
        sizes = [np.ptp(r[:, 0]) * np.ptp(r[:, 1]) for rings in parsed for r in rings]
    parts = []
    for mask in groups:
        rings, rows, size = [], [], []
        for i in np.flatnonzero(mask).tolist():
            rings.extend(parsed[i])
            rows.extend([i] * len(parsed[i]))
            size.extend(sizes[first[i]:first[i + 1]])
        parts.append(Part(rings, np.asarray(rows, dtype=np.intp), np.array(size, dtype=float)))
    return MapContours(pd.Index(code.astype(str).tolist()), tuple(parts))


def import_in_background() -> threading.Thread:
    """Import the modules the maps draw with (matplotlib's Agg, pyplot, Pillow's PNG
    writer) in a thread, for a caller whose own work leaves the GIL mostly free meanwhile
    (``pacte run`` building the store: DuckDB, Arrow, hashing): their 0.3-0.4 s of CPU are
    then off the report's path. The caller joins it; an import failing here is left to
    the report's own imports to raise."""
    def run() -> None:
        try:
            import matplotlib
            matplotlib.use("Agg")
            import matplotlib.pyplot  # noqa: F401
            from PIL import Image
            Image.preinit()
        except Exception:  # noqa: BLE001, S110  (raised again where the maps import it)
            pass

    thread = threading.Thread(target=run, name="pacte-map-imports")
    thread.start()
    return thread


def france_axes():
    """A figure of metropolitan France with the DOM as insets: ``(fig, main, axes)``, the
    axes in the order of :attr:`MapContours.parts`."""
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(9, 8.5), dpi=110)
    main = fig.add_axes((0.0, 0.08, 0.78, 0.9))
    insets = {d: fig.add_axes((0.80, 0.80 - 0.18 * i, 0.18, 0.16)) for i, d in enumerate(DOM)}
    for d, ax in insets.items():
        # y given: the place matplotlib computes at each draw (above the axes, which have no
        # ticks) without its measure of the hidden y axis (its ticks and labels), 15 ms of
        # the 130 of a map's drawing (EPCI); the same pixels
        ax.set_title(DOM[d], fontsize=7, y=1.0)
    return fig, main, [main, *insets.values()]


def draw_polygons(ax, polys: list, faces, edges, widths, sizes):
    """Polygons on ``ax``, the biggest first (enclaves stay visible), the view fitted to
    them at the latitude's aspect, no axis. ``faces``, ``edges``, ``widths``: one per
    polygon (a list or an array), or one for all (``edges``, ``widths``). Returns the
    collection and the drawing order (positions in ``polys``)."""
    from matplotlib.collections import PolyCollection

    order = np.argsort(np.asarray(sizes, dtype=float))[::-1]
    coll = ax.add_collection(PolyCollection(
        [polys[i] for i in order], facecolors=_pick(faces, order), edgecolors=_pick(edges, order),
        linewidths=_pick(widths, order)))
    if polys:
        xy = np.vstack(polys)
        ax.set_xlim(xy[:, 0].min(), xy[:, 0].max())
        ax.set_ylim(xy[:, 1].min(), xy[:, 1].max())
    ax.set_aspect(1 / np.cos(np.radians(sum(ax.get_ylim()) / 2)))
    ax.set_axis_off()
    return coll, order


def _pick(v, order):
    if isinstance(v, np.ndarray):
        return v[order]
    return [v[i] for i in order] if isinstance(v, list) else v


class FranceCanvas:
    """The figure of :func:`france_axes` with the territories of ``geo`` drawn once (one
    collection per axis); each map recolours them (:meth:`colour`), adds its legend, is
    saved, then its own artists are removed (:meth:`save`): the maps of one report build
    their axes and collections once instead of once per map."""

    def __init__(self, geo: MapContours, faces: np.ndarray, edges, widths):
        self.geo = geo
        self.fig, self.main, axes = france_axes()
        self._drawn = [draw_polygons(ax, part.rings, faces[part.row], _per_ring(edges, part),
                                     _per_ring(widths, part), part.size)
                       for ax, part in zip(axes, geo.parts, strict=True)]
        self._writer = None
        self._written: list = []

    def colour(self, faces: np.ndarray, edges, widths) -> None:
        """New faces (RGBA, one row per territory of ``geo.codes``), edges and widths (per
        territory, or one for all)."""
        for (coll, order), part in zip(self._drawn, self.geo.parts, strict=True):
            coll.set_facecolor(faces[part.row][order])
            coll.set_edgecolor(_pick(_per_ring(edges, part), order))
            coll.set_linewidth(_pick(_per_ring(widths, part), order))

    def save(self, path: Path, extra: list) -> Path:
        """Draw the figure, then remove the map's own artists ``extra`` (legend, colour bar,
        texts); the PNG is written by :meth:`close` at the latest.

        ``savefig``'s own steps (Agg's drawing, then :func:`matplotlib.image.imsave` of its
        pixels), the PNG encoded in a thread on a copy of the pixels: Pillow's zlib releases
        the GIL, so a map's encoding (45 ms of the 150 of a map, EPCI) runs while the next
        map is drawn and the report's tables written."""
        from concurrent.futures import ThreadPoolExecutor

        from matplotlib.image import imsave

        self.fig.canvas.draw()
        pixels = np.array(self.fig.canvas.buffer_rgba())  # the next map draws over them
        for artist in extra:
            artist.remove()
        if self._writer is None:
            self._writer = ThreadPoolExecutor(1)
        self._written.append(self._writer.submit(
            imsave, path, pixels, format="png", origin="upper", dpi=self.fig.dpi))
        return Path(path)

    def close(self) -> None:
        """Wait for the PNG files (raising the first failure) and free the figure."""
        import matplotlib.pyplot as plt

        try:
            if self._writer is not None:
                self._writer.shutdown(wait=True)
            for written in self._written:
                written.result()
        finally:
            plt.close(self.fig)


def _per_ring(v, part: Part):
    return v[part.row] if isinstance(v, np.ndarray) else v


@contextmanager
def france_canvas(con, level: str):
    """A :class:`FranceCanvas` of ``level`` for the maps of one report (None when the level
    has no contours), closed on exit."""
    import matplotlib
    matplotlib.use("Agg")

    geo = map_contours(con, level)
    if geo is None:
        yield None
        return
    grey = np.tile((0.87, 0.87, 0.87, 1.0), (len(geo.codes), 1))
    canvas = FranceCanvas(geo, grey, (1, 1, 1, 0.4), 0.2)
    try:
        yield canvas
    finally:
        canvas.close()


def render_map(con, ranked: pd.DataFrame, path: Path, level: str = "epci",
               highlight: int = TOP_SHOWN, canvas: FranceCanvas | None = None
               ) -> Path | None:
    """Choropleth of the score (PolyCollection, matplotlib): metropolitan France, the DOM as
    insets; the top ``highlight`` outlined. None when the level has no contours. ``canvas``:
    the report's :func:`france_canvas` (else a figure of its own)."""
    if canvas is None:
        with france_canvas(con, level) as own:
            return None if own is None else render_map(con, ranked, path, level, highlight,
                                                       own)
    import matplotlib.pyplot as plt
    import matplotlib.ticker
    from matplotlib.colors import to_rgba_array

    geo = canvas.geo
    by = ranked.drop_duplicates("code").set_index("code")
    score = by["score"].reindex(geo.codes).to_numpy(dtype=float)
    rank = by["rank"].reindex(geo.codes).to_numpy(dtype=float)
    lo, hi = np.nanpercentile(score, [2, 98])
    cmap, norm = plt.get_cmap("YlOrRd"), plt.Normalize(lo, hi)
    faces = np.asarray(cmap(norm(score)), dtype=float)
    faces[np.isnan(score)] = to_rgba_array(["#dddddd"])[0]
    top = np.nan_to_num(rank, nan=np.inf) <= highlight
    edges = np.where(top[:, None], (0, 0, 0, 0.9), (1, 1, 1, 0.4))
    canvas.colour(faces, edges, np.where(top, 0.9, 0.2))
    fig = canvas.fig
    bar = fig.add_axes((0.1, 0.075, 0.58, 0.018))  # its label clear of the sources line
    cb = fig.colorbar(plt.cm.ScalarMappable(norm=norm, cmap=cmap), cax=bar,
                      orientation="horizontal")
    cb.ax.xaxis.set_major_formatter(  # French decimals: 0,5 not 0.5
        matplotlib.ticker.FuncFormatter(lambda x, _pos: f"{x:.1f}".replace(".", ",")))
    cb.set_label(f"Indice de priorité industrielle (plus foncé = plus prioritaire) ; "
                 f"contour noir : {highlight} premiers", fontsize=8)
    text = fig.text(0.01, 0.005, ATTRIBUTION, fontsize=6, color="#555555", ha="left",
                    va="bottom")
    return canvas.save(path, [cb, text])
