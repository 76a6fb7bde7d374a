"""Commands built when used (:mod:`pacte.cli.lazy`): the application lists and runs the same
commands, with the same help, as one where every module registered its commands up front;
a command imports its own module only; plain option values are converted as Typer's
pydantic adapter converts them (:mod:`pacte.cli.coerce`)."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from enum import StrEnum
from pathlib import Path

import pytest
import typer
from typer.main import get_command
from typer.testing import CliRunner

from pacte.cli.french import install_french
from pacte.cli.main import COMMAND_MODULES, app


def _eager() -> typer.Typer:
    """The application as it was built before: every module's commands registered on it."""
    eager = typer.Typer(add_completion=False, no_args_is_help=True,
                        pretty_exceptions_enable=False, help=app.info.help)
    eager.registered_commands.extend(app.registered_commands)
    for module in dict.fromkeys(COMMAND_MODULES.values()):
        importlib.import_module(module).register(eager)
    install_french(eager)
    return eager


def test_the_commands_are_those_registered_up_front_in_the_same_order():
    eager = _eager()
    assert list(get_command(app).commands) == list(get_command(eager).commands)
    # a module registering two commands, or none asked for: each command is its own
    assert [n for n, m in COMMAND_MODULES.items() if m == "pacte.cli.fetch"] == ["sources",
                                                                               "fetch"]


@pytest.mark.parametrize("args", [["--help"], *([c, "--help"] for c in COMMAND_MODULES),
                                  ["simulate", "dcrtp", "--help"], ["shw"], ["rank", "--topp"],
                                  ["rank", "--top", "x"], ["simulate", "nope"]],
                         ids=" ".join)
def test_help_and_errors_are_those_of_the_eager_application(args):
    runner = CliRunner()
    env = {"COLUMNS": "100"}
    lazy = runner.invoke(app, args, env=env)
    eager = runner.invoke(_eager(), args, env=env)
    assert (lazy.exit_code, lazy.output) == (eager.exit_code, eager.output)
    assert lazy.output.strip()


def test_a_command_imports_its_own_module_only(fictional_store):
    code = ("import sys\nfrom pacte.cli.main import COMMAND_MODULES, app\n"
            "loaded = lambda: sorted({m for m in COMMAND_MODULES.values() if m in sys.modules})\n"
            "print(loaded())\nsys.argv = ['pacte', 'rank', '--top', '3', '--format', 'csv']\n"
            "try:\n    app()\nexcept SystemExit:\n    pass\nprint(loaded())\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PACTE_DB": str(fictional_store)}, check=True)
    assert out.stdout.splitlines()[0] == "[]"
    assert out.stdout.splitlines()[-1] == "['pacte.cli.rank']"


class Colour(StrEnum):
    red = "red"
    blue = "blue"


def _both(annotation, value, **info):
    """(plain conversion, Typer's adapter conversion) of ``value``; an exception stands for
    its type and text."""
    from typer._coercion import build_runtime_param, resolve_type_descriptor
    from typer.models import OptionInfo

    from pacte.cli.coerce import PlainParam

    desc = resolve_type_descriptor(annotation, OptionInfo(**info))

    class Param:
        multiple, nargs, type_descriptor = False, 1, desc

    def run(rp):
        try:
            return rp._coerce_value(value, param=Param, ctx=None)
        except Exception as exc:
            return type(exc).__name__, str(exc)

    plain = PlainParam(parameter_info=desc.parameter_info, annotation=annotation)
    return run(plain), run(build_runtime_param(desc))


@pytest.mark.parametrize(("annotation", "value", "info"), [
    (str, "Rouen", {}), (str, "", {}), (int, "20", {}), (int, "-3", {}), (int, "0", {}),
    (int, 7, {}), (int, "+3", {}), (int, "007", {}), (int, " 3", {}), (int, "3.0", {}),
    (int, "3.5", {}), (int, "abc", {}), (int, "1_000", {}), (int, "-0", {}),
    (int, "99999999999999999999999", {}), (int, True, {}),
    (int, "0", {"min": 1}), (int, "201", {"min": 1, "max": 200}), (int, "5", {"min": 1}),
    (int, 2, {"min": 1, "max": 1000}), (float, 0.5, {}), (float, "0.5", {}),
    (float, "abc", {}), (Colour, "red", {}), (Colour, Colour.blue, {}), (Colour, "RED", {}),
    (Colour, "green", {}), (Colour, "Red", {"case_sensitive": False}),
    (Path, "store.duckdb", {}), (Path, Path("x/y"), {}), (Path, "", {}),
    (Path, "/nonexistent/x", {"exists": True}), (list[str], ("a", "b"), {}),
    (list[str], ["a"], {}), (list[str], (), {}), (list[int], ("1", "x"), {}),
    (bool, "true", {}),
])
def test_plain_conversion_is_the_adapters(annotation, value, info):
    plain, adapter = _both(annotation, value, **info)
    assert plain == adapter
    assert type(plain) is type(adapter)
