"""The layout's rules, checked: the import-layer contract (import-linter, configured in
pyproject.toml) and the size of modules (split by concept before ~400 lines)."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "pacte"


def test_import_layers_contract():
    """A lower layer never imports a higher one; nothing imports ``pacte.cli``."""
    pytest.importorskip("importlinter")
    from importlinter.cli import lint_imports

    assert lint_imports(config_filename=str(ROOT / "pyproject.toml")) == 0


def test_no_module_over_400_lines():
    sizes = {p.relative_to(SRC).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
             for p in SRC.rglob("*.py")}
    big = {k: v for k, v in sizes.items() if v > 400}
    assert not big, f"modules over 400 lines: {big}"


def package_file_reads(tree) -> list[str]:
    """What in a module's syntax tree locates package files itself: any import of
    ``importlib.resources`` or ``importlib.metadata`` (in any form, e.g. ``from importlib
    import metadata, resources``) and any use of ``__file__``."""
    import ast

    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("importlib.")]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "importlib":
                found += [f"importlib.{a.name}" for a in node.names
                          if a.name in ("resources", "metadata")]
            elif node.module.startswith(("importlib.resources", "importlib.metadata")):
                found.append(node.module)
        elif isinstance(node, ast.Name) and node.id == "__file__":
            found.append("__file__")
    return found


def test_the_package_file_check_catches_every_form():
    import ast

    for code, expected in (("from importlib import metadata, resources", 2),
                           ("import importlib.resources", 1),
                           ("from importlib.resources import files", 1),
                           ("from pathlib import Path\nX = Path(__file__).parent", 1),
                           ("from importlib import import_module", 0)):
        assert len(package_file_reads(ast.parse(code))) == expected, code


def test_no_package_file_read_outside_settings():
    """Package files and the version are located in one place (``pacte.settings``:
    ``package_data``, ``package_file``, ``VERSION``)."""
    import ast

    offenders = {p.relative_to(SRC).as_posix(): found for p in SRC.rglob("*.py")
                 if p.name != "settings.py"
                 and (found := package_file_reads(ast.parse(p.read_text(encoding="utf-8"))))}
    assert offenders == {}


def test_one_version():
    """The version is written once (``pacte.settings.VERSION``); pyproject reads it."""
    import tomllib

    from pacte import __version__
    from pacte.settings import VERSION

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "pacte.settings.VERSION"}
    assert __version__ == VERSION


def test_no_fetchone_on_duckdb():
    """DuckDB 2 leaves a result read with ``fetchone()`` unfinished, and the connection then
    refuses ``register`` ("connection has an unfinished result"): read with ``fetchall()``."""
    offenders = [p.relative_to(SRC).as_posix() for p in SRC.rglob("*.py")
                 if ".fetchone()" in p.read_text(encoding="utf-8")]
    assert offenders == []


def test_cli_help_constants_match_their_models():
    """The CLI's help texts read light constants (``pacte --help`` loads no pandas); they must
    say what the models do."""
    from pacte.catalogue.exposure import EXPOSURE_IDS, EXPOSURE_PERIODS
    from pacte.cli.simulate import KEYS_HELP
    from pacte.engine import exposure as ex
    from pacte.finance.simulator import KEYS

    # the instrument is computed but never ranked as an exposure
    assert tuple(k for k in ex.SHOCKS if k != "import_exposure_iv") == EXPOSURE_IDS
    assert tuple(ex.PERIODS) == EXPOSURE_PERIODS
    assert KEYS_HELP.split(", ") == list(KEYS)


def test_help_loads_no_pandas():
    import subprocess
    import sys

    code = "import sys, pacte.cli; print('pandas' in sys.modules, 'duckdb' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_no_issue_numbers_in_code():
    """Code and shipped files say what and why, not the history of their making."""
    import re

    pattern = re.compile(r"\bissues?[ -]?\d+", re.I)
    offenders = [p.relative_to(SRC).as_posix() for p in [*SRC.rglob("*.py"),
                                                          *SRC.rglob("*.yaml")]
                 if pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
