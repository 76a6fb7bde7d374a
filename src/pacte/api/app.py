"""The FastAPI application: ``create_app(settings)`` opens the store read-only once per
process (:class:`pacte.api.live_store.LiveStore`, reopened when a build replaces the file),
mounts the JSON API under ``/api/`` and the static dashboard (``pacte/web``) at ``/``.
Stateless apart from that connection: several workers or replicas can serve the same store
file (each request works on its own cursor)."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware

from pacte.api import (
    errors,
    routes,
    routes_basins,
    routes_dashboard,
    routes_local,
    routes_more,
)
from pacte.api.cache import ResponseCache
from pacte.api.guards import CSP, SECURITY_HEADERS, Limits, SecurityHeaders, no_unknown_query
from pacte.api.limits import CostLimits
from pacte.api.live_store import LiveStore
from pacte.api.settings import Settings
from pacte.api.static import GzipStatic
from pacte.settings import VERSION, package_file

__all__ = ["CSP", "SECURITY_HEADERS", "ROUTERS", "create_app", "app_from_env", "web_dir"]

#: Routers mounted beside the core routes (the profile and export routes go here).
ROUTERS = [
    routes.router,
    routes_more.router,
    routes_local.router,
    routes_dashboard.router,
    routes_basins.router,
]

def web_dir() -> Path:
    """The static dashboard shipped in the package."""
    return package_file("web")


def create_app(settings: Settings | None = None) -> FastAPI:
    """The API (and the dashboard when ``settings.web``) over the store ``settings.db``.

    The store is opened read-only at startup; if it is missing or corrupted the app still
    starts and every data route answers 503 with the French message of the error."""
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.store = LiveStore(settings.db)
        app.state.store.open()
        try:
            yield
        finally:
            app.state.store.close()

    app = FastAPI(title="pacte — API", version=VERSION, lifespan=lifespan,
                  description="Intelligence industrielle des territoires : indicateurs, "
                  "classement, sources. Chaque réponse porte source, millésime, licence et "
                  "l'empreinte du store.",
                  docs_url=None, redoc_url=None,  # both pages load scripts from a CDN
                  separate_input_output_schemas=False)  # one Rule, sent and sent back
    app.state.settings = settings
    app.state.store = LiveStore(settings.db)  # replaced (and opened) by the lifespan
    errors.install(app)
    for router in ROUTERS:
        app.include_router(router, dependencies=[Depends(no_unknown_query)],
                           responses=errors.ERROR_RESPONSES)
    if settings.web:
        app.mount("/", GzipStatic(directory=web_dir(), html=True), name="web")
    app.add_middleware(GZipMiddleware, minimum_size=2000)
    app.add_middleware(CostLimits)  # inside the cache: a cached answer costs nothing
    app.add_middleware(ResponseCache, max_bytes=settings.cache_bytes,
                       max_entry=settings.cache_entry_bytes)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                           allow_methods=["GET", "POST"], allow_headers=["content-type"])
    app.add_middleware(Limits, max_query=settings.max_query_bytes,
                       max_body=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders)
    return app


def app_from_env() -> FastAPI:
    """Factory for uvicorn (``pacte serve``, several workers): settings from ``PACTE_*``."""
    return create_app(Settings.from_env())
