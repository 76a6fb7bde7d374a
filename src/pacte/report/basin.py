"""The profile of a candidate basin (HTML, PDF, JSON): its figures on summed counts, its
rank among basins, its member EPCI with their own score and local cluster, a small map of
the members and their neighbours (inline SVG), the method and its limits, the sources.
Same stylesheet and PDF engine as the territory profile (:mod:`pacte.report.profile`)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import shapely
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from pacte.handlers.envelope import Answer
from pacte.labels import fr_number
from pacte.report.profile import TEMPLATES, _css, pdf_from_html, render_json

#: Map box (px) and colours.
WIDTH, HEIGHT = 420, 300
COLOURS = {"amorce": "#4a148c", "membre": "#9c6ade", "voisin": "#e6e9ee"}


def _shapes(con, codes) -> dict:
    rows = con.execute("SELECT code, geometry FROM contours_epci WHERE code IN "
                       f"({','.join('?' * len(codes))})", list(codes)).fetchall()
    return {c: shapely.from_geojson(g) for c, g in rows}


def calc_svg_paths(shapes: dict, width: int = WIDTH, height: int = HEIGHT) -> dict[str, str]:
    """SVG path data of each shape, projected equirectangularly at the shapes' mean latitude
    (cos φ on longitudes) and fitted in ``width`` x ``height``."""
    import math

    minx, miny, maxx, maxy = shapely.total_bounds(list(shapes.values()))
    k = math.cos(math.radians((miny + maxy) / 2))
    sx = (maxx - minx) * k or 1.0
    sy = (maxy - miny) or 1.0
    scale = min((width - 8) / sx, (height - 8) / sy)

    def ring(coords) -> str:
        pts = [f"{4 + (x - minx) * k * scale:.1f},{4 + (maxy - y) * scale:.1f}"
               for x, y in coords]
        return "M" + " L".join(pts) + " Z"

    out = {}
    for code, geom in shapes.items():
        polys = getattr(geom, "geoms", [geom])
        out[code] = " ".join(ring(r.coords) for p in polys
                             for r in [p.exterior, *p.interiors])
    return out


def _context(con, answer: Answer) -> dict:
    b, members = answer.data["basin"], answer.data["members"]
    codes = members["code"].tolist()
    neigh = [r[0] for r in con.execute(
        "SELECT DISTINCT neighbour FROM spatial_neighbour WHERE level = 'epci' AND code IN "
        f"({','.join('?' * len(codes))})", codes).fetchall() if r[0] not in codes]
    paths = calc_svg_paths(_shapes(con, codes + neigh))
    role = dict(zip(members["code"], members["role"], strict=True))
    shapes = [{"d": paths[c], "fill": COLOURS[role.get(c, "voisin")], "member": c in role}
              for c in [*neigh, *codes] if c in paths]
    ranks = dict(con.execute("SELECT code, rank FROM ranking WHERE level = 'epci'").fetchall())
    n_basins = con.execute("SELECT count(*) FROM basin").fetchall()[0][0]
    rows = [{**m, "epci_rank": ranks.get(m["code"])} for m in members.to_dict("records")]
    return {"b": b, "members": rows, "shapes": shapes, "width": WIDTH, "height": HEIGHT,
            "n_basins": n_basins, "meta": answer.meta, "colours": COLOURS,
            "generated": date.today().strftime("%d/%m/%Y"),
            "map_alt": f"Carte des {len(rows)} EPCI du bassin {b['code']} et de leurs voisins"}


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(number=lambda v, d=0: "—" if v is None or v != v else fr_number(v, d))
    return env


def render_basin_html(con, answer: Answer, inline_css: bool = True) -> str:
    """The basin's profile as one self-contained HTML page."""
    return _environment().get_template("basin.html.j2").render(
        css=_css() if inline_css else None, **_context(con, answer))


def render_basin_pdf(con, answer: Answer) -> bytes:
    """The basin's profile as an A4 PDF (WeasyPrint, the territory profile's stylesheet)."""
    return pdf_from_html(render_basin_html(con, answer, inline_css=False))


def write_basin_profile(con, answer: Answer, fmt: str, out: Path) -> Path:
    """Write the basin's profile in ``fmt`` (html, pdf or json) to ``out``."""
    out = Path(out)
    if fmt == "pdf":
        out.write_bytes(render_basin_pdf(con, answer))
    elif fmt == "html":
        out.write_text(render_basin_html(con, answer), encoding="utf-8")
    else:
        out.write_text(render_json(answer), encoding="utf-8")
    return out
