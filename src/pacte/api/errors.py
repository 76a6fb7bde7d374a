"""One JSON error envelope for every failure, with a French message:

    {"error": {"status": 404, "type": "UnknownTerritoryError", "message": "...",
               "details": [...]}, "meta": {"build_hash": ...}}

The HTTP status of a pacte error comes from the one error table
(:data:`pacte.errors.STATUS`, :func:`pacte.errors.status_of`); request-validation errors
(422), unknown routes (404) and wrong methods (405) get the same envelope in French, and an
unexpected exception a 500 without any traceback."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from pacte.api.response import JSON
from pacte.errors import (
    PacteError,
    UnknownTerritoryError,
    short_value,
    status_of,
    validation_text,
)

log = logging.getLogger("pacte.api")

PLACES = {"query": "paramètre", "path": "chemin", "body": "corps de la requête"}
HTTP_MESSAGES = {400: "requête mal formée", 404: "ressource introuvable",
                 405: "méthode non autorisée sur cette adresse",
                 413: "corps de la requête trop long", 414: "adresse trop longue"}


class ErrorBody(BaseModel):
    status: int
    type: str
    message: str
    details: list[dict] | None = None


class ErrorMeta(BaseModel):
    build_hash: str | None


class ErrorEnvelope(BaseModel):
    """The one error envelope, as the OpenAPI document declares it."""

    error: ErrorBody
    meta: ErrorMeta


#: Declared on every API route (the OpenAPI document then tells the truth about errors).
ERROR_RESPONSES: dict[int | str, dict] = {
    code: {"model": ErrorEnvelope, "description": text} for code, text in (
        (400, "Requête mal formée"), (404, "Territoire ou ressource introuvable"),
        (422, "Paramètre invalide (message en français)"),
        (500, "Erreur interne"), (503, "Store absent ou corrompu"))}


def _meta(state) -> dict:
    store = getattr(state, "store", None)
    return {"build_hash": getattr(store, "build_hash", None)}


def envelope_json(state, status: int, kind: str, message: str,
                  details: list | None = None) -> JSON:
    """The error envelope; ``state`` is the application's state (or None)."""
    from pacte.api.guards import scrub_paths  # no absolute server path in an answer

    body = {"status": status, "type": kind, "message": scrub_paths(message)}
    if details:
        body["details"] = [{k: scrub_paths(v) if isinstance(v, str) else v
                            for k, v in d.items()} if isinstance(d, dict) else d
                           for d in details]
    return JSON({"error": body, "meta": _meta(state)}, status_code=status)


def error_response(request: Request, status: int, kind: str, message: str,
                   details: list | None = None) -> JSON:
    return envelope_json(request.app.state, status, kind, message, details)


def _validation_detail(err: dict) -> dict:
    loc = [str(x) for x in err.get("loc", ())]
    place = PLACES.get(loc[0], loc[0]) if loc else "requête"
    field = ".".join(loc[1:])
    why = validation_text(err)
    ctx = err.get("ctx") or {}
    if err.get("type") == "extra_forbidden":
        why = "paramètre inconnu" if loc and loc[0] == "query" else "clé inconnue"
    if "accepted" in ctx:
        why += f" (paramètres acceptés : {ctx['accepted']})"
    where = f"{place} « {field} »" if field else place
    detail = {"where": where, "message": why}
    if "input" in err and err.get("type") not in ("missing", "value_error"):
        value = err["input"]
        detail["value"] = (str(value)[:100] if isinstance(value, str | int | float | bool)
                           else short_value(value, 100))
    return detail


def install(app: FastAPI) -> None:
    """Register the handlers of the envelope on ``app``."""

    @app.exception_handler(PacteError)
    async def pacte_error(request: Request, exc: PacteError) -> JSON:
        status = status_of(exc)[1]
        details = ([{"suggestions": exc.suggestions}]
                   if isinstance(exc, UnknownTerritoryError) and exc.suggestions else None)
        return error_response(request, status, type(exc).__name__, str(exc), details)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSON:
        details = [_validation_detail(e) for e in exc.errors()]
        text = " ; ".join(f"{d['where']} : {d['message']}" for d in details)
        return error_response(request, 422, "RequestValidationError",
                              f"requête invalide — {text}", details)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSON:
        msg = HTTP_MESSAGES.get(exc.status_code, "erreur HTTP")
        return error_response(request, exc.status_code, "HTTPException",
                              f"{msg} : {request.method} {request.url.path}")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSON:
        log.exception("erreur inattendue sur %s", request.url.path)
        return error_response(request, 500, "InternalError",
                              "erreur interne du serveur pacte (voir le journal du serveur)")
