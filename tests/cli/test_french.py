"""The command-line framework's own words in French (:mod:`pacte.cli.french`): one test per
message the real CLI can show, through Typer's runner (and once through a real process), each
asserting the French text and the absence of Click's English one."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Annotated

import typer
from typer.testing import CliRunner

from pacte.cli.french import install_french
from pacte.cli.main import app

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    r = runner.invoke(app, list(args), env={"COLUMNS": "200"}, prog_name="pacte")
    text = r.output + (r.stderr if r.stderr_bytes is not None else "")
    assert "Traceback" not in text, text
    return r.exit_code, " ".join(text.split())


def test_help_in_french():
    code, text = run("show", "--help")
    assert code == 0
    assert "Utilisation : pacte show [OPTIONS] {code}" in text
    assert "Affiche cette aide et quitte." in text and "Show this message" not in text
    for title in ("Arguments", "Options"):
        assert f"─ {title} ─" in text
    assert "[obligatoire]" in text and "[défaut : table]" in text
    assert "Usage" not in text and "[required]" not in text and "default:" not in text


def test_group_help_lists_commandes():
    code, text = run("--help")
    assert code == 0 and "─ Commandes ─" in text and "─ Commands ─" not in text


def test_no_arguments_shows_the_help():
    code, text = run("simulate")
    assert code == 2 and "Utilisation : pacte simulate" in text and "dcrtp" in text


def test_usage_error_names_the_help_command():
    code, text = run("rank", "--nope")
    assert code == 2
    assert text.startswith("Utilisation : pacte rank [OPTIONS] "
                           "Essayez « pacte rank --help » pour l'aide.")
    assert "─ Erreur ─" in text and "Try " not in text and "Error" not in text


def test_unknown_option_with_suggestion():
    code, text = run("rank", "--drows", "5")
    assert code == 2 and "Option inconnue : --drows (voulez-vous dire --draws ?)" in text
    assert "No such option" not in text and "Possible options" not in text


def test_unknown_option_without_suggestion():
    code, text = run("--zzzz")
    assert code == 2 and "Option inconnue : --zzzz │" in text


def test_unknown_command_with_suggestion():
    code, text = run("rannk")
    assert code == 2 and "Commande inconnue : 'rannk' (voulez-vous dire 'rank' ?)" in text
    assert "No such command" not in text and "Did you mean" not in text


def test_unknown_subcommand():
    code, text = run("simulate", "nope")
    assert code == 2 and "Commande inconnue : 'nope' │" in text
    assert "Utilisation : pacte simulate [OPTIONS] COMMANDE [ARGUMENTS]..." in text


def test_missing_argument():
    code, text = run("show")
    assert code == 2 and "Argument manquant : 'code'" in text and "Missing" not in text


def test_invalid_choice():
    code, text = run("territories", "--format", "xml")
    assert code == 2
    assert ("Valeur invalide pour '--format' / '-f' : 'xml' n'est pas une valeur possible "
            "(valeurs possibles : table, csv, json)") in text
    assert "is not one of" not in text and "Invalid value" not in text


def test_bad_integer():
    code, text = run("run", "--seed", "abc")
    assert code == 2 and "Valeur invalide pour '--seed' : nombre entier attendu" in text
    assert "Input should be" not in text


def test_bad_number():
    code, text = run("simulate", "dcrtp", "--cut", "beaucoup")
    assert code == 2 and "Valeur invalide pour '--cut' : nombre attendu" in text


def test_value_below_the_minimum():
    code, text = run("diversify", "x", "--top", "0")
    assert code == 2
    assert "Valeur invalide pour '--top' : valeur trop petite (minimum : 1)" in text
    assert "greater than" not in text


def test_option_requires_a_value():
    code, text = run("territories", "--level")
    assert code == 2 and "L'option --level demande une valeur" in text
    assert "requires an argument" not in text


def test_flag_takes_no_value():
    code, text = run("build", "--force=oui")
    assert code == 2 and "L'option --force ne prend pas de valeur" in text


def test_extra_arguments():
    code, text = run("show", "a", "b", "c")
    assert code == 2 and "Arguments en trop : b c" in text
    code, text = run("show", "a", "b")
    assert code == 2 and "Argument en trop : b" in text and "unexpected extra" not in text


def test_missing_option_and_a_list_of_choices():
    """No pacte command has a required option today: the wording is checked on a small
    application given the same French layer."""
    small = typer.Typer()

    @small.command()
    def pick(kind: Annotated[str, typer.Option("--kind", "-k")],
             n: Annotated[int, typer.Argument()] = 1) -> None:
        """Choisit."""

    @small.command()
    def other() -> None:
        """Autre."""

    install_french(small)
    r = runner.invoke(small, ["pick"], env={"COLUMNS": "200"})
    text = " ".join((r.output + (r.stderr or "")).split())
    assert r.exit_code == 2 and "Option manquante : '--kind' / '-k'" in text


def test_french_in_a_real_process():
    """The console script itself (not only the runner) speaks French."""
    env = {**os.environ, "COLUMNS": "200"}
    out = subprocess.run([sys.executable, "-m", "pacte.cli", "rank", "--nope"],
                         capture_output=True, text=True, env=env)
    assert out.returncode == 2
    assert "Option inconnue : --nope" in out.stderr and "Utilisation :" in out.stderr


def test_the_installed_typer_is_in_the_pinned_range():
    """pyproject pins Typer to the range this layer is tested on (it relies on the classes of
    Typer's own copy of Click)."""
    import tomllib
    from importlib import metadata
    from pathlib import Path

    from packaging.requirements import Requirement
    from packaging.version import Version

    deps = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    spec = next(d for d in deps["project"]["dependencies"] if d.startswith("typer"))
    assert Version(metadata.version("typer")) in Requirement(spec).specifier


def test_typer_exit_inside_a_command_keeps_its_code():
    """``friendly`` lets Typer's own Exit through (a command's chosen exit code), instead
    of calling it an unexpected error."""
    from pacte.cli.common import friendly

    small = typer.Typer()

    @small.command()
    @friendly
    def stop() -> None:
        """Arrête."""
        raise typer.Exit(3)

    @small.command()
    def other() -> None:
        """Autre."""

    install_french(small)
    r = runner.invoke(small, ["stop"])
    assert r.exit_code == 3 and "inattendue" not in r.output + (r.stderr or "")


def test_help_paragraphs_wrap_whole_at_80_columns():
    """A docstring's line breaks do not cut the help's sentences; flags show no type."""
    from typer.testing import CliRunner

    from pacte.cli.main import app

    res = CliRunner().invoke(app, ["run", "--help"], env={"COLUMNS": "80"},
                             terminal_width=80)
    lines = res.output.splitlines()
    assert not any(line.strip() == "classement" for line in lines)
    rebuild = next(line for line in lines if "--rebuild" in line)
    assert "<bool>" not in rebuild
