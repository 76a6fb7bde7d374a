"""Static maps of the reports (matplotlib, PNG): metropolitan France with the DOM as insets."""

from __future__ import annotations

import json
from pathlib import Path

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


def france_axes(geo: pd.DataFrame):
    """A figure of metropolitan France with the DOM as insets: ``(fig, [(ax, rows)],
    insets)``, the rows of ``geo`` each axis draws."""
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(9, 8.5), dpi=110)
    main = fig.add_axes((0.0, 0.08, 0.78, 0.9))
    insets = {d: fig.add_axes((0.80, 0.80 - 0.18 * i, 0.18, 0.16)) for i, d in enumerate(DOM)}
    parts = [(main, geo[~geo["dep"].fillna("").str.startswith("97")])] + [
        (insets[d], geo[geo["dep"] == d]) for d in DOM]
    for d, ax in insets.items():
        ax.set_title(DOM[d], fontsize=7)
    return fig, main, parts


def draw_polygons(ax, polys: list, faces: list, edges, widths, sizes: list) -> None:
    """Polygons on ``ax``, the biggest first (enclaves stay visible), the view fitted to
    them at the latitude's aspect, no axis."""
    from matplotlib.collections import PolyCollection

    order = np.argsort(sizes)[::-1]
    def pick(v: list) -> list:
        return [v[i] for i in order]

    ax.add_collection(PolyCollection(
        pick(polys), facecolors=pick(faces),
        edgecolors=pick(edges) if isinstance(edges, list) else edges,
        linewidths=pick(widths) if isinstance(widths, list) else widths))
    if polys:
        xy = np.vstack(polys)
        ax.set_xlim(xy[:, 0].min(), xy[:, 0].max())
        ax.set_ylim(xy[:, 1].min(), xy[:, 1].max())
    ax.set_aspect(1 / np.cos(np.radians(sum(ax.get_ylim()) / 2)))
    ax.set_axis_off()


def render_map(con, ranked: pd.DataFrame, path: Path, level: str = "epci",
               highlight: int = TOP_SHOWN) -> Path | None:
    """Choropleth of the score (PolyCollection, matplotlib): metropolitan France, the DOM as
    insets; the top ``highlight`` outlined. None when the level has no contours."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    geo = load_contours(con, level)
    if geo is None:
        return None
    geo = geo.merge(ranked[["code", "score", "rank"]], on="code", how="left")
    lo, hi = np.nanpercentile(geo["score"], [2, 98])
    cmap, norm = plt.get_cmap("YlOrRd"), plt.Normalize(lo, hi)
    fig, _main, parts = france_axes(geo)
    for ax, sub in parts:
        polys, colors, edges, sizes, widths = [], [], [], [], []
        for row in sub.itertuples():
            for ring in _rings(row.geometry):
                polys.append(ring)
                colors.append("#dddddd" if np.isnan(row.score) else cmap(norm(row.score)))
                top = row.rank <= highlight if not np.isnan(row.rank) else False
                edges.append((0, 0, 0, 0.9) if top else (1, 1, 1, 0.4))
                widths.append(0.9 if top else 0.2)
                sizes.append(np.ptp(ring[:, 0]) * np.ptp(ring[:, 1]))
        draw_polygons(ax, polys, colors, edges, widths, sizes)
    bar = fig.add_axes((0.1, 0.075, 0.58, 0.018))  # its label clear of the sources line
    cb = fig.colorbar(plt.cm.ScalarMappable(norm=norm, cmap=cmap), cax=bar,
                      orientation="horizontal")
    cb.ax.xaxis.set_major_formatter(  # French decimals: 0,5 not 0.5
        matplotlib.ticker.FuncFormatter(lambda x, _pos: f"{x:.1f}".replace(".", ",")))
    cb.set_label(f"Indice de priorité industrielle (plus foncé = plus prioritaire) ; "
                 f"contour noir : {highlight} premiers", fontsize=8)
    fig.text(0.01, 0.005, ATTRIBUTION, fontsize=6, color="#555555", ha="left", va="bottom")
    fig.savefig(path)
    plt.close(fig)
    return path
