"""The FastAPI application: ``create_app(settings)`` opens the store read-only once per
process, mounts the JSON API under ``/api/`` and the static dashboard (``pacte/web``) at
``/``. Stateless apart from that connection: several workers or replicas can serve the same
store file (each request works on its own cursor)."""

from __future__ import annotations

from contextlib import asynccontextmanager
from importlib import metadata, resources
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.staticfiles import StaticFiles

from pacte.api import errors, routes, routes_more
from pacte.api.settings import Settings
from pacte.errors import StoreError
from pacte.store.connect import connect, read_meta

#: Routers mounted beside the core routes (the profile and export routes go here).
ROUTERS = [routes.router, routes_more.router]

#: The dashboard's only origin is the server: no CDN, tiles, fonts or inline script.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "worker-src 'self' blob:; child-src blob:; connect-src 'self'; frame-ancestors 'none'; "
       "base-uri 'none'; form-action 'none'")
SECURITY_HEADERS = [(b"content-security-policy", CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer")]


def web_dir() -> Path:
    """The static dashboard shipped in the package."""
    return Path(str(resources.files("pacte") / "web"))


def _version() -> str:
    try:
        return metadata.version("pacte")
    except metadata.PackageNotFoundError:  # pragma: no cover - source checkout
        return "0"


class SecurityHeaders:
    """Pure ASGI middleware adding the CSP and companion headers to every answer."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + SECURITY_HEADERS
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The API (and the dashboard when ``settings.web``) over the store ``settings.db``.

    The store is opened read-only at startup; if it is missing or corrupted the app still
    starts and every data route answers 503 with the French message of the error."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.con, app.state.store_error, app.state.build_hash = None, None, None
        try:
            app.state.con = connect(settings.db)
            app.state.build_hash = read_meta(app.state.con).get("build_hash")
        except StoreError as exc:
            app.state.store_error = exc
        try:
            yield
        finally:
            if app.state.con is not None:
                app.state.con.close()

    app = FastAPI(title="pacte — API", version=_version(), lifespan=lifespan,
                  description="Intelligence industrielle des territoires : indicateurs, "
                  "classement, sources. Chaque réponse porte source, millésime, licence et "
                  "l'empreinte du store.",
                  docs_url=None, redoc_url=None)  # both pages load scripts from a CDN
    app.state.settings = settings
    app.state.con, app.state.store_error, app.state.build_hash = None, None, None
    errors.install(app)
    for router in ROUTERS:
        app.include_router(router)
    if settings.web:
        app.mount("/", StaticFiles(directory=web_dir(), html=True), name="web")
    app.add_middleware(GZipMiddleware, minimum_size=2000)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                           allow_methods=["GET", "POST"], allow_headers=["content-type"])
    app.add_middleware(SecurityHeaders)
    return app


def app_from_env() -> FastAPI:
    """Factory for uvicorn (``pacte serve``, several workers): settings from ``PACTE_*``."""
    return create_app(Settings())
