"""The two images of the territory profile, as PNG data URIs: the job-series chart
(matplotlib: one Agg figure per thread, set up once, emptied and drawn again by each chart)
and the map inset (the départements drawn once per store and context by matplotlib, the
territory painted on a copy with Pillow).

Profiles are rendered from several threads at once (the API's thread pool): no figure is
shared between threads, and matplotlib's drawing (its font cache is process-wide) runs under
one lock. A chart drawn on the reused figure is the same PNG, byte for byte, as on a new one
(tests/report/test_chart_threads.py): setting the axes up (ticks, fonts, titles) was about
half of a chart's time.

Drawing the ~100 départements costs about 50 ms; painting one territory on the cached
background about 5 ms, so ``pacte profile --all`` pays the background once per worker.
"""

from __future__ import annotations

import base64
import io
import threading

import numpy as np

from pacte.labels import fr_number
from pacte.report.maps import _rings
from pacte.store.state import state_of

#: Map colours (the legend repeats them; contrast with white >= 3:1 for the non-text parts).
TERRITORY_COLOR = "#b2182b"
CONTEXT_FILL = "#e3e3e3"
CONTEXT_EDGE = "#6b6b6b"
#: One colour per job source in the chart (dark enough on white).
SOURCE_COLORS = {"rp": "#1f4e79", "estel": "#7a3b00", "trim": "#2e6b30", "urssaf": "#8e2c7a"}
#: Pixel width of the map inset (shown 36 mm wide: about 200 dpi) and the supersampling of
#: the territory's polygon (anti-aliased by the downscale).
MAP_WIDTH, SUPERSAMPLE = 280, 3
#: Output columns resampled on either side of the territory's (Lanczos reads 3 output
#: columns either side: the outline, 1.5 input pixels outside the polygon, fits too).
INSET_MARGIN = 5
CHART_SIZE, CHART_DPI = (7.4, 1.5), 125
#: zlib level of both PNGs, which the PDF holds as they are (:mod:`pacte.report.profile_pdf`):
#: level 1 encodes in 5 ms what level 6 did in 10, the map 42 kB instead of 49, the chart
#: 30 kB instead of 29 (Métropole Rouen Normandie); same pixels.
PNG_LEVEL = 1
#: matplotlib is not thread-safe (process-wide font and text caches): one drawing at a time.
_DRAWING = threading.Lock()
#: Each thread's chart figure (``chart``), made by the first chart the thread draws.
_FIGURES = threading.local()


def _uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


def _chart_figure():
    """A new figure for the chart and its two axes, styled (Agg canvas, no pyplot state)."""
    import matplotlib.ticker as mt
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=CHART_SIZE, dpi=CHART_DPI)
    FigureCanvasAgg(fig)
    left, right = fig.subplots(1, 2)
    fig.subplots_adjust(left=0.07, right=0.995, bottom=0.15, top=0.86, wspace=0.14)
    # titles at their place (y=1): matplotlib would otherwise measure every tick label of
    # each drawing to find that nothing is above the axes
    left.set_title("Emplois industriels", fontsize=8, y=1.0)
    right.set_title("Part de l'emploi industriel (%)", fontsize=8, y=1.0)
    for ax in (left, right):
        ax.tick_params(labelsize=7, length=2, pad=1.5)
        ax.grid(alpha=0.3, lw=0.5)
        ax.spines[["top", "right"]].set_visible(False)
        ax.xaxis.set_major_locator(mt.MaxNLocator(integer=True, nbins=6))
        ax.yaxis.set_major_formatter(mt.FuncFormatter(lambda x, _p: fr_number(x, 0)))
        ax.yaxis.set_major_locator(mt.MaxNLocator(nbins=4))
        # the axis labels are empty: placed by hand, matplotlib no longer measures every
        # tick label of both axes (and of their siblings) to move them clear of the ticks
        ax.xaxis.set_label_coords(0.5, 0.0)
        ax.yaxis.set_label_coords(0.0, 0.5)
    return fig, left, right


def _empty_figure():
    """This thread's chart figure without the previous chart's lines and legend (axes,
    ticks, titles and fonts kept); a new one for the thread's first chart."""
    figure = getattr(_FIGURES, "chart", None)
    if figure is None:
        figure = _FIGURES.chart = _chart_figure()
        return figure
    _fig, left, right = figure
    for ax in (left, right):
        for line in list(ax.lines):
            line.remove()
        ax.relim()
        ax.ignore_existing_data_limits = True
        ax.set_autoscale_on(True)
    if right.legend_ is not None:
        right.legend_.remove()
    return figure


def _nan(x):
    return np.nan if x is None else x


def render_chart(series: list[dict]) -> str | None:
    """Industrial jobs and their share (with France) of each job source over the years:
    a PNG data URI, None without a series."""
    if not series:
        return None
    with _DRAWING:
        png = _draw_chart(series)
    return _uri(png)


def _draw_chart(series: list[dict], fresh: bool = False) -> bytes:
    """The chart's PNG, on this thread's figure (on a new figure with ``fresh``)."""
    fig, left, right = _chart_figure() if fresh else _empty_figure()
    for src in dict.fromkeys(s["source"] for s in series):
        pts = [s for s in series if s["source"] == src]
        color = SOURCE_COLORS.get(src, "#333333")
        name = pts[0]["source_name"]
        years = [p["year"] for p in pts]
        left.plot(years, [_nan(p["industry_jobs"]) for p in pts], marker="o", ms=2.5, lw=1.3,
                  color=color, label=name)
        right.plot(years, [_nan(p["industry_share"]) for p in pts], marker="o", ms=2.5,
                   lw=1.3, color=color, label=name)
        if any(p["national_share"] is not None for p in pts):
            right.plot(years, [_nan(p["national_share"]) for p in pts], ls="--", lw=1.0,
                       color=color, label=f"France ({name})")
    right.legend(fontsize=6.5, frameon=False, loc="best")
    return _opaque_png(fig)


def _opaque_png(fig) -> bytes:
    """The figure (white, opaque) as an RGB PNG: the pixels ``savefig`` writes, without its
    alpha channel, which WeasyPrint would otherwise split into a mask of its own."""
    from PIL import Image

    fig.set_facecolor("white")
    fig.canvas.draw()
    img = Image.frombuffer("RGBA", fig.canvas.get_width_height(), fig.canvas.buffer_rgba(),
                           "raw", "RGBA", 0, 1).convert("RGB")
    buf = io.BytesIO()
    img.save(buf, format="PNG", compress_level=PNG_LEVEL)
    return buf.getvalue()


def _geometries(con, table: str, where: str = "", params=(), build_hash: str | None = None
                ) -> list[tuple[str, str]]:
    def exists() -> bool:  # the catalogue query costs more than the geometry's own
        return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE "
                                "table_name = ?", [table]).fetchall()[0][0])

    if not state_of(con, build_hash).get(("has_table", table), exists):
        return []
    return con.execute(f"SELECT code, geometry FROM {table} {where}", list(params)).fetchall()


def _background(con, context: str | None, build_hash: str | None = None):
    """The départements (metropolitan France, or one overseas département) as an RGB image
    of ``MAP_WIDTH * SUPERSAMPLE`` pixels and its lon/lat extent; None without contours."""
    def draw():
        with _DRAWING:
            return _draw_background(con, context)

    # kept in the store's state, read-only once made (each inset paints a copy)
    return state_of(con, build_hash).get(("inset_background", context), draw)


def _draw_background(con, context: str | None):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import PolyCollection
    from matplotlib.figure import Figure
    from PIL import Image

    deps = _geometries(con, "contours_dep")
    deps = [(c, g) for c, g in deps if (c == context if context else not c.startswith("97"))]
    rings = [r for _c, g in deps for r in _rings(g)]
    if not rings:
        return None
    xy = np.vstack(rings)
    (x0, y0), (x1, y1) = xy.min(axis=0), xy.max(axis=0)
    pad = 0.02 * max(x1 - x0, y1 - y0)
    x0, x1, y0, y1 = x0 - pad, x1 + pad, y0 - pad, y1 + pad
    kx = np.cos(np.radians((y0 + y1) / 2))  # equirectangular at the mean latitude
    width = MAP_WIDTH * SUPERSAMPLE
    height = int(round(width * (y1 - y0) / ((x1 - x0) * kx)))
    dpi = 100
    fig = Figure(figsize=(width / dpi, height / dpi), dpi=dpi)
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.add_collection(PolyCollection(rings, facecolors=CONTEXT_FILL, edgecolors=CONTEXT_EDGE,
                                     linewidths=0.25 * SUPERSAMPLE * 1.4))
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_axis_off()
    canvas.draw()
    img = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw",
                           "RGBA", 0, 1).convert("RGB")
    return img, _downscale(img), (x0, x1, y0, y1)


def _downscale(img, small=None, painted: tuple[float, float] | None = None):
    """``img`` at the inset's size (Lanczos, 1/``SUPERSAMPLE``). Given ``small``, the same
    image without the territory already downscaled and ``painted``, the territory's extent
    in ``img``'s columns, only the columns the territory reaches are resampled (with the
    coefficients of the whole image: each output column reads 3 input columns either side
    of its own, well inside the margin) and pasted on a copy of ``small``: the same pixels
    for about a third of the CPU of a whole resampling (tests/report/test_profile_inset.py)."""
    from PIL import Image

    w, h = img.size
    out = (w // SUPERSAMPLE, h // SUPERSAMPLE)
    if small is None or painted is None or w % SUPERSAMPLE:
        return img.resize(out, Image.LANCZOS)
    c0 = max(0, int(painted[0]) // SUPERSAMPLE - INSET_MARGIN)
    c1 = min(out[0], int(painted[1]) // SUPERSAMPLE + 1 + INSET_MARGIN)
    strip = img.resize((c1 - c0, out[1]), Image.LANCZOS,
                       box=(c0 * SUPERSAMPLE, 0, c1 * SUPERSAMPLE, h))
    small = small.copy()
    small.paste(strip, (c0, 0))
    return small


def _overseas(rings: list[np.ndarray]) -> bool:
    lon, lat = np.vstack(rings).mean(axis=0)
    return not (-6.0 <= lon <= 10.0 and 41.0 <= lat <= 51.5)


def render_inset(con, level: str, code: str, dep: str | None, build_hash: str | None = None
                 ) -> dict | None:
    """The territory in red among the départements (metropolitan France, or its overseas
    département): {src (PNG data URI), width, height (pixels)}, None when the level has no
    contours (``build_hash``: the store's, when the caller read it already). A territory smaller
    than a few pixels gets a red ring around it, so that it stays visible."""
    own = _geometries(con, f"contours_{level}", "WHERE code = ?", [code], build_hash)
    mine = [r for _c, g in own for r in _rings(g)]
    if not mine:
        return None
    context = dep if isinstance(dep, str) and dep.startswith("97") else None
    if context is None and _overseas(mine):
        return None  # an overseas territory without its département: no context to show
    bg = _background(con, context, build_hash)
    if bg is None:
        return None
    from PIL import ImageDraw

    img, small, (x0, x1, y0, y1) = bg
    w, h = img.size
    img = img.copy()
    draw = ImageDraw.Draw(img)
    pts = [np.column_stack(((r[:, 0] - x0) / (x1 - x0) * w, (y1 - r[:, 1]) / (y1 - y0) * h))
           for r in mine]
    for p in sorted(pts, key=lambda p: -np.ptp(p[:, 0]) * np.ptp(p[:, 1])):
        if len(p) >= 3:
            draw.polygon([tuple(v) for v in p], fill=TERRITORY_COLOR, outline="#000000",
                         width=SUPERSAMPLE)
    allp = np.vstack(pts)
    size = max(np.ptp(allp[:, 0]), np.ptp(allp[:, 1]))
    painted = (allp[:, 0].min(), allp[:, 0].max())
    if size < 0.04 * w:  # a small territory: a ring around it
        cx, cy = (allp.min(axis=0) + allp.max(axis=0)) / 2
        rad = 0.045 * w
        draw.ellipse((cx - rad, cy - rad, cx + rad, cy + rad), outline=TERRITORY_COLOR,
                     width=2 * SUPERSAMPLE)
        painted = (min(painted[0], cx - rad), max(painted[1], cx + rad))
    img = _downscale(img, small, painted)
    buf = io.BytesIO()
    img.save(buf, format="PNG", compress_level=PNG_LEVEL)
    return {"src": _uri(buf.getvalue()), "width": img.width, "height": img.height}
