"""``pacte serve``: the JSON API under /api/ and the dashboard at / (uvicorn)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from pacte.cli.common import DbOpt, err, friendly
from pacte.errors import InvalidParameterError
from pacte.settings import DB_ENV, default_db_path


def register(app: typer.Typer) -> None:
    @app.command()
    @friendly
    def serve(
        host: Annotated[str, typer.Option("--host", help="Adresse d'écoute (défaut : boucle "
                                          "locale ; 0.0.0.0 pour toutes les interfaces).")
                        ] = "127.0.0.1",
        port: Annotated[int, typer.Option("--port", "-p", help="Port d'écoute.")] = 8000,
        workers: Annotated[int, typer.Option("--workers", "-w", help="Processus uvicorn "
                                             "(chacun ouvre le store en lecture seule).")] = 1,
        db: DbOpt = None,
    ) -> None:
        """Sert l'API JSON sous /api/ et le tableau de bord cartographique sous /."""
        import uvicorn

        from pacte.api.protocol import SPEC
        from pacte.store.connect import connect

        if workers < 1:
            raise InvalidParameterError(f"--workers doit être un entier ≥ 1 (valeur : {workers})")
        if not 0 < port < 65536:
            raise InvalidParameterError(f"--port doit être entre 1 et 65535 (valeur : {port})")
        path = Path(db) if db is not None else default_db_path()
        connect(path).close()  # a missing or corrupted store: French error now, not per request
        os.environ[DB_ENV] = str(path)  # the workers read their settings from PACTE_*
        err.print(f"pacte : API sur http://{host}:{port}/api/, tableau de bord sur "
                  f"http://{host}:{port}/ (store {path}, {workers} processus)")
        uvicorn.run("pacte.api.app:app_from_env", factory=True, host=host, port=port,
                    workers=workers, log_level="warning", http=SPEC)
