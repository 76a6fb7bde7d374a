"""What every CLI command shares: the --db and --format options, the error handling, and
the French words of the CLI framework itself (Click and Typer take their strings through
gettext: :func:`install_french` swaps the lookup for a French catalogue)."""

from __future__ import annotations

import functools
import re
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import click
import typer
from rich.console import Console
from rich.markup import escape

from pacte.errors import InvalidParameterError, PacteError, StoreError, status_of


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


err = Console(stderr=True)

DbOpt = Annotated[Path | None, typer.Option("--db", help="Fichier DuckDB du store "
                                            "(défaut : $PACTE_DB, sinon le dossier de données "
                                            "de l'utilisateur).")]
FmtOpt = Annotated[Format, typer.Option("--format", "-f", help="table, csv ou json.")]

#: Click's and Typer's own words (their gettext message ids) in French.
FRENCH: dict[str, str] = {
    "Usage:": "Utilisation :",
    "Options": "Options",
    "Arguments": "Arguments",
    "Commands": "Commandes",
    "Error": "Erreur",
    "Error: {message}": "Erreur : {message}",
    "Aborted!": "Interrompu.",
    "Aborted.": "Interrompu.",
    "Show this message and exit.": "Affiche cette aide et quitte.",
    "Show the version and exit.": "Affiche la version et quitte.",
    "Try '{command} {option}' for help.": "Essayez « {command} {option} » pour l'aide.",
    "Try [blue]'{command_path} {help_option}'[/] for help.":
        "Essayez [blue]« {command_path} {help_option} »[/] pour l'aide.",
    "No such option {name!r}.": "Option inconnue : {name!r}.",
    "No such command {name!r}.": "Commande inconnue : {name!r}.",
    "Missing command.": "Commande manquante.",
    "Missing argument": "Argument manquant",
    "Missing option": "Option manquante",
    "Missing parameter": "Paramètre manquant",
    "Missing {param_type}": "{param_type} manquant(e)",
    "Missing parameter: {param_name}": "Paramètre manquant : {param_name}",
    "Invalid value: {message}": "Valeur invalide : {message}",
    "Invalid value for {param_hint}: {message}": "Valeur invalide pour {param_hint} : {message}",
    "Option {name!r} does not take a value.": "L'option {name!r} ne prend pas de valeur.",
    "Argument {name!r} takes {nargs} values.": "L'argument {name!r} prend {nargs} valeurs.",
    "{value!r} is not a valid {number_type}.": "{value!r} n'est pas un {number_type} valide.",
    "{value} is not in the range {range}.": "{value} n'est pas dans l'intervalle {range}.",
    "{value!r} is not a valid UUID.": "{value!r} n'est pas un UUID valide.",
    "{name} {filename!r} does not exist.": "{name} {filename!r} n'existe pas.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} est un dossier.",
    "{name} {filename!r} is a file.": "{name} {filename!r} est un fichier.",
    "{name} {filename!r} is not readable.": "{name} {filename!r} n'est pas lisible.",
    "{name} {filename!r} is not writable.": "{name} {filename!r} n'est pas accessible en "
                                            "écriture.",
    "{name} {filename!r} is not executable.": "{name} {filename!r} n'est pas exécutable.",
    "Could not open file {filename!r}: {message}":
        "Impossible d'ouvrir le fichier {filename!r} : {message}",
    "file": "fichier", "directory": "dossier", "path": "chemin",
    "Choose from:\n\t{choices}": "Choisissez parmi :\n\t{choices}",
    "[default: {}]": "[défaut : {}]", "default: {default}": "défaut : {default}",
    "[env var: {}]": "[variable : {}]", "env var: {var}": "variable : {var}",
    "[required]": "[obligatoire]", "required": "obligatoire",
    "(deprecated) ": "(obsolète) ", "deprecated": "obsolète",
    "Do you want to continue?": "Voulez-vous continuer ?",
    "Repeat for confirmation": "Répétez pour confirmer",
    "Error: invalid input": "Erreur : saisie invalide",
    "Error: The two entered values do not match.":
        "Erreur : les deux valeurs saisies diffèrent.",
    "Press any key to continue...": "Appuyez sur une touche pour continuer…",
    "unknown error": "erreur inconnue",
}
#: Plural messages: (singular id, plural id) -> (French singular, French plural).
FRENCH_PLURALS: dict[tuple[str, str], tuple[str, str]] = {
    ("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"):
        ("Argument en trop : ({args})", "Arguments en trop : ({args})"),
    ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"):
        ("Voulez-vous dire {possibility} ?", "(Voulez-vous dire : {possibilities} ?)"),
    ("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."):
        ("L'option {name!r} demande une valeur.", "L'option {name!r} demande {nargs} valeurs."),
    ("{value!r} is not {choice}.", "{value!r} is not one of {choices}."):
        ("{value!r} n'est pas {choice}.", "{value!r} n'est pas parmi {choices}."),
    ("{value!r} does not match the format {format}.",
     "{value!r} does not match the formats {formats}."):
        ("{value!r} ne correspond pas au format {format}.",
         "{value!r} ne correspond à aucun des formats {formats}."),
    ("Takes {nargs} values but 1 was given.", "Takes {nargs} values but {len} were given."):
        ("Prend {nargs} valeurs mais 1 a été donnée.",
         "Prend {nargs} valeurs mais {len} ont été données."),
}
#: Click's number type names, as they enter "{value!r} is not a valid {number_type}".
NUMBER_TYPES = {"integer": "entier", "float": "nombre décimal"}


#: Typer vendors its own Click (``typer._click``) whose messages are English f-strings, not
#: gettext: they are translated on their way out, pattern by pattern.
TYPER_PATTERNS: list[tuple[re.Pattern, str]] = [(re.compile(a), b) for a, b in [
    (r"No such option: ", "Option inconnue : "),
    (r"\(Possible options: ([^)]*)\)", r"(options possibles : \1)"),
    (r"Did you mean ([^?]*)\?", r"Voulez-vous dire \1 ?"),
    (r"^Invalid value for ([^:]*): ", r"Valeur invalide pour \1 : "),
    (r"^Invalid value: ", "Valeur invalide : "),
    (r"Input should be a valid integer, unable to parse string as an integer",
     "un nombre entier est attendu"),
    (r"Input should be a valid number, unable to parse string as a number",
     "un nombre est attendu"),
    (r"Input should be a valid integer[^.]*", "un nombre entier est attendu"),
    (r"Input should be a valid boolean[^.]*", "oui/non (true/false) est attendu"),
    (r"Input should be ([^,.]*)", r"valeur attendue : \1"),
    (r"^Missing argument", "Argument manquant"),
    (r"^Missing option", "Option manquante"),
    (r"^Missing parameter: ", "Paramètre manquant : "),
    (r"^Missing parameter", "Paramètre manquant"),
    (r"^Missing command\.", "Commande manquante."),
    (r"^No such command ", "Commande inconnue : "),
    (r"Got unexpected extra argument\(s\) ", "Argument(s) en trop : "),
    (r"Got unexpected extra arguments? ", "Argument(s) en trop : "),
    (r"Option ('[^']*') requires an argument\.", r"L'option \1 demande une valeur."),
    (r"Option ('[^']*') requires ", r"L'option \1 demande "),
    (r"Option ('[^']*') does not take a value\.", r"L'option \1 ne prend pas de valeur."),
    (r"Argument ('[^']*') takes (\d+) values\.", r"L'argument \1 prend \2 valeurs."),
    (r"(.*) is not one of (.*)\.$", r"\1 n'est pas parmi \2."),
    (r"Value (.*) is not a valid (.*)\.", r"la valeur \1 n'est pas un(e) \2 valide."),
    (r"(\S+) (.*) does not exist\.", r"\1 \2 n'existe pas."),
    (r"(\S+) (.*) is a directory\.", r"\1 \2 est un dossier."),
    (r"(\S+) (.*) is a file\.", r"\1 \2 est un fichier."),
    (r"(\S+) (.*) is not readable\.", r"\1 \2 n'est pas lisible."),
    (r"(\S+) (.*) is not writable\.", r"\1 \2 n'est pas accessible en écriture."),
    (r"Could not open file (.*): ", r"Impossible d'ouvrir le fichier \1 : "),
    (r"Choose from:", "Choisissez parmi :"), (r"Value error, ", ""),
    (r"^File ", "Fichier "), (r"^Directory ", "Dossier "), (r"^Path ", "Chemin "),
]]


def french_message(text: str) -> str:
    """An English message of Typer's vendored Click, in French (unknown parts kept)."""
    for pattern, repl in TYPER_PATTERNS:
        text = pattern.sub(repl, text)
    return text


def french_gettext(message: str) -> str:
    return FRENCH.get(message, message)


def french_ngettext(singular: str, plural: str, n: int) -> str:
    fr = FRENCH_PLURALS.get((singular, plural))
    if fr is None:
        return singular if n == 1 else plural
    return fr[0] if n == 1 else fr[1]


def install_french() -> None:
    """Route Click's and Typer's gettext lookups to the French catalogue (their strings are
    looked up when a message is built, so this works after import), and set Typer's
    rich help panel titles, computed at import, in French."""
    import typer.core
    import typer.rich_utils as ru

    for mod in (click.core, click.exceptions, click.formatting, click.types, click.decorators,
                click.parser, click.termui, click.utils, typer.core, ru):
        if hasattr(mod, "_"):
            mod._ = french_gettext
        if hasattr(mod, "ngettext"):
            mod.ngettext = french_ngettext
    ru.ARGUMENTS_PANEL_TITLE = "Arguments"
    ru.OPTIONS_PANEL_TITLE = "Options"
    ru.COMMANDS_PANEL_TITLE = "Commandes"
    ru.ERRORS_PANEL_TITLE = "Erreur"
    ru.ABORTED_TEXT = "Interrompu."
    ru.RICH_HELP = FRENCH["Try [blue]'{command_path} {help_option}'[/] for help."]
    ru.DEFAULT_STRING = "[défaut : {}]"
    ru.ENVVAR_STRING = "[variable : {}]"
    ru.REQUIRED_LONG_STRING = "[obligatoire]"
    ru.DEPRECATED_STRING = "(obsolète) "
    for cls in (click.types.IntParamType, click.types.FloatParamType):
        cls.name = NUMBER_TYPES.get(cls.name, cls.name)
    _install_typer_click()


def _install_typer_click() -> None:
    try:
        import typer._click.core as tcc
        import typer._click.exceptions as tce
        import typer._click.formatting as tcf
    except ImportError:  # an older Typer on the real Click: gettext covers it
        return
    if getattr(tce, "_pacte_french", False):
        return
    tce._pacte_french = True
    for cls in list(vars(tce).values()):
        if isinstance(cls, type) and issubclass(cls, Exception) and "format_message" in vars(cls):
            cls.format_message = _translated(vars(cls)["format_message"])

    def show(self, file=None) -> None:
        file = file or tce.get_text_stderr()
        ctx = getattr(self, "ctx", None)
        if ctx is not None:
            hint = ""
            if ctx.command.get_help_option(ctx) is not None:
                hint = (f"Essayez « {ctx.command_path} {ctx.help_option_names[0]} » pour "
                        "l'aide.\n")
            tce.echo(f"{ctx.get_usage()}\n{hint}", file=file, color=ctx.color)
        tce.echo(f"Erreur : {self.format_message()}", file=file,
                 color=getattr(self, "show_color", None))

    tce.ClickException.show = show
    tce.UsageError.show = show

    write_usage = tcf.HelpFormatter.write_usage

    def french_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        write_usage(self, prog, args, "Utilisation : " if prefix is None else prefix)

    tcf.HelpFormatter.write_usage = french_usage

    get_help_option = tcc.Command.get_help_option

    def french_help_option(self, ctx):
        opt = get_help_option(self, ctx)
        if opt is not None and opt.help == "Show this message and exit.":
            opt.help = FRENCH["Show this message and exit."]
        return opt

    tcc.Command.get_help_option = french_help_option


def _translated(format_message):
    @functools.wraps(format_message)
    def wrapper(self) -> str:
        return french_message(format_message(self))
    return wrapper


install_french()


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
        text = str(exc).lower()
        if "checksum" in text or "corrupt" in text or "read enough bytes" in text:
            why = "blocs altérés ou fichier tronqué"
        else:
            why = type(exc).__name__
        return (str(StoreError(f"store illisible ou corrompu ({why}) — relancez "
                               "« pacte build »")), 1)
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


def friendly(fn):
    """Turn PacteError into a French message on stderr, with the exit code of the error table
    (:data:`pacte.errors.STATUS`: 2 for an unknown territory or a bad parameter); any other
    exception becomes a French one-line message with exit code 1, never a traceback
    (``PACTE_DEBUG=1`` re-raises it for developers)."""
    @functools.wraps(fn)
    def wrapper(*a, **kw):
        import os

        try:
            return fn(*a, **kw)
        except PacteError as exc:
            err.print(f"[red]Erreur :[/red] {escape(str(exc))}", soft_wrap=True)
            raise typer.Exit(status_of(exc)[0]) from None
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            err.print("[red]Interrompu.[/red]")
            raise typer.Exit(130) from None
        except Exception as exc:
            if os.environ.get("PACTE_DEBUG"):
                raise
            message, code = _unexpected(exc)
            err.print(f"[red]Erreur :[/red] {escape(message)}", soft_wrap=True)
            sys.stderr.flush()
            raise typer.Exit(code) from None
    return wrapper
