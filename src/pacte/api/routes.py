"""Thin routes over :mod:`pacte.handlers`: each reads its parameters, calls one handler on a
cursor of the read-only store and returns ``{"data", "meta"}`` (meta = the handler's
envelope: sources, vintages, licences, build hash). No SQL here.

A new group of routes goes in its own module with an ``APIRouter`` (as ``routes_more``,
``routes_local``, ``routes_basins``, ``routes_dashboard``), added to :data:`ROUTERS` in
:mod:`pacte.api.app`; it gets the same envelope, errors and :func:`cursor` dependency.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

import duckdb
from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response

from pacte.api import schemas as S
from pacte.api.catalogue import catalogue_extras
from pacte.api.response import JSON, accepts_gzip, answer, answer_stored
from pacte.api.schemas import Envelope
from pacte.handlers import Answer, cards, envelope
from pacte.handlers import indicators as indicator_handlers
from pacte.handlers import ranking as ranking_handlers
from pacte.handlers import sources as source_handlers
from pacte.handlers import territory as territory_handlers
from pacte.settings import LIMITS
from pacte.targeting.rule import Rule

router = APIRouter(prefix="/api")


class RankingEnvelope(Envelope[list[S.RankingRow]]):
    meta: S.RankingMeta


class JobsEnvelope(Envelope[list[S.JobRow]]):
    meta: S.JobsMeta


class TerritoriesEnvelope(Envelope[list[S.TerritoryRow]]):
    meta: S.LevelMeta


class IndicatorsEnvelope(Envelope[list[S.IndicatorRow]]):
    meta: S.IndicatorsMeta


class SourcesEnvelope(Envelope[list[S.RegistryRow]]):
    meta: S.SourcesMeta


def cursor(request: Request) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor of the store opened once per process (DuckDB cursors are per thread); the
    request reads the store it started on even if a build replaces the file meanwhile."""
    with request.app.state.store.cursor() as cur:
        yield cur


Cur = Annotated[duckdb.DuckDBPyConnection, Depends(cursor)]
#: Upper bound of the API only (indicators a caller may ask at once); the size of a
#: selection is bounded by the setting ``PACTE_MAX_TOP`` (:mod:`pacte.api.limits`); the rules
#: on values (level names, top ≥ 1, quotas within top, seed and draws ranges) stay in the
#: handlers.
Level = Annotated[str, Query(max_length=12, examples=["epci"],
                             description="Niveau : epci, ze2020, ze2010, dep, reg, commune.")]
RankLevel = Annotated[str, Query(max_length=12, description="epci, ze2020 ou ze2010.")]
#: A territory's level and code in a path. The examples (Rouen Métropole) are what the
#: OpenAPI shows, and what the fuzzing sends first, so that it checks a success answer
#: against its declared schema before it explores random levels and codes.
LevelPath = Annotated[str, Path(max_length=12, examples=["epci"],
                                description="Niveau : epci, ze2020, ze2010, dep, reg, commune.")]
CodePath = Annotated[str, Path(max_length=200, examples=["200023414"],
                               description="Code officiel du territoire (ou son nom).")]
Top = Annotated[int | None, Query(description="Ne garder que la sélection des N premiers "
                                              "(au plus PACTE_MAX_TOP, 10 000 par défaut).")]
Quota = Annotated[int, Query(description="Nombre minimal de territoires ruraux / urbains "
                                         "(au plus PACTE_MAX_TOP).")]
Seed = Annotated[int, Query(description="Graine du Monte Carlo.")]


def _default_rule() -> dict:
    """The shipped default rule as its file writes it (the example body of POST
    ``/api/ranking``: what a caller copies and changes; the fuzzing sends it first, so
    that a success answer of that operation is checked against its declared schema)."""
    from pacte.targeting.rule import DEFAULT_CONFIG
    from pacte.targeting.rule_yaml import parse_yaml, read_text

    return parse_yaml(read_text(DEFAULT_CONFIG), DEFAULT_CONFIG)


RuleBody = Annotated[Rule, Body(openapi_examples={"defaut": {
    "summary": "La règle par défaut de pacte (data/composite_default.yaml)",
    "value": _default_rule()}})]
Draws = Annotated[int | None, Query(description="Nombre de tirages du Monte Carlo.")]
Text = Annotated[str | None, Query(max_length=40)]


@router.get("/health", summary="État du service et du store",
            response_model=Envelope[S.Health])
def health(request: Request, cur: Cur) -> JSON:
    meta = envelope(cur, [])
    n = cur.execute("SELECT count(*) FROM territory").fetchall()[0][0]
    db = request.app.state.settings.db.name  # the file's name: no server path
    return answer(Answer({"status": "ok", "db": db, "territories": n}, meta))


@router.get("/catalogue", summary="Catalogue des indicateurs (définitions, unités, sources)",
            response_model=Envelope[S.Catalogue])
def catalogue(cur: Cur) -> JSON:
    df = indicator_handlers.catalogue()
    extras = catalogue_extras()
    rows = [{**r, "resolution": extras["resolution"][r["id"]],
             "available": extras["available"][r["id"]]} for r in df.to_dict("records")]
    return answer(Answer({"indicators": rows, "sources": extras["sources"],
                          "levels": extras["levels"]}, envelope(cur)))


@router.get("/territories", summary="Territoires d'un niveau (recherche sur le code ou le nom)",
            response_model=TerritoriesEnvelope)
def territories(cur: Cur, level: Level = "epci",
                search: Annotated[str | None, Query(max_length=100)] = None) -> JSON:
    return answer(territory_handlers.territories(cur, level, search), level=level)


@router.get("/territories/{level}/{query}", summary="Un territoire : identité, indicateurs, "
            "emplois", response_model=Envelope[S.Card])
def territory(request: Request, cur: Cur, level: LevelPath, query: CodePath) -> Response:
    body = cards.stored_answer(cur, query, level)
    if body is None:  # a commune (no card): assembled on request
        return answer(territory_handlers.territory(cur, query, level, jobs_detail=False),
                      level=level)
    return answer_stored(body, accepts_gzip(request.headers.get("accept-encoding")))


@router.get("/territories/{level}/{query}/jobs", summary="Séries d'emplois d'un territoire, "
            "au détail de chaque secteur (URSSAF : chaque code APE)",
            response_model=JobsEnvelope)
def territory_jobs(cur: Cur, level: LevelPath, query: CodePath,
                   source: Annotated[str | None, Query(max_length=40, description="Ne garder "
                                                       "qu'une source d'emplois.")] = None,
                   detail: Annotated[bool, Query(description="Chaque code APE (true) ou "
                                                 "sommés par section NAF (false).")] = True
                   ) -> JSON:
    ans = territory_handlers.territory_jobs(cur, query, level, source, detail)
    return answer(ans)


@router.get("/indicators", summary="Indicateurs d'un niveau (table longue)",
            response_model=IndicatorsEnvelope)
def indicators(
    cur: Cur, level: Level,
    indicator: Annotated[list[Annotated[str, Query(max_length=60)]] | None,
                         Query(max_length=LIMITS.max_request_indicators,
                               description="Identifiant(s) du catalogue.")
                         ] = None,
    period: Text = None, code: Text = None,
    source: Annotated[str | None, Query(max_length=40, description="Ne garder qu'une source "
                                        "ou un modèle.")] = None,
) -> JSON:
    ans = indicator_handlers.indicators(cur, level, indicator or None, period, code)
    if source is not None:
        ans = Answer(ans.data[ans.data["source"] == source].reset_index(drop=True), ans.meta)
    return answer(ans, level=level, indicator=indicator, period=period, code=code,
                  source=source)


def _ranking(cur, level, top, rural_quota, urban_quota, per_region, seed, draws,
             rule: Rule | None = None) -> JSON:
    ans = ranking_handlers.ranking(cur, level, top, rural_quota, urban_quota, per_region,
                                   rule, seed, draws,
                                   rule_source=None if rule is None else "corps de la requête")
    return answer(ans)


@router.get("/ranking", summary="Classement par l'indice composite par défaut",
            response_model=RankingEnvelope)
def ranking(cur: Cur, level: RankLevel = "epci", top: Top = None, rural_quota: Quota = 0,
            urban_quota: Quota = 0, per_region: bool = False, seed: Seed = 0,
            draws: Draws = None) -> JSON:
    return _ranking(cur, level, top, rural_quota, urban_quota, per_region, seed, draws)


@router.post("/ranking", summary="Classement avec une règle envoyée en JSON (mêmes clés que le "
             "YAML : name, dimensions, indicators, weight...)", response_model=RankingEnvelope)
def ranking_custom(cur: Cur, rule: RuleBody, level: RankLevel = "epci",
                   top: Top = None, rural_quota: Quota = 0, urban_quota: Quota = 0,
                   per_region: bool = False, seed: Seed = 0, draws: Draws = None) -> JSON:
    return _ranking(cur, level, top, rural_quota, urban_quota, per_region, seed, draws, rule)


@router.get("/sources", summary="Sources officielles : registre, cache, store",
            response_model=SourcesEnvelope)
def sources(request: Request, cur: Cur) -> JSON:
    settings = request.app.state.settings
    ans = source_handlers.sources(settings.db, settings.cache)
    return answer(ans, **envelope(cur))


@router.get("/provenance", summary="Provenance du store : table, source, millésime, licence",
            response_model=Envelope[S.Provenance])
def provenance(cur: Cur) -> JSON:
    meta = envelope(cur)
    return answer(Answer({"tables": meta["sources"]}, meta))
