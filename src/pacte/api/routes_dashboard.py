"""Routes the dashboard consumes beyond the core ones: comparison groups, the indicators'
metadata sheets (JSON or a downloadable HTML page), the default targeting rule as JSON (the
rule editor starts from it and posts its edits to ``POST /api/ranking``) and the export of
several indicators for a selection of territories (CSV for French Excel, XLSX).
Registered in :data:`pacte.api.app.ROUTERS`; every answer is built by a handler."""

from __future__ import annotations

import tempfile
from pathlib import Path as FilePath
from typing import Annotated, Literal
from urllib.parse import quote

import yaml
from fastapi import APIRouter, Body, Path, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from pacte.api import schemas as S
from pacte.api.response import JSON, answer
from pacte.api.routes import CodePath, Cur, LevelPath
from pacte.api.schemas import Envelope
from pacte.export.formats import MEDIA, ExportFormat
from pacte.handlers import Answer, compare, envelope, sheets
from pacte.targeting.rule import DEFAULT_CONFIG

router = APIRouter(prefix="/api")
BINARY = {"type": "string", "format": "binary"}


class RuleEnvelope(S.Envelope[S.RuleShape]):
    meta: S.RuleFile

Group = Literal["semblables", "profil", "departement", "region", "nature", "population", "codes"]


@router.get("/compare/{level}/{code}", summary="Groupe de comparaison d'un territoire "
            "(semblables, profil, département, région, nature, tranche de population, liste "
            "de codes)", response_model=Envelope[S.ComparisonGroup])
def compare_group(cur: Cur, level: LevelPath, code: CodePath, group: Group = "semblables",
                  codes: Annotated[str | None, Query(max_length=25_000, description="Codes "
                                                     "séparés par des virgules (groupe "
                                                     "« codes »).")] = None) -> JSON:
    return answer(compare.comparison_group(cur, level, code, group, codes))


@router.get("/metadata", summary="Fiches de métadonnées des indicateurs (texte du catalogue, "
            "sources, millésimes, licences) et noms français des sources",
            response_model=Envelope[S.IndicatorSheets])
def metadata(cur: Cur) -> JSON:
    return answer(sheets.indicator_sheets(cur))


@router.get("/metadata/{indicator}", summary="Fiche de métadonnées d'un indicateur (JSON ou "
            "page HTML à télécharger)",
            response_model=Envelope[S.CatalogueEntry],
            responses={200: {"content": {"text/html": {"schema": {"type": "string"}}}}})
def metadata_sheet(cur: Cur, indicator: Annotated[str, Path(max_length=60,
                                                           examples=["industry_share"])],
                   format: Literal["json", "html"] = "json") -> Response:  # noqa: A002
    ans = sheets.indicator_sheets(cur, [indicator])
    if format == "json":
        return answer(ans, data=ans.data["indicators"][0])
    page = sheets.render_sheet_html(ans.data["indicators"][0], ans.meta)
    return HTMLResponse(page, headers={
        "content-disposition": f'attachment; filename="pacte_fiche_{indicator}.html"'})


@router.get("/rule", summary="Règle de ciblage par défaut (le YAML de « pacte rank », en JSON)",
            response_model=RuleEnvelope)
def rule(cur: Cur) -> JSON:
    raw = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    return answer(Answer(raw, envelope(cur, [])), rule_file=DEFAULT_CONFIG.name)


class Column(BaseModel):
    model_config = ConfigDict(extra="forbid")
    indicator: str = Field(max_length=60)
    source: str = Field(max_length=40)
    period: str = Field(max_length=40)


class Selection(BaseModel):
    """What the dashboard shows: the level, the columns and the territories, in order."""
    model_config = ConfigDict(extra="forbid")
    level: str = Field(max_length=12)
    format: Literal["csv-fr", "xlsx"] = "csv-fr"
    columns: list[Column] = Field(max_length=sheets.MAX_COLUMNS)
    codes: list[Annotated[str, Field(max_length=20)]] | None = Field(None, max_length=40_000)


#: The example of the OpenAPI (and the body the fuzzing sends first): Rouen Métropole's
#: industrial share in 2016.
SelectionBody = Annotated[Selection, Body(openapi_examples={"rouen": {
    "summary": "Part de l'industrie en 2016 pour la Métropole Rouen Normandie",
    "value": {"level": "epci", "format": "csv-fr", "codes": ["200023414"],
              "columns": [{"indicator": "industry_share", "source": "rp", "period": "2016"}]}}})]


@router.post("/selection/export", summary="Export de plusieurs indicateurs pour une sélection "
             "de territoires (CSV pour Excel français ou XLSX avec feuilles Sources et "
             "Définitions)",
             response_class=Response,
             responses={200: {"description": "Le fichier exporté.", "content": {
                 "text/csv": {"schema": BINARY}, MEDIA[ExportFormat.xlsx][0]: {"schema": BINARY}}}})
def selection_export(cur: Cur, selection: SelectionBody) -> Response:
    fmt = ExportFormat(selection.format)
    media, ext = MEDIA[fmt]
    cols = [(c.indicator, c.source, c.period) for c in selection.columns]
    with tempfile.TemporaryDirectory(prefix="pacte-selection-") as tmp:
        out = FilePath(tmp) / f"selection.{ext}"
        n, meta = sheets.write_selection(cur, selection.level, cols, selection.codes,
                                         selection.format, out)
        body = out.read_bytes()
    name = f"pacte_selection_{selection.level}.{ext}"
    return Response(body, media_type=media, headers={
        "content-disposition": f'attachment; filename="{name}"',
        "x-pacte-build-hash": str(meta.get("build_hash")), "x-pacte-rows": str(n),
        "x-pacte-attribution": quote(meta["attribution"], safe=" ,;:()/.'-")})


MapLevel = Literal["epci", "ze2020", "dep", "reg"]


@router.get("/locate/{level}/{code}", summary="Le territoire d'un autre niveau qui couvre la "
            "plus grande part de la population d'un territoire (EPCI -> zone d'emploi...)",
            response_model=Envelope[S.Located])
def locate(cur: Cur, level: LevelPath, code: CodePath, to: MapLevel) -> JSON:
    return answer(compare.locate(cur, level, code, to))
