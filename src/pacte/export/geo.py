"""Wide tables with their contours, for QGIS: GeoJSON (RFC 7946, WGS84) and GeoPackage
(a layer in EPSG:4326 and one in Lambert-93, EPSG:2154, for metropolitan France).

Contours come from the store (``contours_<level>``: GeoJSON text, WGS84). GeoPackage goes
through pyogrio (GDAL) with geometries encoded here as WKB (no shapely needed); the
Lambert-93 layer is projected with pyproj.
"""

from __future__ import annotations

import errno
import json
import math
import struct
from pathlib import Path

import numpy as np
import pandas as pd

from pacte.errors import InvalidParameterError
from pacte.export.atomic import atomic_path, write_text
from pacte.export.table import Table, as_table

#: Overseas départements: outside Lambert-93's domain (each has its own projection).
OVERSEAS_PREFIX = "97"


def contours(con, level: str) -> pd.DataFrame:
    """``code, geometry`` (GeoJSON text, WGS84) of a level; a French error without them."""
    table = f"contours_{level}"
    ok = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
                     [table]).fetchall()[0][0]
    if not ok:
        have = [r[0].removeprefix("contours_") for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_name LIKE "
            "'contours_%' ORDER BY 1").fetchall()]
        raise InvalidParameterError(f"pas de contours au niveau {level!r} pour les formats "
                                    f"géographiques (niveaux avec contours : {', '.join(have)})")
    return con.execute(f"""SELECT c.code, c.geometry, t.dep FROM {table} c
                           LEFT JOIN territory t ON t.level = ? AND t.code = c.code""",
                       [level]).df()


def _clean(v):
    if isinstance(v, float | np.floating) and math.isnan(v):
        return None
    return v.item() if isinstance(v, np.generic) else v


def write_geojson(con, data: Table | pd.DataFrame, level: str, path: Path,
                  meta: dict | None = None) -> Path:
    """A FeatureCollection of the territories of ``data`` that have a contour (WGS84,
    properties: the wide table with units in the headers; ``pacte`` member: provenance)."""
    t = as_table(data)
    geo = contours(con, level).set_index("code")["geometry"]
    names = t.headers()
    feats = []
    for row in t.frame.itertuples(index=False):
        g = geo.get(row[0])
        if g is None:
            continue
        props = {n: _clean(v) for n, v in zip(names, row, strict=True)}
        feats.append(f'{{"type":"Feature","properties":'
                     f'{json.dumps(props, ensure_ascii=False)},"geometry":{g}}}')
    head = {"type": "FeatureCollection", "name": f"pacte_{level}"}
    if meta:
        head["pacte"] = meta
    text = json.dumps(head, ensure_ascii=False, default=str)[:-1]
    return write_text(path, text + ',"features":[' + ",\n".join(feats) + "]}\n")


def _wkb_multipolygon(polys: list[list[np.ndarray]]) -> bytes:
    """Little-endian WKB of a MultiPolygon (each polygon: exterior ring then holes)."""
    out = [struct.pack("<BII", 1, 6, len(polys))]
    for rings in polys:
        out.append(struct.pack("<BII", 1, 3, len(rings)))
        for ring in rings:
            ring = np.ascontiguousarray(ring[:, :2], dtype="<f8")
            out.append(struct.pack("<I", len(ring)) + ring.tobytes())
    return b"".join(out)


def _polygons(geometry: str) -> list[list[np.ndarray]]:
    g = json.loads(geometry)
    polys = g["coordinates"] if g["type"] == "MultiPolygon" else [g["coordinates"]]
    return [[np.asarray(r, float) for r in p] for p in polys]


def write_gpkg(con, data: Table | pd.DataFrame, level: str, path: Path,
               meta: dict | None = None) -> Path:
    """A GeoPackage with two layers: ``<level>`` in EPSG:4326 (every territory with a
    contour) and ``<level>_lambert93`` in EPSG:2154 (metropolitan France only)."""
    from pyproj import Transformer

    t = as_table(data)
    geo = contours(con, level).set_index("code")
    keep = t.frame[t.frame["code"].isin(geo.index)].reset_index(drop=True)
    names = dict(zip(t.frame.columns, t.headers(), strict=True))
    polys = [_polygons(geo.at[c, "geometry"]) for c in keep["code"]]
    metro = ~geo.loc[keep["code"], "dep"].fillna("").str.startswith(OVERSEAS_PREFIX).to_numpy()
    to_l93 = Transformer.from_crs(4326, 2154, always_xy=True)

    def project(p):
        out = []
        for rings in p:
            new = []
            for r in rings:
                x, y = to_l93.transform(r[:, 0], r[:, 1])
                new.append(np.column_stack([x, y]))
            out.append(new)
        return out

    with atomic_path(path) as tmp:
        _write_gpkg_layers(tmp, level, keep, names, polys, metro, project, meta)
    return Path(path)


def _write_gpkg_layers(path: Path, level: str, keep: pd.DataFrame, names: dict, polys: list,
                       metro: np.ndarray, project, meta: dict | None) -> None:
    import pyogrio.raw
    from pyogrio.errors import DataLayerError, DataSourceError

    layer_meta = {"pacte": json.dumps(meta or {}, ensure_ascii=False, default=str)}
    for layer, crs, rows, geoms in (
            (level, "EPSG:4326", np.ones(len(keep), bool), polys),
            (f"{level}_lambert93", "EPSG:2154", metro,
             [project(p) for p, m in zip(polys, metro, strict=True) if m])):
        sub = keep[rows]
        fields = [names[c] for c in sub.columns]
        data = [sub[c].to_numpy(dtype=object if c in ("code", "name") else float)
                for c in sub.columns]
        wkb = np.array([_wkb_multipolygon(g) for g in geoms], dtype=object)
        try:
            pyogrio.raw.write(path, wkb, data, fields, layer=layer, driver="GPKG",
                              geometry_type="MultiPolygon", crs=crs, append=path.exists(),
                              layer_metadata=layer_meta, encoding="UTF-8")
        except (DataSourceError, DataLayerError) as exc:  # GDAL's write errors (full disk...)
            full = "no space" in str(exc).lower()
            raise OSError(errno.ENOSPC if full else errno.EIO, str(exc)) from exc
