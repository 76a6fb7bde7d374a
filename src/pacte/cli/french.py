"""The words of the command-line framework itself in French: usage line, help option,
panel titles and every parsing error (unknown option or command, missing argument, bad value,
extra arguments).

Typer (0.26 and later) carries its own copy of Click whose messages are English f-strings,
not gettext calls, so no catalogue can translate them. Instead :func:`install_french` gives
every command of the application the classes below (Typer's documented ``cls`` hook): they
write the usage line and the help option in French and turn each parsing error into a French
one from its type and attributes (the option, the parameter, the pydantic error of a bad
value), never from its English text. The titles of Typer's rich help and error panels are
module settings of ``typer.rich_utils``, set here too, just before Typer draws a help or
error panel (:func:`french_panels`). Nothing happens at import."""

from __future__ import annotations

import difflib
from typing import Any

import typer
from typer._click.exceptions import (
    BadOptionUsage,
    BadParameter,
    ClickException,
    MissingParameter,
    NoArgsIsHelpError,
    NoSuchOption,
    UsageError,
)
from typer.core import TyperCommand, TyperGroup
from typer.exceptions import Abort

from pacte.cli.coerce import plain_params

USAGE_PREFIX = "Utilisation : "
HELP_TEXT = "Affiche cette aide et quitte."

#: Typer's rich help and error panels (``typer.rich_utils`` module settings).
RICH_WORDS = {
    "ARGUMENTS_PANEL_TITLE": "Arguments",
    "OPTIONS_PANEL_TITLE": "Options",
    "COMMANDS_PANEL_TITLE": "Commandes",
    "ERRORS_PANEL_TITLE": "Erreur",
    "ABORTED_TEXT": "Interrompu.",
    "RICH_HELP": "Essayez [blue]« {command_path} {help_option} »[/] pour l'aide.",
    "DEFAULT_STRING": "[défaut : {}]",
    "ENVVAR_STRING": "[variable : {}]",
    "REQUIRED_LONG_STRING": "[obligatoire]",
    "DEPRECATED_STRING": "(obsolète) ",
}

#: What a missing parameter is, by Click's ``param_type_name``.
PARAM_KINDS = {"argument": "Argument manquant", "option": "Option manquante"}


class FrenchUsageError(UsageError):
    """A usage error already worded in French (exit code 2, shown with the usage line)."""


def _param_hint(param: Any, ctx: Any) -> str:
    """``'--level' / '-l'`` or ``'code'``: how Click names a parameter in its errors."""
    return param.get_error_hint() if param is not None else ""


def _choices(param: Any) -> list[str] | None:
    desc = getattr(param, "type_descriptor", None)
    if desc is None or not getattr(desc, "is_choice", False) or desc.choices is None:
        return None
    return [str(getattr(c, "value", c)) for c in desc.choices]


def _bad_value(exc: BadParameter) -> str:
    """French reason of a refused value: the pydantic error that Typer's conversion raised
    (worded by :func:`pacte.errors.validation_text`), the list of accepted values of a choice,
    else the message as given (a French message raised by pacte itself)."""
    from pacte.errors import validation_text

    cause = exc.__cause__
    errors = cause.errors() if hasattr(cause, "errors") else []
    choices = _choices(exc.param)
    if errors and choices is not None:
        return (f"{errors[0].get('input')!r} n'est pas une valeur possible (valeurs "
                f"possibles : {', '.join(choices)})")
    if errors:
        return validation_text(errors[0])
    return exc.message


def french_message(exc: ClickException, ctx: Any = None) -> str:
    """The French text of a parsing error of the command of ``ctx``, from its type and
    attributes."""
    ctx = getattr(exc, "ctx", None) or ctx
    if isinstance(exc, NoSuchOption):
        text = f"Option inconnue : {exc.option_name}"
        if exc.possibilities:
            text += f" (voulez-vous dire {', '.join(sorted(exc.possibilities))} ?)"
        return text
    if isinstance(exc, MissingParameter):
        kind = exc.param_type or getattr(exc.param, "param_type_name", "parameter")
        text = f"{PARAM_KINDS.get(kind, 'Paramètre manquant')} : {_param_hint(exc.param, ctx)}"
        choices = _choices(exc.param)
        return text + (f" (valeurs possibles : {', '.join(choices)})" if choices else "")
    if isinstance(exc, BadParameter):
        hint = exc.param_hint or _param_hint(exc.param, ctx)
        return f"Valeur invalide pour {hint} : {_bad_value(exc)}"
    if isinstance(exc, BadOptionUsage):
        option = _find_option(ctx, exc.option_name)
        if option is not None and option.is_flag:
            return f"L'option {exc.option_name} ne prend pas de valeur"
        nargs = getattr(option, "nargs", 1)
        return (f"L'option {exc.option_name} demande une valeur" if nargs == 1
                else f"L'option {exc.option_name} demande {nargs} valeurs")
    return exc.format_message()


def _find_option(ctx: Any, name: str) -> Any:
    command = getattr(ctx, "command", None)
    for param in getattr(command, "params", []):
        if name in getattr(param, "opts", []) or name in getattr(param, "secondary_opts", []):
            return param
    return None


def _french(exc: ClickException, ctx: Any) -> ClickException:
    if isinstance(exc, FrenchUsageError | NoArgsIsHelpError) or not isinstance(exc, UsageError):
        return exc
    french = FrenchUsageError(french_message(exc, ctx), getattr(exc, "ctx", None) or ctx)
    french.exit_code = exc.exit_code
    return french


def unwrap_paragraphs(text: str | None) -> str | None:
    """A docstring's paragraphs each on one line (the help wraps them to the terminal; a
    line break kept from the source would cut a sentence at 80 columns). A paragraph
    starting with Click's ``\\b`` marker keeps its lines."""
    if not text:
        return text
    return "\n\n".join(p if p.startswith("\b") else " ".join(p.split())
                       for p in text.split("\n\n"))


#: Click's usage placeholders in French.
FRENCH_METAVARS = {"COMMAND [ARGS]...": "COMMANDE [ARGUMENTS]..."}


class FrenchWords:
    """What both command classes share: the usage prefix, the help option's text, parsing
    errors in French (extra arguments included, which Click reports only as English text)."""

    def format_usage(self, ctx, formatter) -> None:
        pieces = [FRENCH_METAVARS.get(p, p) for p in self.collect_usage_pieces(ctx)]
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix=USAGE_PREFIX)

    def format_help(self, ctx, formatter) -> None:
        french_panels()
        self.help = unwrap_paragraphs(self.help)
        for param in self.get_params(ctx):  # a flag takes no value: no « <bool> » type shown
            if getattr(param, "is_flag", False) and param.metavar is None:
                param.metavar = ""
        return super().format_help(ctx, formatter)

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = HELP_TEXT
        return option

    def make_context(self, *args, **kwargs):
        try:
            return super().make_context(*args, **kwargs)
        except (ClickException, Abort):  # Typer draws it next, in a panel
            french_panels()
            raise

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (ClickException, Abort):
            french_panels()
            raise

    def parse_args(self, ctx, args: list[str]) -> list[str]:
        plain_params(self, ctx)  # plain values converted without pydantic
        allowed = ctx.allow_extra_args
        ctx.allow_extra_args = True  # the leftover is checked below, in French
        try:
            rest = super().parse_args(ctx, args)
        except ClickException as exc:
            raise _french(exc, ctx) from None
        finally:
            ctx.allow_extra_args = allowed
        if rest and not allowed and not ctx.resilient_parsing:
            raise FrenchUsageError(f"Argument{'s' if len(rest) > 1 else ''} en trop : "
                                   f"{' '.join(rest)}", ctx)
        return rest


class FrenchCommand(FrenchWords, TyperCommand):
    """A Typer command speaking French."""


class FrenchGroup(FrenchWords, TyperGroup):
    """A Typer group speaking French; an unknown subcommand gets the closest names."""

    def resolve_command(self, ctx, args: list[str]):
        name = args[0] if args else ""
        if args and self.get_command(ctx, name) is None and not ctx.resilient_parsing \
                and not name.startswith("-"):
            close = difflib.get_close_matches(name, list(self.commands))
            text = f"Commande inconnue : {name!r}"
            if close:
                text += f" (voulez-vous dire {', '.join(repr(c) for c in close)} ?)"
            raise FrenchUsageError(text, ctx)
        try:
            return super().resolve_command(ctx, args)
        except ClickException as exc:
            raise _french(exc, ctx) from None


def _set_classes(app: typer.Typer) -> None:
    app.info.cls = FrenchGroup
    for info in app.registered_commands:
        if info.cls in (None, TyperCommand):
            info.cls = FrenchCommand
    for group in app.registered_groups:
        group.cls = FrenchGroup
        if group.typer_instance is not None:
            _set_classes(group.typer_instance)


def french_panels() -> None:
    """Set :data:`RICH_WORDS` in ``typer.rich_utils``, the module Typer draws its help and
    error panels with (its documented settings). Called just before Typer draws one, so
    that a command drawing none does not import it (Markdown, Pygments: about 0.05 s)."""
    import typer.rich_utils as rich_utils

    for name, words in RICH_WORDS.items():
        setattr(rich_utils, name, words)


def install_french(app: typer.Typer) -> None:
    """Make ``app`` (and its subcommands, registered before this call) speak French."""
    _set_classes(app)
