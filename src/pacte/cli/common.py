"""What every CLI command shares: the --db and --format options and the error handling."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from pacte.cli.tables import Format
from pacte.errors import PacteError, status_of

err = Console(stderr=True)

DbOpt = Annotated[Path | None, typer.Option("--db", help="Fichier DuckDB du store "
                                            "(défaut : $PACTE_DB, sinon le dossier de données "
                                            "de l'utilisateur).")]
FmtOpt = Annotated[Format, typer.Option("--format", "-f", help="table, csv ou json.")]


def friendly(fn):
    """Turn PacteError into a French message on stderr, with the exit code of the error table
    (:data:`pacte.errors.STATUS`: 2 for an unknown territory or a bad parameter)."""
    @functools.wraps(fn)
    def wrapper(*a, **kw):
        try:
            return fn(*a, **kw)
        except PacteError as exc:
            err.print(f"[red]Erreur :[/red] {escape(str(exc))}")
            raise typer.Exit(status_of(exc)[0]) from None
    return wrapper
