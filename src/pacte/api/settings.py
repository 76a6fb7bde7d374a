"""Settings of the JSON API, from the environment (``PACTE_`` prefix, pydantic-settings):
``PACTE_DB`` (the store, same variable as the CLI), ``PACTE_HOST``, ``PACTE_PORT``,
``PACTE_CORS_ORIGINS`` (JSON list, e.g. ``'["https://exemple.fr"]'``; empty = no CORS),
``PACTE_CACHE`` (download cache, read by the sources route)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from pacte.settings import default_cache_dir, default_db_path


class Settings(BaseSettings):
    """What ``create_app`` needs; every field can be set by ``PACTE_<FIELD>``."""

    model_config = SettingsConfigDict(env_prefix="PACTE_", extra="ignore")

    db: Path = Field(default_factory=default_db_path,
                     description="Fichier DuckDB du store, ouvert en lecture seule.")
    cache: Path = Field(default_factory=default_cache_dir,
                        description="Cache des téléchargements (route des sources).")
    host: str = Field("127.0.0.1", description="Adresse d'écoute (boucle locale par défaut).")
    port: int = Field(8000, description="Port d'écoute.")
    cors_origins: list[str] = Field(default_factory=list,
                                    description="Origines autorisées (CORS) ; vide = aucune.")
    web: bool = Field(True, description="Servir le tableau de bord sous « / ».")
