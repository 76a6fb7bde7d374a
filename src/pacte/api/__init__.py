"""JSON API (FastAPI) over the handlers, and the static dashboard: ``create_app(settings)``."""

from pacte.api.app import create_app
from pacte.api.settings import Settings

__all__ = ["Settings", "create_app"]
