"""Routes of the later capabilities over the same handlers: the territory profile (JSON,
HTML, PDF), the plant impact simulator, the DCRTP cut simulator (offline demo data only:
the API never reads a file path sent by a client), the statistical audit of the rule and
the exports of ``pacte export``.
Registered in :data:`pacte.api.app.ROUTERS`."""

from __future__ import annotations

import tempfile
from pathlib import Path as FilePath
from typing import Annotated
from urllib.parse import quote

import pandas as pd
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from pacte.api import schemas as S
from pacte.api.response import JSON, answer, jsonable
from pacte.api.routes import CodePath, Cur, Level, LevelPath, RankLevel, Text
from pacte.api.schemas import Envelope
from pacte.export.formats import MEDIA, ExportFormat
from pacte.handlers import Answer, envelope
from pacte.settings import LIMITS

router = APIRouter(prefix="/api")
#: The schema of a file answer (PDF, XLSX...).
BINARY = {"type": "string", "format": "binary"}
#: The GeoJSON export is JSON (a FeatureCollection), not bytes.
GEOJSON = {"type": "object", "required": ["type", "features"],
           "properties": {"type": {"const": "FeatureCollection"},
                          "features": {"type": "array", "items": {"type": "object"}}}}


class ProfileEnvelope(Envelope[S.Profile]):
    meta: S.ProfileMeta


class ImpactEnvelope(Envelope[list[S.ImpactRow]]):
    meta: S.ImpactMeta


class SimulationEnvelope(Envelope[S.Simulation]):
    meta: S.SimulationMeta


class AuditEnvelope(Envelope[S.Audit]):
    meta: S.RuleMeta


@router.get("/profile/{level}/{code}", summary="Profil d'un territoire (JSON, HTML ou PDF)",
            response_model=ProfileEnvelope,
            responses={200: {"content": {"text/html": {"schema": {"type": "string"}},
                                         "application/pdf": {"schema": BINARY}}}})
def profile(cur: Cur, level: LevelPath, code: CodePath,
            format: Annotated[str, Query(pattern="^(json|html|pdf)$",  # noqa: A002
                                         examples=["json"],
                                         description="json, html ou pdf.")] = "json"):
    from pacte.handlers.profile import profile as profile_handler
    from pacte.report import profile as report

    ans = profile_handler(cur, code, level)
    if format == "html":  # styled by a stylesheet of this server: the CSP allows no inline style
        return HTMLResponse(report.render_html(cur, ans, stylesheet="/api/profile.css"))
    if format == "pdf":
        return Response(report.render_pdf(cur, ans), media_type="application/pdf",
                        headers={"Content-Disposition": "inline; filename="
                                 f'"profil_{ans.data["territory"]["code"]}.pdf"'})
    return answer(ans)


@router.get("/profile.css", summary="Feuille de style des profils HTML",
            response_class=Response,
            responses={200: {"content": {"text/css": {"schema": {"type": "string"}}}}})
def profile_css() -> Response:
    from pacte.report.profile import stylesheet

    return Response(stylesheet(), media_type="text/css; charset=utf-8",
                    headers={"cache-control": "public, max-age=3600"})


@router.get("/impact/{code}", summary="Impact d'une fermeture ou d'une ouverture d'usine",
            response_model=ImpactEnvelope)
def impact(cur: Cur, code: CodePath,
           sector: Annotated[str, Query(max_length=8, examples=["C4"],
                                        description="Secteur A17 (ex. C4).")],
           jobs: Annotated[int, Query(ge=-1_000_000, le=1_000_000, examples=[-100],
                                      description="Emplois (négatif : fermeture).")],
           level: Annotated[str | None, Query(max_length=8)] = None) -> JSON:
    from pacte.handlers.impact import impact as impact_handler

    return answer(impact_handler(cur, code, sector, jobs, level))


@router.get("/simulate/dcrtp", summary="Minoration de la DCRTP (démonstration, données fictives)",
            response_model=SimulationEnvelope)
def simulate_dcrtp(
    cur: Cur,
    key: Annotated[str, Query(max_length=20, description="legal, dcrtp, population, "
                              "legal-exempt, spare-industrial.")] = "legal",
    year: Annotated[int | None, Query(ge=2017, le=2100)] = None,
    cut: Annotated[float | None, Query(ge=0, le=1e10, description="Minoration en euros.")
                   ] = None,
    stage: Annotated[str | None, Query(pattern="^(lfi|plf|senat)$")] = None,
    exempt_top: Annotated[int | None, Query(ge=1, le=1255, description="Exonère les N "
                                            "premiers du classement.")] = None,
    compare: bool = False,
    limit: Annotated[int, Query(ge=0, le=2000, description="Lignes les plus touchées "
                                "renvoyées (et, avec compare, leurs montants selon chaque "
                                "clé).")] = 100,
) -> JSON:
    from pacte.handlers.finance import simulate_dcrtp as handler

    exempt = f"rank:{exempt_top}" if exempt_top else None
    ans = handler(cur, None, year=year, cut=cut, key=key, exempt=exempt, stage=stage,
                  compare=compare)
    data = dict(ans.data) if isinstance(ans.data, dict) else {"rows": ans.data}
    rows = data.get("rows")
    if isinstance(rows, pd.DataFrame):
        order = "cut" if "cut" in rows else rows.columns[0]
        data["n_rows"] = len(rows)
        rows = rows.reset_index(drop=True)
        top = rows.sort_values(order, ascending=False, kind="stable").head(limit).index
        data["rows"] = rows.loc[top]
        by_key = data.get("rows_by_key")  # with compare: the same entities, row for row
        if isinstance(by_key, pd.DataFrame) and len(by_key) == len(rows):
            data["rows_by_key"] = by_key.reset_index(drop=True).loc[top]
    return answer(Answer(data, ans.meta))


@router.get("/ranking/audit", summary="Audit statistique de la règle (JRC/OCDE)",
            response_model=AuditEnvelope)
def ranking_audit(cur: Cur, level: RankLevel = "epci") -> JSON:
    from pacte.geography import RANK_LEVELS, check_level
    from pacte.targeting import load_config
    from pacte.targeting.audit import run_audit
    from pacte.targeting.audit_text import render_audit

    check_level(level, RANK_LEVELS, "pour le classement")
    config = load_config()
    audit = run_audit(cur, level, config)
    data = {"text": render_audit(audit), "rule": audit["rule"], "n": audit["n"],
            "importance": audit["importance"], "dimensions": audit["dimensions"],
            "pca": audit["pca"],
            "corr_indicators": pd.DataFrame(audit["corr_indicators"]).reset_index(
                names="indicator")}
    return JSON({"data": jsonable(data),
                 "meta": jsonable(envelope(cur, None, level=level, rule=config.name))})


@router.get("/export", summary="Export des indicateurs d'un niveau (mêmes fichiers que "
            "« pacte export » : CSV, CSV pour Excel français, XLSX, GeoJSON, GeoPackage, "
            "Parquet)",
            response_class=Response,
            responses={200: {"description": "Le fichier exporté.",
                             "content": {media: {"schema": GEOJSON if ext == "geojson"
                                                 else BINARY}
                                         for media, ext in set(MEDIA.values())}}})
def export(
    request: Request, cur: Cur, level: Level,
    format: Annotated[ExportFormat, Query(examples=["csv"],  # noqa: A002
                                          description="csv, csv-fr, xlsx, geojson, gpkg ou "
                                          "parquet.")],
    indicator: Annotated[list[Annotated[str, Query(max_length=60)]] | None,
                         Query(max_length=LIMITS.max_request_indicators,
                               description="Identifiant(s) du catalogue "
                               "(défaut : tout le catalogue).")] = None,
    period: Text = None,
) -> Response:
    """The file is written by the server into a temporary folder it names itself (no client
    value is ever a path), read back and sent; provenance travels inside the XLSX, GeoJSON,
    GeoPackage and Parquet files, and in headers for the CSV."""
    from pacte.handlers.export import export_level

    media, ext = MEDIA[format]
    with tempfile.TemporaryDirectory(prefix="pacte-export-") as tmp:
        out = FilePath(tmp) / f"export.{ext}"  # the level is checked by export_level
        n, meta = export_level(cur, level, format, out, indicator or None, period,
                               attribution_file=False,
                               max_cells=request.app.state.settings.max_export_cells)
        body = out.read_bytes()
    return Response(body, media_type=media, headers={
        "content-disposition": f'attachment; filename="pacte_{level}.{ext}"',
        "x-pacte-build-hash": str(meta.get("build_hash")),
        "x-pacte-rows": str(n),
        "x-pacte-attribution": quote(meta["attribution"], safe=" ,;:()/.'-"),
        "link": '</api/provenance>; rel="describedby"'})
