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
    # bounds on what one client may cost (pacte.api.limits)
    max_heavy: int = Field(2, ge=1, description="Requêtes lourdes (classement calculé, profil "
                           "PDF/HTML, export, audit) traitées en même temps par processus ; "
                           "au-delà : 503 avec Retry-After.")
    retry_after: int = Field(5, ge=1, description="Secondes conseillées (Retry-After) avant de "
                             "reposer une requête refusée (503).")
    request_timeout: float = Field(120.0, gt=0, description="Délai maximal d'une requête "
                                   "(secondes) ; au-delà : 503.")
    max_draws: int = Field(5_000, ge=1, description="Tirages Monte Carlo acceptés par requête "
                           "(paramètre draws ou uncertainty.draws de la règle envoyée).")
    max_export_cells: int = Field(1_000_000, ge=1, description="Cellules (territoires x "
                                  "colonnes) d'un export XLSX, GeoJSON ou GeoPackage ; quatre "
                                  "fois plus en CSV et Parquet.")
    max_repeat: int = Field(100, ge=1, description="Répétitions d'un même paramètre de requête.")
