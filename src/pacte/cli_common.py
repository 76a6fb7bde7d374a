"""What every CLI command shares: the --db and --format options and the error handling."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from pacte.errors import InvalidParameterError, PacteError, UnknownTerritoryError
from pacte.output import Format

err = Console(stderr=True)

DbOpt = Annotated[Path | None, typer.Option("--db", help="Fichier DuckDB du store "
                                            "(défaut : $PACTE_DB, sinon le dossier de données "
                                            "de l'utilisateur).")]
FmtOpt = Annotated[Format, typer.Option("--format", "-f", help="table, csv ou json.")]


def friendly(fn):
    """Turn PacteError into a French message on stderr: exit 2 for an unknown territory or a
    bad parameter, 1 for other errors."""
    @functools.wraps(fn)
    def wrapper(*a, **kw):
        try:
            return fn(*a, **kw)
        except (UnknownTerritoryError, InvalidParameterError) as exc:
            err.print(f"[red]Erreur :[/red] {exc}")
            raise typer.Exit(2) from None
        except PacteError as exc:
            err.print(f"[red]Erreur :[/red] {exc}")
            raise typer.Exit(1) from None
    return wrapper
