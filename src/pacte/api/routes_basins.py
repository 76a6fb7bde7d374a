"""Routes of the candidate industrial basins and of the spatial statistics, thin skins over
:mod:`pacte.handlers.basins` (read from the store; nothing is recomputed).
Registered in :data:`pacte.api.app.ROUTERS`."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse, Response

from pacte.api import schemas as S
from pacte.api.response import JSON, answer
from pacte.api.routes import Cur
from pacte.api.schemas import Envelope
from pacte.handlers import basins as h

router = APIRouter(prefix="/api")

#: A candidate basin's code (B001: the first of the real store).
BasinCode = Annotated[str, Path(max_length=12, examples=["B001"])]
SpatialLevel = Annotated[str, Path(max_length=12, description="epci ou ze2020.",
                                    examples=["epci"])]


@router.get("/basins", summary="Bassins industriels candidats, avec leurs EPCI membres",
            response_model=Envelope[list[S.BasinRow]])
def basins(cur: Cur, top: Annotated[int | None, Query(
        ge=1, description="Les N premiers bassins (au plus PACTE_MAX_TOP).")] = None) -> JSON:
    ans = h.basin_ranking(cur, top)
    members = h.basin_members(cur)
    by_basin = {b: g.drop(columns="basin") for b, g in members.groupby("basin")}
    rows = []
    for row in ans.data.to_dict(orient="records"):
        m = by_basin.get(row["code"])
        row["members"] = [] if m is None else m.to_dict(orient="records")
        rows.append(row)
    return answer(ans, rows)


@router.get("/basins/map", summary="Contours des bassins candidats (GeoJSON, WGS84)",
            response_model=Envelope[S.FeatureCollection])
def basins_map(cur: Cur) -> JSON:
    ans = h.basin_ranking(cur)
    geo = dict(cur.execute("SELECT code, geometry FROM contours_bassin").fetchall())
    keep = ["code", "name", "rank", "score", "rank_low", "rank_high", "n_members",
            "member_names", "population", "industry_jobs", "industry_share"]
    feats = [{"type": "Feature", "geometry": json.loads(geo[r["code"]]),
              "properties": r} for r in ans.data[keep].to_dict(orient="records")
             if r["code"] in geo]
    return answer(ans, {"type": "FeatureCollection", "features": feats})


@router.get("/basins/{code}", summary="Un bassin candidat et ses EPCI membres",
            response_model=Envelope[S.BasinDetail])
def basin(cur: Cur, code: BasinCode) -> JSON:
    return answer(h.basin(cur, code))


@router.get("/basins/{code}/profile", summary="Profil d'un bassin candidat (JSON, HTML ou PDF)",
            response_model=Envelope[S.BasinDetail],
            responses={200: {"content": {"text/html": {"schema": {"type": "string"}},
                                         "application/pdf": {"schema": {
                                             "type": "string", "format": "binary"}}}}})
def basin_profile(cur: Cur, code: BasinCode,
                  format: Annotated[str, Query(pattern="^(json|html|pdf)$",  # noqa: A002
                                               examples=["json"],
                                               description="json, html ou pdf.")] = "json"):
    from pacte.report.basin import render_basin_html, render_basin_pdf

    ans = h.basin(cur, code)
    if format == "html":
        return HTMLResponse(render_basin_html(cur, ans))
    if format == "pdf":
        return Response(render_basin_pdf(cur, ans), media_type="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="profil_{code}.pdf"'})
    return answer(ans)


@router.get("/spatial/{level}", summary="I de Moran du score et des indicateurs, grappes",
            response_model=Envelope[S.Spatial])
def spatial(cur: Cur, level: SpatialLevel) -> JSON:
    return answer(h.spatial_statistics(cur, level))


@router.get("/spatial/{level}/lisa", summary="Grappe locale (Moran local) de chaque territoire",
            response_model=Envelope[list[S.LisaRow]])
def lisa(cur: Cur, level: SpatialLevel) -> JSON:
    return answer(h.lisa_clusters(cur, level))
