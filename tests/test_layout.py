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


def test_no_package_file_read_outside_settings():
    """Package data is located in one place (``pacte.settings.package_data``)."""
    offenders = [p.relative_to(SRC).as_posix() for p in SRC.rglob("*.py")
                 if p.name != "settings.py" and "importlib import resources" in p.read_text()]
    assert offenders == []


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
