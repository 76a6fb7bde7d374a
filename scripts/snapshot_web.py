"""Simplified GeoJSON layers of the web dashboard (src/pacte/web/geo/<level>.json), from the
store's ``contours_*`` tables (IGN contours, WGS84).

Usage: python scripts/snapshot_web.py [--db PATH] [--out DIR] [--tolerance FACTOR]

Topology-preserving simplification without a geometry library: rings are cut into arcs at
the points where the set of territories sharing a vertex changes (junctions, coast ends);
each arc is simplified once (Douglas-Peucker) in a canonical direction and reused by every
ring that shares it, so that neighbours keep one common border (no gaps, no slivers).
Coordinates are then rounded to 3 decimals (about 100 m). The bundled contours are already
simplified, so the EPCI layer needs about 1 km (0.011°) to stay under 1 MB: right for a
national map, coarse beyond a département.
Each feature carries ``code, name, reg, reg_name, area_type`` from the ``territory`` table
(the dashboard's filters). Run again whenever the contours or the territory table change.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

from pacte import store

LEVELS = {"epci": 0.011, "ze2020": 0.006, "dep": 0.005, "reg": 0.008}  # degrees
OUT = Path(__file__).resolve().parents[1] / "src" / "pacte" / "web" / "geo"
Point = tuple[float, float]


def _dist2(p: Point, a: Point, b: Point) -> float:
    """Squared distance from ``p`` to the segment ``ab``."""
    (x, y), (x1, y1), (x2, y2) = p, a, b
    dx, dy = x2 - x1, y2 - y1
    n = dx * dx + dy * dy
    t = 0.0 if n == 0 else max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / n))
    ex, ey = x1 + t * dx - x, y1 + t * dy - y
    return ex * ex + ey * ey


def calc_douglas_peucker(pts: list[Point], tol: float) -> list[Point]:
    """Douglas-Peucker (iterative), endpoints kept."""
    if len(pts) < 3:
        return list(pts)
    keep = [False] * len(pts)
    keep[0] = keep[-1] = True
    stack, tol2 = [(0, len(pts) - 1)], tol * tol
    while stack:
        i, j = stack.pop()
        best, at = -1.0, -1
        for k in range(i + 1, j):
            d = _dist2(pts[k], pts[i], pts[j])
            if d > best:
                best, at = d, k
        if at > 0 and best > tol2:
            keep[at] = True
            stack += [(i, at), (at, j)]
    return [p for p, k in zip(pts, keep, strict=True) if k]


def _polygons(geom: dict) -> list[list[list[Point]]]:
    polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
    return [[[tuple(pt) for pt in ring] for ring in poly] for poly in polys]


def simplify_layer(features: dict[str, list], tol: float) -> dict[str, list]:
    """code -> polygons (lists of closed rings), simplified with shared arcs."""
    use: dict[Point, set[str]] = defaultdict(set)
    for code, polys in features.items():
        for poly in polys:
            for ring in poly:
                for pt in ring:
                    use[pt].add(code)
    cache: dict[tuple, list[Point]] = {}

    def arc(chunk: list[Point]) -> list[Point]:
        flip = (chunk[-1], chunk[-2] if len(chunk) > 1 else chunk[0]) < (chunk[0], chunk[1]
                                                                         if len(chunk) > 1
                                                                         else chunk[0])
        key = tuple(reversed(chunk)) if flip else tuple(chunk)
        if key not in cache:
            cache[key] = calc_douglas_peucker(list(key), tol)
        out = cache[key]
        return out[::-1] if flip else out

    def ring_out(ring: list[Point]) -> list[Point]:
        pts = ring[:-1] if ring[0] == ring[-1] else ring
        n = len(pts)
        fixed = [i for i in range(n) if len(use[pts[i]]) > 2
                 or use[pts[i]] != use[pts[i - 1]] or use[pts[i]] != use[pts[(i + 1) % n]]]
        if not fixed:  # an island or an enclave: start at the smallest point
            start = min(range(n), key=lambda i: pts[i])
            fixed = [start]
        res: list[Point] = []
        for a, b in zip(fixed, fixed[1:] + [fixed[0] + n], strict=True):
            chunk = [pts[k % n] for k in range(a, b + 1)]
            res += arc(chunk)[:-1]
        res.append(res[0])
        rounded = [(round(x, 3), round(y, 3)) for x, y in res]
        return [p for i, p in enumerate(rounded) if i == 0 or p != rounded[i - 1]]

    out = {}
    for code, polys in features.items():
        kept = []
        for poly in polys:
            ext = ring_out(poly[0])
            if len(ext) >= 4:
                kept.append([ext, *(h for h in map(ring_out, poly[1:]) if len(h) >= 4)])
        if not kept:  # never lose a territory: keep its largest polygon, rounded only
            big = max(polys, key=lambda p: len(p[0]))
            kept = [[[(round(x, 3), round(y, 3)) for x, y in r] for r in big]]
        out[code] = kept
    return out


def snapshot(db: Path | None, out_dir: Path, tol_factor: float = 1.0) -> dict[str, int]:
    """Write one GeoJSON per level; returns level -> size in bytes."""
    out_dir.mkdir(parents=True, exist_ok=True)
    sizes = {}
    with store.connect(db) as con:
        for level, tol in LEVELS.items():
            rows = con.execute(
                f"""SELECT c.code, t.name, t.reg, r.name AS reg_name, t.area_type, c.geometry
                    FROM contours_{level} c
                    LEFT JOIN territory t ON t.level = ? AND t.code = c.code
                    LEFT JOIN territory r ON r.level = 'reg' AND r.code = t.reg
                    ORDER BY c.code""", [level]).fetchall()
            geoms = {r[0]: _polygons(json.loads(r[5])) for r in rows}
            simple = simplify_layer(geoms, tol * tol_factor)
            feats = [{"type": "Feature",
                      "properties": {"code": code, "name": name,
                                     "reg": code if level == "reg" else reg,
                                     "reg_name": name if level == "reg" else reg_name,
                                     "area_type": area},
                      "geometry": {"type": "MultiPolygon", "coordinates": simple[code]}}
                     for code, name, reg, reg_name, area, _ in rows]
            path = out_dir / f"{level}.json"
            path.write_text(json.dumps({"type": "FeatureCollection", "features": feats},
                                       ensure_ascii=False, separators=(",", ":")),
                            encoding="utf-8")
            sizes[level] = path.stat().st_size
    return sizes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, default=None)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--tolerance", type=float, default=1.0,
                    help="facteur appliqué aux tolérances par niveau (défaut 1)")
    args = ap.parse_args()
    for level, size in snapshot(args.db, args.out, args.tolerance).items():
        print(f"{level}: {size / 1e6:.2f} Mo")


if __name__ == "__main__":
    main()
