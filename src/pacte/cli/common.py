"""What every CLI command shares: the --db and --format options and the error handling
(the framework's own words are in :mod:`pacte.cli.french`)."""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from pacte.errors import InvalidParameterError, PacteError, StoreError, status_of


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


class LazyConsole:
    """A rich ``Console(**options)`` made on first use: a reader writing CSV or JSON prints
    nothing through rich and does not import it."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console = None

    def writes_stdout(self) -> bool:
        """It prints to standard output with rich's own defaults (its width, no file)."""
        return not self._options

    def rich(self) -> Any:
        """The rich ``Console`` itself, for what uses it as a context manager (a progress
        bar's ``Live``), which a proxy's ``__getattr__`` cannot stand for."""
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.rich(), name)


err = LazyConsole(stderr=True)


def working(text: str) -> contextlib.AbstractContextManager:
    """``err.status(text)``: a spinner on standard error while a command works. Rich draws
    it on a terminal only; elsewhere (a file, a pipe: no terminal and none forced by
    ``TTY_COMPATIBLE`` or ``FORCE_COLOR``) nothing is drawn, and nothing is made."""
    if sys.stderr.isatty() or "TTY_COMPATIBLE" in os.environ or "FORCE_COLOR" in os.environ:
        return err.status(text)
    return contextlib.nullcontext()

DbOpt = Annotated[Path | None, typer.Option("--db", help="Fichier DuckDB du store "
                                            "(défaut : $PACTE_DB, sinon le dossier de données "
                                            "de l'utilisateur).")]
FmtOpt = Annotated[Format, typer.Option("--format", "-f", help="table, csv ou json.")]

def check_writable_file(path: Path, option: str) -> None:
    """Before any computation: ``path`` can be written (not a folder nor a device, folder
    writable)."""
    import os

    from pacte.export.atomic import check_target

    path = Path(path)
    check_target(path, option)
    if path.is_dir():
        raise InvalidParameterError(f"{option} {path} : c'est un dossier, un nom de fichier "
                                    "est attendu")
    parent = path.resolve().parent
    if not parent.is_dir():
        raise InvalidParameterError(f"{option} {path} : le dossier {parent} n'existe pas")
    if not os.access(parent, os.W_OK | os.X_OK) or (path.exists()
                                                   and not os.access(path, os.W_OK)):
        raise InvalidParameterError(f"{option} {path} : écriture refusée (dossier ou fichier "
                                    "en lecture seule) ; rien n'a été calculé")


def _unexpected(exc: BaseException) -> tuple[str, int]:
    """French one-line message and exit code of an exception that is not a PacteError."""
    import duckdb

    if isinstance(exc, duckdb.Error):
        from pacte.store.connect import unreadable_reason

        return (str(StoreError(f"store illisible ou corrompu ({unreadable_reason(exc)}) — "
                               "relancez « pacte build »")), 1)
    if isinstance(exc, PermissionError):
        return (f"accès refusé : {exc.filename or ''} (droits d'écriture ou de lecture "
                "insuffisants)", 1)
    if isinstance(exc, IsADirectoryError):
        return f"{exc.filename} est un dossier, pas un fichier", 1
    if isinstance(exc, FileNotFoundError):
        return f"fichier ou dossier introuvable : {exc.filename}", 1
    if isinstance(exc, OSError):
        return f"erreur d'entrée-sortie : {exc.filename or ''} ({exc.strerror or exc})", 1
    if isinstance(exc, MemoryError):
        return "mémoire insuffisante pour ce calcul", 1
    return (f"erreur inattendue ({type(exc).__name__}) ; relancez avec PACTE_DEBUG=1 pour "
            "le détail technique et signalez-la", 1)


def _say_error(message: str) -> None:
    from rich.markup import escape

    err.print(f"[red]Erreur :[/red] {escape(message)}", soft_wrap=True)


def friendly(fn):
    """Turn PacteError into a French message on stderr, with the exit code of the error table
    (:data:`pacte.errors.STATUS`: 2 for an unknown territory or a bad parameter); any other
    exception becomes a French one-line message with exit code 1, never a traceback
    (``PACTE_DEBUG=1`` re-raises it for developers)."""
    @functools.wraps(fn)
    def wrapper(*a, **kw):
        try:
            return fn(*a, **kw)
        except PacteError as exc:
            _say_error(str(exc))
            raise typer.Exit(status_of(exc)[0]) from None
        except (typer.Exit, typer.Abort, typer.TyperException, SystemExit):
            raise
        except KeyboardInterrupt:
            err.print("[red]Interrompu.[/red]")
            raise typer.Exit(130) from None
        except Exception as exc:
            if os.environ.get("PACTE_DEBUG"):
                raise
            message, code = _unexpected(exc)
            _say_error(message)
            sys.stderr.flush()
            raise typer.Exit(code) from None
    return wrapper
